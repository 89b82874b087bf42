// Parser conformance: Kibana's kuery grammar (precedence, literals, escapes,
// lists, ranges, nested, free text, errors with positions).
#include "kql/parser.h"

#include <gtest/gtest.h>

namespace picket::kql {
namespace {

std::string RenderOf(const std::string& q) {
  auto r = Parse(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.error.message;
  return r.ok() ? Render(*r.root) : "<error>";
}

bool Fails(const std::string& q) { return !Parse(q).ok(); }

TEST(Parser, PrecedenceOrAndNot) {
  auto r = Parse("a:1 or b:2 and c:3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.root->kind, NodeKind::kOr);
  ASSERT_EQ(r.root->children.size(), 2u);
  EXPECT_EQ(r.root->children[1]->kind, NodeKind::kAnd);
  auto n = Parse("a:1 or not b:2 and c:3");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.root->children[1]->kind, NodeKind::kAnd);
  EXPECT_EQ(n.root->children[1]->children[0]->kind, NodeKind::kNot);
}

TEST(Parser, KeywordsInAnyCase) {
  EXPECT_EQ(RenderOf("a:b AND c:d"), "a:b and c:d");
  EXPECT_EQ(RenderOf("a:b Or c:d"), "a:b or c:d");
  EXPECT_EQ(RenderOf("NOT a:b"), "not a:b");
  EXPECT_EQ(RenderOf("a:(b OR c)"), "a:(b or c)");
}

TEST(Parser, KeywordsNeedSpace) {
  EXPECT_TRUE(Fails("\"x\" or\"y\""));
  EXPECT_TRUE(Fails("a:b c:d"));  // no implicit and
  EXPECT_TRUE(Fails("not not a:b"));
  EXPECT_EQ(RenderOf("not (not a:b)"), "not (not a:b)");
  EXPECT_EQ(RenderOf("\"Test\" \nor \"Other\""), "Test or Other");
}

TEST(Parser, EmptyQueryMatchesAll) {
  auto r = Parse("   ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.root->kind, NodeKind::kMatchAll);
}

TEST(Parser, QuotedStringsAreLiteral) {
  auto r = Parse("field: \"*text*\"");
  ASSERT_TRUE(r.ok());
  const Literal& lit = r.root->value->literal;
  EXPECT_TRUE(lit.quoted);
  EXPECT_FALSE(lit.wildcard);
  EXPECT_EQ(lit.text, "*text*");
  auto e = Parse(R"(f:"a\"b\\c\td\u0041")");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.root->value->literal.text, "a\"b\\c\tdA");
}

TEST(Parser, UnquotedEscapesAndWildcards) {
  auto r = Parse(R"(process.args:/lockscreenurl\:http*)");
  ASSERT_TRUE(r.ok());
  const Literal& lit = r.root->value->literal;
  EXPECT_TRUE(lit.wildcard);
  ASSERT_EQ(lit.pieces.size(), 2u);
  EXPECT_EQ(lit.pieces[0], "/lockscreenurl:http");
  auto star = Parse(R"(field:\*)");
  EXPECT_FALSE(star.root->value->literal.wildcard);
  EXPECT_EQ(star.root->value->literal.text, "*");
  // An escaped star stays literal next to a real wildcard (fixes the
  // upstream library's loss of the escape).
  auto mixed = Parse(R"(field:foo\*bar*)");
  ASSERT_TRUE(mixed.ok());
  ASSERT_EQ(mixed.root->value->literal.pieces.size(), 2u);
  EXPECT_EQ(mixed.root->value->literal.pieces[0], "foo*bar");
  auto kw = Parse(R"(field:\or)");
  ASSERT_TRUE(kw.ok());
  EXPECT_EQ(kw.root->value->literal.text, "or");
  EXPECT_TRUE(Fails(R"(field: foo\'bar)"));
  EXPECT_TRUE(Fails(R"(field: foo\qbar*)"));
  EXPECT_TRUE(Fails("field: foo<bar*"));
}

TEST(Parser, UnquotedValuesWithSpaces) {
  // Kibana allows inner whitespace in any unquoted value.
  auto r = Parse("field: hello world");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.root->value->literal.text, "hello world");
  auto w = Parse("field: *S3 Browser* and other: value");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.root->kind, NodeKind::kAnd);
  EXPECT_EQ(w.root->children[0]->value->literal.pieces[1], "S3 Browser");
  auto t = Parse("field: *\\: No such file*");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.root->value->literal.pieces[1], ": No such file");
}

TEST(Parser, ValueLists) {
  EXPECT_EQ(RenderOf("a:(b or not (c and d))"), "a:(b or not (c and d))");
  // Kibana: one `not` per list item unless parenthesised (the upstream
  // Python library accepts `not not not foo`).
  EXPECT_EQ(RenderOf("process.name:(not (not foo))"), "process.name:(not (not foo))");
  EXPECT_TRUE(Fails("process.name:(not not foo)"));
  // Kibana's grammar takes `not` after `field:` only inside parentheses; the
  // upstream Python library also accepts `field: not foo`. We follow Kibana.
  EXPECT_TRUE(Fails("process.executable: not /test/go-build*"));
  EXPECT_EQ(RenderOf("a : ( b )"), "a:b");
}

TEST(Parser, ExistsRangeNestedFreeText) {
  auto e = Parse("a:*");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e.root->value->literal.IsExistsPattern());
  auto rg = Parse("destination.bytes >= 65000");
  ASSERT_TRUE(rg.ok());
  EXPECT_EQ(rg.root->kind, NodeKind::kRange);
  EXPECT_EQ(rg.root->op, RangeOp::kGte);
  EXPECT_EQ(rg.root->literal.text, "65000");
  auto n = Parse("top:{ middle:{ bool: true } }");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.root->kind, NodeKind::kNested);
  EXPECT_EQ(n.root->children[0]->kind, NodeKind::kNested);
  auto f = Parse("process.name : agent12 and \"Accepted password for root\"");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.root->children[1]->kind, NodeKind::kFreeText);
  auto wf = Parse("file.hash.*: abc");
  ASSERT_TRUE(wf.ok());
  EXPECT_EQ(wf.root->field, "file.hash.*");
}

TEST(Parser, ErrorPositionAndCaret) {
  auto r = Parse("a:b and\n  c:(d or");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.line, 2u);
  std::string rendered = r.error.Render("a:b and\n  c:(d or", "rule.toml", 10, 1);
  EXPECT_NE(rendered.find("rule.toml:11:"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("^"), std::string::npos);
  auto bad = Parse("a:b )");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error.offset, 4u);
  EXPECT_NE(bad.error.message.find("')'"), std::string::npos) << bad.error.message;
}

TEST(Parser, DepthLimit) {
  std::string deep(100000, '(');
  auto r = Parse(deep + "a:b");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.message.find("deeper"), std::string::npos);
  std::string ok(50, '(');
  ok += "a:b" + std::string(50, ')');
  EXPECT_TRUE(Parse(ok).ok());
}

}  // namespace
}  // namespace picket::kql

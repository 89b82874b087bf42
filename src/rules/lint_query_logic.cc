// Queries (or parts of them) that are provably always false or always true.
//
// A field comparison with a value expression is first distributed over the
// field (`f:(a or not b)` is `f:a or not f:b`, as Kibana compiles it), giving
// a formula of atoms. Then, within one conjunction or disjunction:
//   * X and not X       -> always false;  X or not X   -> always true;
//   * f:... and not f:* -> always false (a value implies the field exists);
//   * f:* or not f:...  -> always true  (missing f makes `not f:...` true).
// Nothing else is claimed. In particular `f:x and f:y` with x != y is NOT
// contradictory: f may be an array holding both values.
#include <map>
#include <memory>

#include "rules/lint_context.h"

namespace picket::rules::lint {
namespace {

struct Formula {
  enum Kind { kAtom, kAnd, kOr, kNot, kOther } kind = kOther;
  std::vector<std::unique_ptr<Formula>> children;
  std::string key;    // atom: canonical text
  std::string field;  // atom: absolute field, empty for free text
  bool exists = false;  // atom: field:*
  uint32_t offset = 0;
};

std::string LiteralKey(const kql::Literal& l) {
  if (l.quoted) return "\"" + l.text + "\"";
  if (!l.wildcard) return l.text;
  std::string out;
  for (size_t i = 0; i < l.pieces.size(); ++i) out += (i ? "*" : "") + l.pieces[i];
  return out + "(wildcard)";
}

std::unique_ptr<Formula> FromValue(const std::string& field, const kql::ValueNode& value) {
  auto f = std::make_unique<Formula>();
  f->offset = value.offset;
  switch (value.kind) {
    case kql::ValueKind::kLiteral:
      f->kind = Formula::kAtom;
      f->field = field;
      f->exists = value.literal.IsExistsPattern();
      f->key = field + ":" + (f->exists ? std::string("*") : LiteralKey(value.literal));
      f->offset = value.literal.offset;
      return f;
    case kql::ValueKind::kOr: f->kind = Formula::kOr; break;
    case kql::ValueKind::kAnd: f->kind = Formula::kAnd; break;
    case kql::ValueKind::kNot: f->kind = Formula::kNot; break;
  }
  for (const auto& child : value.children) f->children.push_back(FromValue(field, *child));
  return f;
}

const char* OpName(kql::RangeOp op) {
  switch (op) {
    case kql::RangeOp::kLt: return "<";
    case kql::RangeOp::kLte: return "<=";
    case kql::RangeOp::kGt: return ">";
    case kql::RangeOp::kGte: return ">=";
  }
  return "?";
}

std::unique_ptr<Formula> FromNode(const kql::Node& node, const std::string& prefix) {
  auto f = std::make_unique<Formula>();
  f->offset = node.offset;
  std::string field = prefix.empty() ? node.field : prefix + "." + node.field;
  switch (node.kind) {
    case kql::NodeKind::kAnd: f->kind = Formula::kAnd; break;
    case kql::NodeKind::kOr: f->kind = Formula::kOr; break;
    case kql::NodeKind::kNot: f->kind = Formula::kNot; break;
    case kql::NodeKind::kMatch:
      if (!node.value) return f;
      return FromValue(field, *node.value);
    case kql::NodeKind::kRange:
      f->kind = Formula::kAtom;
      f->field = field;
      f->key = field + OpName(node.op) + LiteralKey(node.literal);
      f->offset = node.field_offset;
      return f;
    case kql::NodeKind::kNested:
      // Opaque atom on the nested path; its inside is analysed on its own.
      f->kind = Formula::kAtom;
      f->field = field;
      f->key = field + ":{" + std::to_string(node.offset) + "}";
      f->offset = node.field_offset;
      return f;
    case kql::NodeKind::kFreeText:
      f->kind = Formula::kAtom;
      f->key = "text:" + LiteralKey(node.literal);
      return f;
    default:
      return f;  // kOther: match-all and anything unknown
  }
  for (const auto& child : node.children) f->children.push_back(FromNode(*child, prefix));
  return f;
}

// Positive and negated atoms of an and/or, looking through children of the
// same kind (`a and (b and not a)` is one conjunction), and the children of
// other kinds, which are analysed on their own.
struct Literals {
  std::map<std::string, const Formula*> positive, negative;
  std::vector<const Formula*> others;
};

void Split(const Formula& f, Formula::Kind kind, Literals* lits) {
  for (const auto& child : f.children) {
    if (child->kind == kind) {
      Split(*child, kind, lits);
    } else if (child->kind == Formula::kAtom) {
      lits->positive.emplace(child->key, child.get());
    } else if (child->kind == Formula::kNot && child->children.size() == 1 &&
               child->children[0]->kind == Formula::kAtom) {
      lits->negative.emplace(child->children[0]->key, child->children[0].get());
    } else {
      lits->others.push_back(child.get());
    }
  }
}

// A pair (a, not b) in the children where a and b are the same atom, or
// where `exists_side` (positive for or, negative for and) is field:* and the
// other side is any atom on the same field.
const Formula* FindClash(const Literals& lits, bool exists_is_positive) {
  for (const auto& [key, atom] : lits.positive)
    if (lits.negative.count(key)) return atom;
  const auto& exists_side = exists_is_positive ? lits.positive : lits.negative;
  const auto& other_side = exists_is_positive ? lits.negative : lits.positive;
  for (const auto& [key, e] : exists_side) {
    if (!e->exists) continue;
    for (const auto& [other_key, o] : other_side)
      if (!o->field.empty() && o->field == e->field) return o;
  }
  return nullptr;
}

void Analyse(LintContext& ctx, const Formula& f) {
  if (f.kind != Formula::kAnd && f.kind != Formula::kOr) {
    for (const auto& child : f.children) Analyse(ctx, *child);
    return;
  }
  bool is_and = f.kind == Formula::kAnd;
  Literals lits;
  Split(f, f.kind, &lits);
  if (const Formula* clash = FindClash(lits, /*exists_is_positive=*/!is_and)) {
    if (is_and)
      ctx.Report("always-false", ctx.QueryPos(clash->offset),
                 "this conjunction requires both " + clash->key + " and its negation, so it "
                 "never matches",
                 "remove one side; if the field is an array, the intent may need two fields");
    else
      ctx.Report("always-true", ctx.QueryPos(clash->offset),
                 "this disjunction holds " + clash->key + " or its negation, so it matches "
                 "every event",
                 "remove the tautology; it hides the rest of the condition");
  }
  for (const Formula* other : lits.others) Analyse(ctx, *other);
}

void AnalyseNested(LintContext& ctx, const kql::Node& node, const std::string& prefix) {
  if (node.kind == kql::NodeKind::kNested) {
    std::string path = prefix.empty() ? node.field : prefix + "." + node.field;
    for (const auto& child : node.children) {
      Analyse(ctx, *FromNode(*child, path));
      AnalyseNested(ctx, *child, path);
    }
    return;
  }
  for (const auto& child : node.children) AnalyseNested(ctx, *child, prefix);
}

}  // namespace

void CheckQueryLogic(LintContext& ctx) {
  const kql::Node& root = *ctx.query_ast;
  if (root.kind == kql::NodeKind::kMatchAll) {
    ctx.Report("always-true", ctx.QueryPos(0), "the query is empty and matches every event",
               "write the condition the rule should detect");
    return;
  }
  Analyse(ctx, *FromNode(root, ""));
  AnalyseNested(ctx, root, "");
}

}  // namespace picket::rules::lint

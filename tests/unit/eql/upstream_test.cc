// The 1024 EQL queries of the upstream detection-rules snapshot (rules and
// building blocks outside _deprecated): every one parses, verifies and
// compiles with the built-in ECS + Elastic Defend mapping; its conditions
// render back to EQL that parses to the same tree; and the rule index can
// file almost every filter under an exact term.
#include <gtest/gtest.h>

#include <filesystem>

#include "eql/eql.h"
#include "rules/loader.h"

namespace picket::eql {
namespace {

std::string Upstream() { return std::string(PICKET_SHARED_DIR) + "/upstream/detection-rules"; }

const rules::RuleSet& UpstreamSet() {
  static const rules::RuleSet set = rules::LoadRules(
      {Upstream() + "/rules", Upstream() + "/rules_building_block"}, *event::FieldTypes::BuiltIn(),
      rules::LoadOptions{kql::CompileOptions{}, true});
  return set;
}

std::vector<const Filter*> FiltersOf(const Query& q) {
  std::vector<const Filter*> out;
  if (q.type == QueryType::kEvent) out.push_back(&q.event);
  for (const auto& s : q.stages) out.push_back(&s.filter);
  if (q.until) out.push_back(&q.until->filter);
  return out;
}

TEST(Upstream, EveryEqlQueryParsesVerifiesAndCompiles) {
  if (!std::filesystem::exists(Upstream())) GTEST_SKIP() << "no shared/upstream snapshot";
  const auto& set = UpstreamSet();
  for (const auto& e : set.errors) ADD_FAILURE() << e.ToString();
  size_t eql = 0, sequences = 0, samples = 0, with_until = 0, with_runs = 0, with_missing = 0;
  for (const auto& r : set.rules) {
    if (!r->is_eql()) continue;
    ++eql;
    ASSERT_TRUE(r->eql) << r->path;
    const Query& q = *r->eql;
    sequences += q.type == QueryType::kSequence;
    samples += q.type == QueryType::kSample;
    with_until += q.until.has_value();
    bool runs = false, missing = false;
    for (const auto& s : q.stages) {
      runs = runs || s.runs > 1;
      missing = missing || s.missing;
    }
    with_runs += runs;
    with_missing += missing;
    for (const Filter* f : FiltersOf(q)) ASSERT_TRUE(f->matcher) << r->path;
    if (!r->event_category_override.empty()) {
      EXPECT_EQ(q.event_category_field, r->event_category_override) << r->path;
    }
  }
  EXPECT_EQ(eql, 1024u);
  // The shape of the snapshot (research notes: about 217 sequences, 60
  // with until, 20 with runs, 3 samples, 2 with missing events).
  EXPECT_GT(sequences, 190u);
  EXPECT_EQ(samples, 3u);
  EXPECT_EQ(with_missing, 2u);
  EXPECT_GT(with_runs, 10u);
  EXPECT_GT(with_until, 0u);
}

TEST(Upstream, ConditionsRenderBackToTheSameTree) {
  if (!std::filesystem::exists(Upstream())) GTEST_SKIP() << "no shared/upstream snapshot";
  for (const auto& r : UpstreamSet().rules) {
    if (!r->is_eql()) continue;
    for (const Filter* f : FiltersOf(*r->eql)) {
      std::string text = Render(*f->condition);
      auto again = ParseExpression(text);
      ASSERT_TRUE(again.ok()) << r->path << "\n" << text << "\n" << again.error.message;
      EXPECT_EQ(Render(*again.expr), text) << r->path;
    }
  }
}

TEST(Upstream, FiltersCarryIndexFacts) {
  if (!std::filesystem::exists(Upstream())) GTEST_SKIP() << "no shared/upstream snapshot";
  size_t filters = 0, with_terms = 0, with_fields = 0;
  for (const auto& r : UpstreamSet().rules) {
    if (!r->is_eql()) continue;
    for (const Filter* f : FiltersOf(*r->eql)) {
      ++filters;
      with_terms += !f->facts.terms.empty() || !f->facts.alternatives.empty();
      with_fields += !f->facts.fields.empty();
    }
  }
  // Nearly every filter names its event category (a keyword term) or
  // constrains an exact keyword field.
  EXPECT_GT(with_terms * 100, filters * 90) << with_terms << " of " << filters;
  EXPECT_GT(with_fields * 100, filters * 95) << with_fields << " of " << filters;
}

}  // namespace
}  // namespace picket::eql

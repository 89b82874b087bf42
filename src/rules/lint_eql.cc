// EQL query checks: what Elasticsearch refuses (syntax and verification,
// with its messages and positions; join key counts that differ between
// stages; a term the field's type cannot parse), fields the rule's indices
// do not have, numeric ranges on keyword fields, case-sensitive values
// that miss a known capitalised spelling, EQL that does not do what it
// looks like, a maxspan longer than the look-back, and rules under
// rules/<os>/ that never test host.os.type.
#include <algorithm>

#include "eql/verifier.h"
#include "rules/lint_context.h"

namespace picket::rules::lint {
namespace {

std::vector<const eql::Filter*> FiltersOf(const eql::Query& q) {
  std::vector<const eql::Filter*> out;
  if (q.type == eql::QueryType::kEvent) out.push_back(&q.event);
  for (const auto& s : q.stages) out.push_back(&s.filter);
  if (q.until) out.push_back(&q.until->filter);
  return out;
}

void ReportProblems(LintContext& ctx) {
  for (const auto& p : ctx.eql_problems) {
    std::string check = "eql-syntax";
    std::string hint = "fix the query; Elasticsearch refuses it (see docs/semantics.md, EQL)";
    if (p.message.rfind("Inconsistent number of join keys", 0) == 0) {
      check = "join-key-count";
      hint = "give every stage (and until) the same number of by keys";
    } else if (p.message.find("Elasticsearch fails the search") != std::string::npos) {
      check = "type-mismatch";
      hint = "compare the field with a value of its type";
    }
    ctx.Report(check, ctx.QueryPos(p.offset), p.message, hint);
  }
}

bool IsNumberLiteral(const eql::Expr& e) {
  if (!e.is_literal()) return false;
  if (e.literal.is_number()) return true;
  if (e.literal.type != eql::Value::Type::kString || e.literal.s.empty()) return false;
  return e.literal.s.find_first_not_of("0123456789.-+") == std::string::npos;
}

bool HasWildcardChar(const std::string& s) {
  return s.find('*') != std::string::npos || s.find('?') != std::string::npos;
}

// `^` or `$` outside a character class and not escaped: anchors elsewhere,
// ordinary characters in Lucene's syntax.
bool HasAnchor(const std::string& re) {
  bool in_class = false, in_quotes = false;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_quotes) {
      in_quotes = c != '"';
      continue;
    }
    if (c == '"') in_quotes = true;
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
    if (!in_class && (c == '^' || c == '$')) return true;
  }
  return false;
}

class EqlChecks {
 public:
  explicit EqlChecks(LintContext& ctx) : ctx_(ctx) {}

  void Run(const eql::Query& q) {
    for (const eql::Filter* f : FiltersOf(q))
      eql::ForEachExpr(*f->condition, [&](const eql::Expr& e) { Visit(e); });
    auto check_keys = [&](const std::vector<eql::JoinKey>& keys) {
      for (const auto& k : keys)
        if (!k.optional) UnknownField(k.field, k.begin);
    };
    for (const auto& s : q.stages) check_keys(s.keys);
    ReportCaseTraps(ctx_, case_values_);

    if (q.type == eql::QueryType::kSequence && q.maxspan_ms > ctx_.lookback_ms)
      ctx_.Report("maxspan-exceeds-lookback", ctx_.QueryPos(q.maxspan_begin),
                  "maxspan=" + q.maxspan_text + " is longer than the rule's look-back (" +
                      LintContext::GetString(ctx_.rule, "from").value_or("now-6m") +
                      "): Kibana searches one look-back window per run, so a sequence whose "
                      "events span more than the look-back is never found",
                  "set from to at least now-" + q.maxspan_text +
                      " (plus the interval), or shorten maxspan");

    std::string dir = ctx_.os_dir();
    if (!dir.empty() && !tests_os_type_)
      ctx_.Report("host-os-type", ctx_.QueryPos(0),
                  "a rule under rules/" + dir + "/ does not test host.os.type",
                  "add host.os.type == \"" + dir + "\" to the query");
  }

 private:
  void UnknownField(const std::string& field, uint32_t offset) {
    if (!ctx_.endpoint_only || IsKnownField(ctx_, field)) return;
    std::string suggestion = SuggestField(ctx_, field);
    ctx_.Report(
        "unknown-field", ctx_.QueryPos(offset),
        field + " is not in the ECS / Elastic Defend schema of " +
            (ctx_.indices.size() == 1 ? ctx_.indices[0] : std::string("the rule's indices")) +
            ", so the comparison never matches",
        suggestion.empty() ? "check the field name against the index mapping, or write ?" + field +
                                 " if it may be absent"
                           : "did you mean " + suggestion + "?");
  }

  void CaseValue(const eql::Expr& field, const eql::Expr& value, bool wildcards, const char* op) {
    if (field.kind != eql::ExprKind::kField || value.literal.type != eql::Value::Type::kString)
      return;
    lint::CaseValue v;
    v.field = field.field;
    v.raw = value.literal.s;
    for (char c : v.raw)
      if (!wildcards || (c != '*' && c != '?')) v.letters += c;
    if (wildcards) {
      v.as_written = eql::EqlWildcard(v.raw, false);
      v.any_case = eql::EqlWildcard(v.raw, true);
    } else {
      v.as_written = eql::EqlWildcard::FromPieces({v.raw}, false);
      v.any_case = eql::EqlWildcard::FromPieces({v.raw}, true);
    }
    v.shown = field.field + " " + op + " " + std::string(value.SourceIn(ctx_.query));
    v.offset = value.begin;
    v.eql = true;
    case_values_.push_back(std::move(v));
  }

  void Visit(const eql::Expr& e) {
    using eql::ExprKind;
    if (e.kind == ExprKind::kField) {
      if (e.field == "host.os.type") tests_os_type_ = true;
      if (!e.optional) UnknownField(e.field, e.begin);
      return;
    }
    if (e.kind == ExprKind::kCompare) {
      const eql::Expr& l = *e.children[0];
      const eql::Expr& r = *e.children[1];
      bool range = e.compare != eql::CompareOp::kEq && e.compare != eql::CompareOp::kNeq;
      const eql::Expr* field = l.kind == ExprKind::kField   ? &l
                               : r.kind == ExprKind::kField ? &r
                                                            : nullptr;
      const eql::Expr* constant = field == &l ? &r : &l;
      if (!field) return;
      if (range && field->type == eql::DataType::kKeyword && IsNumberLiteral(*constant))
        ctx_.Report("keyword-range", ctx_.QueryPos(e.begin),
                    field->field + " is " + (field->es_type.empty() ? "keyword" : field->es_type) +
                        ", so " + std::string(e.SourceIn(ctx_.query)) +
                        " compares text: \"9\" sorts after \"10\"",
                    "compare against a numeric field, or match the values exactly");
      if (!range && constant->literal.type == eql::Value::Type::kString && IsString(field->type) &&
          HasWildcardChar(constant->literal.s))
        Pitfall(*constant, std::string(CompareOpText(e.compare)) + " compares " +
                               eql::QuoteString(constant->literal.s) +
                               " literally: * and ? are wildcards only with :, like and like~");
      if (!range) CaseValue(*field, *constant, false, CompareOpText(e.compare));
      return;
    }
    if (e.kind == ExprKind::kIn) {
      for (size_t i = 1; i < e.children.size(); ++i) {
        const eql::Expr& item = *e.children[i];
        if (item.literal.type == eql::Value::Type::kString && IsString(e.children[0]->type) &&
            HasWildcardChar(item.literal.s))
          Pitfall(item, std::string(e.insensitive ? "in~" : "in") + " compares " +
                            eql::QuoteString(item.literal.s) +
                            " literally: * and ? are wildcards only with :, like and like~");
        if (!e.insensitive) CaseValue(*e.children[0], item, false, e.negated ? "not in" : "in");
      }
      return;
    }
    if (e.kind == ExprKind::kPattern) {
      for (size_t i = 1; i < e.children.size(); ++i) {
        const eql::Expr& p = *e.children[i];
        if (p.literal.type != eql::Value::Type::kString) continue;
        if (e.pattern == eql::PatternOp::kRegex && HasAnchor(p.literal.s))
          Pitfall(p,
                  "regex uses Lucene's syntax, where ^ and $ are ordinary characters (the "
                  "whole value must match anyway)");
        if (e.pattern == eql::PatternOp::kLike && !e.insensitive)
          CaseValue(*e.children[0], p, true, "like");
      }
    }
  }

  void Pitfall(const eql::Expr& at, std::string message) {
    ctx_.Report("eql-pitfall", ctx_.QueryPos(at.begin), std::move(message),
                "write what Elasticsearch runs: : or like for wildcards, no anchors in regex");
  }

  LintContext& ctx_;
  std::vector<lint::CaseValue> case_values_;
  bool tests_os_type_ = false;
};

}  // namespace

void CheckEql(LintContext& ctx) {
  if (ctx.query.empty()) return;
  if (!ctx.eql_query) {
    ReportProblems(ctx);
    return;
  }
  EqlChecks(ctx).Run(*ctx.eql_query);
}

}  // namespace picket::rules::lint

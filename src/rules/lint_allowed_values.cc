// ECS allowed values: event.kind, event.category, event.type and
// event.outcome are keyword fields whose values ECS fixes (lower case), and
// KQL matches keyword terms and wildcards case-sensitively, so a value that
// no allowed value matches as written (`event.category:Process`,
// `event.type:started`, `event.outcome:fail*`) can never match. The
// decision is event::CheckAllowedValue, shared with the EQL linter.
#include "event/allowed_values.h"
#include "rules/lint_context.h"

namespace picket::rules::lint {
namespace {

// A KQL literal as a CheckAllowedValue pattern: its stars are wildcards,
// everything else (a `?` included) is literal.
std::string PatternOf(const kql::Literal& literal) {
  if (!literal.wildcard) return event::EscapeForPattern(literal.text);
  std::string out;
  for (size_t i = 0; i < literal.pieces.size(); ++i) {
    if (i) out.push_back('*');
    out += event::EscapeForPattern(literal.pieces[i]);
  }
  return out;
}

std::string JoinValues(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

using event::AllowedValueVerdict;

// Walks a query for the values ECS never gives a field. A value is reported
// as an error unless an alternative beside it (another value of its list,
// or another branch of an `or` above it) can still match: then it only
// keeps the rule compatible with data that is not ECS, e.g.
// `event.outcome:(Success or success)` for pre-ECS Azure logs, and is a
// warning.
class DeadValueFinder {
 public:
  explicit DeadValueFinder(LintContext& ctx) : ctx_(ctx) {}

  void Walk(const kql::Node& n, const std::string& prefix, bool live_alternative) {
    switch (n.kind) {
      case kql::NodeKind::kOr:
        for (size_t i = 0; i < n.children.size(); ++i)
          Walk(*n.children[i], prefix, live_alternative || OtherCanMatch(n.children, i, prefix));
        return;
      case kql::NodeKind::kAnd:
      case kql::NodeKind::kNot:
        for (const auto& c : n.children) Walk(*c, prefix, live_alternative);
        return;
      case kql::NodeKind::kNested:
        for (const auto& c : n.children) Walk(*c, Join(prefix, n.field), live_alternative);
        return;
      case kql::NodeKind::kMatch:
        if (n.value && Checked(Join(prefix, n.field)))
          WalkValue(*n.value, Join(prefix, n.field), live_alternative);
        return;
      default:
        return;
    }
  }

 private:
  static std::string Join(const std::string& prefix, const std::string& field) {
    return prefix.empty() ? field : prefix + "." + field;
  }
  // A text mapping (--field-type) analyses the value; other types have
  // their own type-mismatch check.
  bool Checked(const std::string& field) const {
    return ctx_.types.Lookup(field).type == event::FieldType::kKeyword;
  }
  event::AllowedValueCheck Check(const std::string& field, const kql::Literal& literal) const {
    if (literal.IsExistsPattern()) return {AllowedValueVerdict::kCanMatch, {}, {}};
    return event::CheckAllowedValue(field, PatternOf(literal), /*pattern=*/true,
                                    /*case_insensitive=*/false);
  }
  static bool Dead(const event::AllowedValueCheck& c) {
    return c.verdict == AllowedValueVerdict::kWrongCase ||
           c.verdict == AllowedValueVerdict::kNeverMatches;
  }

  // Whether a subtree can hold for an ECS event with its dead values taken
  // as false (a negation or a contradiction is assumed satisfiable).
  bool CanMatch(const kql::Node& n, const std::string& prefix) const {
    switch (n.kind) {
      case kql::NodeKind::kOr:
        for (const auto& c : n.children)
          if (CanMatch(*c, prefix)) return true;
        return false;
      case kql::NodeKind::kAnd:
        for (const auto& c : n.children)
          if (!CanMatch(*c, prefix)) return false;
        return true;
      case kql::NodeKind::kNested:
        return n.children.empty() || CanMatch(*n.children[0], Join(prefix, n.field));
      case kql::NodeKind::kMatch:
        return !n.value || !Checked(Join(prefix, n.field)) ||
               ValueCanMatch(*n.value, Join(prefix, n.field));
      default:
        return true;
    }
  }
  bool ValueCanMatch(const kql::ValueNode& v, const std::string& field) const {
    switch (v.kind) {
      case kql::ValueKind::kLiteral:
        return !Dead(Check(field, v.literal));
      case kql::ValueKind::kOr:
        for (const auto& c : v.children)
          if (ValueCanMatch(*c, field)) return true;
        return false;
      case kql::ValueKind::kAnd:
        for (const auto& c : v.children)
          if (!ValueCanMatch(*c, field)) return false;
        return true;
      default:
        return true;
    }
  }
  bool OtherCanMatch(const std::vector<std::unique_ptr<kql::Node>>& children, size_t except,
                     const std::string& prefix) const {
    for (size_t j = 0; j < children.size(); ++j)
      if (j != except && CanMatch(*children[j], prefix)) return true;
    return false;
  }

  void WalkValue(const kql::ValueNode& v, const std::string& field, bool live_alternative) {
    if (v.kind == kql::ValueKind::kLiteral) return Report(field, v.literal, live_alternative);
    for (size_t i = 0; i < v.children.size(); ++i) {
      bool alt = live_alternative;
      if (v.kind == kql::ValueKind::kOr)
        for (size_t j = 0; j < v.children.size() && !alt; ++j)
          alt = j != i && ValueCanMatch(*v.children[j], field);
      WalkValue(*v.children[i], field, alt);
    }
  }

  void Report(const std::string& field, const kql::Literal& literal, bool live_alternative) {
    event::AllowedValueCheck check = Check(field, literal);
    if (!Dead(check)) return;
    std::string what = field + ":" + literal.raw;
    std::string why =
        check.verdict == AllowedValueVerdict::kWrongCase
            ? "ECS values of " + field + " are lower case and keyword values are case-sensitive"
            : "ECS allows only " + JoinValues(check.allowed) + " in " + field;
    if (live_alternative) {
      ctx_.Report("ecs-dead-alternative", ctx_.QueryPos(literal.offset),
                  what + " matches no ECS event (" + why +
                      "); the rule matches ECS data through another alternative",
                  "drop it unless the rule must also match data that is not ECS");
      return;
    }
    std::string fix =
        check.verdict == AllowedValueVerdict::kWrongCase
            ? "write " + field + ":" +
                  (check.case_variants.size() == 1 ? check.case_variants[0]
                                                   : "(" + JoinValues(check.case_variants) + ")")
            : "use one of the allowed values";
    ctx_.Report("ecs-allowed-value", ctx_.QueryPos(literal.offset),
                what + " can never match: " + why, fix);
  }

  LintContext& ctx_;
};

}  // namespace

void CheckAllowedValues(LintContext& ctx) { DeadValueFinder(ctx).Walk(*ctx.query_ast, "", false); }

}  // namespace picket::rules::lint

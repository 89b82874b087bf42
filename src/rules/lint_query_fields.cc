// Query field checks against the field mappings: fields that the rule's
// indices do not have, and values that can never match their field's type
// (Elasticsearch either rejects the query or matches nothing):
//   * wildcards on ip, numeric, date and boolean fields;
//   * non-IP / non-CIDR values on ip fields, non-numbers on numeric fields,
//     non-dates on date fields, non-booleans on boolean fields;
//   * values on object fields (they have sub-fields, not values) and
//     `field:{...}` on fields that are not `nested`.
// A numeric range on a keyword field is allowed by Elasticsearch but
// compares text ("9" > "10"), so it is a warning.
//
// Unknown fields are only reported when every index of the rule is an
// Elastic Defend pattern: picket bundles ECS + Defend mappings, not every
// integration's, and must not call a real integration field unknown.
#include <cmath>
#include <cstdlib>

#include "rules/lint_context.h"
#include "util/ip.h"
#include "util/time.h"

namespace picket::rules::lint {
namespace {

using event::FieldType;

bool IsNumber(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  // strtod also reads "inf", "nan" and hex floats; Elasticsearch does not.
  bool plain = text.find_first_not_of("0123456789+-.eE") == std::string::npos;
  return plain && end == text.c_str() + text.size() && std::isfinite(value);
}

// Why `text` is no date for Elasticsearch (empty when it is one): not a
// date, or date math beyond the dates it can represent (it rejects the query).
std::string DateValueProblem(const std::string& text) {
  DateMathProblem problem;
  if (ParseDate(text) || ParseDateMath(text, 0, DateRounding::kNone, &problem)) return "";
  return problem == DateMathProblem::kSyntax ? "is not a date or date math"
                                             : DateMathProblemText(problem);
}

// Why `literal` cannot match a field of `type`, or empty when it can.
std::string Mismatch(const kql::Literal& literal, FieldType type, const std::string& es_type,
                     bool in_range) {
  bool is_wildcard = literal.wildcard && !literal.IsExistsPattern();
  switch (type) {
    case FieldType::kIp:
      if (is_wildcard) return "wildcards cannot be used on ip field";
      if (!ParseCidr(literal.text))
        return "\"" + literal.text + "\" is not an IP address or CIDR block for ip field";
      return "";
    case FieldType::kLong:
    case FieldType::kDouble:
      if (is_wildcard) return "wildcards cannot be used on " + es_type + " field";
      if (!IsNumber(literal.text))
        return "\"" + literal.text + "\" is not a number for " + es_type + " field";
      return "";
    case FieldType::kDate:
      if (is_wildcard) return "wildcards cannot be used on date field";
      if (std::string why = DateValueProblem(literal.text); !why.empty())
        return "\"" + literal.text + "\" " + why + (in_range ? " in a range on" : " for") +
               " date field";
      return "";
    case FieldType::kBoolean:
      if (is_wildcard) return "wildcards cannot be used on boolean field";
      if (literal.text != "true" && literal.text != "false")
        return "\"" + literal.text + "\" is not true or false for boolean field";
      return "";
    case FieldType::kObject:
      return "field is an object (it has sub-fields, no values of its own)";
    case FieldType::kNested:
      return "field is nested; query its sub-fields with field:{ sub:value }";
    default:
      return "";
  }
}

const char* HintFor(FieldType type) {
  switch (type) {
    case FieldType::kIp:
      return "use an address such as 10.1.2.3 or a CIDR block such as 10.0.0.0/8";
    case FieldType::kLong:
    case FieldType::kDouble:
      return "use a plain number (ranges with < <= > >= for intervals)";
    case FieldType::kDate:
      return "use an ISO-8601 date or date math such as now-7d";
    case FieldType::kBoolean:
      return "use true or false";
    default:
      return "query a sub-field, or use field:* to test that it exists";
  }
}

void CheckValue(LintContext& ctx, const std::string& field, const event::FieldInfo& info,
                const kql::Literal& literal, bool in_range) {
  if (literal.IsExistsPattern() && !in_range) return;  // field:* fits any type
  std::string why = Mismatch(literal, info.type, info.es_type, in_range);
  if (!why.empty()) {
    ctx.Report("type-mismatch", ctx.QueryPos(literal.offset),
               field + ": " + why + " " + field + " (" + info.es_type + "), so it never matches",
               HintFor(info.type));
    return;
  }
  if (in_range && info.type == FieldType::kKeyword && IsNumber(literal.text))
    ctx.Report(
        "keyword-range", ctx.QueryPos(literal.offset),
        field + " is " + info.es_type + ", so the range compares text: \"9\" sorts after \"10\"",
        "compare against a numeric field, or match the values exactly");
}

}  // namespace

void CheckQueryFields(LintContext& ctx) {
  kql::ForEachFieldNode(*ctx.query_ast, [&](const std::string& field, const kql::Node& node) {
    if (field.find('*') == std::string::npos &&
        !ctx.types.Indexed(field)) {  // a --mapping says Elasticsearch does not index it
      event::DynamicMapping d = ctx.types.DynamicAt(field);
      ctx.Report("unknown-field", ctx.QueryPos(node.field_offset),
                 field + " is not indexed: the mapping does not list it and its object has " +
                     (d == event::DynamicMapping::kDisabled
                          ? std::string("enabled: false")
                          : "dynamic: " + std::string(event::DynamicMappingName(d))) +
                     ", so the comparison never matches in Elasticsearch",
                 "query a mapped field, or map this one");
      return;
    }
    if (ctx.endpoint_only && !IsKnownField(ctx, field)) {
      std::string suggestion = SuggestField(ctx, field);
      ctx.Report(
          "unknown-field", ctx.QueryPos(node.field_offset),
          field + " is not in the ECS / Elastic Defend schema of " +
              (ctx.indices.size() == 1 ? ctx.indices[0] : std::string("the rule's indices")) +
              ", so the comparison never matches",
          suggestion.empty() ? "check the field name against the index mapping"
                             : "did you mean " + suggestion + "?");
      return;
    }
    if (field.find('*') != std::string::npos) return;  // expands to several types
    const event::FieldInfo* info = ctx.types.Find(field);
    if (!info) return;
    switch (node.kind) {
      case kql::NodeKind::kNested:
        if (info->type != FieldType::kNested)
          ctx.Report(
              "type-mismatch", ctx.QueryPos(node.field_offset),
              field + " is " + info->es_type + ", not nested; Kibana rejects field:{...} on it",
              "write the inner conditions with the full field names joined by and");
        return;
      case kql::NodeKind::kRange:
        CheckValue(ctx, field, *info, node.literal, true);
        return;
      case kql::NodeKind::kMatch:
        if (node.value)
          ForEachLiteral(*node.value, [&](const kql::Literal& literal) {
            CheckValue(ctx, field, *info, literal, false);
          });
        return;
      default:
        return;
    }
  });
}

}  // namespace picket::rules::lint

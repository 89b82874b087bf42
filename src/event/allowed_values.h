// The values ECS allows for its event categorization fields (event.kind,
// event.category, event.type, event.outcome), from the generated table
// data/ecs_allowed_values.tsv (scripts/gen_ecs_allowed_values.py), and the
// question a linter asks of a query value on one of them: can it ever match?
//
// ECS requires these keyword fields to hold one of the listed lower-case
// values, so `event.category:Process` (keyword terms are case-sensitive) or
// `event.type:started` can match no conforming event. The check is shared
// by the KQL linter and the EQL linter; each passes its operator's case rule.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace picket::event {

enum class AllowedValueVerdict {
  kNotRestricted,  // the field has no allowed-value list: nothing to say
  kCanMatch,       // an allowed value matches the value as written
  kWrongCase,      // none as written, some when case is ignored (the operator is case-sensitive)
  kNeverMatches,   // no allowed value matches, whatever the case
};

struct AllowedValueCheck {
  AllowedValueVerdict verdict = AllowedValueVerdict::kNotRestricted;
  // kWrongCase: the allowed values the value matches when case is ignored.
  std::vector<std::string> case_variants;
  // The field's allowed values, in table order (empty when not restricted).
  std::vector<std::string> allowed;
};

// `value` is an exact term or, with `pattern`, a wildcard pattern in which
// `*` matches any run of characters, `?` one character and `\` makes the
// next character literal. (A KQL pattern, whose `?` is literal, passes it as
// `\?`; an EQL `:`/`like` pattern passes `?` as is.) `case_insensitive` is
// the operator's case rule: true for EQL's `:`, `like~` and `in~`; false for
// KQL on a keyword field and EQL's `==`, `like`, `in`.
AllowedValueCheck CheckAllowedValue(std::string_view field, std::string_view value, bool pattern,
                                    bool case_insensitive);

// Escapes `*`, `?` and `\` so that `text` reads as itself in a pattern.
std::string EscapeForPattern(std::string_view text);

}  // namespace picket::event

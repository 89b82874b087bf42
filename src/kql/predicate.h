// Value predicates: one test of one scalar JSON value, for a field of a
// known mapping type. A KQL value (`field:v`, `field < v`, free text) is
// turned into predicates by BuildPredicates once at compile time; matching
// then calls Predicate::Test on each value of the field.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "event/document.h"
#include "event/field_types.h"
#include "kql/ast.h"
#include "util/ip.h"
#include "util/time.h"
#include "util/wildcard.h"

namespace picket::kql {

// How a field's values are interpreted. kDynamic is a field missing from the
// mapping table: each value is typed by its JSON type, as Elasticsearch's
// dynamic mapping would have mapped it (string keyword, number, boolean).
enum class MatchType : uint8_t {
  kKeyword,
  kText,
  kIp,
  kLong,
  kDouble,
  kDate,
  kBoolean,
  kDynamic,
};
MatchType MatchTypeOf(const event::FieldInfo* info);

struct Predicate {
  enum Kind : uint8_t {
    kNever,            // cannot match (e.g. a non-number on a long field)
    kExists,           // any value
    kKeywordEq,        // exact term
    kKeywordWildcard,  // full-match pattern on the term
    kKeywordRange,     // lexicographic bounds on the term
    kTextAny,          // match: any analysed token equals one of `tokens`
    kTextPhrase,       // match_phrase: `tokens` consecutive
    kTextWildcard,     // a token matches the lower-cased pattern
    kIpRange,          // address within [ip_lo, ip_hi]
    kNumberRange,      // numeric value within [lo, hi]
    kDateRange,        // date within [lo, hi] (ms)
    kBoolEq,
  };
  Kind kind = kNever;
  MatchType type = MatchType::kKeyword;
  uint32_t ignore_above = 0;
  std::string text;  // keyword term, range bounds
  std::string text_hi;
  bool has_lo = false, has_hi = false, lo_inclusive = true, hi_inclusive = true;
  WildcardPattern pattern;
  std::vector<std::string> tokens;
  IpAddress ip_lo, ip_hi;
  double lo = 0, hi = 0;
  TimeMs date_lo = 0, date_hi = 0;
  bool boolean = false;

  bool Test(event::Json value) const;
};

// The keyword term of a scalar (strings as they are, numbers and booleans
// in their keyword form); false for other values and for terms longer than
// ignore_above (not indexed). As kKeywordEq / kKeywordWildcard see it.
bool KeywordTerm(event::Json value, uint32_t ignore_above, std::string_view* out);

// A value for which Elasticsearch fails the whole query instead of matching
// nothing (date math beyond the representable dates): the first one found.
struct PredicateError {
  bool set = false;
  uint32_t offset = 0;  // of the literal in the query
  std::string message;
};

struct PredicateContext {
  TimeMs now = 0;
  std::vector<std::string>* warnings = nullptr;
  PredicateError* error = nullptr;
  std::string field;  // for messages
};

// Predicates for `field:literal` on a field of type `type` (several for the
// dynamic type, one per JSON value type). `free_text` selects multi_match
// leniency: a value that does not fit the type is skipped silently.
std::vector<Predicate> BuildMatchPredicates(MatchType type, uint32_t ignore_above,
                                            const Literal& literal, bool free_text,
                                            const PredicateContext& ctx);
std::vector<Predicate> BuildRangePredicates(MatchType type, uint32_t ignore_above, RangeOp op,
                                            const Literal& literal, const PredicateContext& ctx);
Predicate ExistsPredicate(uint32_t ignore_above);

}  // namespace picket::kql

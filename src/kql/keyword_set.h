// Many keyword predicates of one field tested at once: exact terms
// (`process.name:(bash or sh or ...)`), prefixes (`pastebin.*`) and
// suffixes (`*.xyz`), as rules list them by the dozen.
//
// Contract: Matches(term) is true exactly when one of the predicates taken
// with Add would accept the term (kKeywordEq: equal; kKeywordWildcard with
// one star at the start or the end: the literal rest ends or starts it).
// Add refuses any other predicate, which the caller then tests itself.
// Terms are compared byte-wise, case-sensitively, as keyword fields are.
//
// Why: a list tested predicate by predicate reads every predicate (large
// objects) per value; here a term costs one hash lookup plus one per
// distinct prefix or suffix length, and a single term one comparison.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kql/predicate.h"
#include "util/string_numbers.h"

namespace picket::kql {

class KeywordSet {
 public:
  // Takes `p` into the set when it is an exact term or a one-star prefix or
  // suffix pattern; false otherwise.
  bool Add(const Predicate& p);

  bool Matches(std::string_view term) const;
  size_t size() const { return size_; }

 private:
  // Strings of each length kept in one table; the lengths in use.
  struct ByLength {
    StringNumbers strings;
    std::vector<uint32_t> lengths;  // ascending, distinct
    void Add(std::string_view s);
  };
  // A few exact terms are compared directly (cheaper than hashing); more
  // are looked up in the table.
  static constexpr size_t kFewTerms = 4;
  StringNumbers exact_;
  ByLength prefixes_, suffixes_;
  size_t size_ = 0;
};

}  // namespace picket::kql

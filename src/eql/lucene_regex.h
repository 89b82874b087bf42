// Lucene's regular-expression dialect (what Elasticsearch's regexp query,
// and so EQL's `regex` on a field, runs) translated to an equivalent RE2
// pattern for a full match.
//
// Lucene's syntax differs from Perl's: the whole value must match (no
// anchors; ^ and $ are ordinary characters), `.` is any code point
// including newlines, "..." is a literal string, \x is the character x
// (except the classes \d \D \s \S \w \W), quantifiers stack (`a*?` is
// `(a*)?`, never lazy), and with Elasticsearch's default flags (ALL) `#` is
// the empty language, `@` any string, `~` complement, `&` intersection and
// `<n-m>` a numeric interval. RE2 has no complement or intersection, and
// named automata do not exist outside Lucene: those are refused with the
// reason. Case-insensitive matching (regex~) is ASCII-only, as Lucene's
// ASCII_CASE_INSENSITIVE flag.
#pragma once
#include <string>
#include <string_view>

namespace picket::eql {

// On success sets *re2 to a pattern for RE2::FullMatch (UTF-8 mode).
bool TranslateLuceneRegex(std::string_view lucene, bool ascii_case_insensitive, std::string* re2,
                          std::string* error);

}  // namespace picket::eql

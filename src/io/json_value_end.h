// Finds where one JSON value ends in text fed in pieces, without parsing it:
// used to cut the elements of a top-level array out of a stream so that each
// is parsed on its own, with memory bounded by the largest element.
//
// The value starts at the first byte given to Scan (not whitespace). An
// object or array ends at the bracket that brings the nesting back to zero
// (strings and escapes respected; brackets are counted, not matched: the
// parser of the cut-out value finds the errors), a string at its closing
// quote, anything else (number, literal, garbage) before the first
// whitespace, ',', ']', '}', '[', '{' or '"'. Constant memory whatever the
// depth or length.
#pragma once
#include <cstddef>
#include <cstdint>

namespace picket::io {

class JsonValueEnd {
 public:
  // Consumes bytes of the value from data[0, n): returns how many belong to
  // it. done() tells whether the value ended there (the count then includes
  // a closing bracket or quote, and excludes the byte after a scalar); if
  // not, all n bytes belong to it and it goes on in the next piece.
  size_t Scan(const char* data, size_t n);
  bool done() const { return done_; }
  // Starts over for a new value.
  void Reset() { *this = JsonValueEnd(); }

 private:
  enum class Kind : uint8_t { kUnknown, kContainer, kString, kScalar };
  Kind kind_ = Kind::kUnknown;
  bool in_string_ = false;
  bool escaped_ = false;  // the previous byte was a backslash inside a string
  bool done_ = false;
  uint64_t depth_ = 0;
};

}  // namespace picket::io

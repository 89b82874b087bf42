// A bounded parser of Python literal expressions with ast.literal_eval's rules
// (CPython 3.11), for headers that loaders evaluate -- numpy's .npy header is
// `safe_eval(header)`, i.e. ast.literal_eval of a dict.
//
// Contract: ParsePythonLiteral() accepts exactly what literal_eval accepts:
// str/bytes (all prefixes, escapes including \N{...} for ASCII names,
// implicit concatenation, no str+bytes mixing), int (decimal/hex/octal/binary,
// underscores), float, complex (`1+2j`), one unary sign on a number, True,
// False, None, Ellipsis, tuple, list, dict (duplicate keys: the last value
// wins, compared with Python's ==), set (and `set()`), with comments, line
// continuations and newlines inside brackets. Anything else is kInvalid (a
// SyntaxError or ValueError from literal_eval). Nesting deeper than CPython's
// tokenizer allows (200 brackets) is kInvalid too; more than `max_nodes`
// values is kLimit. `strip_long_suffix` drops an `L` that directly follows a
// number, as numpy's _filter_header does for Python 2 headers. Never throws;
// linear in the input.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket::scan {

struct PyValue {
  enum Kind : uint8_t {
    kNone,
    kBool,
    kInt,
    kFloat,
    kComplex,
    kStr,
    kBytes,
    kTuple,
    kList,
    kDict,
    kSet,
    kEllipsis,
  };
  Kind kind = kNone;
  bool big = false;     // kInt that does not fit in int64 (`text` holds its digits)
  int64_t integer = 0;  // kInt, kBool
  double real = 0;      // kFloat, kComplex (real part)
  double imag = 0;      // kComplex
  std::string text;     // kStr (UTF-8; lone surrogates as 3-byte sequences), kBytes, big kInt
  std::vector<PyValue> items;  // tuple/list/set; dict as key, value, key, value, ...

  bool IsStr(std::string_view s) const { return kind == kStr && text == s; }
  bool IsIntLike() const { return kind == kInt || kind == kBool; }  // isinstance(x, int)
  size_t size() const { return kind == kDict ? items.size() / 2 : items.size(); }
  // Value for `key` in a dict (Python ==), or nullptr.
  const PyValue* Get(std::string_view key) const;
};

// Python's == between two hashable literal values (1 == 1.0 == True).
bool PyEquals(const PyValue& a, const PyValue& b);

struct LiteralOptions {
  bool strip_long_suffix = false;
  uint64_t max_nodes = 1'000'000;
};

struct LiteralResult {
  enum Status { kOk, kInvalid, kLimit } status = kInvalid;
  PyValue value;
  std::string error;  // why it is not a literal
  size_t offset = 0;  // byte offset of the problem
  // A \N{...} escape named a character outside the ASCII table; it was read as
  // U+FFFD, which no ASCII comparison or dtype spelling can match.
  bool approximate = false;
};

LiteralResult ParsePythonLiteral(std::string_view source, const LiteralOptions& options = {});

// Renders a value the way Python's repr() would for simple values (for messages).
std::string PyRepr(const PyValue& v, size_t max_len = 200);

}  // namespace picket::scan

// Values of Elasticsearch EQL expressions, as its query language (ql) types
// them: null, boolean, integer (32-bit), long, double and string (keyword).
//
// Literals in a query, constants folded at compile time and the values that
// functions and arithmetic compute per event are all Values. Numbers keep
// Java's distinction between int, long and double because EQL's arithmetic
// does (4 / 3 is 1, 4 / 3.0 is 1.333...; int overflow is an error).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::eql {

struct Value {
  enum class Type : uint8_t { kNull, kBool, kInt, kLong, kDouble, kString };
  Type type = Type::kNull;
  bool b = false;
  int64_t i = 0;  // kInt (fits 32 bits) and kLong
  double d = 0;
  std::string s;

  static Value Null() { return {}; }
  static Value Bool(bool v) {
    Value x;
    x.type = Type::kBool;
    x.b = v;
    return x;
  }
  static Value Int(int64_t v) {  // INTEGER when it fits 32 bits, else LONG
    Value x;
    x.type = (v >= INT32_MIN && v <= INT32_MAX) ? Type::kInt : Type::kLong;
    x.i = v;
    return x;
  }
  static Value Long(int64_t v) {
    Value x;
    x.type = Type::kLong;
    x.i = v;
    return x;
  }
  static Value Double(double v) {
    Value x;
    x.type = Type::kDouble;
    x.d = v;
    return x;
  }
  static Value String(std::string v) {
    Value x;
    x.type = Type::kString;
    x.s = std::move(v);
    return x;
  }

  bool is_null() const { return type == Type::kNull; }
  bool is_number() const {
    return type == Type::kInt || type == Type::kLong || type == Type::kDouble;
  }
  bool is_integral() const { return type == Type::kInt || type == Type::kLong; }
  double as_double() const { return type == Type::kDouble ? d : static_cast<double>(i); }
};

// The type of an expression, as Elasticsearch's verifier sees it. Field
// types come from the mapping; kUnknown is a field picket has no mapping
// for (Elasticsearch's dynamic mapping decides its type per value), which
// verification accepts wherever some type would be accepted.
enum class DataType : uint8_t {
  kUnknown,
  kNull,
  kBoolean,
  kInteger,  // byte, short, integer, and integer literals
  kLong,     // long, unsigned_long
  kDouble,   // double, float, half_float, scaled_float, and decimal literals
  kKeyword,  // keyword, constant_keyword, wildcard, version, string literals
  kText,     // text, match_only_text (inexact unless a keyword sub-field exists)
  kIp,
  kDate,
  kObject,
  kNested,
  kUnsupported,  // geo_point, alias, range types, ...
};

inline bool IsNumeric(DataType t) {
  return t == DataType::kInteger || t == DataType::kLong || t == DataType::kDouble;
}
inline bool IsString(DataType t) { return t == DataType::kKeyword || t == DataType::kText; }
// Elasticsearch's ql type name, as its messages print it ("long",
// "keyword", "datetime").
const char* DataTypeName(DataType t);

// Java's Double.toString: "42.5", "1.0", "1.0E21", "1.0E-4", "NaN",
// "Infinity" (what EQL's string() and concat() write for doubles).
std::string JavaDoubleString(double d);

// The text Java's String.valueOf gives the value ("null" for null), as
// string() and concat() use it.
std::string ToJavaString(const Value& v);

// Compares two strings in the order of Java's String.compareTo (UTF-16
// code units), which EQL scripts use; < 0, 0, > 0. Both are UTF-8.
int CompareUtf16(std::string_view a, std::string_view b);

}  // namespace picket::eql

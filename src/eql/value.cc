#include "eql/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "eql/utf8.h"

namespace picket::eql {

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kUnknown:
      return "unknown";
    case DataType::kNull:
      return "null";
    case DataType::kBoolean:
      return "boolean";
    case DataType::kInteger:
      return "integer";
    case DataType::kLong:
      return "long";
    case DataType::kDouble:
      return "double";
    case DataType::kKeyword:
      return "keyword";
    case DataType::kText:
      return "text";
    case DataType::kIp:
      return "ip";
    case DataType::kDate:
      return "datetime";
    case DataType::kObject:
      return "object";
    case DataType::kNested:
      return "nested";
    case DataType::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

std::string JavaDoubleString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits and exponent, then Java's layout: plain
  // decimal for 1e-3 <= |d| < 1e7, else d.dddE<exp>.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // "-4.25e+02"
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exponent = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  std::string out = negative ? "-" : "";
  double magnitude = std::fabs(d);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      std::string int_part = digits.substr(0, std::min<size_t>(digits.size(), exponent + 1));
      while (int_part.size() < static_cast<size_t>(exponent + 1)) int_part += '0';
      std::string frac = digits.size() > static_cast<size_t>(exponent + 1)
                             ? digits.substr(exponent + 1)
                             : std::string("0");
      out += int_part + "." + frac;
    } else {
      out += "0." + std::string(-exponent - 1, '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : std::string("0"));
  out += "E" + std::to_string(exponent);
  return out;
}

std::string ToJavaString(const Value& v) {
  switch (v.type) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBool:
      return v.b ? "true" : "false";
    case Value::Type::kInt:
    case Value::Type::kLong:
      return std::to_string(v.i);
    case Value::Type::kDouble:
      return JavaDoubleString(v.d);
    case Value::Type::kString:
      return v.s;
  }
  return "";
}

int CompareUtf16(std::string_view a, std::string_view b) {
  // UTF-16 order differs from code point order only between supplementary
  // characters (surrogates 0xD800..0xDFFF) and U+E000..U+FFFF: map each code
  // point to the first code unit that encodes it, then the rest.
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint32_t x = NextCodePoint(a, &i), y = NextCodePoint(b, &j);
    if (x == y) continue;
    auto unit = [](uint32_t cp) -> uint32_t {
      return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp;
    };
    uint32_t ux = unit(x), uy = unit(y);
    if (ux != uy) return ux < uy ? -1 : 1;
    // Same high surrogate: compare the low ones.
    uint32_t lx = 0xDC00 + ((x - 0x10000) & 0x3FF), ly = 0xDC00 + ((y - 0x10000) & 0x3FF);
    return lx < ly ? -1 : 1;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

}  // namespace picket::eql

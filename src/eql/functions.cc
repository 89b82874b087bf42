#include "eql/functions.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "eql/utf8.h"
#include "util/ip.h"

namespace picket::eql {
namespace {

const FunctionInfo kFunctions[] = {
    {Func::kAdd, "add", false, 2, 2, "expects exactly two arguments", DataType::kUnknown},
    {Func::kBetween, "between", true, 3, 4, "expects three or four arguments", DataType::kKeyword},
    {Func::kCidrMatch, "cidrmatch", false, 2, SIZE_MAX, "expects at least two arguments",
     DataType::kBoolean},
    {Func::kConcat, "concat", false, 0, SIZE_MAX, "", DataType::kKeyword},
    {Func::kDivide, "divide", false, 2, 2, "expects exactly two arguments", DataType::kUnknown},
    {Func::kEndsWith, "endswith", true, 2, 2, "expects exactly two arguments", DataType::kBoolean},
    {Func::kIndexOf, "indexof", true, 2, 3, "expects two or three arguments", DataType::kInteger},
    {Func::kLength, "length", false, 1, 1, "expects exactly one argument", DataType::kInteger},
    {Func::kModulo, "modulo", false, 2, 2, "expects exactly two arguments", DataType::kUnknown},
    {Func::kMultiply, "multiply", false, 2, 2, "expects exactly two arguments", DataType::kUnknown},
    {Func::kNumber, "number", false, 1, 2, "expects one or two arguments", DataType::kDouble},
    {Func::kStartsWith, "startswith", true, 2, 2, "expects exactly two arguments",
     DataType::kBoolean},
    {Func::kString, "string", false, 1, 1, "expects exactly one argument", DataType::kKeyword},
    {Func::kStringContains, "stringcontains", true, 2, 2, "expects exactly two arguments",
     DataType::kBoolean},
    {Func::kSubstring, "substring", false, 2, 3, "expects two or three arguments",
     DataType::kKeyword},
    {Func::kSubtract, "subtract", false, 2, 2, "expects exactly two arguments", DataType::kUnknown},
};

// ---- Java strings (UTF-16) --------------------------------------------------

std::u16string ToUtf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = NextCodePoint(s, &i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

std::string FromUtf16(const std::u16string& s, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    uint32_t u = s[i];
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < end && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (s[i + 1] - 0xDC00), &out);
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      AppendUtf8(0xFFFD, &out);  // a lone surrogate, as Java encodes it: '?'
    } else {
      AppendUtf8(u, &out);
    }
  }
  return out;
}

// String.toLowerCase(Locale.ROOT), per character.
std::u16string LowerUtf16(const std::u16string& s) {
  std::u16string out = s;
  for (auto& c : out)
    if (c < 0xD800 || c > 0xDFFF) c = static_cast<char16_t>(ToLowerCodePoint(c));
  return out;
}

std::string LowerUtf8(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) AppendUtf8(ToLowerCodePoint(NextCodePoint(s, &i)), &out);
  return out;
}

bool IsString(const Value& v) { return v.type == Value::Type::kString; }

Value Between(const std::vector<Value>& a, bool insensitive) {
  for (size_t i = 0; i < 3; ++i)
    if (!IsString(a[i])) return Value::Null();
  bool greedy = a.size() > 3 && a[3].type == Value::Type::kBool && a[3].b;
  if (a.size() > 3 && a[3].type != Value::Type::kBool) return Value::Null();
  std::u16string source = ToUtf16(a[0].s), left = ToUtf16(a[1].s), right = ToUtf16(a[2].s);
  std::u16string match = source;
  if (insensitive) {
    match = LowerUtf16(match);
    left = LowerUtf16(left);
    right = LowerUtf16(right);
  }
  size_t start = match.find(left);
  if (start == std::u16string::npos) return Value::String("");
  start += left.size();
  size_t end = greedy ? match.rfind(right) : match.find(right, start);
  if (end == std::u16string::npos || start > end) return Value::String("");
  return Value::String(FromUtf16(source, start, end));
}

Value CidrMatch(const std::vector<Value>& a) {
  if (!IsString(a[0])) return Value::Null();
  auto ip = ParseIp(a[0].s);
  for (size_t i = 1; i < a.size(); ++i)
    if (!IsString(a[i])) return Value::Null();
  if (!ip) return Value::Bool(false);
  for (size_t i = 1; i < a.size(); ++i) {
    auto block = ParseCidr(a[i].s);
    if (block && block->Contains(*ip)) return Value::Bool(true);
  }
  return Value::Bool(false);
}

Value IndexOf(const std::vector<Value>& a, bool insensitive) {
  if (!IsString(a[0]) || !IsString(a[1])) return Value::Null();
  int64_t start = 0;
  if (a.size() > 2) {
    if (!a[2].is_integral()) return Value::Null();
    start = std::max<int64_t>(0, a[2].i);
  }
  std::u16string source = ToUtf16(a[0].s), sub = ToUtf16(a[1].s);
  if (start > static_cast<int64_t>(source.size())) return Value::Null();
  if (insensitive) {
    source = LowerUtf16(source);
    sub = LowerUtf16(sub);
  }
  size_t at = source.find(sub, static_cast<size_t>(start));
  if (at == std::u16string::npos) return Value::Null();
  return Value::Int(static_cast<int64_t>(at));
}

// Python-style slice, as Elasticsearch's substringSlice.
Value Substring(const std::vector<Value>& a) {
  if (!IsString(a[0])) return Value::Null();
  std::u16string s = ToUtf16(a[0].s);
  int64_t n = static_cast<int64_t>(s.size());
  if (a[1].type != Value::Type::kNull && !a[1].is_integral()) return Value::Null();
  int64_t start = a[1].is_integral() ? a[1].i : 0;
  int64_t end = n;
  if (a.size() > 2 && !a[2].is_null()) {
    if (!a[2].is_integral()) return Value::Null();
    end = a[2].i;
  }
  if (start < 0) start = std::max<int64_t>(0, n + start);
  if (start > n) start = n;
  if (end < 0) end = std::max<int64_t>(0, n + end);
  if (end > n) end = n;
  if (start >= end) return Value::String("");
  return Value::String(FromUtf16(s, static_cast<size_t>(start), static_cast<size_t>(end)));
}

// Java's Long.parseLong(s, radix): an optional sign, then digits of the
// radix; no spaces.
bool ParseJavaLong(std::string_view s, int radix, int64_t* out) {
  if (s.empty() || radix < 2 || radix > 36) return false;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    i = 1;
    if (s.size() == 1) return false;
  }
  unsigned __int128 value = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'z' ? c - 'a' + 10
            : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                   : 99;
    if (d >= radix) return false;
    value = value * radix + d;
    if (value > static_cast<unsigned __int128>(INT64_MAX) + 1) return false;
  }
  if (!negative && value > static_cast<unsigned __int128>(INT64_MAX)) return false;
  *out =
      negative ? static_cast<int64_t>(-static_cast<__int128>(value)) : static_cast<int64_t>(value);
  return true;
}

// Java's Double.valueOf: surrounding whitespace trimmed; NaN, Infinity, a
// decimal with an optional exponent and an optional f/F/d/D suffix.
bool ParseJavaDouble(std::string_view s, double* out) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  std::string_view body = s;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "NaN") {
    *out = std::nan("");
    return true;
  }
  if (body == "Infinity") {
    *out = negative ? -INFINITY : INFINITY;
    return true;
  }
  if (!body.empty() && strchr("fFdD", body.back())) body.remove_suffix(1);
  // digits [. digits] [e[+-]digits], at least one digit in the mantissa
  size_t i = 0, digits = 0;
  while (i < body.size() && isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  }
  if (!digits) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && isdigit(static_cast<unsigned char>(body[i]))) ++i, ++exp_digits;
    if (!exp_digits) return false;
  }
  if (i != body.size()) return false;
  std::string text(body.substr(0, i));
  double v = std::strtod(text.c_str(), nullptr);
  *out = negative ? -v : v;
  return true;
}

Value Number(const std::vector<Value>& a, EvalError* error) {
  if (!IsString(a[0])) return Value::Null();
  std::string_view s = a[0].s;
  bool hex = s.substr(0, 2) == "0x";
  int64_t radix = hex ? 16 : 10;
  if (a.size() > 1 && !a[1].is_null()) {
    if (a[1].type != Value::Type::kInt) {
      error->message = "An integer base is required; received [" + ToJavaString(a[1]) + "]";
      return Value::Null();
    }
    radix = a[1].i;
  }
  if (hex && radix == 16) s.remove_prefix(2);
  int64_t l;
  if (radix == 10) {
    if (ParseJavaLong(s, 10, &l)) return Value::Long(l);
    double d;
    if (ParseJavaDouble(s, &d)) return Value::Double(d);
  } else if (ParseJavaLong(s, static_cast<int>(radix), &l)) {
    return Value::Long(l);
  }
  error->message =
      "Unable to convert [" + a[0].s + "] to number of base [" + std::to_string(radix) + "]";
  return Value::Null();
}

Value StringPredicate(Func f, const std::vector<Value>& a, bool insensitive) {
  if (!IsString(a[0]) || !IsString(a[1])) return Value::Null();
  std::string source = insensitive ? LowerUtf8(a[0].s) : a[0].s;
  std::string part = insensitive ? LowerUtf8(a[1].s) : a[1].s;
  switch (f) {
    case Func::kStartsWith:
      return Value::Bool(source.compare(0, part.size(), part) == 0 && source.size() >= part.size());
    case Func::kEndsWith:
      return Value::Bool(source.size() >= part.size() &&
                         source.compare(source.size() - part.size(), part.size(), part) == 0);
    default:  // stringContains: false for an empty string or substring
      if (source.empty() || part.empty()) return Value::Bool(false);
      return Value::Bool(source.find(part) != std::string::npos);
  }
}

bool Overflows32(int64_t v) { return v < INT32_MIN || v > INT32_MAX; }

}  // namespace

const FunctionInfo* FindFunction(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(tolower(static_cast<unsigned char>(c)));
  for (const auto& f : kFunctions)
    if (lower == f.name) return &f;
  return nullptr;
}

const FunctionInfo& GetFunction(Func id) { return kFunctions[static_cast<int>(id)]; }

const std::vector<std::string>& FunctionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : kFunctions) out.push_back(f.name);
    return out;
  }();
  return names;
}

Value Arithmetic(char op, const Value& a, const Value& b, EvalError* error) {
  if (!a.is_number() || !b.is_number()) return Value::Null();
  if (a.type == Value::Type::kDouble || b.type == Value::Type::kDouble) {
    double x = a.as_double(), y = b.as_double();
    switch (op) {
      case '+':
        return Value::Double(x + y);
      case '-':
        return Value::Double(x - y);
      case '*':
        return Value::Double(x * y);
      case '/':
        return Value::Double(x / y);
      default:
        return Value::Double(std::fmod(x, y));
    }
  }
  bool is_long = a.type == Value::Type::kLong || b.type == Value::Type::kLong;
  int64_t x = a.i, y = b.i, r = 0;
  const char* overflow = is_long ? "long overflow" : "integer overflow";
  switch (op) {
    case '+':
      if (__builtin_add_overflow(x, y, &r) || (!is_long && Overflows32(r))) {
        error->message = overflow;
        return Value::Null();
      }
      break;
    case '-':
      if (__builtin_sub_overflow(x, y, &r) || (!is_long && Overflows32(r))) {
        error->message = overflow;
        return Value::Null();
      }
      break;
    case '*':
      if (__builtin_mul_overflow(x, y, &r) || (!is_long && Overflows32(r))) {
        error->message = overflow;
        return Value::Null();
      }
      break;
    case '/':
    case '%':
      if (y == 0) {
        error->message = "/ by zero";
        return Value::Null();
      }
      // Java wraps MIN / -1 (and MIN % -1 is 0).
      if (y == -1) {
        r = op == '/' ? static_cast<int64_t>(0 - static_cast<uint64_t>(x)) : 0;
        if (!is_long && op == '/' && x == INT32_MIN) r = INT32_MIN;
      } else {
        r = op == '/' ? x / y : x % y;
      }
      break;
  }
  return is_long ? Value::Long(r) : Value::Int(r);
}

Value Negate(const Value& a, EvalError* error) {
  if (a.type == Value::Type::kDouble) return Value::Double(-a.d);
  if (!a.is_integral()) return Value::Null();
  bool is_long = a.type == Value::Type::kLong;
  if ((is_long && a.i == INT64_MIN) || (!is_long && a.i == INT32_MIN)) {
    error->message = is_long ? "long overflow" : "integer overflow";
    return Value::Null();
  }
  return is_long ? Value::Long(-a.i) : Value::Int(-a.i);
}

bool CompareValues(const Value& a, const Value& b, int* out) {
  if (a.is_null() || b.is_null()) return false;
  if (a.is_number() && b.is_number()) {
    if (a.type == Value::Type::kDouble || b.type == Value::Type::kDouble) {
      double x = a.as_double(), y = b.as_double();
      // Double.compare: NaN above everything and equal to itself; -0.0 < 0.0.
      if (std::isnan(x) || std::isnan(y)) {
        *out = std::isnan(x) ? (std::isnan(y) ? 0 : 1) : -1;
        return true;
      }
      if (x == y && x == 0) {
        *out = std::signbit(x) == std::signbit(y) ? 0 : std::signbit(x) ? -1 : 1;
        return true;
      }
      *out = x < y ? -1 : x > y ? 1 : 0;
      return true;
    }
    *out = a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    return true;
  }
  if (a.type == Value::Type::kString && b.type == Value::Type::kString) {
    *out = CompareUtf16(a.s, b.s);
    return true;
  }
  if (a.type == Value::Type::kBool && b.type == Value::Type::kBool) {
    *out = a.b == b.b ? 0 : a.b ? 1 : -1;
    return true;
  }
  return false;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    uint32_t x = NextCodePoint(a, &i), y = NextCodePoint(b, &j);
    if (x == y) continue;
    if (ToUpperCodePoint(x) == ToUpperCodePoint(y)) continue;
    if (ToLowerCodePoint(x) == ToLowerCodePoint(y)) continue;
    return false;
  }
  return i == a.size() && j == b.size();
}

Value CallFunction(Func f, bool insensitive, const std::vector<Value>& a, EvalError* error) {
  switch (f) {
    case Func::kAdd:
      return Arithmetic('+', a[0], a[1], error);
    case Func::kSubtract:
      return Arithmetic('-', a[0], a[1], error);
    case Func::kMultiply:
      return Arithmetic('*', a[0], a[1], error);
    case Func::kDivide:
      return Arithmetic('/', a[0], a[1], error);
    case Func::kModulo:
      return Arithmetic('%', a[0], a[1], error);
    case Func::kBetween:
      return Between(a, insensitive);
    case Func::kCidrMatch:
      return CidrMatch(a);
    case Func::kConcat: {
      std::string out;
      for (const auto& v : a) {
        if (v.is_null()) return Value::Null();
        out += ToJavaString(v);
      }
      return Value::String(std::move(out));
    }
    case Func::kEndsWith:
    case Func::kStartsWith:
    case Func::kStringContains:
      return StringPredicate(f, a, insensitive);
    case Func::kIndexOf:
      return IndexOf(a, insensitive);
    case Func::kLength:
      if (!IsString(a[0])) return Value::Null();
      return Value::Int(static_cast<int64_t>(ToUtf16(a[0].s).size()));
    case Func::kNumber:
      return Number(a, error);
    case Func::kString:
      if (a[0].is_null()) return Value::Null();
      return Value::String(ToJavaString(a[0]));
    case Func::kSubstring:
      return Substring(a);
  }
  return Value::Null();
}

}  // namespace picket::eql

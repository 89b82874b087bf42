// A recursive-descent parser of Lucene's RegExp grammar (the one in
// org.apache.lucene.util.automaton.RegExp, with all optional operators on)
// that writes the RE2 equivalent of each construct as it goes.
//
//   union     ::= inter ( '|' inter )*
//   inter     ::= concat ( '&' concat )*             (refused: no RE2 equivalent)
//   concat    ::= repeat+ | (empty)
//   repeat    ::= compl ( '?' | '*' | '+' | '{n}' | '{n,}' | '{n,m}' )*
//   compl     ::= '~' compl | charclass            ('~' refused)
//   charclass ::= '[' '^'? items ']' | simple
//   simple    ::= char | '.' | '#' | '@' | '"' string '"' | '(' ')' | '(' union ')'
//               | '<' name '>' | '<' n '-' m '>'
//   char      ::= any character but the reserved ones | '\' any character
#include "eql/lucene_regex.h"

#include <cstdio>
#include <vector>

#include "eql/utf8.h"

namespace picket::eql {
namespace {

// RE2 text for one literal code point.
std::string Literal(uint32_t cp, bool ci) {
  if (ci && cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))) {
    char lower = static_cast<char>(cp | 0x20), upper = static_cast<char>(cp & ~0x20);
    return std::string("[") + upper + lower + "]";
  }
  char buf[16];
  snprintf(buf, sizeof(buf), "\\x{%x}", cp);
  return buf;
}

std::string ClassChar(uint32_t cp) {
  char buf[16];
  snprintf(buf, sizeof(buf), "\\x{%x}", cp);
  return buf;
}

// Fixed-width decimal strings from lo to hi (same length, lo <= hi).
std::string FixedRange(const std::string& lo, const std::string& hi) {
  if (lo.empty()) return "";
  if (lo == hi) return lo;
  char a = lo[0], b = hi[0];
  std::string rest_lo = lo.substr(1), rest_hi = hi.substr(1);
  if (a == b) return std::string(1, a) + FixedRange(rest_lo, rest_hi);
  size_t w = lo.size() - 1;
  std::vector<std::string> alts;
  alts.push_back(std::string(1, a) + "(?:" + FixedRange(rest_lo, std::string(w, '9')) + ")");
  if (a + 1 <= b - 1)
    alts.push_back("[" + std::string(1, static_cast<char>(a + 1)) + "-" +
                   std::string(1, static_cast<char>(b - 1)) + "]" +
                   (w ? "[0-9]{" + std::to_string(w) + "}" : std::string()));
  alts.push_back(std::string(1, b) + "(?:" + FixedRange(std::string(w, '0'), rest_hi) + ")");
  std::string out = "(?:";
  for (size_t i = 0; i < alts.size(); ++i) out += (i ? "|" : "") + alts[i];
  return out + ")";
}

class Translator {
 public:
  Translator(std::string_view s, bool ci) : s_(s), ci_(ci) {}

  bool Run(std::string* out, std::string* error) {
    std::string body;
    if (!Union(&body)) {
      *error = error_;
      return false;
    }
    if (p_ < s_.size()) {
      *error = "unexpected '" + std::string(1, s_[p_]) + "' at position " + std::to_string(p_);
      return false;
    }
    *out = body;
    return true;
  }

 private:
  bool More() const { return p_ < s_.size(); }
  char Peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
  bool Fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }
  uint32_t NextCp() { return NextCodePoint(s_, &p_); }

  bool Union(std::string* out) {
    std::string first;
    if (!Inter(&first)) return false;
    if (Peek() != '|') {
      *out = first;
      return true;
    }
    *out = "(?:" + first;
    while (Peek() == '|') {
      ++p_;
      std::string next;
      if (!Inter(&next)) return false;
      *out += "|" + next;
    }
    *out += ")";
    return true;
  }

  bool Inter(std::string* out) {
    if (!Concat(out)) return false;
    if (Peek() == '&')
      return Fail("the intersection operator & has no RE2 equivalent (write \\& for a literal &)");
    return true;
  }

  bool Concat(std::string* out) {
    out->clear();
    while (More() && Peek() != '|' && Peek() != ')' && Peek() != '&') {
      std::string part;
      if (!Repeat(&part)) return false;
      *out += part;
    }
    return true;
  }

  bool ReadInt(int* value) {
    size_t start = p_;
    long v = 0;
    while (More() && Peek() >= '0' && Peek() <= '9') {
      v = v * 10 + (Peek() - '0');
      if (v > 100000) return Fail("repeat count too large");
      ++p_;
    }
    if (p_ == start) return false;
    *value = static_cast<int>(v);
    return true;
  }

  bool Repeat(std::string* out) {
    std::string atom;
    if (!Complement(&atom)) return false;
    while (More()) {
      char c = Peek();
      std::string q;
      if (c == '?' || c == '*' || c == '+') {
        ++p_;
        q = std::string(1, c);
      } else if (c == '{') {
        ++p_;
        int n = 0, m = -1;
        if (!ReadInt(&n)) return Fail("integer expected after { at position " + std::to_string(p_));
        bool open = false;
        if (Peek() == ',') {
          ++p_;
          open = !ReadInt(&m);
        } else {
          m = n;
        }
        if (Peek() != '}') return Fail("expected } at position " + std::to_string(p_));
        ++p_;
        if (!open && m < n)
          return Fail("invalid repeat {" + std::to_string(n) + "," + std::to_string(m) + "}");
        if (n > 1000 || m > 1000)
          return Fail("repeat count above 1000 cannot be translated to RE2");
        q = "{" + std::to_string(n) + (open ? "," : m == n ? "" : "," + std::to_string(m)) + "}";
      } else {
        break;
      }
      // Lucene quantifiers stack (a*? is (a*)?); RE2 needs each operand grouped.
      atom = "(?:" + atom + ")" + q;
    }
    *out = atom;
    return true;
  }

  bool Complement(std::string* out) {
    if (Peek() == '~')
      return Fail("the complement operator ~ has no RE2 equivalent (write \\~ for a literal ~)");
    return CharClass(out);
  }

  // One character of a class or of an expression: \x is x, except the
  // shorthand classes.
  bool ClassItem(std::string* item, uint32_t* cp, bool* is_shorthand) {
    *is_shorthand = false;
    if (Peek() == '\\') {
      ++p_;
      if (!More()) return Fail("expression ends with \\");
      char c = Peek();
      if (c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' || c == 'W') {
        ++p_;
        *is_shorthand = true;
        *item = Shorthand(c, /*in_class=*/true);
        return true;
      }
      *cp = NextCp();
      return true;
    }
    *cp = NextCp();
    return true;
  }

  static std::string Shorthand(char c, bool in_class) {
    // Lucene: \d [0-9], \s [ \t\n\r\f\x0B], \w [a-zA-Z0-9_]
    std::string set;
    bool negated = c == 'D' || c == 'S' || c == 'W';
    switch (c | 0x20) {
      case 'd':
        set = "0-9";
        break;
      case 's':
        set = "\\x{20}\\x{9}\\x{a}\\x{d}\\x{c}\\x{b}";
        break;
      default:
        set = "a-zA-Z0-9_";
    }
    if (in_class && !negated) return set;
    return std::string("[") + (negated ? "^" : "") + set + "]";
  }

  bool CharClass(std::string* out) {
    if (Peek() != '[') return Simple(out);
    ++p_;
    bool negated = false;
    if (Peek() == '^') {
      negated = true;
      ++p_;
    }
    std::string items;
    std::vector<std::string> negated_shorthands;
    bool any = false;
    while (More() && Peek() != ']') {
      std::string shorthand;
      uint32_t lo = 0;
      bool is_shorthand;
      if (!ClassItem(&shorthand, &lo, &is_shorthand)) return false;
      any = true;
      if (is_shorthand) {
        if (shorthand[0] == '[') {
          // A negated shorthand inside a class: not expressible inside one
          // RE2 class; union it outside.
          negated_shorthands.push_back(shorthand);
        } else {
          items += shorthand;
        }
        continue;
      }
      uint32_t hi = lo;
      // As Lucene: a '-' after a character always opens a range ([a-] is an
      // unterminated range, not a literal '-').
      if (Peek() == '-') {
        ++p_;
        bool hi_shorthand;
        std::string ignored;
        if (!ClassItem(&ignored, &hi, &hi_shorthand)) return false;
        if (hi_shorthand) return Fail("a class shorthand cannot end a range");
        if (hi < lo) return Fail("invalid range in character class");
      }
      items += ClassChar(lo);
      if (hi != lo) items += "-" + ClassChar(hi);
      if (ci_) {
        // ASCII letters of the range in the other case too.
        for (uint32_t c = std::max<uint32_t>(lo, 'A'); c <= std::min<uint32_t>(hi, 'z'); ++c)
          if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) items += ClassChar(c ^ 0x20);
      }
    }
    if (Peek() != ']') return Fail("unterminated character class");
    ++p_;
    if (!any) return Fail("empty character class");
    if (!negated_shorthands.empty()) {
      if (negated) return Fail("a negated class with \\D, \\S or \\W cannot be translated");
      std::string alt = "(?:" + (items.empty() ? std::string() : "[" + items + "]|");
      for (size_t i = 0; i < negated_shorthands.size(); ++i)
        alt += (i ? "|" : "") + negated_shorthands[i];
      *out = alt + ")";
      return true;
    }
    *out = std::string("[") + (negated ? "^" : "") + items + "]";
    return true;
  }

  bool Simple(std::string* out) {
    char c = Peek();
    switch (c) {
      case '.':
        ++p_;
        *out = "(?s:.)";
        return true;
      case '#':
        ++p_;
        *out = "[^\\x00-\\x{10FFFF}]";  // the empty language: matches nothing
        return true;
      case '@':
        ++p_;
        *out = "(?s:.*)";
        return true;
      case '"': {
        ++p_;
        std::string lit;
        while (More() && Peek() != '"') lit += Literal(NextCp(), ci_);
        if (!More()) return Fail("unterminated string");
        ++p_;
        *out = "(?:" + lit + ")";
        return true;
      }
      case '(': {
        ++p_;
        if (Peek() == ')') {
          ++p_;
          *out = "(?:)";
          return true;
        }
        std::string inner;
        if (!Union(&inner)) return false;
        if (Peek() != ')') return Fail("expected ) at position " + std::to_string(p_));
        ++p_;
        *out = "(?:" + inner + ")";
        return true;
      }
      case '<':
        return Interval(out);
      case ')':
      case '|':
      case '&':
        return Fail("unexpected '" + std::string(1, c) + "' at position " + std::to_string(p_));
      case '?':
      case '*':
      case '+':
      case '{':
      case ']':
      case '}':
        // Where no operand precedes them Lucene reads these as ordinary
        // characters ("*abc" is a literal star, then abc).
        ++p_;
        *out = Literal(static_cast<unsigned char>(c), ci_);
        return true;
      case '\\': {
        ++p_;
        if (!More()) return Fail("expression ends with \\");
        char e = Peek();
        if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
          ++p_;
          *out = Shorthand(e, false);
          return true;
        }
        *out = Literal(NextCp(), ci_);
        return true;
      }
      default:
        *out = Literal(NextCp(), ci_);
        return true;
    }
  }

  // <n-m> numeric interval, or <name> (a named automaton: unknown outside
  // Lucene's caller).
  bool Interval(std::string* out) {
    size_t start = ++p_;
    while (More() && Peek() != '>') ++p_;
    if (!More()) return Fail("unterminated <...>");
    std::string body(s_.substr(start, p_ - start));
    ++p_;
    size_t dash = body.find('-');
    auto digits = [](const std::string& t) {
      return !t.empty() && t.size() <= 18 && t.find_first_not_of("0123456789") == std::string::npos;
    };
    if (dash == std::string::npos || !digits(body.substr(0, dash)) ||
        !digits(body.substr(dash + 1)))
      return Fail("named automaton <" + body + "> is not available");
    std::string lo = body.substr(0, dash), hi = body.substr(dash + 1);
    unsigned long long a = std::stoull(lo), b = std::stoull(hi);
    if (a > b) {
      std::swap(a, b);
      std::swap(lo, hi);
    }
    if (lo.size() == hi.size()) {
      // Same number of digits written: fixed width, zero-padded.
      *out = "(?:" + FixedRange(lo, hi) + ")";
      return true;
    }
    // Otherwise any number of leading zeros.
    std::string alts;
    std::string sb = std::to_string(b);
    for (size_t len = 1; len <= sb.size(); ++len) {
      unsigned long long lo_len = len == 1 ? 0 : 1;
      for (size_t k = 1; k < len; ++k) lo_len *= 10;
      unsigned long long hi_len = 9;
      for (size_t k = 1; k < len; ++k) hi_len = hi_len * 10 + 9;
      unsigned long long from = std::max(a, lo_len), to = std::min(b, hi_len);
      if (from > to) continue;
      std::string f = std::to_string(from), t = std::to_string(to);
      alts += (alts.empty() ? "" : "|") + FixedRange(f, t);
    }
    *out = "(?:0*(?:" + alts + "))";
    return true;
  }

  std::string_view s_;
  bool ci_;
  size_t p_ = 0;
  std::string error_;
};

}  // namespace

bool TranslateLuceneRegex(std::string_view lucene, bool ascii_case_insensitive, std::string* re2,
                          std::string* error) {
  return Translator(lucene, ascii_case_insensitive).Run(re2, error);
}

}  // namespace picket::eql

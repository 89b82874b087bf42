// Python literal parsing; see py_literal.h. Grammar and conversion rules
// follow CPython 3.11's tokenizer (Parser/tokenizer.c), its string-literal
// decoding (Parser/string_parser.c) and Lib/ast.py literal_eval.
#include "scan/py_literal.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "scan/text_codec.h"

namespace picket::scan {
namespace {

// Python's tokenizer refuses more nested brackets than this (MAXLEVEL).
constexpr int kMaxBrackets = 200;
// What \N{...} yields for a name outside the ASCII table below: a code point
// that can never make a string equal an ASCII key or a valid dtype spelling,
// so an unknown name can only make the result less trusted, never cleaner.
constexpr uint32_t kUnknownNamePlaceholder = 0xFFFD;

bool IsIdentChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

// Unicode names of the printable ASCII characters (and the aliases of a few
// controls), matched case-insensitively as \N{...} is.
uint32_t AsciiCodePointByName(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  static constexpr std::pair<std::string_view, char> kNames[] = {
      {"SPACE", ' '},
      {"EXCLAMATION MARK", '!'},
      {"QUOTATION MARK", '"'},
      {"NUMBER SIGN", '#'},
      {"DOLLAR SIGN", '$'},
      {"PERCENT SIGN", '%'},
      {"AMPERSAND", '&'},
      {"APOSTROPHE", '\''},
      {"LEFT PARENTHESIS", '('},
      {"RIGHT PARENTHESIS", ')'},
      {"ASTERISK", '*'},
      {"PLUS SIGN", '+'},
      {"COMMA", ','},
      {"HYPHEN-MINUS", '-'},
      {"FULL STOP", '.'},
      {"SOLIDUS", '/'},
      {"COLON", ':'},
      {"SEMICOLON", ';'},
      {"LESS-THAN SIGN", '<'},
      {"EQUALS SIGN", '='},
      {"GREATER-THAN SIGN", '>'},
      {"QUESTION MARK", '?'},
      {"COMMERCIAL AT", '@'},
      {"LEFT SQUARE BRACKET", '['},
      {"REVERSE SOLIDUS", '\\'},
      {"RIGHT SQUARE BRACKET", ']'},
      {"CIRCUMFLEX ACCENT", '^'},
      {"LOW LINE", '_'},
      {"GRAVE ACCENT", '`'},
      {"LEFT CURLY BRACKET", '{'},
      {"VERTICAL LINE", '|'},
      {"RIGHT CURLY BRACKET", '}'},
      {"TILDE", '~'},
      {"CHARACTER TABULATION", '\t'},
      {"LINE FEED", '\n'},
      {"CARRIAGE RETURN", '\r'},
      {"NULL", '\0'},
  };
  for (const auto& [n, c] : kNames) {
    if (upper == n) return static_cast<unsigned char>(c);
  }
  static constexpr std::string_view kDigits[] = {"ZERO", "ONE", "TWO",   "THREE", "FOUR",
                                                 "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"};
  if (upper.starts_with("DIGIT ")) {
    for (int d = 0; d < 10; ++d) {
      if (std::string_view(upper).substr(6) == kDigits[d]) return '0' + d;
    }
  }
  for (std::string_view prefix : {"LATIN CAPITAL LETTER ", "LATIN SMALL LETTER "}) {
    if (upper.size() == prefix.size() + 1 && upper.starts_with(prefix)) {
      char letter = upper.back();
      if (letter >= 'A' && letter <= 'Z') {
        return prefix[6] == 'C' ? letter : letter + 32;
      }
    }
  }
  return kUnknownNamePlaceholder;
}

class Parser {
 public:
  Parser(std::string_view src, const LiteralOptions& options) : s_(src), options_(options) {}

  LiteralResult Run() {
    LiteralResult result;
    // literal_eval strips leading spaces and tabs; blank and comment lines may
    // precede the expression, but a line that starts indented may not.
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
    while (true) {
      size_t line = pos_;
      while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\f')) ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
      }
      if (pos_ < s_.size() && (s_[pos_] == '\n' || s_[pos_] == '\r')) {
        SkipNewline();
        continue;
      }
      if (pos_ != line && pos_ < s_.size() && s_[line] != '\f') {
        if (line != 0) return Fail(result, "unexpected indent");
      }
      break;
    }
    Node root;
    if (!ParseExpr(root)) return Fail(result, error_);
    // A top-level `a, b` is a tuple (eval mode).
    if (Peek(',')) {
      Node tuple;
      tuple.value.kind = PyValue::kTuple;
      tuple.valid = root.valid;
      tuple.value.items.push_back(std::move(root.value));
      while (Peek(',')) {
        ++pos_;
        if (!SkipSpace()) return Fail(result, error_);
        if (pos_ >= s_.size() || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '#') break;
        Node item;
        if (!ParseExpr(item)) return Fail(result, error_);
        tuple.valid = tuple.valid && item.valid;
        tuple.value.items.push_back(std::move(item.value));
      }
      root = std::move(tuple);
    }
    // After the expression: only comments and blank lines. A last line of
    // bare indentation (no newline) is an INDENT token to CPython's tokenizer.
    if (!SkipSpace()) return Fail(result, error_);
    while (pos_ < s_.size()) {
      if (s_[pos_] != '\n' && s_[pos_] != '\r') {
        return Fail(result, "unexpected text after the expression");
      }
      SkipNewline();
      int col = 0;
      while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\f')) {
        col = s_[pos_] == ' ' ? col + 1 : s_[pos_] == '\t' ? (col / 8 + 1) * 8 : 0;
        ++pos_;
      }
      if (pos_ >= s_.size() && col > 0) return Fail(result, "unexpected indent");
      if (pos_ < s_.size() && s_[pos_] == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
      }
      if (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') {
        return Fail(result, "unexpected text after the expression");
      }
    }
    // A lexical error noticed while peeking (e.g. a line continuation at the
    // end of the input) is still an error.
    if (!error_.empty()) return Fail(result, error_);
    if (!Literal(root)) return Fail(result, error_);
    result.status = LiteralResult::kOk;
    result.value = std::move(root.value);
    return result;
  }

 private:
  // A parsed expression with what literal_eval needs to know about its shape.
  struct Node {
    PyValue value;
    enum Shape { kConstant, kUnary, kBinary, kOther } shape = kOther;
    bool numeric = false;  // a Constant of type int, float or complex (not bool)
    bool valid = true;     // literal_eval would accept it
  };

  LiteralResult Fail(LiteralResult& r, const std::string& why) {
    r.status = limit_ ? LiteralResult::kLimit : LiteralResult::kInvalid;
    r.error = why.empty() ? "invalid literal" : why;
    r.offset = pos_;
    return r;
  }
  bool Error(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  bool Count() {
    if (++nodes_ > options_.max_nodes) {
      limit_ = true;
      return Error("literal has more values than the limit");
    }
    return true;
  }
  void SkipNewline() {
    if (s_[pos_] == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
  }
  // Skips spaces, comments, line continuations, and (inside brackets) newlines.
  bool SkipSpace() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\f') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
      } else if (c == '\\') {
        if (pos_ + 1 < s_.size() && (s_[pos_ + 1] == '\n' || s_[pos_ + 1] == '\r')) {
          ++pos_;
          SkipNewline();
          if (pos_ >= s_.size()) return Error("unexpected EOF while parsing");
        } else {
          return Error("unexpected character after line continuation character");
        }
      } else if ((c == '\n' || c == '\r') && depth_ > 0) {
        SkipNewline();
      } else {
        break;
      }
    }
    return true;
  }
  bool Peek(char c) { return SkipSpace() && pos_ < s_.size() && s_[pos_] == c; }

  // expr := unary [('+'|'-') unary]...   (literal_eval accepts one complex BinOp)
  bool ParseExpr(Node& out) {
    if (!ParseUnary(out)) return false;
    while (SkipSpace() && pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
      bool minus = s_[pos_++] == '-';
      Node right;
      if (!ParseUnary(right)) return false;
      Node sum;
      sum.shape = Node::kBinary;
      // left must be a signed int/float, right an unsigned complex constant.
      bool left_ok = out.valid && (out.shape == Node::kConstant || out.shape == Node::kUnary) &&
                     out.numeric && out.value.kind != PyValue::kComplex;
      bool right_ok =
          right.valid && right.shape == Node::kConstant && right.value.kind == PyValue::kComplex;
      sum.valid = left_ok && right_ok;
      if (sum.valid) {
        double lr = out.value.kind == PyValue::kFloat ? out.value.real
                                                      : static_cast<double>(out.value.integer);
        sum.value.kind = PyValue::kComplex;
        sum.value.real = lr + (minus ? -right.value.real : right.value.real);
        sum.value.imag = minus ? -right.value.imag : right.value.imag;
      }
      out = std::move(sum);
    }
    return true;
  }

  bool ParseUnary(Node& out) {
    if (!SkipSpace()) return false;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
      bool minus = s_[pos_++] == '-';
      Node inner;
      if (!ParseUnary(inner)) return false;
      out.shape = Node::kUnary;
      out.numeric = inner.numeric;
      out.valid = inner.valid && inner.shape == Node::kConstant && inner.numeric;
      out.value = std::move(inner.value);
      if (out.valid && minus) {
        if (out.value.kind == PyValue::kInt) {
          if (out.value.big || out.value.integer == INT64_MIN) {
            out.value.big = true;
            out.value.text =
                out.value.text.starts_with("-") ? out.value.text.substr(1) : "-" + out.value.text;
          } else {
            out.value.integer = -out.value.integer;
          }
        } else {
          out.value.real = -out.value.real;
          out.value.imag = -out.value.imag;
        }
      }
      return true;
    }
    return ParseAtom(out);
  }

  bool ParseAtom(Node& out) {
    if (pos_ >= s_.size()) return Error("unexpected end of input");
    if (!Count()) return false;
    char c = s_[pos_];
    if (c == '(' || c == '[' || c == '{') return ParseDisplay(out);
    if ((c >= '0' && c <= '9') ||
        (c == '.' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9')) {
      return ParseNumber(out);
    }
    if (c == '.' && s_.substr(pos_, 3) == "...") {
      pos_ += 3;
      out.shape = Node::kConstant;
      out.value.kind = PyValue::kEllipsis;
      return true;
    }
    if (c == '\'' || c == '"') return ParseStrings(out);
    if (IsIdentChar(static_cast<unsigned char>(c))) {
      size_t start = pos_;
      while (pos_ < s_.size() && IsIdentChar(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      std::string_view word = s_.substr(start, pos_ - start);
      if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"') && word.size() <= 2) {
        pos_ = start;
        return ParseStrings(out);
      }
      out.shape = Node::kConstant;
      if (word == "True" || word == "False") {
        out.value.kind = PyValue::kBool;
        out.value.integer = word == "True";
        return true;
      }
      if (word == "None") {
        out.value.kind = PyValue::kNone;
        return true;
      }
      if (word == "set" && Peek('(')) {
        ++pos_;
        if (!Peek(')')) return Error("set() with arguments is not a literal");
        ++pos_;
        out.value.kind = PyValue::kSet;
        return true;
      }
      return Error("name '" + std::string(word) + "' is not a literal");
    }
    return Error(std::string("unexpected character '") + c + "'");
  }

  // ( ... ) tuple or grouping, [ ... ] list, { ... } dict or set.
  bool ParseDisplay(Node& out) {
    char open = s_[pos_++];
    char close = open == '(' ? ')' : open == '[' ? ']' : '}';
    if (++depth_ > kMaxBrackets) return Error("too many nested parentheses");
    std::vector<Node> items;
    bool is_dict = false, is_set = false, trailing_comma = false;
    std::vector<Node> values;
    while (true) {
      if (!SkipSpace()) return false;
      if (pos_ >= s_.size()) return Error("unclosed bracket");
      if (s_[pos_] == close) {
        ++pos_;
        break;
      }
      if (!items.empty() && !trailing_comma) return Error("missing comma");
      Node item;
      if (!ParseExpr(item)) return false;
      if (open == '{' && Peek(':')) {
        if (is_set) return Error("dict and set items mixed");
        ++pos_;
        is_dict = true;
        Node value;
        if (!ParseExpr(value)) return false;
        values.push_back(std::move(value));
      } else if (open == '{') {
        if (is_dict) return Error("dict and set items mixed");
        is_set = true;
      }
      items.push_back(std::move(item));
      trailing_comma = Peek(',');
      if (trailing_comma) ++pos_;
    }
    --depth_;
    // A parenthesised single expression without a comma is a grouping.
    if (open == '(' && items.size() == 1 && !trailing_comma) {
      out = std::move(items[0]);
      return true;
    }
    out.shape = Node::kOther;
    out.numeric = false;
    out.valid = true;
    PyValue& v = out.value;
    v.kind = open == '('                ? PyValue::kTuple
             : open == '['              ? PyValue::kList
             : is_dict || items.empty() ? PyValue::kDict
                                        : PyValue::kSet;
    for (const Node& n : items) out.valid = out.valid && n.valid;
    for (const Node& n : values) out.valid = out.valid && n.valid;
    if (!out.valid) return true;
    for (size_t i = 0; i < items.size(); ++i) {
      if (v.kind == PyValue::kDict || v.kind == PyValue::kSet) {
        if (!Hashable(items[i].value)) {
          out.valid = false;
          return true;
        }
        bool replaced = false;
        size_t step = v.kind == PyValue::kDict ? 2 : 1;
        for (size_t k = 0; k < v.items.size(); k += step) {
          if (PyEquals(v.items[k], items[i].value)) {
            if (v.kind == PyValue::kDict) v.items[k + 1] = std::move(values[i].value);
            replaced = true;
            break;
          }
        }
        if (replaced) continue;
        v.items.push_back(std::move(items[i].value));
        if (v.kind == PyValue::kDict) v.items.push_back(std::move(values[i].value));
      } else {
        v.items.push_back(std::move(items[i].value));
      }
    }
    return true;
  }

  static bool Hashable(const PyValue& v) {
    if (v.kind == PyValue::kList || v.kind == PyValue::kDict || v.kind == PyValue::kSet) {
      return false;
    }
    if (v.kind == PyValue::kTuple) {
      for (const PyValue& x : v.items) {
        if (!Hashable(x)) return false;
      }
    }
    return true;
  }

  // Numbers as Python 3.11's tokenizer reads them.
  bool Digits(bool hex, int base, std::string& out) {
    bool any = false;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      int d = hex ? HexDigit(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
      if (d >= 0 && d < base) {
        out += c;
        any = true;
        ++pos_;
      } else if (c == '_' && any && pos_ + 1 < s_.size()) {
        char n = s_[pos_ + 1];
        int nd = hex ? HexDigit(n) : (n >= '0' && n <= '9' ? n - '0' : -1);
        if (nd < 0 || nd >= base) return Error("invalid number literal");
        ++pos_;
      } else {
        break;
      }
    }
    return any;
  }

  bool ParseNumber(Node& out) {
    out.shape = Node::kConstant;
    out.numeric = true;
    std::string digits;
    size_t start = pos_;
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && std::strchr("xXoObB", s_[pos_ + 1]) != nullptr &&
        s_[pos_ + 1] != '\0') {
      char k = s_[pos_ + 1] | 0x20;
      int base = k == 'x' ? 16 : k == 'o' ? 8 : 2;
      pos_ += 2;
      if (pos_ < s_.size() && s_[pos_] == '_') ++pos_;
      if (!Digits(base == 16, base, digits)) return Error("invalid number literal");
      if (!EndOfNumber()) return false;
      return MakeInt(out, digits, base);
    }
    bool is_float = false;
    std::string text;
    if (s_[pos_] != '.') {
      if (!Digits(false, 10, text)) return Error("invalid decimal literal");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      is_float = true;
      text += '.';
      ++pos_;
      if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        if (!Digits(false, 10, text)) return false;
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t save = pos_;
      std::string exp = "e";
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) exp += s_[pos_++];
      if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9' && Digits(false, 10, exp)) {
        is_float = true;
        text += exp;
      } else {
        pos_ = save;  // "1e" -- the tokenizer calls it an invalid decimal literal
        return Error("invalid decimal literal");
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'j' || s_[pos_] == 'J')) {
      ++pos_;
      if (!EndOfNumber()) return false;
      out.value.kind = PyValue::kComplex;
      out.value.imag = std::strtod(text.c_str(), nullptr);
      return true;
    }
    if (!EndOfNumber()) return false;
    if (is_float) {
      out.value.kind = PyValue::kFloat;
      out.value.real = std::strtod(text.c_str(), nullptr);
      return true;
    }
    // Decimal integer: leading zeros only in 0, 00, 0_0, ...
    if (text.size() > 1 && text[0] == '0' && text.find_first_not_of('0') != std::string::npos) {
      pos_ = start;
      return Error("leading zeros in decimal integer literals are not permitted");
    }
    return MakeInt(out, text, 10);
  }

  // A number must not run into a name ("1e", "1L", "0x1g"); numpy's
  // _filter_header drops an `L` right after a number first.
  bool EndOfNumber() {
    if (pos_ >= s_.size()) return true;
    unsigned char c = s_[pos_];
    if (options_.strip_long_suffix && c == 'L' &&
        (pos_ + 1 >= s_.size() || !IsIdentChar(static_cast<unsigned char>(s_[pos_ + 1])))) {
      ++pos_;
      return true;
    }
    if (IsIdentChar(c)) return Error("invalid decimal literal");
    return true;
  }

  bool MakeInt(Node& out, const std::string& digits, int base) {
    out.value.kind = PyValue::kInt;
    unsigned __int128 v = 0;
    for (char c : digits) {
      v = v * base + HexDigit(c);
      if (v > static_cast<unsigned __int128>(INT64_MAX) + 1) {
        out.value.big = true;
        break;
      }
    }
    if (!out.value.big && v <= static_cast<unsigned __int128>(INT64_MAX)) {
      out.value.integer = static_cast<int64_t>(v);
    } else {
      out.value.big = true;
      out.value.text = (base == 16 ? "0x" : base == 8 ? "0o" : base == 2 ? "0b" : "") + digits;
    }
    return true;
  }

  // One or more adjacent string literals, concatenated.
  bool ParseStrings(Node& out) {
    out.shape = Node::kConstant;
    bool first = true, bytes = false, fstring = false;
    std::string text;
    while (true) {
      if (!first) {
        if (!SkipSpace()) return false;
        size_t save = pos_;
        size_t p = pos_;
        while (p < s_.size() && p - pos_ < 2 && std::strchr("rRbBuUfF", s_[p]) && s_[p]) ++p;
        if (p >= s_.size() || (s_[p] != '\'' && s_[p] != '"')) {
          pos_ = save;
          break;
        }
      }
      bool raw = false, is_bytes = false, is_f = false, is_u = false;
      while (pos_ < s_.size() && s_[pos_] != '\'' && s_[pos_] != '"') {
        char p = s_[pos_] | 0x20;
        if (p == 'r' && !raw)
          raw = true;
        else if (p == 'b' && !is_bytes && !is_f && !is_u)
          is_bytes = true;
        else if (p == 'f' && !is_f && !is_bytes && !is_u)
          is_f = true;
        else if (p == 'u' && !is_u && !raw && !is_bytes && !is_f)
          is_u = true;
        else
          return Error("invalid string prefix");
        ++pos_;
      }
      if (is_u && raw) return Error("invalid string prefix");
      if (!first && is_bytes != bytes) return Error("cannot mix bytes and nonbytes literals");
      bytes = is_bytes;
      fstring |= is_f;
      if (!ReadString(raw, is_bytes, text)) return false;
      first = false;
    }
    out.valid = !fstring;  // an f-string is a JoinedStr, not a Constant
    out.value.kind = bytes ? PyValue::kBytes : PyValue::kStr;
    out.value.text = std::move(text);
    return true;
  }

  bool ReadString(bool raw, bool bytes, std::string& out) {
    char q = s_[pos_];
    bool triple = s_.substr(pos_, 3) == std::string(3, q);
    pos_ += triple ? 3 : 1;
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated string literal");
      unsigned char c = s_[pos_];
      if (c == static_cast<unsigned char>(q)) {
        if (!triple) {
          ++pos_;
          return true;
        }
        if (s_.substr(pos_, 3) == std::string(3, q)) {
          pos_ += 3;
          return true;
        }
        out += q;
        ++pos_;
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (!triple) return Error("unterminated string literal");
        SkipNewline();
        out += '\n';
        continue;
      }
      if (bytes && c >= 0x80) return Error("bytes can only contain ASCII literal characters");
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      // Backslash.
      if (pos_ + 1 >= s_.size()) return Error("unterminated string literal");
      char e = s_[pos_ + 1];
      if (raw) {
        // The backslash stays; it only keeps the next character (a quote or a
        // newline) from ending the literal.
        out += '\\';
        ++pos_;
        if (e == '\n' || e == '\r') {
          SkipNewline();
          out += '\n';
        } else {
          if (bytes && static_cast<unsigned char>(e) >= 0x80) {
            return Error("bytes can only contain ASCII literal characters");
          }
          out += e;
          ++pos_;
        }
        continue;
      }
      pos_ += 2;
      if (int simple = SimpleEscape(e); simple >= 0) {
        out += static_cast<char>(simple);
        continue;
      }
      switch (e) {
        case '\n':
          break;
        case '\r':
          if (pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
          break;
        case 'x': {
          if (pos_ + 2 > s_.size() || HexDigit(s_[pos_]) < 0 || HexDigit(s_[pos_ + 1]) < 0) {
            return Error("truncated \\xXX escape");
          }
          uint32_t v = HexDigit(s_[pos_]) * 16 + HexDigit(s_[pos_ + 1]);
          pos_ += 2;
          if (bytes) {
            out += static_cast<char>(v);
          } else {
            AppendUtf8(out, v);
          }
          break;
        }
        case 'u':
        case 'U':
        case 'N':
          if (bytes) {  // not escapes in bytes: kept as written
            out += '\\';
            out += e;
            break;
          }
          if (e == 'N') {
            if (pos_ >= s_.size() || s_[pos_] != '{')
              return Error("malformed \\N character escape");
            size_t end = s_.find('}', pos_);
            if (end == std::string_view::npos || end == pos_ + 1) {
              return Error("malformed \\N character escape");
            }
            uint32_t cp = AsciiCodePointByName(s_.substr(pos_ + 1, end - pos_ - 1));
            if (cp == kUnknownNamePlaceholder) approximate_ = true;
            AppendUtf8(out, cp);
            pos_ = end + 1;
          } else {
            int n = e == 'u' ? 4 : 8;
            if (pos_ + n > s_.size()) return Error("truncated \\uXXXX escape");
            uint32_t v = 0;
            for (int i = 0; i < n; ++i) {
              int d = HexDigit(s_[pos_ + i]);
              if (d < 0) return Error("truncated \\uXXXX escape");
              v = v * 16 + d;
            }
            if (v > 0x10FFFF) return Error("illegal Unicode character");
            pos_ += n;
            AppendUtf8(out, v);
          }
          break;
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = e - '0';
            for (int k = 0; k < 2 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++k) {
              v = v * 8 + (s_[pos_++] - '0');
            }
            if (bytes) {
              out += static_cast<char>(v & 0xFF);
            } else {
              AppendUtf8(out, v);
            }
          } else {
            // Unknown escapes keep the backslash (a DeprecationWarning only).
            if (bytes && static_cast<unsigned char>(e) >= 0x80) {
              return Error("bytes can only contain ASCII literal characters");
            }
            out += '\\';
            out += e;
          }
      }
    }
  }

  // literal_eval's verdict on the whole tree (Node::valid is computed bottom-up).
  bool Literal(const Node& root) {
    if (!root.valid) return Error("malformed node or string (not a literal)");
    if (root.shape == Node::kUnary && !root.numeric) {
      return Error("malformed node or string (not a literal)");
    }
    return true;
  }

 public:
  bool approximate() const { return approximate_; }

 private:
  bool approximate_ = false;
  std::string_view s_;
  const LiteralOptions& options_;
  size_t pos_ = 0;
  int depth_ = 0;
  uint64_t nodes_ = 0;
  bool limit_ = false;
  std::string error_;
};

bool NumericValue(const PyValue& v, double& re, double& im) {
  switch (v.kind) {
    case PyValue::kBool:
    case PyValue::kInt:
      re = v.big ? std::strtod(v.text.c_str(), nullptr) : static_cast<double>(v.integer);
      im = 0;
      return true;
    case PyValue::kFloat:
      re = v.real;
      im = 0;
      return true;
    case PyValue::kComplex:
      re = v.real;
      im = v.imag;
      return true;
    default:
      return false;
  }
}

}  // namespace

bool PyEquals(const PyValue& a, const PyValue& b) {
  double ar, ai, br, bi;
  if (NumericValue(a, ar, ai) && NumericValue(b, br, bi)) {
    if (a.IsIntLike() && b.IsIntLike()) {
      if (a.big || b.big) return a.big && b.big && a.text == b.text;
      return a.integer == b.integer;
    }
    return ar == br && ai == bi;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case PyValue::kNone:
    case PyValue::kEllipsis:
      return true;
    case PyValue::kStr:
    case PyValue::kBytes:
      return a.text == b.text;
    case PyValue::kTuple:
    case PyValue::kList:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (!PyEquals(a.items[i], b.items[i])) return false;
      }
      return true;
    default:
      return false;
  }
}

const PyValue* PyValue::Get(std::string_view key) const {
  if (kind != kDict) return nullptr;
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    if (items[i].IsStr(key)) return &items[i + 1];
  }
  return nullptr;
}

LiteralResult ParsePythonLiteral(std::string_view source, const LiteralOptions& options) {
  if (source.find('\0') != std::string_view::npos) {
    LiteralResult r;
    r.error = "source code string cannot contain null bytes";
    r.offset = source.find('\0');
    return r;
  }
  Parser parser(source, options);
  LiteralResult r = parser.Run();
  r.approximate = parser.approximate();
  return r;
}

std::string PyRepr(const PyValue& v, size_t max_len) {
  std::string out;
  switch (v.kind) {
    case PyValue::kNone:
      out = "None";
      break;
    case PyValue::kBool:
      out = v.integer ? "True" : "False";
      break;
    case PyValue::kInt:
      out = v.big ? v.text : std::to_string(v.integer);
      break;
    case PyValue::kFloat:
    case PyValue::kComplex:
      out = std::to_string(v.kind == PyValue::kFloat ? v.real : v.imag);
      if (v.kind == PyValue::kComplex) out += "j";
      break;
    case PyValue::kEllipsis:
      out = "Ellipsis";
      break;
    case PyValue::kStr:
    case PyValue::kBytes: {
      out = v.kind == PyValue::kBytes ? "b'" : "'";
      for (unsigned char c : v.text) {
        if (c == '\'' || c == '\\') {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7F || (v.kind == PyValue::kBytes && c >= 0x80)) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
      }
      out += "'";
      break;
    }
    case PyValue::kTuple:
    case PyValue::kList:
    case PyValue::kSet:
    case PyValue::kDict: {
      const char* open = v.kind == PyValue::kTuple ? "(" : v.kind == PyValue::kList ? "[" : "{";
      const char* close = v.kind == PyValue::kTuple ? ")" : v.kind == PyValue::kList ? "]" : "}";
      out = open;
      size_t step = v.kind == PyValue::kDict ? 2 : 1;
      for (size_t i = 0; i < v.items.size() && out.size() < max_len; i += step) {
        if (i) out += ", ";
        out += PyRepr(v.items[i], max_len);
        if (step == 2) out += ": " + PyRepr(v.items[i + 1], max_len);
      }
      if (v.kind == PyValue::kTuple && v.items.size() == 1) out += ",";
      if (v.kind == PyValue::kSet && v.items.empty()) out = "set(";
      out += close;
      if (v.kind == PyValue::kSet && v.items.empty()) out = "set()";
      break;
    }
  }
  if (out.size() > max_len) out = out.substr(0, max_len) + "...";
  return out;
}

}  // namespace picket::scan

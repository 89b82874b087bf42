#include "eql/lexer.h"

#include <cstring>

#include "eql/utf8.h"

namespace picket::eql {
namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

struct Keyword {
  const char* text;
  Tok kind;
};
constexpr Keyword kKeywords[] = {
    {"and", Tok::kAnd},     {"any", Tok::kAny},         {"by", Tok::kBy},
    {"false", Tok::kFalse}, {"in", Tok::kIn},           {"join", Tok::kJoin},
    {"like", Tok::kLike},   {"maxspan", Tok::kMaxspan}, {"not", Tok::kNot},
    {"null", Tok::kNull},   {"of", Tok::kOf},           {"or", Tok::kOr},
    {"regex", Tok::kRegex}, {"sample", Tok::kSample},   {"sequence", Tok::kSequence},
    {"true", Tok::kTrue},   {"until", Tok::kUntil},     {"where", Tok::kWhere},
    {"with", Tok::kWith},
};

// ANTLR shows the offending text with control characters escaped.
std::string Display(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view q, std::vector<Token>* out, LexError* error)
      : q_(q), out_(out), error_(error) {}

  bool Run(size_t max_tokens) {
    while (true) {
      if (!SkipSpaceAndComments()) return false;
      if (p_ >= q_.size()) break;
      if (out_->size() >= max_tokens) {
        error_->offset = static_cast<uint32_t>(p_);
        error_->message = "query has more than " + std::to_string(max_tokens) + " tokens";
        return false;
      }
      if (!Next()) return false;
    }
    Token eof;
    eof.kind = Tok::kEof;
    eof.begin = eof.end = static_cast<uint32_t>(q_.size());
    out_->push_back(std::move(eof));
    return true;
  }

 private:
  char At(size_t i) const { return i < q_.size() ? q_[i] : '\0'; }

  bool Fail(size_t start, size_t last_inclusive) {
    error_->offset = static_cast<uint32_t>(start);
    size_t end = std::min(q_.size(), last_inclusive + 1);
    error_->message =
        "token recognition error at: '" + Display(q_.substr(start, end - start)) + "'";
    return false;
  }

  bool SkipSpaceAndComments() {
    while (p_ < q_.size()) {
      char c = q_[p_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++p_;
      } else if (c == '/' && At(p_ + 1) == '/') {
        while (p_ < q_.size() && q_[p_] != '\n') ++p_;
      } else if (c == '/' && At(p_ + 1) == '*') {
        size_t start = p_;
        int depth = 0;
        while (p_ < q_.size()) {
          if (q_[p_] == '/' && At(p_ + 1) == '*') {
            ++depth;
            p_ += 2;
          } else if (q_[p_] == '*' && At(p_ + 1) == '/') {
            p_ += 2;
            if (--depth == 0) break;
          } else {
            ++p_;
          }
        }
        if (depth != 0) {
          error_->offset = static_cast<uint32_t>(start);
          error_->message = "unterminated /* comment";
          return false;
        }
      } else {
        break;
      }
    }
    return true;
  }

  void Emit(Tok kind, size_t begin, std::string text = {}) {
    Token t;
    t.kind = kind;
    t.begin = static_cast<uint32_t>(begin);
    t.end = static_cast<uint32_t>(p_);
    t.text = std::move(text);
    out_->push_back(std::move(t));
  }

  bool Next() {
    size_t start = p_;
    char c = q_[p_];
    auto op = [&](Tok kind, size_t len) {
      p_ += len;
      Emit(kind, start);
      return true;
    };
    switch (c) {
      case ':':
        return op(Tok::kSeq, 1);
      case '=':
        return At(p_ + 1) == '=' ? op(Tok::kEq, 2) : op(Tok::kAsgn, 1);
      case '!':
        if (At(p_ + 1) == '=') return op(Tok::kNeq, 2);
        if (At(p_ + 1) == '[') return op(Tok::kMissingEventOpen, 2);
        return Fail(start, start + 1);
      case '<':
        return At(p_ + 1) == '=' ? op(Tok::kLte, 2) : op(Tok::kLt, 1);
      case '>':
        return At(p_ + 1) == '=' ? op(Tok::kGte, 2) : op(Tok::kGt, 1);
      case '+':
        return op(Tok::kPlus, 1);
      case '-':
        return op(Tok::kMinus, 1);
      case '*':
        return op(Tok::kAsterisk, 1);
      case '/':
        return op(Tok::kSlash, 1);
      case '%':
        return op(Tok::kPercent, 1);
      case ',':
        return op(Tok::kComma, 1);
      case '[':
        return op(Tok::kLb, 1);
      case ']':
        return op(Tok::kRb, 1);
      case '(':
        return op(Tok::kLp, 1);
      case ')':
        return op(Tok::kRp, 1);
      case '|':
        return op(Tok::kPipe, 1);
      case '?':
        if (At(p_ + 1) == '"') return String(start, p_ + 1, '"', StringStyle::kQuestionDouble);
        if (At(p_ + 1) == '\'') return String(start, p_ + 1, '\'', StringStyle::kQuestionSingle);
        return op(Tok::kOptional, 1);
      case '"':
        if (At(p_ + 1) == '"' && At(p_ + 2) == '"') return RawString(start);
        return String(start, p_, '"', StringStyle::kDouble);
      case '\'':
        return String(start, p_, '\'', StringStyle::kSingle);
      case '`':
        return QuotedIdentifier(start);
      case '.':
        if (IsDigit(At(p_ + 1))) return Number(start);
        return op(Tok::kDot, 1);
      default:
        break;
    }
    if (IsDigit(c)) return Number(start);
    if (IsLetter(c) || c == '_' || c == '@') return Identifier(start);
    // One code point, as ANTLR reports it.
    size_t i = p_;
    NextCodePoint(q_, &i);
    return Fail(start, i - 1);
  }

  bool Number(size_t start) {
    bool decimal = false;
    while (IsDigit(At(p_))) ++p_;
    if (At(p_) == '.') {
      decimal = true;
      ++p_;
      while (IsDigit(At(p_))) ++p_;
    }
    if ((At(p_) == 'e' || At(p_) == 'E')) {
      size_t e = p_ + 1;
      if (At(e) == '+' || At(e) == '-') ++e;
      if (IsDigit(At(e))) {
        decimal = true;
        p_ = e;
        while (IsDigit(At(p_))) ++p_;
      }
    }
    Emit(decimal ? Tok::kDecimal : Tok::kInteger, start, std::string(q_.substr(start, p_ - start)));
    return true;
  }

  bool Identifier(size_t start) {
    bool starts_with_letter = IsLetter(q_[p_]);
    ++p_;
    while (IsLetter(At(p_)) || IsDigit(At(p_)) || At(p_) == '_') ++p_;
    std::string_view word = q_.substr(start, p_ - start);
    if (At(p_) == '~') {
      // in~ like~ regex~ are keywords; other letter-led names ending in ~
      // are case-insensitive function names.
      if (word == "in" || word == "like" || word == "regex") {
        ++p_;
        Emit(word == "in"     ? Tok::kInInsensitive
             : word == "like" ? Tok::kLikeInsensitive
                              : Tok::kRegexInsensitive,
             start);
        return true;
      }
      if (starts_with_letter) {
        ++p_;
        Emit(Tok::kTildeIdentifier, start, std::string(word));
        return true;
      }
    }
    for (const auto& k : kKeywords) {
      if (word == k.text) {
        Emit(k.kind, start);
        return true;
      }
    }
    Emit(Tok::kIdentifier, start, std::string(word));
    return true;
  }

  bool QuotedIdentifier(size_t start) {
    std::string name;
    ++p_;
    while (true) {
      if (p_ >= q_.size()) return Fail(start, q_.size() - 1);
      if (q_[p_] == '`') {
        if (At(p_ + 1) == '`') {
          name += '`';
          p_ += 2;
          continue;
        }
        ++p_;
        break;
      }
      name += q_[p_++];
    }
    Emit(Tok::kQuotedIdentifier, start, std::move(name));
    return true;
  }

  bool RawString(size_t start) {
    // '"""' (~[\r\n])*? '"""' '"'? '"'?
    p_ += 3;
    size_t content = p_;
    while (true) {
      if (p_ >= q_.size()) return Fail(start, q_.size() - 1);
      char c = q_[p_];
      if (c == '\r' || c == '\n') return Fail(start, p_);
      if (c == '"' && At(p_ + 1) == '"' && At(p_ + 2) == '"') break;
      ++p_;
    }
    size_t close = p_;
    p_ += 3;
    // Up to two more quotes belong to the string's value.
    int extra = 0;
    while (extra < 2 && At(p_) == '"') {
      ++p_;
      ++extra;
    }
    std::string value(q_.substr(content, close - content));
    value.append(extra, '"');
    Token t;
    t.kind = Tok::kString;
    t.begin = static_cast<uint32_t>(start);
    t.end = static_cast<uint32_t>(p_);
    t.text = std::move(value);
    t.style = StringStyle::kRaw;
    out_->push_back(std::move(t));
    return true;
  }

  // A quoted string: `quote_at` is the opening quote, which `quote` closes.
  bool String(size_t start, size_t quote_at, char quote, StringStyle style) {
    p_ = quote_at + 1;
    Token t;
    t.kind = Tok::kString;
    t.style = style;
    std::string value;
    uint32_t pending_high = 0;  // a \uD800..\uDBFF waiting for its pair
    auto flush_high = [&] {
      if (pending_high) AppendUtf8(0xFFFD, &value);
      pending_high = 0;
    };
    while (true) {
      if (p_ >= q_.size()) return Fail(start, q_.size() - 1);
      char c = q_[p_];
      if (c == '\r' || c == '\n') return Fail(start, p_);
      if (c == quote) {
        ++p_;
        break;
      }
      if (c != '\\') {
        flush_high();
        value += c;
        ++p_;
        continue;
      }
      char e = At(p_ + 1);
      const char* simple = strchr("btnfr\"'\\", e);
      if (e != '\0' && simple) {
        flush_high();
        static const char kDecoded[] = "\b\t\n\f\r\"'\\";
        value += kDecoded[simple - "btnfr\"'\\"];
        p_ += 2;
        continue;
      }
      if (e != 'u') return Fail(start, std::min(p_ + 1, q_.size() - 1));
      size_t esc = p_;
      size_t h = p_ + 2;
      std::string hex;
      bool braces = At(h) == '{';
      if (braces) {
        ++h;
        while (IsHex(At(h))) hex += q_[h++];
        if (hex.empty() || At(h) != '}') return Fail(start, std::min(h, q_.size() - 1));
        ++h;
      } else {
        for (int k = 0; k < 4; ++k) {
          if (!IsHex(At(h))) return Fail(start, std::min(h, q_.size() - 1));
          hex += q_[h++];
        }
      }
      p_ = h;
      // Elasticsearch's string builder checks what the lexer let through.
      auto builder_error = [&](std::string msg) {
        if (t.string_error.empty()) {
          t.string_error = std::move(msg);
          t.string_error_offset = static_cast<uint32_t>(esc);
        }
      };
      if (braces && (hex.size() < 2 || hex.size() > 8)) {
        builder_error("Unicode sequence in curly braces should use [2-8] hex digits, [" +
                      std::string(q_.substr(esc, h - esc)) + "] has [" +
                      std::to_string(hex.size()) + "]");
        continue;
      }
      uint64_t code = std::stoull(hex, nullptr, 16);
      if (code == 0) {
        builder_error("Unicode sequence results in null");
        continue;
      }
      if (code > 0x10FFFF) {
        builder_error("Invalid unicode character code [" + hex + "]");
        continue;
      }
      uint32_t cp = static_cast<uint32_t>(code);
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        flush_high();
        pending_high = cp;
        continue;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        if (pending_high) {
          AppendUtf8(0x10000 + ((pending_high - 0xD800) << 10) + (cp - 0xDC00), &value);
          pending_high = 0;
        } else {
          AppendUtf8(0xFFFD, &value);
        }
        continue;
      }
      flush_high();
      AppendUtf8(cp, &value);
    }
    flush_high();
    t.begin = static_cast<uint32_t>(start);
    t.end = static_cast<uint32_t>(p_);
    t.text = std::move(value);
    out_->push_back(std::move(t));
    return true;
  }

  std::string_view q_;
  std::vector<Token>* out_;
  LexError* error_;
  size_t p_ = 0;
};

}  // namespace

bool Lex(std::string_view query, std::vector<Token>* tokens, LexError* error, size_t max_tokens) {
  tokens->clear();
  return Lexer(query, tokens, error).Run(max_tokens);
}

const char* TokenKindName(Tok kind) {
  switch (kind) {
    case Tok::kEof:
      return "<EOF>";
    case Tok::kAnd:
      return "'and'";
    case Tok::kAny:
      return "'any'";
    case Tok::kBy:
      return "'by'";
    case Tok::kFalse:
      return "'false'";
    case Tok::kIn:
      return "'in'";
    case Tok::kInInsensitive:
      return "'in~'";
    case Tok::kJoin:
      return "'join'";
    case Tok::kLike:
      return "'like'";
    case Tok::kLikeInsensitive:
      return "'like~'";
    case Tok::kMaxspan:
      return "'maxspan'";
    case Tok::kNot:
      return "'not'";
    case Tok::kNull:
      return "'null'";
    case Tok::kOf:
      return "'of'";
    case Tok::kOr:
      return "'or'";
    case Tok::kRegex:
      return "'regex'";
    case Tok::kRegexInsensitive:
      return "'regex~'";
    case Tok::kSample:
      return "'sample'";
    case Tok::kSequence:
      return "'sequence'";
    case Tok::kTrue:
      return "'true'";
    case Tok::kUntil:
      return "'until'";
    case Tok::kWhere:
      return "'where'";
    case Tok::kWith:
      return "'with'";
    case Tok::kSeq:
      return "':'";
    case Tok::kAsgn:
      return "'='";
    case Tok::kEq:
      return "'=='";
    case Tok::kNeq:
      return "'!='";
    case Tok::kLt:
      return "'<'";
    case Tok::kLte:
      return "'<='";
    case Tok::kGt:
      return "'>'";
    case Tok::kGte:
      return "'>='";
    case Tok::kPlus:
      return "'+'";
    case Tok::kMinus:
      return "'-'";
    case Tok::kAsterisk:
      return "'*'";
    case Tok::kSlash:
      return "'/'";
    case Tok::kPercent:
      return "'%'";
    case Tok::kDot:
      return "'.'";
    case Tok::kComma:
      return "','";
    case Tok::kLb:
      return "'['";
    case Tok::kRb:
      return "']'";
    case Tok::kLp:
      return "'('";
    case Tok::kRp:
      return "')'";
    case Tok::kPipe:
      return "'|'";
    case Tok::kOptional:
      return "'?'";
    case Tok::kMissingEventOpen:
      return "'!['";
    case Tok::kString:
      return "STRING";
    case Tok::kInteger:
      return "INTEGER_VALUE";
    case Tok::kDecimal:
      return "DECIMAL_VALUE";
    case Tok::kIdentifier:
      return "IDENTIFIER";
    case Tok::kQuotedIdentifier:
      return "QUOTED_IDENTIFIER";
    case Tok::kTildeIdentifier:
      return "TILDE_IDENTIFIER";
    case Tok::kLexError:
      return "<ERROR>";
  }
  return "?";
}

std::string TokenDisplay(std::string_view query, const Token& t) {
  if (t.kind == Tok::kEof) return "<EOF>";
  return "'" + Display(query.substr(t.begin, t.end - t.begin)) + "'";
}

}  // namespace picket::eql

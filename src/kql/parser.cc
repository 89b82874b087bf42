// A PEG parser that follows Kibana's kuery grammar rule by rule (see
// parser.h). Each rule method returns true and advances pos_ on success, or
// returns false with pos_ unchanged. Like peggy, errors are reported at the
// furthest position any rule failed, with what was expected there.
#include "kql/parser.h"

#include <algorithm>
#include <set>

#include "util/text_lines.h"

namespace picket::kql {
namespace {

bool IsSpecial(char c) {
  switch (c) {
    case '\\':
    case '(':
    case ')':
    case ':':
    case '<':
    case '>':
    case '"':
    case '*':
    case '{':
    case '}':
      return true;
    default:
      return false;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view q, const ParseLimits& limits) : q_(q), limits_(limits) {}

  ParseResult Run() {
    ParseResult result;
    if (q_.size() > limits_.max_query_bytes) {
      result.error =
          MakeError(0, "query longer than " + std::to_string(limits_.max_query_bytes) + " bytes");
      return result;
    }
    SkipSpaces();
    std::unique_ptr<Node> root;
    if (!AtEnd()) {
      root = OrQuery();
      if (!root || fatal_) {
        result.error = FailureError();
        return result;
      }
    }
    SkipSpaces();
    if (!AtEnd()) {
      Expect("end of input");
      result.error = FailureError();
      return result;
    }
    if (!root) {
      root = std::make_unique<Node>();
      root->kind = NodeKind::kMatchAll;
    }
    result.root = std::move(root);
    return result;
  }

 private:
  // ---- low-level helpers -------------------------------------------------
  bool AtEnd() const { return pos_ >= q_.size(); }

  // Space = [ \t\r\n\u00A0]; returns the byte length of a space at p, or 0.
  size_t SpaceAt(size_t p) const {
    if (p >= q_.size()) return 0;
    char c = q_[p];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return 1;
    if (static_cast<unsigned char>(c) == 0xC2 && p + 1 < q_.size() &&
        static_cast<unsigned char>(q_[p + 1]) == 0xA0)
      return 2;
    return 0;
  }
  size_t SpacesAt(size_t p) const {
    size_t start = p;
    while (size_t n = SpaceAt(p)) p += n;
    return p - start;
  }
  void SkipSpaces() { pos_ += SpacesAt(pos_); }

  bool WordAt(size_t p, std::string_view word) const {
    if (p + word.size() > q_.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
      if ((q_[p + i] | 0x20) != word[i]) return false;
    return true;
  }
  // Or = Space+ 'or'i Space+ ; And likewise. Returns the length matched.
  size_t BinaryKeywordAt(size_t p, std::string_view word) const {
    size_t lead = SpacesAt(p);
    if (lead == 0 || !WordAt(p + lead, word)) return 0;
    size_t trail = SpacesAt(p + lead + word.size());
    if (trail == 0) return 0;
    return lead + word.size() + trail;
  }
  // Not = 'not'i Space+
  size_t NotAt(size_t p) const {
    if (!WordAt(p, "not")) return 0;
    size_t trail = SpacesAt(p + 3);
    return trail ? 3 + trail : 0;
  }
  bool KeywordAt(size_t p) const {
    return BinaryKeywordAt(p, "or") || BinaryKeywordAt(p, "and") || NotAt(p);
  }

  void Expect(const std::string& what) { ExpectAt(pos_, what); }
  void ExpectAt(size_t p, const std::string& what) {
    if (p > furthest_) {
      furthest_ = p;
      expected_.clear();
    }
    if (p == furthest_) expected_.insert(what);
  }
  bool Char(char c) {
    if (pos_ < q_.size() && q_[pos_] == c) {
      ++pos_;
      return true;
    }
    Expect(std::string("\"") + c + "\"");
    return false;
  }
  bool Enter() {
    if (++depth_ > limits_.max_depth) {
      if (!fatal_) {
        fatal_ = true;
        furthest_ = pos_;
        expected_.clear();
        fatal_message_ =
            "query nested deeper than " + std::to_string(limits_.max_depth) + " levels";
      }
      return false;
    }
    return true;
  }
  void Leave() { --depth_; }

  // ---- query level ---------------------------------------------------------
  // head (keyword head)*: the shape of `or` and `and` at query and value
  // level. `next` parses one operand; `combine` builds the n-ary node.
  template <typename T, typename Next, typename CombineFn>
  std::unique_ptr<T> Chain(std::string_view word, Next next, CombineFn combine) {
    uint32_t start = static_cast<uint32_t>(pos_);
    std::vector<std::unique_ptr<T>> parts;
    auto head = next();
    if (!head) return nullptr;
    parts.push_back(std::move(head));
    while (!fatal_) {
      size_t kw = BinaryKeywordAt(pos_, word);
      if (!kw) {
        ExpectAt(pos_ + SpacesAt(pos_), "\"" + std::string(word) + "\"");
        break;
      }
      size_t save = pos_;
      pos_ += kw;
      auto operand = next();
      if (!operand) {  // `a or` followed by nothing usable is an error
        pos_ = save;
        return nullptr;
      }
      parts.push_back(std::move(operand));
    }
    return combine(std::move(parts), start);
  }

  std::unique_ptr<Node> Combine(NodeKind kind, std::vector<std::unique_ptr<Node>> parts,
                                uint32_t offset) {
    if (parts.size() == 1) return std::move(parts[0]);
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->children = std::move(parts);
    node->offset = offset;
    return node;
  }

  std::unique_ptr<Node> OrQuery() {
    return Chain<Node>(
        "or", [&] { return AndQuery(); },
        [&](auto parts, uint32_t start) {
          return Combine(NodeKind::kOr, std::move(parts), start);
        });
  }

  std::unique_ptr<Node> AndQuery() {
    return Chain<Node>(
        "and", [&] { return NotQuery(); },
        [&](auto parts, uint32_t start) {
          return Combine(NodeKind::kAnd, std::move(parts), start);
        });
  }

  std::unique_ptr<Node> NotQuery() {
    size_t kw = NotAt(pos_);
    if (kw) {
      size_t save = pos_;
      pos_ += kw;
      if (!Enter()) return nullptr;
      auto sub = SubQuery();
      Leave();
      if (sub) {
        auto node = std::make_unique<Node>();
        node->kind = NodeKind::kNot;
        node->offset = static_cast<uint32_t>(save);
        node->children.push_back(std::move(sub));
        return node;
      }
      pos_ = save;
      if (fatal_) return nullptr;
    } else {
      Expect("\"not\"");
    }
    return SubQuery();
  }

  std::unique_ptr<Node> SubQuery() {
    size_t save = pos_;
    if (pos_ < q_.size() && q_[pos_] == '(') {
      ++pos_;
      SkipSpaces();
      if (!Enter()) return nullptr;
      auto inner = OrQuery();
      Leave();
      if (inner) {
        SkipSpaces();
        if (Char(')')) return inner;
      }
      pos_ = save;
      if (fatal_) return nullptr;
      return nullptr;
    }
    Expect("\"(\"");
    return NestedQuery();
  }

  std::unique_ptr<Node> NestedQuery() {
    size_t save = pos_;
    Literal field;
    if (LiteralValue(&field)) {
      SkipSpaces();
      if (pos_ < q_.size() && q_[pos_] == ':') {
        ++pos_;
        SkipSpaces();
        if (pos_ < q_.size() && q_[pos_] == '{') {
          ++pos_;
          SkipSpaces();
          if (!Enter()) return nullptr;
          auto inner = OrQuery();
          Leave();
          if (inner) {
            SkipSpaces();
            if (Char('}')) {
              auto node = std::make_unique<Node>();
              node->kind = NodeKind::kNested;
              node->field = FieldName(field);
              node->field_offset = field.offset;
              node->offset = field.offset;
              node->children.push_back(std::move(inner));
              return node;
            }
          }
          if (fatal_) return nullptr;
          pos_ = save;
          return nullptr;
        }
        Expect("\"{\"");
      }
    }
    pos_ = save;
    return Expression();
  }

  // The field name of a Literal: unescaped text, with `*` kept for patterns.
  static std::string FieldName(const Literal& lit) {
    if (!lit.wildcard) return lit.text;
    std::string name;
    for (size_t i = 0; i < lit.pieces.size(); ++i) {
      if (i) name += '*';
      name += lit.pieces[i];
    }
    return name;
  }

  std::unique_ptr<Node> Expression() {
    size_t save = pos_;
    Literal field;
    if (LiteralValue(&field)) {
      size_t after_field = pos_;
      SkipSpaces();
      // FieldRangeExpression
      RangeOp op;
      size_t oplen = RangeOperatorAt(pos_, &op);
      if (oplen) {
        pos_ += oplen;
        SkipSpaces();
        Literal value;
        if (LiteralValue(&value)) {
          auto node = std::make_unique<Node>();
          node->kind = NodeKind::kRange;
          node->field = FieldName(field);
          node->field_offset = field.offset;
          node->offset = field.offset;
          node->op = op;
          node->literal = std::move(value);
          return node;
        }
        if (fatal_) return nullptr;
        pos_ = save;
        return nullptr;
      }
      Expect("\"<\", \"<=\", \">\", \">=\"");
      // FieldValueExpression
      if (pos_ < q_.size() && q_[pos_] == ':') {
        ++pos_;
        SkipSpaces();
        auto value = ListOfValues();
        if (value) {
          auto node = std::make_unique<Node>();
          node->kind = NodeKind::kMatch;
          node->field = FieldName(field);
          node->field_offset = field.offset;
          node->offset = field.offset;
          node->value = std::move(value);
          return node;
        }
        if (fatal_) return nullptr;
        pos_ = save;
        return nullptr;
      }
      Expect("\":\"");
      // ValueExpression: the literal alone is free text.
      pos_ = after_field;
      auto node = std::make_unique<Node>();
      node->kind = NodeKind::kFreeText;
      node->offset = field.offset;
      node->literal = std::move(field);
      return node;
    }
    pos_ = save;
    return nullptr;
  }

  size_t RangeOperatorAt(size_t p, RangeOp* op) const {
    if (p >= q_.size()) return 0;
    bool eq = p + 1 < q_.size() && q_[p + 1] == '=';
    if (q_[p] == '<') {
      *op = eq ? RangeOp::kLte : RangeOp::kLt;
      return eq ? 2 : 1;
    }
    if (q_[p] == '>') {
      *op = eq ? RangeOp::kGte : RangeOp::kGt;
      return eq ? 2 : 1;
    }
    return 0;
  }

  // ---- value lists -------------------------------------------------------
  std::unique_ptr<ValueNode> ListOfValues() {
    size_t save = pos_;
    if (pos_ < q_.size() && q_[pos_] == '(') {
      ++pos_;
      SkipSpaces();
      if (!Enter()) return nullptr;
      auto inner = OrListOfValues();
      Leave();
      if (inner) {
        SkipSpaces();
        if (Char(')')) return inner;
      }
      pos_ = save;
      return nullptr;
    }
    Expect("\"(\"");
    Literal lit;
    if (!LiteralValue(&lit)) return nullptr;
    auto node = std::make_unique<ValueNode>();
    node->kind = ValueKind::kLiteral;
    node->offset = lit.offset;
    node->literal = std::move(lit);
    return node;
  }

  std::unique_ptr<ValueNode> CombineValues(ValueKind kind,
                                           std::vector<std::unique_ptr<ValueNode>> parts,
                                           uint32_t offset) {
    if (parts.size() == 1) return std::move(parts[0]);
    auto node = std::make_unique<ValueNode>();
    node->kind = kind;
    node->children = std::move(parts);
    node->offset = offset;
    return node;
  }

  std::unique_ptr<ValueNode> OrListOfValues() {
    return Chain<ValueNode>(
        "or", [&] { return AndListOfValues(); },
        [&](auto parts, uint32_t start) {
          return CombineValues(ValueKind::kOr, std::move(parts), start);
        });
  }

  std::unique_ptr<ValueNode> AndListOfValues() {
    return Chain<ValueNode>(
        "and", [&] { return NotListOfValues(); },
        [&](auto parts, uint32_t start) {
          return CombineValues(ValueKind::kAnd, std::move(parts), start);
        });
  }

  std::unique_ptr<ValueNode> NotListOfValues() {
    size_t kw = NotAt(pos_);
    if (kw) {
      size_t save = pos_;
      pos_ += kw;
      if (!Enter()) return nullptr;
      auto inner = ListOfValues();
      Leave();
      if (inner) {
        auto node = std::make_unique<ValueNode>();
        node->kind = ValueKind::kNot;
        node->offset = static_cast<uint32_t>(save);
        node->children.push_back(std::move(inner));
        return node;
      }
      pos_ = save;
      if (fatal_) return nullptr;
    } else {
      Expect("\"not\"");
    }
    return ListOfValues();
  }

  // ---- literals ------------------------------------------------------------
  bool LiteralValue(Literal* out) {
    if (pos_ < q_.size() && q_[pos_] == '"') return QuotedString(out);
    Expect("\"\\\"\"");
    return UnquotedLiteral(out);
  }

  // Reads \uXXXX at p (p at the backslash); returns bytes consumed or 0.
  size_t UnicodeEscapeAt(size_t p, std::string* out) const {
    if (p + 5 >= q_.size() + 0 && p + 6 > q_.size()) return 0;
    if (q_[p] != '\\' || q_[p + 1] != 'u') return 0;
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      int h = HexValue(q_[p + 2 + i]);
      if (h < 0) return 0;
      cp = cp * 16 + h;
    }
    AppendUtf8(cp, out);
    return 6;
  }

  static bool EscapedWhitespace(char c, char* out) {
    switch (c) {
      case 't':
        *out = '\t';
        return true;
      case 'r':
        *out = '\r';
        return true;
      case 'n':
        *out = '\n';
        return true;
      default:
        return false;
    }
  }

  bool QuotedString(Literal* out) {
    size_t start = pos_;
    ++pos_;  // opening quote
    std::string text;
    while (true) {
      if (pos_ >= q_.size()) {
        Expect("\"\\\"\" (closing quote)");
        pos_ = start;
        return false;
      }
      char c = q_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c == '\\' && pos_ + 1 < q_.size()) {
        char ws;
        if (EscapedWhitespace(q_[pos_ + 1], &ws)) {
          text += ws;
          pos_ += 2;
          continue;
        }
        if (size_t n = UnicodeEscapeAt(pos_, &text)) {
          pos_ += n;
          continue;
        }
        if (q_[pos_ + 1] == '\\' || q_[pos_ + 1] == '"') {
          text += q_[pos_ + 1];
          pos_ += 2;
          continue;
        }
      }
      // Any other character, including a lone backslash, is literal.
      text += c;
      ++pos_;
    }
    out->text = std::move(text);
    out->quoted = true;
    out->wildcard = false;
    out->pieces.clear();
    out->raw = std::string(q_.substr(start, pos_ - start));
    out->offset = static_cast<uint32_t>(start);
    return true;
  }

  bool UnquotedLiteral(Literal* out) {
    size_t start = pos_;
    std::vector<std::string> pieces(1);
    bool wildcard = false;
    size_t content_end = pos_;  // end of the last non-space character
    size_t pieces_len_at_end = 0;
    size_t piece_count_at_end = 1;
    auto mark_end = [&] {
      content_end = pos_;
      piece_count_at_end = pieces.size();
      pieces_len_at_end = pieces.back().size();
    };
    while (pos_ < q_.size()) {
      char c = q_[pos_];
      if (c == '\\') {
        if (pos_ + 1 >= q_.size()) break;
        char next = q_[pos_ + 1];
        char ws;
        if (EscapedWhitespace(next, &ws)) {
          pieces.back() += ws;
          pos_ += 2;
          mark_end();
          continue;
        }
        if (IsSpecial(next)) {
          pieces.back() += next;
          pos_ += 2;
          mark_end();
          continue;
        }
        if (size_t n = UnicodeEscapeAt(pos_, &pieces.back())) {
          pos_ += n;
          mark_end();
          continue;
        }
        bool kw = false;
        for (std::string_view word : {"or", "and", "not"}) {
          if (WordAt(pos_ + 1, word)) {
            pieces.back().append(q_.substr(pos_ + 1, word.size()));
            pos_ += 1 + word.size();
            kw = true;
            break;
          }
        }
        if (kw) {
          mark_end();
          continue;
        }
        break;  // an invalid escape ends the literal; the caller reports it
      }
      if (c == '*') {
        wildcard = true;
        pieces.emplace_back();
        ++pos_;
        mark_end();
        continue;
      }
      if (IsSpecial(c) || KeywordAt(pos_)) break;
      size_t space = SpaceAt(pos_);
      if (space) {
        pieces.back().append(q_.substr(pos_, space));
        pos_ += space;
        continue;
      }
      pieces.back() += c;
      ++pos_;
      mark_end();
    }
    if (content_end == start) {
      pos_ = start;
      Expect("value");
      return false;
    }
    // Trailing whitespace is not part of the value (Kibana trims).
    pos_ = content_end;
    pieces.resize(piece_count_at_end);
    pieces.back().resize(pieces_len_at_end);
    out->quoted = false;
    out->wildcard = wildcard;
    out->raw = std::string(q_.substr(start, content_end - start));
    out->offset = static_cast<uint32_t>(start);
    if (wildcard) {
      out->pieces = std::move(pieces);
      out->text.clear();
      for (size_t i = 0; i < out->pieces.size(); ++i) {
        if (i) out->text += '*';
        out->text += out->pieces[i];
      }
    } else {
      out->text = std::move(pieces[0]);
      out->pieces.clear();
    }
    return true;
  }

  // ---- errors --------------------------------------------------------------
  ParseError MakeError(size_t offset, std::string message) const {
    return ErrorAt(q_, static_cast<uint32_t>(offset), std::move(message));
  }

  ParseError FailureError() const {
    if (fatal_) return MakeError(furthest_, fatal_message_);
    size_t at = furthest_;
    if (at >= q_.size()) {
      // Point at the end of the text rather than at trailing whitespace.
      at = q_.size();
      while (at > 0 && SpaceAt(at - 1)) --at;
    }
    std::string found;
    if (furthest_ >= q_.size()) {
      found = "end of input";
    } else {
      unsigned char c = static_cast<unsigned char>(q_[furthest_]);
      found = c >= 0x20 && c < 0x7f ? std::string("'") + static_cast<char>(c) + "'"
                                    : "byte 0x" + std::string(1, "0123456789abcdef"[c >> 4]) +
                                          std::string(1, "0123456789abcdef"[c & 15]);
      if (c == '\\' && furthest_ + 1 < q_.size())
        found = std::string("invalid escape '\\") + q_[furthest_ + 1] + "'";
    }
    std::string msg = "Expected ";
    std::vector<std::string> exp(expected_.begin(), expected_.end());
    for (size_t i = 0; i < exp.size(); ++i) {
      if (i) msg += i + 1 == exp.size() ? " or " : ", ";
      msg += exp[i];
    }
    if (exp.empty()) msg += "a query";
    msg += " but " + found + " found";
    return MakeError(at, msg);
  }

  std::string_view q_;
  ParseLimits limits_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  size_t furthest_ = 0;
  std::set<std::string> expected_;
  bool fatal_ = false;
  std::string fatal_message_;
};

}  // namespace

ParseResult Parse(std::string_view query, const ParseLimits& limits) {
  return Parser(query, limits).Run();
}

ParseError ErrorAt(std::string_view query, uint32_t offset, std::string message) {
  ParseError e;
  e.offset = offset;
  e.message = std::move(message);
  TextPosition at = PositionAt(query, offset);
  e.line = at.line;
  e.column = at.column;
  return e;
}

std::string ParseError::Render(std::string_view query, std::string_view origin, uint32_t line_base,
                               uint32_t column_base) const {
  // Find the query line containing the error.
  size_t line_start = 0;
  for (uint32_t l = 1; l < line; ++l) {
    size_t nl = query.find('\n', line_start);
    if (nl == std::string_view::npos) break;
    line_start = nl + 1;
  }
  size_t line_end = query.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = query.size();
  std::string_view text = query.substr(line_start, line_end - line_start);
  uint32_t file_line = line_base + line - 1;
  uint32_t file_column = line == 1 ? column_base + column - 1 : column;
  std::string out;
  out += std::string(origin) + ":" + std::to_string(file_line) + ":" + std::to_string(file_column) +
         ": " + message + "\n";
  out += "  " + std::string(text) + "\n  ";
  for (uint32_t i = 1; i < column && i - 1 < text.size(); ++i)
    out += text[i - 1] == '\t' ? '\t' : ' ';
  out += "^";
  return out;
}

bool Literal::IsExistsPattern() const {
  if (!wildcard) return false;
  for (const auto& p : pieces)
    for (char c : p)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

}  // namespace picket::kql

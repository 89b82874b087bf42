#include "kql/ast.h"

#include "util/wildcard.h"

namespace picket::kql {
namespace {

// Precedence for parenthesising: or < and < not < atom.
int Prec(NodeKind k) {
  switch (k) {
    case NodeKind::kOr:
      return 1;
    case NodeKind::kAnd:
      return 2;
    case NodeKind::kNot:
      return 3;
    default:
      return 4;
  }
}
int Prec(ValueKind k) {
  switch (k) {
    case ValueKind::kOr:
      return 1;
    case ValueKind::kAnd:
      return 2;
    case ValueKind::kNot:
      return 3;
    default:
      return 4;
  }
}

bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\\' || c == '(' || c == ')' ||
        c == ':' || c == '<' || c == '>' || c == '"' || c == '*' || c == '{' || c == '}')
      return true;
  }
  if (s.find("\xc2\xa0") != std::string::npos) return true;  // NBSP reads as a space
  // `not` followed by a space is a keyword even inside a word ("cannot x"),
  // so a value ending in it would end early when a space follows.
  if (s.size() >= 3 && (s[s.size() - 3] | 0x20) == 'n' && (s[s.size() - 2] | 0x20) == 'o' &&
      (s[s.size() - 1] | 0x20) == 't')
    return true;
  std::string lower;
  for (char c : s) lower += static_cast<char>(c | 0x20);
  return lower == "or" || lower == "and" || lower == "not";
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

bool IsSpecialChar(char c) {
  return c == '\\' || c == '(' || c == ')' || c == ':' || c == '<' || c == '>' || c == '"' ||
         c == '*' || c == '{' || c == '}';
}

bool StartsKeyword(const std::string& s, size_t i) {
  for (std::string_view w : {"or", "and", "not"}) {
    if (i + w.size() > s.size()) continue;
    bool same = true;
    for (size_t k = 0; k < w.size(); ++k) same &= (s[i + k] | 0x20) == w[k];
    if (same) return true;
  }
  return false;
}

// Unquoted form of a wildcard literal (or field pattern): specials and
// whitespace escapes, and a backslash before any word that could read as a
// keyword, so that the text parses back to the same pieces.
std::string RenderUnquoted(const std::vector<std::string>& pieces) {
  std::string out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i) out += '*';
    const std::string& p = pieces[i];
    for (size_t k = 0; k < p.size(); ++k) {
      char c = p[k];
      // Escaping a keyword is always valid, and `not ` is a keyword even
      // inside a word: escape every occurrence.
      if (StartsKeyword(p, k)) out += '\\';
      if (IsSpecialChar(c)) {
        out += '\\';
        out += c;
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
  }
  return out;
}

std::string RenderLiteral(const Literal& lit) {
  if (lit.wildcard) return RenderUnquoted(lit.pieces);
  return NeedsQuotes(lit.text) ? Quote(lit.text) : lit.text;
}

// Field names are literals too; a `*` in one is a pattern.
std::string RenderField(const std::string& field) {
  if (field.find('*') == std::string::npos) return NeedsQuotes(field) ? Quote(field) : field;
  return RenderUnquoted(WildcardPattern::SplitAtStars(field));
}

std::string RenderValue(const ValueNode& v) {
  if (v.kind == ValueKind::kLiteral) return RenderLiteral(v.literal);
  if (v.kind == ValueKind::kNot) {
    const ValueNode& c = *v.children[0];
    std::string inner = RenderValue(c);
    return "not " + (Prec(c.kind) <= 3 ? "(" + inner + ")" : inner);
  }
  std::string sep = v.kind == ValueKind::kOr ? " or " : " and ";
  std::string out;
  for (size_t i = 0; i < v.children.size(); ++i) {
    if (i) out += sep;
    std::string inner = RenderValue(*v.children[i]);
    out += Prec(v.children[i]->kind) < Prec(v.kind) ? "(" + inner + ")" : inner;
  }
  return out;
}

const char* RangeOpText(RangeOp op) {
  switch (op) {
    case RangeOp::kLt:
      return " < ";
    case RangeOp::kLte:
      return " <= ";
    case RangeOp::kGt:
      return " > ";
    case RangeOp::kGte:
      return " >= ";
  }
  return " < ";
}

}  // namespace

std::string Render(const Node& node) {
  switch (node.kind) {
    case NodeKind::kMatchAll:
      return "";
    case NodeKind::kFreeText:
      return RenderLiteral(node.literal);
    case NodeKind::kMatch: {
      std::string value = RenderValue(*node.value);
      if (node.value->kind != ValueKind::kLiteral) value = "(" + value + ")";
      return RenderField(node.field) + ":" + value;
    }
    case NodeKind::kRange:
      return RenderField(node.field) + RangeOpText(node.op) + RenderLiteral(node.literal);
    case NodeKind::kNested:
      return RenderField(node.field) + ":{ " + Render(*node.children[0]) + " }";
    case NodeKind::kNot: {
      const Node& c = *node.children[0];
      std::string inner = Render(c);
      // `not not x` is not valid KQL at query level: parenthesise.
      return "not " + (Prec(c.kind) <= 3 ? "(" + inner + ")" : inner);
    }
    case NodeKind::kOr:
    case NodeKind::kAnd: {
      std::string sep = node.kind == NodeKind::kOr ? " or " : " and ";
      std::string out;
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i) out += sep;
        std::string inner = Render(*node.children[i]);
        out += Prec(node.children[i]->kind) < Prec(node.kind) ? "(" + inner + ")" : inner;
      }
      return out;
    }
  }
  return "";
}

}  // namespace picket::kql

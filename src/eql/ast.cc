#include "eql/ast.h"

#include <cstdio>

namespace picket::eql {
namespace {

// Binding strength for parenthesising: or < and < not < comparison <
// additive < multiplicative < unary < atom.
int Prec(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kOr:
      return 1;
    case ExprKind::kAnd:
      return 2;
    case ExprKind::kNot:
      return 3;
    case ExprKind::kCompare:
      return 4;
    case ExprKind::kArith:
      return e.arith == ArithOp::kAdd || e.arith == ArithOp::kSub ? 5 : 6;
    case ExprKind::kNeg:
      return 7;
    default:
      return 8;
  }
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(s[0]) && s[0] != '_' && s[0] != '@') return false;
  for (char c : s.substr(1))
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  static const char* kKeywords[] = {"and",      "any",  "by",    "false", "in",  "join",  "like",
                                    "maxspan",  "not",  "null",  "of",    "or",  "regex", "sample",
                                    "sequence", "true", "until", "where", "with"};
  for (const char* k : kKeywords)
    if (s == k) return false;
  return true;
}

std::string RenderField(const Expr& e) {
  std::string out = e.optional ? "?" : "";
  // Segments that are plain identifiers are written bare; a path with any
  // other segment is back-quoted whole.
  bool plain = true;
  size_t start = 0;
  while (start <= e.field.size()) {
    size_t dot = e.field.find('.', start);
    if (dot == std::string::npos) dot = e.field.size();
    if (!IsIdentifier(std::string_view(e.field).substr(start, dot - start))) plain = false;
    start = dot + 1;
  }
  if (plain) return out + e.field;
  out += '`';
  for (char c : e.field) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + '`';
}

void RenderInto(const Expr& e, std::string* out);

void RenderChild(const Expr& parent, const Expr& child, bool right, std::string* out) {
  int p = Prec(parent), c = Prec(child);
  // Comparisons do not chain; arithmetic is left-associative.
  bool paren = c < p || (c == p && parent.kind == ExprKind::kCompare) ||
               (right && c == p && parent.kind != ExprKind::kAnd && parent.kind != ExprKind::kOr);
  if (paren) out->push_back('(');
  RenderInto(child, out);
  if (paren) out->push_back(')');
}

void RenderInto(const Expr& e, std::string* out) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      if (e.literal.type == Value::Type::kString)
        *out += QuoteString(e.literal.s);
      else
        *out += ToJavaString(e.literal);
      return;
    case ExprKind::kField:
      *out += RenderField(e);
      return;
    case ExprKind::kFunction:
      *out += e.function;
      if (e.insensitive) out->push_back('~');
      out->push_back('(');
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) *out += ", ";
        RenderInto(*e.children[i], out);
      }
      out->push_back(')');
      return;
    case ExprKind::kNeg:
      out->push_back('-');
      RenderChild(e, *e.children[0], true, out);
      return;
    case ExprKind::kArith:
      RenderChild(e, *e.children[0], false, out);
      *out += std::string(" ") + ArithOpText(e.arith) + " ";
      RenderChild(e, *e.children[1], true, out);
      return;
    case ExprKind::kCompare:
      RenderChild(e, *e.children[0], false, out);
      *out += std::string(" ") + CompareOpText(e.compare) + " ";
      RenderChild(e, *e.children[1], true, out);
      return;
    case ExprKind::kPattern:
    case ExprKind::kIn: {
      // The value is a primary expression in the grammar: parenthesise
      // anything else.
      const Expr& value = *e.children[0];
      bool paren = Prec(value) < 8;
      if (paren) out->push_back('(');
      RenderInto(value, out);
      if (paren) out->push_back(')');
      if (e.kind == ExprKind::kIn) {
        *out += e.negated ? " not in" : " in";
      } else {
        *out += e.pattern == PatternOp::kSeq    ? " :"
                : e.pattern == PatternOp::kLike ? " like"
                                                : " regex";
      }
      if (e.insensitive && !(e.kind == ExprKind::kPattern && e.pattern == PatternOp::kSeq))
        out->push_back('~');
      out->push_back(' ');
      bool list = e.kind == ExprKind::kIn || e.children.size() > 2;
      if (list) out->push_back('(');
      for (size_t i = 1; i < e.children.size(); ++i) {
        if (i > 1) *out += ", ";
        RenderInto(*e.children[i], out);
      }
      if (list) out->push_back(')');
      return;
    }
    case ExprKind::kAnd:
    case ExprKind::kOr:
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) *out += e.kind == ExprKind::kAnd ? " and " : " or ";
        RenderChild(e, *e.children[i], i > 0, out);
      }
      return;
    case ExprKind::kNot:
      *out += "not ";
      RenderChild(e, *e.children[0], true, out);
      return;
  }
}

}  // namespace

std::unique_ptr<Expr> CloneExpr(const Expr& e) {
  auto out = std::make_unique<Expr>();
  out->kind = e.kind;
  out->begin = e.begin;
  out->end = e.end;
  out->literal = e.literal;
  out->field = e.field;
  out->optional = e.optional;
  out->function = e.function;
  out->insensitive = e.insensitive;
  out->negated = e.negated;
  out->arith = e.arith;
  out->compare = e.compare;
  out->pattern = e.pattern;
  out->type = e.type;
  out->read_path = e.read_path;
  out->es_type = e.es_type;
  out->ignore_above = e.ignore_above;
  out->function_id = e.function_id;
  for (const auto& c : e.children) out->children.push_back(CloneExpr(*c));
  return out;
}

std::string QuoteString(std::string_view s) {
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
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[16];
          snprintf(buf, sizeof(buf), "\\u{%02x}", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

const char* CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNeq:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLte:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGte:
      return ">=";
  }
  return "?";
}

const char* ArithOpText(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd:
      return "+";
    case ArithOp::kSub:
      return "-";
    case ArithOp::kMul:
      return "*";
    case ArithOp::kDiv:
      return "/";
    case ArithOp::kMod:
      return "%";
  }
  return "?";
}

std::string Render(const Expr& e) {
  std::string out;
  RenderInto(e, &out);
  return out;
}

}  // namespace picket::eql

#include "eql/script.h"

#include <re2/re2.h>

#include <atomic>
#include <cmath>

#include "util/ip.h"
#include "util/time.h"

namespace picket::eql {
namespace {

using event::Json;
using event::JsonType;

std::atomic<uint64_t> g_failed_evaluations{0};

// A document whose fields have huge arrays must not make a script run for
// ever: beyond this many value combinations the script is not a match.
constexpr size_t kMaxCombinations = 1 << 20;

bool NumberOfJson(Json v, double* out, bool* integral, int64_t* as_long) {
  switch (v.type()) {
    case JsonType::INT64:
      *as_long = v.get_int64().value_unsafe();
      *out = static_cast<double>(*as_long);
      *integral = true;
      return true;
    case JsonType::UINT64: {
      uint64_t u = v.get_uint64().value_unsafe();
      *out = static_cast<double>(u);
      *integral = u <= static_cast<uint64_t>(INT64_MAX);
      *as_long = static_cast<int64_t>(u);
      return true;
    }
    case JsonType::DOUBLE:
      *out = v.get_double().value_unsafe();
      *integral = false;
      return std::isfinite(*out);
    case JsonType::STRING: {
      std::string text(v.get_string().value_unsafe());
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d)) return false;
      *out = d;
      *integral = false;
      return true;
    }
    default:
      return false;
  }
}

Value ThreeValuedNot(const Value& v) {
  if (v.type != Value::Type::kBool) return Value::Null();
  return Value::Bool(!v.b);
}

}  // namespace

void ScriptValuesOf(const Expr& field, std::span<const Json> json, std::vector<Value>* out) {
  out->clear();
  std::string scratch;
  for (Json v : json) {
    JsonType t = v.type();
    if (t == JsonType::OBJECT || t == JsonType::ARRAY || t == JsonType::NULL_VALUE) continue;
    switch (field.type) {
      case DataType::kKeyword:
      case DataType::kText: {
        std::string_view text;
        if (!event::KeywordText(v, &scratch, &text)) break;
        if (field.ignore_above && text.size() > field.ignore_above) break;
        out->push_back(Value::String(std::string(text)));
        break;
      }
      case DataType::kIp:
        if (t == JsonType::STRING && ParseIp(v.get_string().value_unsafe()))
          out->push_back(Value::String(std::string(v.get_string().value_unsafe())));
        break;
      case DataType::kDate: {
        if (t == JsonType::STRING) {
          auto d = ParseDate(v.get_string().value_unsafe());
          if (d) out->push_back(Value::String(FormatIso8601(d->ms)));
        } else if (t == JsonType::INT64 || t == JsonType::UINT64 || t == JsonType::DOUBLE) {
          double x;
          bool integral;
          int64_t l;
          if (NumberOfJson(v, &x, &integral, &l))
            out->push_back(Value::String(FormatIso8601(static_cast<TimeMs>(x))));
        }
        break;
      }
      case DataType::kInteger:
      case DataType::kLong: {
        double x;
        bool integral;
        int64_t l = 0;
        if (t == JsonType::BOOL || !NumberOfJson(v, &x, &integral, &l)) break;
        if (!integral) {  // long fields keep the integer part
          if (x >= 9.2e18 || x <= -9.2e18) break;
          l = static_cast<int64_t>(std::trunc(x));
        }
        out->push_back(Value::Long(l));
        break;
      }
      case DataType::kDouble: {
        double x;
        bool integral;
        int64_t l;
        if (t != JsonType::BOOL && NumberOfJson(v, &x, &integral, &l))
          out->push_back(Value::Double(x));
        break;
      }
      case DataType::kBoolean:
        if (t == JsonType::BOOL) {
          out->push_back(Value::Bool(v.get_bool().value_unsafe()));
        } else if (t == JsonType::STRING) {
          std::string_view s = v.get_string().value_unsafe();
          if (s == "true") out->push_back(Value::Bool(true));
          if (s == "false" || s.empty()) out->push_back(Value::Bool(false));
        }
        break;
      default:  // unmapped: typed by the JSON value, as dynamic mapping would
        switch (t) {
          case JsonType::STRING:
            out->push_back(Value::String(std::string(v.get_string().value_unsafe())));
            break;
          case JsonType::INT64:
            out->push_back(Value::Long(v.get_int64().value_unsafe()));
            break;
          case JsonType::UINT64: {
            uint64_t u = v.get_uint64().value_unsafe();
            if (u <= static_cast<uint64_t>(INT64_MAX))
              out->push_back(Value::Long(static_cast<int64_t>(u)));
            else
              out->push_back(Value::Double(static_cast<double>(u)));
            break;
          }
          case JsonType::DOUBLE:
            out->push_back(Value::Double(v.get_double().value_unsafe()));
            break;
          case JsonType::BOOL:
            out->push_back(Value::Bool(v.get_bool().value_unsafe()));
            break;
          default:
            break;
        }
    }
  }
}

Script::Script(const Expr* e) : root_(e) { Collect(*e); }

void Script::Collect(const Expr& e) {
  if (e.kind == ExprKind::kField) {
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i]->read_path == e.read_path && fields_[i]->type == e.type &&
          fields_[i]->ignore_above == e.ignore_above) {
        slot_of_[&e] = i;
        return;
      }
    }
    slot_of_[&e] = fields_.size();
    fields_.push_back(&e);
    field_ids_.push_back(kql::FieldId(e.read_path));
    return;
  }
  if (e.kind == ExprKind::kPattern) {
    std::vector<ScriptPattern> list;
    for (size_t i = 1; i < e.children.size(); ++i) {
      const Expr& p = *e.children[i];
      ScriptPattern sp;
      if (p.literal.type != Value::Type::kString) {
        list.push_back(std::move(sp));  // a null pattern: never true
        continue;
      }
      sp.text = p.literal.s;
      if (e.pattern == PatternOp::kRegex) {
        RE2::Options opts;
        opts.set_log_errors(false);
        opts.set_case_sensitive(!e.insensitive);
        opts.set_dot_nl(false);
        sp.regex = std::make_shared<RE2>(sp.text, opts);
        if (!sp.regex->ok() && error_.empty())
          error_ = "regular expression [" + sp.text + "] cannot be used: " + sp.regex->error();
      } else {
        sp.wildcard = true;
        sp.like = EqlWildcard(sp.text, e.insensitive, /*script=*/true);
        sp.verbatim = e.pattern == PatternOp::kSeq && !sp.like.has_wildcards();
      }
      list.push_back(std::move(sp));
    }
    patterns_[&e] = std::move(list);
  }
  for (const auto& c : e.children) Collect(*c);
}

uint64_t Script::FailedEvaluations() {
  return g_failed_evaluations.load(std::memory_order_relaxed);
}

Value Script::EvalPattern(const Expr& e, const Value& v) const {
  if (v.type != Value::Type::kString) return Value::Null();
  const auto& list = patterns_.at(&e);
  bool any_null = false;
  for (const auto& p : list) {
    if (!p.wildcard && !p.regex) {
      any_null = true;
      continue;
    }
    bool m;
    if (p.verbatim)
      m = EqualsIgnoreCase(v.s, p.text);
    else if (p.wildcard)
      m = p.like.Matches(v.s);
    else
      m = p.regex->ok() && RE2::FullMatch(v.s, *p.regex);
    if (m) return Value::Bool(true);
  }
  return any_null ? Value::Null() : Value::Bool(false);
}

Value Script::Eval(const Expr& e, const std::vector<const Value*>& bound, EvalError* error) const {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.literal;
    case ExprKind::kField: {
      auto it = slot_of_.find(&e);
      if (it == slot_of_.end() || it->second >= bound.size()) return Value::Null();
      return *bound[it->second];
    }
    case ExprKind::kNeg:
      return Negate(Eval(*e.children[0], bound, error), error);
    case ExprKind::kArith: {
      static const char kOps[] = {'+', '-', '*', '/', '%'};
      Value a = Eval(*e.children[0], bound, error);
      Value b = Eval(*e.children[1], bound, error);
      return Arithmetic(kOps[static_cast<int>(e.arith)], a, b, error);
    }
    case ExprKind::kFunction: {
      std::vector<Value> args;
      args.reserve(e.children.size());
      for (const auto& c : e.children) args.push_back(Eval(*c, bound, error));
      if (e.function_id < 0) return Value::Null();
      return CallFunction(static_cast<Func>(e.function_id), e.insensitive, args, error);
    }
    case ExprKind::kCompare: {
      const Expr& l = *e.children[0];
      const Expr& r = *e.children[1];
      // x == null / x != null are null tests (IsNull / IsNotNull).
      bool l_null = l.is_literal() && l.literal.is_null();
      bool r_null = r.is_literal() && r.literal.is_null();
      if ((l_null || r_null) && (e.compare == CompareOp::kEq || e.compare == CompareOp::kNeq)) {
        Value other = l_null ? Eval(r, bound, error) : Eval(l, bound, error);
        bool is_null = other.is_null();
        return Value::Bool(e.compare == CompareOp::kEq ? is_null : !is_null);
      }
      Value a = Eval(l, bound, error), b = Eval(r, bound, error);
      int c;
      if (!CompareValues(a, b, &c)) return Value::Null();
      switch (e.compare) {
        case CompareOp::kEq:
          return Value::Bool(c == 0);
        case CompareOp::kNeq:
          return Value::Bool(c != 0);
        case CompareOp::kLt:
          return Value::Bool(c < 0);
        case CompareOp::kLte:
          return Value::Bool(c <= 0);
        case CompareOp::kGt:
          return Value::Bool(c > 0);
        case CompareOp::kGte:
          return Value::Bool(c >= 0);
      }
      return Value::Null();
    }
    case ExprKind::kPattern:
      return EvalPattern(e, Eval(*e.children[0], bound, error));
    case ExprKind::kIn: {
      Value v = Eval(*e.children[0], bound, error);
      if (v.is_null()) return Value::Null();
      bool any_null = false;
      Value result = Value::Bool(false);
      for (size_t i = 1; i < e.children.size(); ++i) {
        Value item = Eval(*e.children[i], bound, error);
        if (item.is_null()) {
          any_null = true;
          continue;
        }
        bool eq;
        if (e.insensitive && v.type == Value::Type::kString && item.type == Value::Type::kString) {
          eq = EqualsIgnoreCase(v.s, item.s);
        } else {
          int c;
          if (!CompareValues(v, item, &c)) {
            any_null = true;
            continue;
          }
          eq = c == 0;
        }
        if (eq) {
          result = Value::Bool(true);
          break;
        }
      }
      if (!(result.type == Value::Type::kBool && result.b) && any_null) result = Value::Null();
      return e.negated ? ThreeValuedNot(result) : result;
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      bool is_and = e.kind == ExprKind::kAnd;
      bool any_null = false;
      for (const auto& c : e.children) {
        Value v = Eval(*c, bound, error);
        if (v.type != Value::Type::kBool) {
          any_null = true;
          continue;
        }
        if (v.b != is_and) return Value::Bool(!is_and);  // false in an and, true in an or
      }
      return any_null ? Value::Null() : Value::Bool(is_and);
    }
    case ExprKind::kNot:
      return ThreeValuedNot(Eval(*e.children[0], bound, error));
  }
  return Value::Null();
}

Value Script::Fold(EvalError* error) const { return Eval(*root_, {}, error); }

bool Script::Matches(Json event, kql::EvalContext* ctx) const {
  thread_local std::vector<std::vector<Value>> values;
  thread_local std::vector<Json> walked;
  const size_t n = fields_.size();
  // Scripts nest (a field's values are converted into this thread's buffers
  // while an outer script's are in use): keep each call's part separate.
  thread_local size_t depth = 0;
  size_t base = depth;
  depth += n;
  struct Restore {
    size_t& d;
    size_t v;
    ~Restore() { d = v; }
  } restore{depth, base};
  if (values.size() < base + n) values.resize(base + n);
  size_t combinations = 1;
  static const Value kNull;
  for (size_t i = 0; i < n; ++i) {
    std::span<const Json> json;
    if (ctx) {
      json = ctx->Values(field_ids_[i], fields_[i]->read_path, event);
    } else {
      walked.clear();
      event::ForEachValue(event, fields_[i]->read_path, [&](Json v) {
        walked.push_back(v);
        return false;
      });
      json = walked;
    }
    ScriptValuesOf(*fields_[i], json, &values[base + i]);
    size_t k = std::max<size_t>(1, values[base + i].size());
    combinations = combinations > kMaxCombinations / k ? kMaxCombinations + 1 : combinations * k;
  }
  if (combinations > kMaxCombinations) return false;
  std::vector<size_t> index(n, 0);
  std::vector<const Value*> bound(n);
  while (true) {
    for (size_t i = 0; i < n; ++i) {
      const auto& list = values[base + i];
      bound[i] = list.empty() ? &kNull : &list[index[i]];
    }
    EvalError error;
    Value v = Eval(*root_, bound, &error);
    if (error.failed()) g_failed_evaluations.fetch_add(1, std::memory_order_relaxed);
    if (v.type == Value::Type::kBool && v.b) return true;
    // Next combination (odometer).
    size_t i = 0;
    for (; i < n; ++i) {
      size_t size = std::max<size_t>(1, values[base + i].size());
      if (++index[i] < size) break;
      index[i] = 0;
    }
    if (i == n) return false;
  }
}

bool FoldConstant(const Expr& e, Value* out, std::string* error) {
  Script s(&e);
  if (!s.error().empty()) {
    *error = s.error();
    return false;
  }
  EvalError err;
  *out = s.Fold(&err);
  if (err.failed()) {
    *error = err.message;
    return false;
  }
  return true;
}

}  // namespace picket::eql

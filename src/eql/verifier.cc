// Type resolution and checks, after Elasticsearch's ql TypeResolutions and
// the EQL Analyzer/Verifier (see verifier.h). The checks run bottom-up: a
// node is checked once its children have types, and a child that failed
// does not make its parents fail again (as Elasticsearch only reports a
// node whose children resolved).
#include "eql/verifier.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "eql/functions.h"
#include "eql/similar.h"

namespace picket::eql {
namespace {

enum class Ordinal { kDefault, kFirst, kSecond, kThird, kFourth, kFifth };

std::string OrdinalPrefix(Ordinal o) {
  switch (o) {
    case Ordinal::kFirst:
      return "first ";
    case Ordinal::kSecond:
      return "second ";
    case Ordinal::kThird:
      return "third ";
    case Ordinal::kFourth:
      return "fourth ";
    case Ordinal::kFifth:
      return "fifth ";
    default:
      return "";
  }
}

Ordinal OrdinalOf(size_t index) {  // 0-based argument index
  switch (index) {
    case 0:
      return Ordinal::kFirst;
    case 1:
      return Ordinal::kSecond;
    case 2:
      return Ordinal::kThird;
    case 3:
      return Ordinal::kFourth;
    case 4:
      return Ordinal::kFifth;
    default:
      return Ordinal::kDefault;
  }
}

// "1st", "2nd", "3rd", "4th", "11th", ...
std::string OrdinalNumber(size_t n) {
  std::string suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

DataType FieldDataType(const event::FieldInfo& info) {
  using event::FieldType;
  const std::string& es = info.es_type;
  if (es == "geo_point" || es == "geo_shape" || es == "alias" || es == "point" || es == "shape" ||
      es.find("_range") != std::string::npos || es == "histogram" || es == "flattened" ||
      es == "dense_vector" || es == "sparse_vector" || es == "completion" ||
      es == "search_as_you_type" || es == "join" || es == "percolator" || es == "rank_feature" ||
      es == "rank_features" || es == "aggregate_metric_double")
    return DataType::kUnsupported;
  switch (info.type) {
    case FieldType::kKeyword:
      return DataType::kKeyword;
    case FieldType::kText:
      return DataType::kText;
    case FieldType::kIp:
      return DataType::kIp;
    case FieldType::kLong:
      return es == "integer" || es == "short" || es == "byte" ? DataType::kInteger
                                                              : DataType::kLong;
    case FieldType::kDouble:
      return DataType::kDouble;
    case FieldType::kDate:
      return DataType::kDate;
    case FieldType::kBoolean:
      return DataType::kBoolean;
    case FieldType::kObject:
      return DataType::kObject;
    case FieldType::kNested:
      return DataType::kNested;
  }
  return DataType::kUnknown;
}

std::string UpperTypeName(const Expr& e) {
  std::string name = TypeNameOf(e);
  for (char& c : name) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return name;
}

bool Compatible(DataType a, DataType b) {
  if (a == b || a == DataType::kUnknown || b == DataType::kUnknown || a == DataType::kNull ||
      b == DataType::kNull)
    return true;
  return (IsString(a) && IsString(b)) || (IsNumeric(a) && IsNumeric(b));
}

class Verifier {
 public:
  Verifier(std::string_view text, const event::FieldTypes& types, const VerifyOptions& options)
      : text_(text), types_(types), options_(options) {}

  std::vector<Problem> TakeProblems() { return std::move(problems_); }

  void Condition(Expr* e) {
    if (!Resolve(e)) return;
    if (e->type != DataType::kBoolean && e->type != DataType::kUnknown)
      Report(e->begin,
             "Condition expression needs to be boolean, found [" + UpperTypeName(*e) + "]");
  }

  // Resolves a field used outside a condition (join keys, the event
  // category, timestamp and tiebreaker fields).
  bool FieldOnly(Expr* e) { return ResolveField(e); }

 private:
  void Report(uint32_t offset, std::string message) {
    problems_.push_back({offset, std::move(message)});
  }
  std::string Text(const Expr& e) const { return std::string(e.SourceIn(text_)); }
  // Elasticsearch's Expressions.name: a field's name, else the source text.
  std::string Name(const Expr& e) const { return e.kind == ExprKind::kField ? e.field : Text(e); }

  // ---- fields ------------------------------------------------------------
  const std::vector<std::string>& AllFields() {
    if (all_fields_.empty()) {
      for (auto& f : types_.Expand("*")) {
        const event::FieldInfo* info = types_.Find(f);
        if (info && info->type != event::FieldType::kObject &&
            info->type != event::FieldType::kNested)
          all_fields_.push_back(f);
      }
      std::sort(all_fields_.begin(), all_fields_.end());
    }
    return all_fields_;
  }

  bool UnknownColumn(Expr* e) {
    std::string msg = "Unknown column [" + e->field + "]";
    auto similar = FindSimilar(e->field, AllFields());
    if (!similar.empty()) msg += ", did you mean " + SimilarList(similar) + "?";
    Report(e->begin, msg);
    return false;
  }

  // A text field is exact when a keyword multi-field reads the same value.
  bool HasExactSubField(const std::string& field) {
    for (const auto& sub : types_.Expand(field + ".*")) {
      const event::FieldInfo* info = types_.Find(sub);
      if (info && info->type == event::FieldType::kKeyword && info->source_path == field)
        return true;
    }
    return false;
  }

  bool ResolveField(Expr* e) {
    const event::FieldInfo* info = types_.Find(e->field);
    // A field under a nested field is out of reach of EQL.
    for (size_t dot = e->field.find('.'); dot != std::string::npos;
         dot = e->field.find('.', dot + 1)) {
      const event::FieldInfo* parent = types_.Find(std::string_view(e->field).substr(0, dot));
      if (parent && parent->type == event::FieldType::kNested) {
        Report(e->begin, "Cannot use field [" + e->field + "] type [" +
                             (info ? std::string(DataTypeName(FieldDataType(*info))) : "object") +
                             "] with unsupported nested type in hierarchy (field [" +
                             e->field.substr(0, dot) + "])");
        return false;
      }
    }
    if (!info || (info->type == event::FieldType::kObject && options_.complete_mapping)) {
      if (options_.complete_mapping) {
        if (e->optional) {
          // Elasticsearch replaces a missing optional field with null.
          e->kind = ExprKind::kLiteral;
          e->literal = Value::Null();
          e->type = DataType::kNull;
          return true;
        }
        return UnknownColumn(e);
      }
      e->type = DataType::kUnknown;
      e->read_path = e->field;
      return true;
    }
    e->es_type = info->es_type;
    e->ignore_above = info->ignore_above;
    e->read_path = info->source_path.empty() ? e->field : info->source_path;
    e->type = FieldDataType(*info);
    switch (e->type) {
      case DataType::kUnsupported:
        Report(e->begin,
               "Cannot use field [" + e->field + "] with unsupported type [" + info->es_type + "]");
        return false;
      case DataType::kNested:
        Report(e->begin, "Cannot use field [" + e->field +
                             "] type [nested] due to nested fields not being supported yet");
        return false;
      case DataType::kObject:
        e->type = DataType::kUnknown;  // an object in the built-in table: values per document
        return true;
      case DataType::kText:
        exact_text_[e] = HasExactSubField(e->field);
        return true;
      default:
        return true;
    }
  }

  // ---- type checks (ql TypeResolutions) --------------------------------
  bool Exact(const Expr& e) const {
    if (e.type != DataType::kText) return true;
    auto it = exact_text_.find(&e);
    return it != exact_text_.end() && it->second;
  }
  bool CheckExact(const Expr& arg, const std::string& op, Ordinal ord) {
    if (Exact(arg)) return true;
    std::string leaf =
        arg.field.substr(arg.field.rfind('.') == std::string::npos ? 0 : arg.field.rfind('.') + 1);
    Report(arg.begin,
           "[" + op + "] cannot operate on " +
               (ord == Ordinal::kDefault ? std::string() : OrdinalPrefix(ord) + "argument ") +
               "field of data type [text]: No keyword/multi-field defined exact matches "
               "for [" +
               leaf + "]; define one or use MATCH/QUERY instead");
    return false;
  }
  bool CheckType(const Expr& arg, bool ok, const std::string& op, Ordinal ord,
                 const std::string& expected, const std::string& suffix = "") {
    if (ok || arg.type == DataType::kNull || arg.type == DataType::kUnknown) return true;
    Report(arg.begin, OrdinalPrefix(ord) + "argument of [" + op + "] must be [" + expected +
                          "], found value [" + Name(arg) + "] type [" + TypeNameOf(arg) + "]" +
                          suffix);
    return false;
  }
  bool CheckString(const Expr& arg, const std::string& op, Ordinal ord,
                   const std::string& suffix = "") {
    return CheckType(arg, IsString(arg.type), op, ord, "string", suffix) &&
           CheckExact(arg, op, ord);
  }
  bool CheckNumeric(const Expr& arg, const std::string& op, Ordinal ord) {
    return CheckType(arg, IsNumeric(arg.type), op, ord, "numeric");
  }
  bool CheckInteger(const Expr& arg, const std::string& op, Ordinal ord) {
    return CheckType(arg, arg.type == DataType::kInteger || arg.type == DataType::kLong, op, ord,
                     "integer");
  }
  bool CheckBoolean(const Expr& arg, const std::string& op, Ordinal ord) {
    return CheckType(arg, arg.type == DataType::kBoolean, op, ord, "boolean");
  }
  bool CheckFoldable(const Expr& arg, const std::string& op, Ordinal ord) {
    if (IsFoldable(arg)) return true;
    Report(arg.begin, OrdinalPrefix(ord) + "argument of [" + op +
                          "] must be a constant, received [" + Name(arg) + "]");
    return false;
  }

  static DataType ArithType(DataType a, DataType b) {
    if (a == DataType::kUnknown || b == DataType::kUnknown) return DataType::kUnknown;
    if (a == DataType::kDouble || b == DataType::kDouble) return DataType::kDouble;
    if (a == DataType::kLong || b == DataType::kLong) return DataType::kLong;
    if (a == DataType::kNull) return b;
    if (b == DataType::kNull) return a;
    return DataType::kInteger;
  }

  // ---- resolution --------------------------------------------------------
  // Returns false when this node or a child failed.
  bool Resolve(Expr* e) {
    bool children_ok = true;
    if (e->kind != ExprKind::kField)
      for (auto& c : e->children) children_ok = Resolve(c.get()) && children_ok;
    if (!children_ok) return false;
    std::string op = Text(*e);
    switch (e->kind) {
      case ExprKind::kLiteral:
        switch (e->literal.type) {
          case Value::Type::kNull:
            e->type = DataType::kNull;
            break;
          case Value::Type::kBool:
            e->type = DataType::kBoolean;
            break;
          case Value::Type::kInt:
            e->type = DataType::kInteger;
            break;
          case Value::Type::kLong:
            e->type = DataType::kLong;
            break;
          case Value::Type::kDouble:
            e->type = DataType::kDouble;
            break;
          case Value::Type::kString:
            e->type = DataType::kKeyword;
            break;
        }
        return true;
      case ExprKind::kField:
        return ResolveField(e);
      case ExprKind::kNeg:
        e->type = e->children[0]->type;
        return CheckNumeric(*e->children[0], op, Ordinal::kDefault);
      case ExprKind::kArith: {
        bool ok = CheckNumeric(*e->children[0], op, Ordinal::kFirst) &&
                  CheckNumeric(*e->children[1], op, Ordinal::kSecond);
        e->type = ArithType(e->children[0]->type, e->children[1]->type);
        return ok;
      }
      case ExprKind::kFunction:
        return Function(e, op);
      case ExprKind::kCompare: {
        e->type = DataType::kBoolean;
        return CheckExact(*e->children[0], op, Ordinal::kFirst) &&
               CheckExact(*e->children[1], op, Ordinal::kSecond);
      }
      case ExprKind::kPattern: {
        e->type = DataType::kBoolean;
        const Expr& value = *e->children[0];
        if (e->pattern == PatternOp::kSeq) {
          if (!CheckString(value, ":", Ordinal::kFirst, "; consider using [==] instead"))
            return false;
          for (size_t i = 1; i < e->children.size(); ++i)
            if (!CheckType(*e->children[i], IsString(e->children[i]->type), ":", Ordinal::kSecond,
                           "string", "; consider using [==] instead"))
              return false;
          return true;
        }
        if (!CheckString(value, op, Ordinal::kDefault)) return false;
        for (size_t i = 1; i < e->children.size(); ++i) {
          const Expr& p = *e->children[i];
          if (p.type != DataType::kKeyword) {
            Report(p.begin, std::string(e->pattern == PatternOp::kLike ? "like" : "regex") +
                                " pattern [" + Text(p) + "] in [" + op + "] must be a string");
            return false;
          }
        }
        return true;
      }
      case ExprKind::kIn: {
        e->type = DataType::kBoolean;
        const Expr& value = *e->children[0];
        if (e->insensitive) {
          if (!CheckString(value, op, Ordinal::kFirst)) return false;
        } else if (!CheckExact(value, op, Ordinal::kDefault)) {
          return false;
        }
        for (size_t i = 1; i < e->children.size(); ++i) {
          const Expr& item = *e->children[i];
          if (!IsFoldable(item)) {
            Report(item.begin,
                   "Comparisons against fields are not (currently) supported; offender [" +
                       Name(item) + "] in [" + op + "]");
            return false;
          }
        }
        for (size_t i = 1; i < e->children.size(); ++i) {
          const Expr& item = *e->children[i];
          bool ok = e->insensitive ? (IsString(item.type) || item.type == DataType::kNull)
                                   : Compatible(value.type, item.type);
          if (!ok) {
            Report(item.begin, OrdinalNumber(i) + " argument of [" + op + "] must be [" +
                                   (e->insensitive ? std::string("string") : TypeNameOf(value)) +
                                   "], found value [" + Name(item) + "] type [" + TypeNameOf(item) +
                                   "]");
            return false;
          }
        }
        return true;
      }
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        e->type = DataType::kBoolean;
        bool ok = true;
        for (size_t i = 0; i < e->children.size(); ++i)
          ok = CheckBoolean(*e->children[i], op, i == 0 ? Ordinal::kFirst : Ordinal::kSecond) && ok;
        if (!ok) return false;
        for (auto& c : e->children) ok = CheckFieldComparisons(*c) && ok;
        return ok;
      }
      case ExprKind::kNot:
        e->type = DataType::kBoolean;
        return CheckBoolean(*e->children[0], op, Ordinal::kDefault) &&
               CheckFieldComparisons(*e->children[0]);
    }
    return true;
  }

 public:
  // A comparison that reaches the query (not one inside a function) must
  // compare against a constant: Elasticsearch's query translator refuses
  // two non-constant sides.
  bool CheckFieldComparisons(const Expr& e) {
    if (e.kind != ExprKind::kCompare) return true;
    const Expr& left = *e.children[0];
    const Expr& right = *e.children[1];
    if (IsFoldable(left) || IsFoldable(right)) return true;
    Report(right.begin, "Comparisons against fields are not (currently) supported; offender [" +
                            Name(right) + "] in [" + CompareOpText(e.compare) + "]");
    return false;
  }

 private:
  bool Function(Expr* e, const std::string& op) {
    const FunctionInfo* f = FindFunction(e->function);
    if (!f) {
      std::string lower;
      for (char c : e->function) lower += static_cast<char>(tolower(static_cast<unsigned char>(c)));
      std::string msg = "Unknown function [" + e->function + "]";
      auto similar = FindSimilar(lower, FunctionNames());
      if (!similar.empty()) msg += ", did you mean " + SimilarList(similar) + "?";
      Report(e->begin, msg);
      return false;
    }
    e->function_id = static_cast<int>(f->id);
    if (e->insensitive && !f->case_aware) {
      Report(e->begin,
             std::string("Unused parameters [true] detected when building [") + f->name + "]");
      return false;
    }
    size_t n = e->children.size();
    if (n < f->min_args || n > f->max_args) {
      Report(e->begin, std::string("error building [") + f->name + "]: " + f->arity_message);
      return false;
    }
    auto arg = [&](size_t i) -> const Expr& { return *e->children[i]; };
    e->type = f->result;
    switch (f->id) {
      case Func::kAdd:
      case Func::kSubtract:
      case Func::kMultiply:
      case Func::kDivide:
      case Func::kModulo:
        e->type = ArithType(arg(0).type, arg(1).type);
        return CheckNumeric(arg(0), op, Ordinal::kFirst) &&
               CheckNumeric(arg(1), op, Ordinal::kSecond);
      case Func::kBetween:
        return CheckString(arg(0), op, Ordinal::kFirst) &&
               CheckString(arg(1), op, Ordinal::kSecond) &&
               CheckString(arg(2), op, Ordinal::kThird) &&
               (n < 4 || (CheckBoolean(arg(3), op, Ordinal::kFourth) &&
                          CheckFoldable(arg(3), op, Ordinal::kFourth)));
      case Func::kCidrMatch: {
        if (!CheckType(arg(0), arg(0).type == DataType::kIp, op, Ordinal::kFirst, "ip") ||
            !CheckExact(arg(0), op, Ordinal::kFirst))
          return false;
        for (size_t i = 1; i < n; ++i)
          if (!CheckFoldable(arg(i), op, OrdinalOf(i)) || !CheckString(arg(i), op, OrdinalOf(i)))
            return false;
        return true;
      }
      case Func::kConcat:
        for (size_t i = 0; i < n; ++i)
          if (!CheckExact(arg(i), op, Ordinal::kDefault)) return false;
        return true;
      case Func::kEndsWith:
      case Func::kStartsWith:
      case Func::kStringContains:
        return CheckString(arg(0), op, Ordinal::kFirst) &&
               CheckString(arg(1), op, Ordinal::kSecond);
      case Func::kIndexOf:
        return CheckString(arg(0), op, Ordinal::kFirst) &&
               CheckString(arg(1), op, Ordinal::kSecond) &&
               (n < 3 || CheckInteger(arg(2), op, Ordinal::kThird));
      case Func::kLength:
        return CheckString(arg(0), op, Ordinal::kDefault);
      case Func::kNumber:
        return CheckString(arg(0), op, Ordinal::kFirst) &&
               (n < 2 || CheckInteger(arg(1), op, Ordinal::kSecond));
      case Func::kString:
        return CheckExact(arg(0), op, Ordinal::kDefault);
      case Func::kSubstring:
        return CheckString(arg(0), op, Ordinal::kFirst) &&
               CheckInteger(arg(1), op, Ordinal::kSecond) &&
               (n < 3 || CheckInteger(arg(2), op, Ordinal::kThird));
    }
    return true;
  }

  std::string_view text_;
  const event::FieldTypes& types_;
  VerifyOptions options_;
  std::vector<Problem> problems_;
  std::vector<std::string> all_fields_;
  std::unordered_map<const Expr*, bool> exact_text_;
};

// A field reference for fields named outside the query text.
std::unique_ptr<Expr> SyntheticField(const std::string& name, uint32_t at) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kField;
  e->field = name;
  e->begin = e->end = at;
  return e;
}

void VerifyFilter(Verifier* v, Filter* f, const Query& q, const VerifyOptions& options,
                  const event::FieldTypes& types, std::vector<Problem>* out) {
  if (!f->category.empty() && options.complete_mapping && !types.Find(q.event_category_field))
    out->push_back({f->category_begin, "Unknown column [" + q.event_category_field + "]"});
  v->Condition(f->condition.get());
  v->CheckFieldComparisons(*f->condition);
}

}  // namespace

std::string TypeNameOf(const Expr& e) {
  if (e.kind == ExprKind::kField && !e.es_type.empty()) {
    switch (e.type) {
      case DataType::kInteger:
      case DataType::kLong:
      case DataType::kDouble:
        return e.es_type;  // "short", "float", "scaled_float", ...
      default:
        break;
    }
  }
  return DataTypeName(e.type);
}

bool IsFoldable(const Expr& e) {
  if (e.kind == ExprKind::kField) return false;
  for (const auto& c : e.children)
    if (!IsFoldable(*c)) return false;
  return true;
}

std::vector<Problem> VerifyCondition(Expr* condition, std::string_view text,
                                     const event::FieldTypes& types, const VerifyOptions& options) {
  Verifier v(text, types, options);
  v.Condition(condition);
  v.CheckFieldComparisons(*condition);
  return v.TakeProblems();
}

std::vector<Problem> Verify(Query* q, const event::FieldTypes& types,
                            const VerifyOptions& options) {
  Verifier v(q->text, types, options);
  std::vector<Problem> extra;
  if (options.complete_mapping && q->type != QueryType::kSample) {
    if (!types.Find(q->timestamp_field))
      extra.push_back({0, "Unknown column [" + q->timestamp_field + "]"});
    if (!q->tiebreaker_field.empty() && !types.Find(q->tiebreaker_field))
      extra.push_back({0, "Unknown column [" + q->tiebreaker_field + "]"});
  }
  auto keys = [&](std::vector<JoinKey>* list) {
    std::vector<std::unique_ptr<Expr>> out;
    for (auto& k : *list) {
      auto e = SyntheticField(k.field, k.begin);
      e->optional = k.optional;
      e->end = k.end;
      v.FieldOnly(e.get());
      k.read_path = e->read_path.empty() ? k.field : e->read_path;
      out.push_back(std::move(e));
    }
    return out;
  };
  if (q->type == QueryType::kEvent) {
    VerifyFilter(&v, &q->event, *q, options, types, &extra);
  } else {
    std::vector<std::unique_ptr<Expr>> first_keys;
    auto check_keys = [&](Stage* s, bool first) {
      VerifyFilter(&v, &s->filter, *q, options, types, &extra);
      auto resolved = keys(&s->keys);
      if (first) {
        first_keys = std::move(resolved);
        return;
      }
      for (size_t i = 0; i < resolved.size() && i < first_keys.size(); ++i) {
        const Expr& expected = *first_keys[i];
        const Expr& current = *resolved[i];
        if (!Compatible(expected.type, current.type)) {
          auto es = [](const Expr& e) {
            return e.es_type.empty() ? std::string(DataTypeName(e.type)) : e.es_type;
          };
          extra.push_back(
              {current.begin, std::string(q->type == QueryType::kSample ? "Sample" : "Sequence") +
                                  " key [" + current.field + "] type [" + es(current) +
                                  "] is incompatible with key [" + expected.field + "] type [" +
                                  es(expected) + "]"});
        }
      }
    };
    for (size_t i = 0; i < q->stages.size(); ++i) check_keys(&q->stages[i], i == 0);
    if (q->until) check_keys(&*q->until, false);
  }
  auto problems = v.TakeProblems();
  problems.insert(problems.end(), extra.begin(), extra.end());
  std::stable_sort(problems.begin(), problems.end(),
                   [](const Problem& a, const Problem& b) { return a.offset < b.offset; });
  return problems;
}

}  // namespace picket::eql

#include "eql/compile.h"

#include <re2/re2.h>

#include <algorithm>

#include "eql/lucene_regex.h"
#include "eql/script.h"
#include "eql/utf8.h"
#include "eql/wildcard.h"
#include "kql/keyword_set.h"
#include "kql/predicate.h"
#include "util/ip.h"

namespace picket::eql {
namespace {

using event::Json;
using event::JsonType;
using kql::EvalContext;
using kql::Matcher;

// ---- matcher nodes -----------------------------------------------------------

// A computed condition, run as Elasticsearch runs a script query.
class ScriptMatcher final : public Matcher {
 public:
  explicit ScriptMatcher(std::unique_ptr<Expr> e) : expr_(std::move(e)), script_(expr_.get()) {}
  const std::string& error() const { return script_.error(); }
  bool Eval(Json e, EvalContext* ctx) const override { return script_.Matches(e, ctx); }

 private:
  std::unique_ptr<Expr> expr_;
  Script script_;
};

thread_local std::string tl_scratch;
thread_local std::string tl_lowered;

// The index queries on one field (term, terms, range, wildcard, prefix,
// regexp, exists, cidr), true when some value of the field satisfies one.
class FieldMatcher final : public Matcher {
 public:
  explicit FieldMatcher(const Expr& field)
      : path_(field.read_path.empty() ? field.field : field.read_path),
        id_(kql::FieldId(path_)),
        type_(field.type),
        ignore_above_(field.ignore_above),
        exact_facts_(field.type == DataType::kKeyword && path_ == field.field) {}

  const std::string& path() const { return path_; }
  DataType type() const { return type_; }
  uint32_t ignore_above() const { return ignore_above_; }
  bool exists() const { return exists_; }

  void AddPredicate(kql::Predicate p) {
    if (p.kind == kql::Predicate::kKeywordEq && p.type == kql::MatchType::kKeyword) {
      AddExactTerm(p.text);
      return;
    }
    only_exact_ = false;
    lowered_ok_ = false;
    if (p.kind == kql::Predicate::kIpRange) {
      ip_ranges_.emplace_back(p.ip_lo, p.ip_hi);
      return;
    }
    preds_.push_back(std::move(p));
  }
  void AddExactTerm(const std::string& term) {
    kql::Predicate p;
    p.kind = kql::Predicate::kKeywordEq;
    p.type = kql::MatchType::kKeyword;
    p.text = term;
    if (!cs_set_.Add(p)) cs_terms_.push_back(term);
    exact_terms_.push_back(term);
    lowered_.values.emplace_back();
    AsciiLowerInto(term, &lowered_.values.back());
  }
  // A `:`, like or like~ pattern, or a case-insensitive term (a pattern
  // without wildcards); `literal` marks one whose * and ? are characters.
  void AddWildcard(EqlWildcard w) {
    bool cased = false;
    for (size_t i = 0; i < w.pattern().size();) {
      uint32_t cp = NextCodePoint(w.pattern(), &i);
      cased = cased || AlternateCase(cp) != cp;
    }
    if (!w.has_wildcards() && (!w.case_insensitive() || !cased)) {
      // An exact term after all (no letters to fold).
      AddExactTerm(w.pattern());
      return;
    }
    only_exact_ = false;
    NoteLowered(w);
    if (w.case_insensitive() && IsAscii(w.pattern())) {
      std::string lowered;
      AsciiLowerInto(w.pattern(), &lowered);
      if (AddToSet(&ci_set_, lowered, w.has_wildcards())) {
        any_ci_set_ = true;
        return;
      }
    } else if (!w.case_insensitive() && AddToSet(&cs_set_, w.pattern(), w.has_wildcards())) {
      return;
    }
    wildcards_.push_back(std::move(w));
  }
  void AddRegex(std::shared_ptr<RE2> re) {
    only_exact_ = false;
    lowered_ok_ = false;
    regexes_.push_back(std::move(re));
  }
  void SetExists() {
    only_exact_ = false;
    lowered_ok_ = false;
    exists_ = true;
  }
  // Takes the tests of another matcher on the same field (f: a or f: b).
  bool Merge(FieldMatcher* other) {
    if (other->path_ != path_ || other->type_ != type_ || other->ignore_above_ != ignore_above_ ||
        other->exists_ != exists_)
      return false;
    // The re-adds below record some of the other's tests again and some
    // not (its sets' patterns): its own record is taken instead.
    kql::RequiredTerms lowered = std::move(lowered_);
    for (auto& t : other->exact_terms_) AddExactTerm(t);
    // Everything else is re-added as is.
    for (auto& p : other->preds_) preds_.push_back(p);
    for (auto& r : other->ip_ranges_) ip_ranges_.push_back(r);
    for (auto& w : other->wildcards_) AddWildcard(w);
    for (auto& r : other->regexes_) regexes_.push_back(r);
    if (!other->ci_patterns_.empty() || !other->cs_patterns_.empty()) {
      for (auto& [text, wild] : other->ci_patterns_) {
        AddToSet(&ci_set_, text, wild);
        any_ci_set_ = true;
      }
      for (auto& [text, wild] : other->cs_patterns_) AddToSet(&cs_set_, text, wild);
    }
    only_exact_ = only_exact_ && other->only_exact_;
    lowered_ = std::move(lowered);
    for (const auto& v : other->lowered_.values) lowered_.values.push_back(v);
    for (const auto& v : other->lowered_.prefixes) lowered_.prefixes.push_back(v);
    for (const auto& v : other->lowered_.suffixes) lowered_.suffixes.push_back(v);
    lowered_ok_ = lowered_ok_ && other->lowered_ok_;
    return true;
  }

  // A rough cost of Eval, for ordering the parts of an and / or: one for
  // the exact terms (a hash or a compare), more for folding the value,
  // for each predicate, wildcard and regex.
  uint32_t Cost() const {
    uint32_t cost = 1;
    if (any_ci_set_) cost += 1;
    cost += 2 * static_cast<uint32_t>(preds_.size());
    if (!ip_ranges_.empty()) cost += 2 + static_cast<uint32_t>(ip_ranges_.size()) / 4;
    cost += 4 * static_cast<uint32_t>(wildcards_.size());
    cost += 16 * static_cast<uint32_t>(regexes_.size());
    return cost;
  }

  // Facts: the exact terms when every test is one.
  bool ExactTerms(std::vector<std::string>* out) const {
    if (!exact_facts_ || !only_exact_ || exact_terms_.empty()) return false;
    for (const auto& t : exact_terms_)
      if (ignore_above_ && t.size() > ignore_above_) return false;
    *out = exact_terms_;
    return true;
  }

  // Facts when some test is not an exact term: every value a test accepts,
  // ASCII-lowered, is one of out->values or starts with one of its
  // prefixes or ends with one of its suffixes (kql::RequiredTerms with
  // `lowered`), so that the rule index can file `process.name : ("cmd.exe",
  // "*.scr")`, which is case-insensitive. False when some test cannot be
  // stated so (a range, a regex, exists, `*x*`, see
  // EqlWildcard::AnchoredLiteral).
  bool LoweredTerms(kql::RequiredTerms* out) const {
    if (!exact_facts_ || !lowered_ok_) return false;
    if (lowered_.alternatives() == 0) return false;
    *out = lowered_;
    out->field = path_;
    out->lowered = true;
    for (auto* list : {&out->values, &out->prefixes, &out->suffixes}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    return true;
  }

  bool Eval(Json e, EvalContext* ctx) const override {
    if (!ctx) return event::ForEachValue(e, path_, [&](Json v) { return Test(v); });
    for (Json v : ctx->Values(id_, path_, e))
      if (Test(v)) return true;
    return false;
  }

 private:
  // Records a non-exact pattern for LoweredTerms.
  void NoteLowered(const EqlWildcard& w) {
    std::string literal;
    bool prefix = false;
    if (!w.has_wildcards()) {
      // A case-insensitive term: its lowered text, when that is all its
      // other cases are (ASCII).
      if (!IsAscii(w.pattern())) {
        lowered_ok_ = false;
        return;
      }
      AsciiLowerInto(w.pattern(), &literal);
      lowered_.values.push_back(std::move(literal));
      return;
    }
    if (!w.AnchoredLiteral(&literal, &prefix)) {
      lowered_ok_ = false;
      return;
    }
    (prefix ? lowered_.prefixes : lowered_.suffixes).push_back(std::move(literal));
  }

  bool AddToSet(kql::KeywordSet* set, const std::string& text, bool wild) {
    kql::Predicate p;
    p.type = kql::MatchType::kKeyword;
    if (wild) {
      if (text.find('?') != std::string::npos) return false;
      p.kind = kql::Predicate::kKeywordWildcard;
      p.pattern = WildcardPattern(WildcardPattern::SplitAtStars(text));
    } else {
      p.kind = kql::Predicate::kKeywordEq;
      p.text = text;
    }
    if (!set->Add(p)) return false;
    (set == &ci_set_ ? ci_patterns_ : cs_patterns_).push_back({text, wild});
    return true;
  }

  // The value as a keyword term (what term, wildcard and regexp queries
  // see), or false.
  bool Term(Json v, std::string_view* out) const {
    if (type_ == DataType::kUnknown) {
      // An unmapped field: only strings would have been mapped as keyword.
      if (v.type() != JsonType::STRING) return false;
      *out = v.get_string().value_unsafe();
    } else if (!event::KeywordText(v, &tl_scratch, out)) {
      return false;
    }
    return ignore_above_ == 0 || out->size() <= ignore_above_;
  }

  bool Test(Json v) const {
    if (v.type() == JsonType::OBJECT) return exists_;
    if (exists_) {
      if (v.type() == JsonType::STRING && ignore_above_ &&
          v.get_string().value_unsafe().size() > ignore_above_)
        return false;
      return true;
    }
    bool text_tests = cs_set_.size() || any_ci_set_ || !cs_terms_.empty() || !wildcards_.empty() ||
                      !regexes_.empty();
    if (text_tests) {
      std::string_view term;
      if (Term(v, &term)) {
        if (cs_set_.size() && cs_set_.Matches(term)) return true;
        for (const auto& t : cs_terms_)
          if (t == term) return true;
        bool lowered = false;
        if (any_ci_set_) {
          AsciiLowerInto(term, &tl_lowered);
          lowered = true;
          if (ci_set_.Matches(tl_lowered)) return true;
        }
        for (const auto& w : wildcards_) {
          if (w.wants_lowered()) {
            if (!lowered) {
              AsciiLowerInto(term, &tl_lowered);
              lowered = true;
            }
            if (w.MatchesLowered(tl_lowered)) return true;
          } else if (w.Matches(term)) {
            return true;
          }
        }
        for (const auto& r : regexes_)
          if (RE2::FullMatch(term, *r)) return true;
      }
    }
    // Addresses and CIDR blocks (`cidrMatch(ip, 12 blocks)`, `ip in
    // (...)`): the value parsed once for all of them, as each
    // kql::Predicate::kIpRange would parse it.
    if (!ip_ranges_.empty() && v.type() == JsonType::STRING) {
      if (auto ip = ParseIp(v.get_string().value_unsafe()))
        for (const auto& [lo, hi] : ip_ranges_)
          if (lo <= *ip && *ip <= hi) return true;
    }
    for (const auto& p : preds_)
      if (p.Test(v)) return true;
    return false;
  }

  std::string path_;
  uint32_t id_;
  DataType type_;
  uint32_t ignore_above_;
  bool exact_facts_;

  std::vector<kql::Predicate> preds_;
  std::vector<std::pair<IpAddress, IpAddress>> ip_ranges_;  // kIpRange predicates
  kql::KeywordSet cs_set_;                                  // exact terms and one-star patterns
  std::vector<std::string> cs_terms_;                       // exact terms the set refused
  kql::KeywordSet ci_set_;                                  // the same, ASCII, lowered
  bool any_ci_set_ = false;
  std::vector<std::pair<std::string, bool>> cs_patterns_, ci_patterns_;  // what the sets hold
  std::vector<EqlWildcard> wildcards_;
  std::vector<std::shared_ptr<RE2>> regexes_;
  bool exists_ = false;

  std::vector<std::string> exact_terms_;
  bool only_exact_ = true;
  kql::RequiredTerms lowered_;  // see LoweredTerms
  bool lowered_ok_ = true;
};

// ---- the compiler ------------------------------------------------------------

constexpr uint32_t kScriptCost = 32;  // functions, arithmetic: a tree walk with values

enum class Tri { kDynamic, kTrue, kFalse, kNull };

struct Facts {
  std::vector<kql::RequiredTerms> terms;
  std::vector<kql::TermBranches> alternatives;
  std::vector<std::string> fields;
  std::vector<std::vector<std::vector<std::string>>> field_alternatives;
};

struct Node {
  Tri constant = Tri::kDynamic;
  std::unique_ptr<Matcher> matcher;  // kDynamic
  Facts facts;                       // what a match of this node implies
  uint32_t cost = 0;                 // rough evaluation cost (FieldMatcher::Cost)
};

// The parts of an and / or, cheapest first: both are pure and two-valued
// (null already folded), so the order changes no result, and an exact
// term that fails (or, in an or, holds) spares the wildcards, regexes and
// scripts after it. Stable: equal costs keep the query's order.
std::vector<std::unique_ptr<Matcher>> CheapestFirst(
    std::vector<std::pair<uint32_t, std::unique_ptr<Matcher>>> parts) {
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::unique_ptr<Matcher>> out;
  for (auto& p : parts) out.push_back(std::move(p.second));
  return out;
}

Node Const(Tri t) {
  Node n;
  n.constant = t;
  return n;
}
Node Const(bool b) { return Const(b ? Tri::kTrue : Tri::kFalse); }

CompareOp Mirror(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLte:
      return CompareOp::kGte;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGte:
      return CompareOp::kLte;
    default:
      return op;
  }
}

kql::MatchType MatchTypeFor(DataType t) {
  switch (t) {
    case DataType::kKeyword:
    case DataType::kText:
      return kql::MatchType::kKeyword;
    case DataType::kIp:
      return kql::MatchType::kIp;
    case DataType::kInteger:
    case DataType::kLong:
      return kql::MatchType::kLong;
    case DataType::kDouble:
      return kql::MatchType::kDouble;
    case DataType::kDate:
      return kql::MatchType::kDate;
    case DataType::kBoolean:
      return kql::MatchType::kBoolean;
    default:
      return kql::MatchType::kDynamic;
  }
}

// The term text Elasticsearch sends for a constant (Java's toString).
std::string TermText(const Value& v) { return ToJavaString(v); }

// Union of two value lists without duplicates.
void AddValues(std::vector<std::string>* to, const std::vector<std::string>& from) {
  for (const auto& v : from)
    if (std::find(to->begin(), to->end(), v) == to->end()) to->push_back(v);
}

class Compiler {
 public:
  Compiler(std::string_view text, const CompileOptions& options, std::vector<Problem>* problems,
           std::vector<std::string>* warnings)
      : text_(text), problems_(problems), warnings_(warnings) {
    now_ = options.now ? options.now : NowMs();
  }

  Node Compile(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral:
        if (e.literal.type == Value::Type::kBool) return Const(e.literal.b);
        return Const(Tri::kNull);
      case ExprKind::kField: {
        // A boolean field as a condition is `field == true`.
        auto m = std::make_unique<FieldMatcher>(e);
        if (!AddEquals(m.get(), e, Value::Bool(true), e)) return Const(Tri::kFalse);
        return FieldNode(std::move(m), e);
      }
      case ExprKind::kAnd:
      case ExprKind::kOr:
        return Connective(e);
      case ExprKind::kNot:
        return Not(Compile(*e.children[0]));
      case ExprKind::kCompare:
        return Comparison(e);
      case ExprKind::kPattern:
        return Pattern(e);
      case ExprKind::kIn:
        return In(e);
      case ExprKind::kFunction:
        return Function(e);
      default:
        return Fold(e);
    }
  }

  // `field == value` on the category field (the filter's event category).
  Node Category(const Expr& field, const std::string& category) {
    auto m = std::make_unique<FieldMatcher>(field);
    AddEquals(m.get(), field, Value::String(category), field);
    return FieldNode(std::move(m), field);
  }

  static Node And(std::vector<Node> parts) {
    std::vector<std::pair<uint32_t, std::unique_ptr<Matcher>>> dynamic;
    uint32_t cost = 0;
    Facts facts;
    bool any_null = false;
    for (auto& p : parts) {
      if (p.constant == Tri::kFalse) return Const(Tri::kFalse);
      if (p.constant == Tri::kNull) {
        any_null = true;
        continue;
      }
      if (p.constant == Tri::kTrue) continue;
      cost += p.cost;
      dynamic.emplace_back(p.cost, std::move(p.matcher));
      for (auto& t : p.facts.terms) facts.terms.push_back(std::move(t));
      for (auto& a : p.facts.alternatives) facts.alternatives.push_back(std::move(a));
      for (auto& a : p.facts.field_alternatives) facts.field_alternatives.push_back(std::move(a));
      for (auto& f : p.facts.fields)
        if (std::find(facts.fields.begin(), facts.fields.end(), f) == facts.fields.end())
          facts.fields.push_back(std::move(f));
    }
    // null and x is never true: the filter treats it as false.
    if (any_null) return Const(dynamic.empty() ? Tri::kNull : Tri::kFalse);
    if (dynamic.empty()) return Const(Tri::kTrue);
    Node n;
    n.facts = std::move(facts);
    n.cost = cost;
    n.matcher = kql::AllOf(CheapestFirst(std::move(dynamic)));
    return n;
  }

 private:
  void Report(const Expr& at, std::string message) {
    problems_->push_back({at.begin, std::move(message)});
  }
  std::string Text(const Expr& e) const { return std::string(e.SourceIn(text_)); }

  static Node Not(Node n) {
    switch (n.constant) {
      case Tri::kTrue:
        return Const(Tri::kFalse);
      case Tri::kFalse:
        return Const(Tri::kTrue);
      case Tri::kNull:
        return Const(Tri::kNull);
      default:
        break;
    }
    Node out;
    out.matcher = kql::Negation(std::move(n.matcher));
    out.cost = n.cost;
    return out;  // a negation implies nothing
  }

  static Node Or(std::vector<Node> parts) {
    std::vector<Node> dynamic;
    bool any_null = false;
    for (auto& p : parts) {
      if (p.constant == Tri::kTrue) return Const(Tri::kTrue);
      if (p.constant == Tri::kNull) any_null = true;
      if (p.constant != Tri::kDynamic) continue;
      dynamic.push_back(std::move(p));
    }
    if (dynamic.empty()) return Const(any_null ? Tri::kNull : Tri::kFalse);
    MergeFieldAlternatives(&dynamic);
    if (dynamic.size() == 1) return std::move(dynamic[0]);
    Node n;
    // Facts: a field required in every branch is required, with the union
    // of their values; fields required by every branch; and each branch's
    // terms as one set of alternatives.
    std::vector<kql::RequiredTerms> common;
    std::vector<std::string> fields;
    kql::TermBranches branches;
    for (size_t i = 0; i < dynamic.size(); ++i) {
      const Facts& f = dynamic[i].facts;
      branches.push_back(f.terms);
      if (i == 0) {
        for (const auto& t : f.terms) {
          bool seen = false;
          for (const auto& c : common) seen = seen || c.field == t.field;
          if (!seen) common.push_back(t);
        }
        fields = f.fields;
        continue;
      }
      std::vector<kql::RequiredTerms> kept;
      for (auto& c : common) {
        for (const auto& t : f.terms) {
          if (t.field != c.field || !Unite(&c, t)) continue;
          kept.push_back(std::move(c));
          break;
        }
      }
      common = std::move(kept);
      std::vector<std::string> kept_fields;
      for (auto& x : fields)
        if (std::find(f.fields.begin(), f.fields.end(), x) != f.fields.end())
          kept_fields.push_back(x);
      fields = std::move(kept_fields);
    }
    n.facts.terms = std::move(common);
    n.facts.fields = std::move(fields);
    bool all_branches_have_terms =
        std::all_of(branches.begin(), branches.end(), [](const auto& b) { return !b.empty(); });
    if (all_branches_have_terms) n.facts.alternatives.push_back(std::move(branches));
    // Each branch's required fields, when every branch has some (and no
    // field is common to all: that one is among n.facts.fields already).
    std::vector<std::vector<std::string>> field_branches;
    for (const auto& d : dynamic)
      if (!d.facts.fields.empty()) field_branches.push_back(d.facts.fields);
    if (n.facts.fields.empty() && field_branches.size() == dynamic.size())
      n.facts.field_alternatives.push_back(std::move(field_branches));
    std::vector<std::pair<uint32_t, std::unique_ptr<Matcher>>> matchers;
    for (auto& d : dynamic) {
      n.cost += d.cost;
      matchers.emplace_back(d.cost, std::move(d.matcher));
    }
    n.matcher = kql::AnyOf(CheapestFirst(std::move(matchers)));
    return n;
  }

  // `f: a or f: b` on the same field: one walk of the field for both.
  static void MergeFieldAlternatives(std::vector<Node>* nodes) {
    std::vector<Node> out;
    for (auto& n : *nodes) {
      auto* fm = dynamic_cast<FieldMatcher*>(n.matcher.get());
      bool merged = false;
      if (fm) {
        for (auto& o : out) {
          auto* ofm = dynamic_cast<FieldMatcher*>(o.matcher.get());
          if (ofm && ofm->Merge(fm)) {
            // The merged node implies one of both branches' terms: the
            // merged matcher's own.
            o.facts.terms = FieldTerms(*ofm);
            o.cost = ofm->Cost();
            merged = true;
            break;
          }
        }
      }
      if (!merged) out.push_back(std::move(n));
    }
    *nodes = std::move(out);
  }

  Node Connective(const Expr& e) {
    std::vector<Node> parts;
    for (const auto& c : e.children) parts.push_back(Compile(*c));
    return e.kind == ExprKind::kAnd ? And(std::move(parts)) : Or(std::move(parts));
  }

  // A field matcher's term facts: its exact terms when it tests only
  // those, else its lowered alternatives when it has them.
  static std::vector<kql::RequiredTerms> FieldTerms(const FieldMatcher& m) {
    std::vector<kql::RequiredTerms> out(1);
    std::vector<std::string> terms;
    if (m.ExactTerms(&terms)) {
      out[0].field = m.path();
      out[0].values = std::move(terms);
    } else if (!m.LoweredTerms(&out[0])) {
      out.clear();
    }
    return out;
  }

  // t's alternatives added to *into (same field): *into then holds for
  // every match of either. Case-sensitive terms joined with lowered ones
  // are lowered (an exact match is a lowered match).
  static bool Unite(kql::RequiredTerms* into, const kql::RequiredTerms& t) {
    if (into->ip != t.ip) return false;
    kql::RequiredTerms other = t;
    if (into->lowered != other.lowered) LowerTerms(into->lowered ? &other : into);
    AddValues(&into->values, other.values);
    AddValues(&into->prefixes, other.prefixes);
    AddValues(&into->suffixes, other.suffixes);
    return true;
  }
  static void LowerTerms(kql::RequiredTerms* t) {
    for (auto* list : {&t->values, &t->prefixes, &t->suffixes})
      for (std::string& v : *list) AsciiLowerInto(std::string(v), &v);
    t->lowered = true;
  }

  Node FieldNode(std::unique_ptr<FieldMatcher> m, const Expr& field) {
    Node n;
    n.facts.terms = FieldTerms(*m);
    n.facts.fields.push_back(m->path());
    n.cost = m->Cost();
    n.matcher = std::move(m);
    return n;
  }

  Node Fold(const Expr& e) {
    Value v;
    std::string error;
    if (!FoldConstant(e, &v, &error)) {
      Report(e, "[" + Text(e) + "] cannot be evaluated: " + error);
      return Const(Tri::kFalse);
    }
    if (v.type == Value::Type::kBool) return Const(v.b);
    return Const(Tri::kNull);
  }

  bool FoldValue(const Expr& e, Value* v) {
    std::string error;
    if (FoldConstant(e, v, &error)) return true;
    Report(e, "[" + Text(e) + "] cannot be evaluated: " + error);
    return false;
  }

  Node Script(const Expr& e) {
    auto m = std::make_unique<ScriptMatcher>(CloneExpr(e));
    if (!m->error().empty()) {
      Report(e, m->error());
      return Const(Tri::kFalse);
    }
    Node n;
    n.matcher = std::move(m);
    n.cost = kScriptCost;
    return n;
  }

  static bool Pushable(const Expr& e) { return e.kind == ExprKind::kField; }

  kql::PredicateContext Ctx(const Expr& field, std::vector<std::string>* sink) {
    kql::PredicateContext ctx;
    ctx.now = now_;
    ctx.warnings = sink;
    ctx.field = field.field;
    return ctx;
  }

  // Adds `field == value` (a term query) to m. A value the field's type
  // cannot parse is what makes Elasticsearch fail the search.
  bool AddEquals(FieldMatcher* m, const Expr& field, const Value& v, const Expr& at) {
    kql::Literal lit;
    lit.text = TermText(v);
    lit.raw = lit.text;
    lit.quoted = true;
    std::vector<std::string> why;
    auto preds = kql::BuildMatchPredicates(MatchTypeFor(field.type), field.ignore_above, lit, false,
                                           Ctx(field, &why));
    if (!why.empty() && field.type != DataType::kUnknown) {
      Report(at, "[" + Text(at) + "]: Elasticsearch fails the search: " + why[0]);
      return false;
    }
    for (auto& p : preds) m->AddPredicate(std::move(p));
    return true;
  }

  Node IsNull(const Expr& value, bool want_null, const Expr& at) {
    if (Pushable(value)) {
      auto m = std::make_unique<FieldMatcher>(value);
      m->SetExists();
      Node exists = FieldNode(std::move(m), value);
      return want_null ? Not(std::move(exists)) : std::move(exists);
    }
    if (IsFoldable(value)) {
      Value v;
      if (!FoldValue(value, &v)) return Const(Tri::kFalse);
      return Const(v.is_null() == want_null);
    }
    return Script(at);
  }

  Node Comparison(const Expr& e) {
    const Expr* l = e.children[0].get();
    const Expr* r = e.children[1].get();
    CompareOp op = e.compare;
    if (IsFoldable(*l) && IsFoldable(*r)) return Fold(e);
    if (IsFoldable(*l)) {
      std::swap(l, r);
      op = Mirror(op);
    }
    Value v;
    if (!FoldValue(*r, &v)) return Const(Tri::kFalse);
    if (v.is_null()) {
      if (op == CompareOp::kEq || op == CompareOp::kNeq) return IsNull(*l, op == CompareOp::kEq, e);
      return Const(Tri::kNull);
    }
    if (Pushable(*l)) {
      auto m = std::make_unique<FieldMatcher>(*l);
      if (op == CompareOp::kEq || op == CompareOp::kNeq) {
        if (!AddEquals(m.get(), *l, v, e)) return Const(Tri::kFalse);
        Node n = FieldNode(std::move(m), *l);
        return op == CompareOp::kEq ? std::move(n) : Not(std::move(n));
      }
      kql::Literal lit;
      lit.text = TermText(v);
      lit.raw = lit.text;
      lit.quoted = true;
      kql::RangeOp range = op == CompareOp::kLt    ? kql::RangeOp::kLt
                           : op == CompareOp::kLte ? kql::RangeOp::kLte
                           : op == CompareOp::kGt  ? kql::RangeOp::kGt
                                                   : kql::RangeOp::kGte;
      std::vector<std::string> why;
      auto preds = kql::BuildRangePredicates(MatchTypeFor(l->type), l->ignore_above, range, lit,
                                             Ctx(*l, &why));
      if (!why.empty() && l->type != DataType::kUnknown) {
        Report(e, "[" + Text(e) + "]: Elasticsearch fails the search: " + why[0]);
        return Const(Tri::kFalse);
      }
      for (auto& p : preds) m->AddPredicate(std::move(p));
      return FieldNode(std::move(m), *l);
    }
    // A boolean expression against true/false: Elasticsearch simplifies it
    // to the expression or its negation.
    if (v.type == Value::Type::kBool && (op == CompareOp::kEq || op == CompareOp::kNeq) &&
        l->type == DataType::kBoolean) {
      bool positive = (op == CompareOp::kEq) == v.b;
      Node inner = Compile(*l);
      return positive ? std::move(inner) : Not(std::move(inner));
    }
    return Script(e);
  }

  Node Pattern(const Expr& e) {
    const Expr& value = *e.children[0];
    if (IsFoldable(value)) return Fold(e);
    if (!Pushable(value)) return Script(e);
    auto m = std::make_unique<FieldMatcher>(value);
    bool any = false;
    for (size_t i = 1; i < e.children.size(); ++i) {
      const Expr& p = *e.children[i];
      if (p.literal.type != Value::Type::kString) continue;  // a null pattern matches nothing
      any = true;
      const std::string& text = p.literal.s;
      if (e.pattern == PatternOp::kRegex) {
        std::string re2_pattern, error;
        if (!TranslateLuceneRegex(text, e.insensitive, &re2_pattern, &error)) {
          Report(p, "regular expression [" + text + "] cannot be run as Lucene would: " + error);
          return Const(Tri::kFalse);
        }
        RE2::Options opts;
        opts.set_log_errors(false);
        auto re = std::make_shared<RE2>(re2_pattern, opts);
        if (!re->ok()) {
          Report(p, "regular expression [" + text + "]: " + re->error());
          return Const(Tri::kFalse);
        }
        m->AddRegex(std::move(re));
      } else {
        m->AddWildcard(EqlWildcard(text, e.insensitive));
      }
    }
    if (!any) return Const(Tri::kNull);
    return FieldNode(std::move(m), value);
  }

  Node In(const Expr& e) {
    const Expr& value = *e.children[0];
    if (IsFoldable(e)) return Fold(e);
    if (!Pushable(value)) return Script(e);
    auto m = std::make_unique<FieldMatcher>(value);
    bool any = false;
    for (size_t i = 1; i < e.children.size(); ++i) {
      Value v;
      if (!FoldValue(*e.children[i], &v)) return Const(Tri::kFalse);
      if (v.is_null()) continue;  // terms queries leave null out
      any = true;
      if (e.insensitive) {
        // in~: case-insensitive terms, * and ? verbatim.
        m->AddWildcard(EqlWildcard::FromPieces({v.s}, true));
      } else if (!AddEquals(m.get(), value, v, e)) {
        return Const(Tri::kFalse);
      }
    }
    Node n = any ? FieldNode(std::move(m), value) : Const(Tri::kFalse);
    return e.negated ? Not(std::move(n)) : std::move(n);
  }

  Node Function(const Expr& e) {
    if (IsFoldable(e)) return Fold(e);
    if (e.function_id < 0 || e.children.empty() || !Pushable(*e.children[0])) return Script(e);
    for (size_t i = 1; i < e.children.size(); ++i)
      if (!IsFoldable(*e.children[i])) return Script(e);
    const Expr& field = *e.children[0];
    Func f = static_cast<Func>(e.function_id);
    std::vector<Value> args;
    for (size_t i = 1; i < e.children.size(); ++i) {
      Value v;
      if (!FoldValue(*e.children[i], &v)) return Const(Tri::kFalse);
      args.push_back(std::move(v));
    }
    switch (f) {
      case Func::kCidrMatch: {
        // A terms query of CIDR blocks on the ip field.
        auto m = std::make_unique<FieldMatcher>(field);
        for (const auto& a : args) {
          if (a.is_null()) return Const(Tri::kNull);
          if (!ParseCidrOrIp(a.s)) {
            Report(e, "[" + Text(e) + "]: Elasticsearch fails the search: '" + a.s +
                          "' is not an IP address or CIDR block");
            return Const(Tri::kFalse);
          }
          if (!AddEquals(m.get(), field, a, e)) return Const(Tri::kFalse);
        }
        return FieldNode(std::move(m), field);
      }
      case Func::kStartsWith:
      case Func::kEndsWith:
      case Func::kStringContains: {
        if (args[0].is_null()) return Const(Tri::kNull);
        if (field.type != DataType::kKeyword && field.type != DataType::kText &&
            field.type != DataType::kUnknown)
          return Script(e);
        // prefix / wildcard queries: the constant's * and ? are escaped.
        std::vector<std::string> pieces;
        if (f == Func::kStartsWith) pieces = {args[0].s, ""};
        if (f == Func::kEndsWith) pieces = {"", args[0].s};
        if (f == Func::kStringContains) pieces = {"", args[0].s, ""};
        auto m = std::make_unique<FieldMatcher>(field);
        m->AddWildcard(EqlWildcard::FromPieces(pieces, e.insensitive));
        return FieldNode(std::move(m), field);
      }
      default:
        return Script(e);
    }
  }

  static bool ParseCidrOrIp(const std::string& s);

  std::string_view text_;
  std::vector<Problem>* problems_;
  std::vector<std::string>* warnings_;
  TimeMs now_;
};

bool Compiler::ParseCidrOrIp(const std::string& s) { return ParseCidr(s).has_value(); }

}  // namespace

std::vector<Problem> CompileFilter(Filter* filter, const Query& query,
                                   const event::FieldTypes& types, const CompileOptions& options,
                                   std::vector<std::string>* warnings) {
  std::vector<Problem> problems;
  Compiler compiler(query.text, options, &problems, warnings);
  std::vector<Node> parts;
  if (!filter->category.empty()) {
    Expr field;
    field.kind = ExprKind::kField;
    field.field = query.event_category_field;
    const event::FieldInfo* info = types.Find(field.field);
    field.read_path = info && !info->source_path.empty() ? info->source_path : field.field;
    field.ignore_above = info ? info->ignore_above : 0;
    field.type = !info                                      ? DataType::kUnknown
                 : info->type == event::FieldType::kKeyword ? DataType::kKeyword
                                                            : DataType::kUnknown;
    field.begin = field.end = filter->category_begin;
    parts.push_back(compiler.Category(field, filter->category));
  }
  parts.push_back(compiler.Compile(*filter->condition));
  Node n = Compiler::And(std::move(parts));
  if (n.constant != Tri::kDynamic)
    filter->matcher = kql::Constant(n.constant == Tri::kTrue);
  else
    filter->matcher = std::shared_ptr<const Matcher>(std::move(n.matcher));
  filter->facts.terms = std::move(n.facts.terms);
  filter->facts.alternatives = std::move(n.facts.alternatives);
  filter->facts.fields = std::move(n.facts.fields);
  filter->facts.field_alternatives = std::move(n.facts.field_alternatives);
  return problems;
}

}  // namespace picket::eql

#include "kql/matcher.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <unordered_map>

#include "kql/keyword_set.h"
#include "kql/predicate.h"

namespace picket::kql {

uint32_t FieldId(std::string_view path) {
  static std::mutex mu;
  static std::unordered_map<std::string, uint32_t> ids;
  std::lock_guard<std::mutex> lock(mu);
  auto [it, added] = ids.emplace(std::string(path), static_cast<uint32_t>(ids.size()));
  return it->second;
}

std::span<const event::Json> EvalContext::Walked(uint32_t id, std::string_view path,
                                                 event::Json event) {
  Slot& slot = SlotFor(id);
  if (slot.generation != generation_) {
    slot.generation = generation_;
    slot.start = static_cast<uint32_t>(values_.size());
    event::ForEachValue(event, path, [&](event::Json v) {
      values_.push_back(v);
      return false;
    });
    slot.count = static_cast<uint32_t>(values_.size()) - slot.start;
  }
  return {values_.data() + slot.start, slot.count};
}

namespace {

using event::Json;
using event::JsonType;

// ---- compiled nodes --------------------------------------------------------

class MatchAll final : public Matcher {
 public:
  bool Eval(Json, EvalContext*) const override { return true; }
};

class AndMatcher final : public Matcher {
 public:
  explicit AndMatcher(std::vector<std::unique_ptr<Matcher>> c) : children_(std::move(c)) {}
  bool Eval(Json e, EvalContext* ctx) const override {
    for (const auto& c : children_)
      if (!c->Eval(e, ctx)) return false;
    return true;
  }

 private:
  std::vector<std::unique_ptr<Matcher>> children_;
};

class OrMatcher final : public Matcher {
 public:
  explicit OrMatcher(std::vector<std::unique_ptr<Matcher>> c) : children_(std::move(c)) {}
  bool Eval(Json e, EvalContext* ctx) const override {
    for (const auto& c : children_)
      if (c->Eval(e, ctx)) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<Matcher>> children_;
};

class NotMatcher final : public Matcher {
 public:
  explicit NotMatcher(std::unique_ptr<Matcher> c) : child_(std::move(c)) {}
  bool Eval(Json e, EvalContext* ctx) const override { return !child_->Eval(e, ctx); }

 private:
  std::unique_ptr<Matcher> child_;
};

bool AnyPredicate(const std::vector<Predicate>& preds, Json v) {
  for (const auto& p : preds)
    if (p.Test(v)) return true;
  return false;
}

// `field:(v1 or v2 ...)` on one concrete field: true when some value of the
// field satisfies some predicate. Objects count only for exists.
class FieldMatcher final : public Matcher {
 public:
  FieldMatcher(std::string path, std::vector<Predicate> preds)
      : path_(std::move(path)), id_(FieldId(path_)), preds_(std::move(preds)) {
    Reindex();
  }
  // After predicates were added: long lists of exact keyword terms, prefixes
  // and suffixes (`process.name:(a or b or ... )`, `destination.domain:(*.xyz
  // or ...)`, common in rules) are tested as one KeywordSet instead of one
  // predicate at a time.
  void Reindex() {
    objects_count_ = false;
    for (const auto& p : preds_) objects_count_ |= p.kind == Predicate::kExists;
    set_ = KeywordSet();
    others_.clear();
    // Without a set-able predicate, Eval tests preds_ and others_ stays empty.
    if (std::none_of(preds_.begin(), preds_.end(), [&](const Predicate& p) { return InSet(p); }))
      return;
    set_ignore_above_ = preds_.front().ignore_above;  // InSet requires it
    for (const auto& p : preds_)
      if (!InSet(p) || !set_.Add(p)) others_.push_back(p);
  }
  bool Eval(Json e, EvalContext* ctx) const override {
    auto test = [&](Json v) {
      if (v.type() == JsonType::OBJECT) return objects_count_;
      if (set_.size() == 0) return AnyPredicate(preds_, v);
      std::string_view term;
      if (KeywordTerm(v, set_ignore_above_, &term) && set_.Matches(term)) return true;
      return AnyPredicate(others_, v);
    };
    if (!ctx) return event::ForEachValue(e, path_, test);
    for (Json v : ctx->Values(id_, path_, e))
      if (test(v)) return true;
    return false;
  }
  const std::string& path() const { return path_; }
  std::vector<Predicate>& predicates() { return preds_; }

 private:
  // Keyword terms and one-star patterns of one field share its
  // ignore_above; a set holds only those (the first one's), the rest stay
  // predicates.
  bool InSet(const Predicate& p) const {
    if (p.kind != Predicate::kKeywordEq && p.kind != Predicate::kKeywordWildcard) return false;
    return p.type == MatchType::kKeyword && p.ignore_above == preds_.front().ignore_above;
  }

  std::string path_;
  uint32_t id_;
  std::vector<Predicate> preds_;
  bool objects_count_ = false;
  KeywordSet set_;
  uint32_t set_ignore_above_ = 0;
  std::vector<Predicate> others_;  // the predicates not in set_
};

// Predicates for each mapping type, for matchers that learn a value's field
// only while walking the document (wildcard field names, free text).
struct PredicatesByType {
  std::array<std::vector<Predicate>, 8> by_type;
  bool exists = false;
  const std::vector<Predicate>& For(MatchType t) const { return by_type[static_cast<int>(t)]; }
};

// Walks every leaf of the document and tests those whose path matches.
class LeafWalkMatcher final : public Matcher {
 public:
  LeafWalkMatcher(std::string prefix, bool has_pattern, WildcardPattern pattern,
                  PredicatesByType preds, const event::FieldTypes* types)
      : prefix_(std::move(prefix)),
        has_pattern_(has_pattern),
        pattern_(std::move(pattern)),
        preds_(std::move(preds)),
        types_(types) {}

  bool Eval(Json e, EvalContext*) const override {
    thread_local std::string path;
    path.clear();
    return event::ForEachLeaf(e, &path, [&](std::string_view leaf_path, Json v) {
      if (has_pattern_ && !pattern_.Matches(leaf_path)) return false;
      const event::FieldInfo* info = Lookup(leaf_path);
      if (preds_.exists) {
        Predicate p = ExistsPredicate(info ? info->ignore_above : 0);
        return p.Test(v);
      }
      return AnyPredicate(preds_.For(MatchTypeOf(info)), v);
    });
  }

 private:
  const event::FieldInfo* Lookup(std::string_view leaf_path) const {
    if (prefix_.empty()) return types_->Find(leaf_path);
    thread_local std::string full;
    full.assign(prefix_);
    full += '.';
    full.append(leaf_path);
    return types_->Find(full);
  }

  std::string prefix_;  // nested scope, for type lookup
  bool has_pattern_;
  WildcardPattern pattern_;
  PredicatesByType preds_;
  const event::FieldTypes* types_;
};

// `path:{ query }`: one element of the array at path satisfies the query.
class NestedMatcher final : public Matcher {
 public:
  NestedMatcher(std::string path, std::unique_ptr<Matcher> inner)
      : path_(std::move(path)), inner_(std::move(inner)) {}
  bool Eval(Json e, EvalContext*) const override {
    // Elements are roots of their own: the context's values belong to the
    // top-level event, so the inner query runs without it.
    return event::ForEachValue(
        e, path_, [&](Json v) { return v.type() == JsonType::OBJECT && inner_->Eval(v, nullptr); });
  }

 private:
  std::string path_;
  std::unique_ptr<Matcher> inner_;
};

// ---- compiler ----------------------------------------------------------------

class Compiler {
 public:
  Compiler(const event::FieldTypes& types, const CompileOptions& options,
           std::vector<std::string>* warnings)
      : types_(types), warnings_(warnings) {
    now_ = options.now ? options.now : NowMs();
  }

  std::unique_ptr<Matcher> Node_(const Node& n, const std::string& scope) {
    switch (n.kind) {
      case NodeKind::kMatchAll:
        return std::make_unique<MatchAll>();
      case NodeKind::kOr:
      case NodeKind::kAnd: {
        std::vector<std::unique_ptr<Matcher>> parts;
        for (const auto& c : n.children) parts.push_back(Node_(*c, scope));
        if (n.kind == NodeKind::kOr) MergeFieldAlternatives(&parts);
        if (parts.size() == 1) return std::move(parts[0]);
        if (n.kind == NodeKind::kOr) return std::make_unique<OrMatcher>(std::move(parts));
        return std::make_unique<AndMatcher>(std::move(parts));
      }
      case NodeKind::kNot:
        return std::make_unique<NotMatcher>(Node_(*n.children[0], scope));
      case NodeKind::kMatch:
        return Value(*n.value, n.field, scope);
      case NodeKind::kRange:
        return Range(n, scope);
      case NodeKind::kNested: {
        std::string full = Join(scope, n.field);
        const event::FieldInfo* info = types_.Find(full);
        if (info && info->type != event::FieldType::kNested)
          Warn(full + ": nested query on a field mapped as " + info->es_type +
               " (Kibana requires a nested field); evaluated with same-element semantics");
        return std::make_unique<NestedMatcher>(n.field, Node_(*n.children[0], full));
      }
      case NodeKind::kFreeText:
        return FreeText(n.literal, scope);
    }
    return std::make_unique<MatchAll>();
  }

 private:
  static std::string Join(const std::string& scope, const std::string& field) {
    return scope.empty() ? field : scope + "." + field;
  }
  void Warn(std::string msg) {
    if (warnings_) warnings_->push_back(std::move(msg));
  }
  PredicateContext Ctx(const std::string& field) {
    PredicateContext ctx;
    ctx.now = now_;
    ctx.warnings = warnings_;
    ctx.error = &error_;
    ctx.field = field;
    return ctx;
  }
  static bool IsPattern(const std::string& field) { return field.find('*') != std::string::npos; }

  // Field patterns have no escaped stars.
  static WildcardPattern FieldPattern(const std::string& field) {
    return WildcardPattern::FromGlob(field);
  }

  // One literal on one field (pattern or concrete).
  std::unique_ptr<Matcher> Leaf(const Literal& lit, const std::string& field,
                                const std::string& scope) {
    std::string full = Join(scope, field);
    if (IsPattern(field)) {
      PredicatesByType preds;
      if (lit.IsExistsPattern()) {
        preds.exists = true;
      } else {
        for (int t = 0; t < 8; ++t)
          preds.by_type[t] = BuildMatchPredicates(static_cast<MatchType>(t), 0, lit,
                                                  /*free_text=*/true, Ctx(full));
      }
      return std::make_unique<LeafWalkMatcher>(scope, true, FieldPattern(field), std::move(preds),
                                               &types_);
    }
    const event::FieldInfo* info = types_.Find(full);
    // A multi-field (process.name.text) reads its parent's value.
    std::string path = field;
    if (info && info->source_path != full && !info->source_path.empty()) {
      path = info->source_path;
      if (!scope.empty() && path.compare(0, scope.size() + 1, scope + ".") == 0)
        path = path.substr(scope.size() + 1);
    }
    uint32_t ignore_above = info ? info->ignore_above : 0;
    std::vector<Predicate> preds;
    if (lit.IsExistsPattern())
      preds.push_back(ExistsPredicate(ignore_above));
    else
      preds = BuildMatchPredicates(MatchTypeOf(info), ignore_above, lit, false, Ctx(full));
    return std::make_unique<FieldMatcher>(path, std::move(preds));
  }

  std::unique_ptr<Matcher> Value(const ValueNode& v, const std::string& field,
                                 const std::string& scope) {
    switch (v.kind) {
      case ValueKind::kLiteral:
        return Leaf(v.literal, field, scope);
      case ValueKind::kNot:
        return std::make_unique<NotMatcher>(Value(*v.children[0], field, scope));
      case ValueKind::kOr:
      case ValueKind::kAnd: {
        std::vector<std::unique_ptr<Matcher>> parts;
        for (const auto& c : v.children) parts.push_back(Value(*c, field, scope));
        if (v.kind == ValueKind::kOr) MergeFieldAlternatives(&parts);
        if (parts.size() == 1) return std::move(parts[0]);
        if (v.kind == ValueKind::kOr) return std::make_unique<OrMatcher>(std::move(parts));
        return std::make_unique<AndMatcher>(std::move(parts));
      }
    }
    return std::make_unique<MatchAll>();
  }

  // `f:a or f:b` on the same field: one walk of the field testing both
  // predicates (∃v: a(v) ∨ b(v) equals (∃v: a(v)) ∨ (∃v: b(v))).
  static void MergeFieldAlternatives(std::vector<std::unique_ptr<Matcher>>* parts) {
    std::vector<std::unique_ptr<Matcher>> out;
    for (auto& p : *parts) {
      auto* fm = dynamic_cast<FieldMatcher*>(p.get());
      if (fm) {
        bool merged = false;
        for (auto& o : out) {
          auto* ofm = dynamic_cast<FieldMatcher*>(o.get());
          if (ofm && ofm->path() == fm->path()) {
            auto& dst = ofm->predicates();
            auto& src = fm->predicates();
            bool src_exists = false;
            for (auto& s : src) src_exists |= s.kind == Predicate::kExists;
            bool dst_exists = false;
            for (auto& d : dst) dst_exists |= d.kind == Predicate::kExists;
            if (src_exists != dst_exists) break;  // objects count differently
            dst.insert(dst.end(), src.begin(), src.end());
            ofm->Reindex();
            merged = true;
            break;
          }
        }
        if (merged) continue;
      }
      out.push_back(std::move(p));
    }
    *parts = std::move(out);
  }

  std::unique_ptr<Matcher> Range(const Node& n, const std::string& scope) {
    std::string full = Join(scope, n.field);
    if (IsPattern(n.field)) {
      PredicatesByType preds;
      for (int t = 0; t < 8; ++t) {
        PredicateContext quiet = Ctx(full);
        quiet.warnings = nullptr;
        preds.by_type[t] =
            BuildRangePredicates(static_cast<MatchType>(t), 0, n.op, n.literal, quiet);
      }
      return std::make_unique<LeafWalkMatcher>(scope, true, FieldPattern(n.field), std::move(preds),
                                               &types_);
    }
    const event::FieldInfo* info = types_.Find(full);
    std::string path = n.field;
    if (info && !info->source_path.empty() && info->source_path != full) path = info->source_path;
    auto preds = BuildRangePredicates(MatchTypeOf(info), info ? info->ignore_above : 0, n.op,
                                      n.literal, Ctx(full));
    return std::make_unique<FieldMatcher>(path, std::move(preds));
  }

  std::unique_ptr<Matcher> FreeText(const Literal& lit, const std::string& scope) {
    // A lone `*` matches every document (Kibana: match_all).
    if (lit.IsExistsPattern()) return std::make_unique<MatchAll>();
    PredicatesByType preds;
    for (int t = 0; t < 8; ++t)
      preds.by_type[t] =
          BuildMatchPredicates(static_cast<MatchType>(t), 0, lit, /*free_text=*/true, Ctx("*"));
    return std::make_unique<LeafWalkMatcher>(scope, false, WildcardPattern(), std::move(preds),
                                             &types_);
  }

  const event::FieldTypes& types_;
  std::vector<std::string>* warnings_;
  TimeMs now_;

 public:
  PredicateError error_;  // a value that fails the whole query

  std::unique_ptr<Matcher> Root(const Node& n) { return Node_(n, ""); }
};

}  // namespace

CompileResult Compile(const Node& root, const event::FieldTypes& types,
                      const CompileOptions& options) {
  CompileResult result;
  Compiler compiler(types, options, &result.warnings);
  result.matcher = compiler.Root(root);
  if (compiler.error_.set) {  // Elasticsearch fails such a query: so does picket
    result.matcher.reset();
    result.error = {compiler.error_.offset, compiler.error_.message};
  }
  return result;
}

namespace {

// Exact keyword values a Match node requires, if it is `f:v` or
// `f:(v1 or v2 ...)` with plain literals on a keyword field.
bool ExactValues(const ValueNode& v, std::vector<std::string>* out) {
  if (v.kind == ValueKind::kLiteral) {
    if (v.literal.wildcard) return false;
    out->push_back(v.literal.text);
    return true;
  }
  if (v.kind == ValueKind::kAnd) {
    // `f:(a and *b*)`: every match has the term a; any exact part will do.
    for (const auto& c : v.children) {
      std::vector<std::string> part;
      if (ExactValues(*c, &part)) {
        out->insert(out->end(), part.begin(), part.end());
        return true;
      }
    }
    return false;
  }
  if (v.kind != ValueKind::kOr) return false;
  for (const auto& c : v.children)
    if (!ExactValues(*c, out)) return false;
  return true;
}

void CollectConjuncts(const Node& n, const event::FieldTypes& types,
                      std::vector<RequiredTerms>* out);

// `(A or B or ...)`: a field required in every branch is required, with the
// union of the branches' values (e.g. process.name in each of the branches
// `process.name:dscl and ...`, `process.name:getent and ...`).
void CollectAlternatives(const Node& n, const event::FieldTypes& types,
                         std::vector<RequiredTerms>* out) {
  std::vector<RequiredTerms> common;
  for (size_t i = 0; i < n.children.size(); ++i) {
    std::vector<RequiredTerms> branch;
    CollectConjuncts(*n.children[i], types, &branch);
    if (i == 0) {
      // One constraint per field: the first (each is necessary on its own).
      for (auto& r : branch) {
        bool seen = false;
        for (const auto& c : common) seen |= c.field == r.field;
        if (!seen) common.push_back(std::move(r));
      }
      continue;
    }
    std::vector<RequiredTerms> kept;
    for (auto& c : common) {
      for (const auto& r : branch) {
        if (r.field != c.field) continue;
        for (const auto& v : r.values)
          if (std::find(c.values.begin(), c.values.end(), v) == c.values.end())
            c.values.push_back(v);
        kept.push_back(std::move(c));
        break;
      }
    }
    common = std::move(kept);
    if (common.empty()) return;
  }
  for (auto& c : common) out->push_back(std::move(c));
}

void CollectConjuncts(const Node& n, const event::FieldTypes& types,
                      std::vector<RequiredTerms>* out) {
  if (n.kind == NodeKind::kAnd) {
    for (const auto& c : n.children) CollectConjuncts(*c, types, out);
    return;
  }
  if (n.kind == NodeKind::kOr) {
    CollectAlternatives(n, types, out);
    return;
  }
  if (n.kind != NodeKind::kMatch || n.field.find('*') != std::string::npos) return;
  const event::FieldInfo* info = types.Find(n.field);
  // Only fields whose terms are compared as exact strings; a dynamic field
  // could hold a number that matches "1".
  if (!info || MatchTypeOf(info) != MatchType::kKeyword) return;
  if (info->source_path != n.field) return;
  RequiredTerms req;
  req.field = n.field;
  if (!ExactValues(*n.value, &req.values)) return;
  for (const auto& v : req.values)
    if (info->ignore_above && v.size() > info->ignore_above) return;
  out->push_back(std::move(req));
}

}  // namespace

std::vector<RequiredTerms> NecessaryTerms(const Node& root, const event::FieldTypes& types) {
  std::vector<RequiredTerms> out;
  CollectConjuncts(root, types, &out);
  return out;
}

namespace {

// True when `field: v` can only hold for an event that has a value of the
// field: a literal does; `not` does not; an `or` when each branch does; an
// `and` when one part does.
bool NeedsValue(const ValueNode& v) {
  switch (v.kind) {
    case ValueKind::kLiteral:
      return true;
    case ValueKind::kNot:
      return false;
    case ValueKind::kOr:
      for (const auto& c : v.children)
        if (!NeedsValue(*c)) return false;
      return !v.children.empty();
    case ValueKind::kAnd:
      for (const auto& c : v.children)
        if (NeedsValue(*c)) return true;
      return false;
  }
  return false;
}

// The path a FieldMatcher on `field` reads (see Compiler::Leaf).
std::string ReadPath(const std::string& field, const event::FieldTypes& types) {
  const event::FieldInfo* info = types.Find(field);
  if (info && !info->source_path.empty() && info->source_path != field) return info->source_path;
  return field;
}

void CollectFields(const Node& n, const event::FieldTypes& types, std::vector<std::string>* out) {
  if (n.kind == NodeKind::kAnd) {
    for (const auto& c : n.children) CollectFields(*c, types, out);
    return;
  }
  if (n.field.empty() || n.field.find('*') != std::string::npos) return;
  bool needs = (n.kind == NodeKind::kMatch && NeedsValue(*n.value)) || n.kind == NodeKind::kRange ||
               n.kind == NodeKind::kNested;
  if (!needs) return;
  std::string path = n.kind == NodeKind::kNested ? n.field : ReadPath(n.field, types);
  if (std::find(out->begin(), out->end(), path) == out->end()) out->push_back(std::move(path));
}

}  // namespace

namespace {
void CollectAlternativeSets(const Node& n, const event::FieldTypes& types,
                            std::vector<TermBranches>* out) {
  if (n.kind == NodeKind::kAnd) {
    for (const auto& c : n.children) CollectAlternativeSets(*c, types, out);
    return;
  }
  if (n.kind != NodeKind::kOr) return;
  TermBranches branches;
  for (const auto& c : n.children) {
    branches.emplace_back();
    CollectConjuncts(*c, types, &branches.back());
  }
  out->push_back(std::move(branches));
}
}  // namespace

std::vector<TermBranches> NecessaryAlternatives(const Node& root, const event::FieldTypes& types) {
  std::vector<TermBranches> out;
  CollectAlternativeSets(root, types, &out);
  return out;
}

std::vector<std::string> NecessaryFields(const Node& root, const event::FieldTypes& types) {
  std::vector<std::string> out;
  CollectFields(root, types, &out);
  return out;
}

IndexFacts KqlIndexFacts(const Node& root, const event::FieldTypes& types) {
  IndexFacts facts;
  facts.terms = NecessaryTerms(root, types);
  facts.alternatives = NecessaryAlternatives(root, types);
  facts.fields = NecessaryFields(root, types);
  return facts;
}

}  // namespace picket::kql

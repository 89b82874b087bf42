#include "engine/rule_index.h"

#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>
#include <absl/strings/string_view.h>

#include <algorithm>
#include <deque>

#include "util/ip.h"
#include "util/utf8.h"

namespace picket::engine {

namespace {
// Lower is more selective. Fields not listed come after the first ones and
// before the coarse OS, type and category fields: in a fleet of one OS,
// host.os.type alone already sets the other OSes' rules aside.
int FieldRank(std::string_view field) {
  static const char* const kFine[] = {
      "event.action",   "event.code",    "winlog.event_id", "process.name",
      "event.provider", "event.dataset", "file.extension",
  };
  static const char* const kCoarse[] = {
      "host.os.type", "host.os.family", "os.type", "event.type", "event.module", "event.category",
  };
  for (size_t i = 0; i < std::size(kFine); ++i)
    if (field == kFine[i]) return static_cast<int>(i);
  for (size_t i = 0; i < std::size(kCoarse); ++i)
    if (field == kCoarse[i]) return 100 + static_cast<int>(i);
  return 50;
}

// Prefixes and suffixes cost a lookup per distinct length for every value
// of the field: a constraint with them ranks after the fields of exact
// terms (so it is mostly a second or third field, looked up only for the
// events its first field lets through), but before the coarse fields, which
// it sharpens (`host.os.type:macos and destination.domain:(*.xyz ...)`).
int TermRank(const kql::RequiredTerms& t) {
  if (t.presence) return 50;  // a rare field (PresenceRank 0)
  int rank = FieldRank(t.field);
  if (t.prefixes.empty() && t.suffixes.empty()) return rank;
  return std::max(rank, 60);
}

// For required-field filing: fields most events carry are poor filters.
int PresenceRank(std::string_view field) {
  static const char* const kCommon[] = {"@timestamp",   "event.",   "host.", "agent.", "ecs.",
                                        "data_stream.", "process.", "user.", "message"};
  for (const char* prefix : kCommon)
    if (field.compare(0, std::string_view(prefix).size(), prefix) == 0) return 1;
  return 0;
}

// A field whose terms the index can compare as the facts say: keyword
// fields by their text, ip fields by address.
bool IndexableField(const kql::RequiredTerms& r, const event::FieldTypes& types) {
  const event::FieldInfo* info = types.Find(r.field);
  if (!info) return !r.ip;  // unmapped fields are keyword
  if (info->type != (r.ip ? event::FieldType::kIp : event::FieldType::kKeyword)) return false;
  return info->source_path.empty() || info->source_path == r.field;
}
}  // namespace

size_t RuleIndex::StringHash::operator()(std::string_view s) const {
  return absl::Hash<absl::string_view>()(absl::string_view(s.data(), s.size()));
}

uint32_t RuleIndex::TermFieldFor(const kql::RequiredTerms& terms) {
  // Constraints with prefixes or suffixes go to a field of their own, so
  // that the rules filed under exact terms of the same path need one
  // lookup per value, not one per affix length too.
  const bool affixes = !terms.prefixes.empty() || !terms.suffixes.empty();
  for (uint32_t i = 0; i < term_fields_.size(); ++i) {
    const TermField& f = term_fields_[i];
    if (f.path == terms.field && f.ip == terms.ip && f.affixes == affixes &&
        f.lowered == terms.lowered && f.presence == terms.presence)
      return i;
  }
  TermField f;
  f.path = terms.field;
  f.field_id = kql::FieldId(terms.field);
  f.ip = terms.ip;
  f.affixes = affixes;
  f.lowered = terms.lowered;
  f.presence = terms.presence;
  term_fields_.push_back(std::move(f));
  return static_cast<uint32_t>(term_fields_.size() - 1);
}

uint32_t RuleIndex::KeyOf(uint32_t field, Kind kind, const std::string& text) {
  TermField& f = term_fields_[field];
  if (kind == kExact) return f.value_numbers.Insert(text) * 3 + kExact;
  Affixes& affixes = kind == kPrefix ? f.prefixes : f.suffixes;
  auto& lengths = affixes.lengths;
  auto at = std::lower_bound(lengths.begin(), lengths.end(), static_cast<uint32_t>(text.size()));
  if (at == lengths.end() || *at != text.size())
    lengths.insert(at, static_cast<uint32_t>(text.size()));
  if (!text.empty()) affixes.Mark(text);
  return affixes.numbers.Insert(text) * 3 + kind;
}

RuleIndex::RuleIndex(const std::vector<IndexEntry>& entries, const event::FieldTypes& types,
                     bool use_terms)
    : rules_count_(entries.size()), stamp_(entries.size(), 0) {
  static const std::vector<std::string> kEveryIndex;
  std::deque<kql::RequiredTerms> presence_terms;  // "has a value" terms (stable addresses)
  std::vector<Filing> filings;
  for (uint32_t i = 0; i < entries.size(); ++i) {
    const IndexEntry& entry = entries[i];
    patterns_.emplace_back(entry.index_patterns ? *entry.index_patterns : kEveryIndex);
    if (!use_terms || !entry.facts) {
      unindexed_.push_back(i);
      continue;
    }
    const kql::IndexFacts& facts = *entry.facts;
    auto usable = UsableTerms(facts.terms, types);
    // `common and (A or B ...)` with terms in every branch: filed under
    // common + A, common + B, ... (a match meets one of them), which is
    // sharper than the common terms alone when these are coarse.
    std::vector<std::vector<const kql::RequiredTerms*>> branch_terms;
    for (const kql::TermBranches& b : facts.alternatives) {
      if (b.size() > kMaxBranches) continue;
      std::vector<std::vector<const kql::RequiredTerms*>> found;
      for (const auto& branch : b) {
        auto terms = UsableTerms(branch, types);
        if (terms.empty()) break;
        found.push_back(std::move(terms));
      }
      if (found.size() == b.size()) {
        branch_terms = std::move(found);
        break;
      }
    }
    // Else `common and ((x.a == 1 and ...) or y.b != null)` with a rare
    // field required in every branch: filed under common + has x.a,
    // common + has y.b.
    for (const auto& b : facts.field_alternatives) {
      if (!branch_terms.empty()) break;
      if (b.size() > kMaxBranches) continue;
      std::vector<std::vector<const kql::RequiredTerms*>> found;
      for (const auto& fields : b) {
        auto rare = std::find_if(fields.begin(), fields.end(),
                                 [](const std::string& f) { return PresenceRank(f) == 0; });
        if (rare == fields.end()) break;
        kql::RequiredTerms& has = presence_terms.emplace_back();
        has.field = *rare;
        has.presence = true;
        found.push_back({&has});
      }
      if (found.size() == b.size()) branch_terms = std::move(found);
    }
    if (!branch_terms.empty()) {
      for (const auto& branch : branch_terms) {
        auto terms = usable;
        terms.insert(terms.end(), branch.begin(), branch.end());
        SortByRank(&terms);
        ChooseTerms(i, std::move(terms), &filings);
      }
      ++term_rules_;
      continue;
    }
    if (!usable.empty()) {
      ChooseTerms(i, std::move(usable), &filings);
      ++term_rules_;
      continue;
    }
    if (!FileUnderPresence(i, facts.fields)) unindexed_.push_back(i);
  }
  OrderTuples(&filings);
  for (const Filing& filing : filings) FileUnderTerms(filing.rule, filing.chosen);
  event_numbers_.resize(term_fields_.size());
  IndexFirstValues();
}

void RuleIndex::IndexFirstValues() {
  constexpr uint64_t kValueMask = (uint64_t{1} << kValueBits) - 1;
  std::vector<std::vector<std::vector<uint32_t>>> by_first(term_fields_.size());
  for (uint32_t f = 0; f < term_fields_.size(); ++f)
    by_first[f].resize(term_fields_[f].key_space());
  for (uint32_t g = 0; g < groups_.size(); ++g) {
    auto& by_value = by_first[groups_[g].fields[0]];
    for (const auto& [key, rules] : groups_[g].rules_by_key) {
      std::vector<uint32_t>& list = by_value[key & kValueMask];
      if (list.empty() || list.back() != g) list.push_back(g);
    }
  }
  first_base_.clear();
  first_begin_.clear();
  first_groups_.clear();
  for (uint32_t f = 0; f < term_fields_.size(); ++f) {
    first_base_.push_back(static_cast<uint32_t>(first_begin_.size()));
    for (const std::vector<uint32_t>& groups : by_first[f]) {
      first_begin_.push_back(static_cast<uint32_t>(first_groups_.size()));
      first_groups_.insert(first_groups_.end(), groups.begin(), groups.end());
    }
  }
  first_begin_.push_back(static_cast<uint32_t>(first_groups_.size()));
}

std::vector<const kql::RequiredTerms*> RuleIndex::UsableTerms(
    const std::vector<kql::RequiredTerms>& required, const event::FieldTypes& types) {
  std::vector<const kql::RequiredTerms*> usable;
  for (const auto& r : required)
    if (r.alternatives() > 0 && IndexableField(r, types))
      usable.push_back(&r);
    else if (r.presence)
      usable.push_back(&r);
  SortByRank(&usable);
  return usable;
}

void RuleIndex::SortByRank(std::vector<const kql::RequiredTerms*>* terms) {
  std::stable_sort(terms->begin(), terms->end(),
                   [](auto* a, auto* b) { return TermRank(*a) < TermRank(*b); });
}

void RuleIndex::ChooseTerms(uint32_t rule, std::vector<const kql::RequiredTerms*> terms,
                            std::vector<Filing>* filings) {
  constexpr size_t kMaxKeys = 256;  // tuples filed per rule
  // The best field, then the next best ones on other fields while the
  // number of tuples stays small.
  std::vector<const kql::RequiredTerms*> chosen;
  size_t keys = 1;
  for (const kql::RequiredTerms* t : terms) {
    if (chosen.size() == kMaxTupleFields) break;
    bool same_field = false;
    for (auto* c : chosen) same_field |= c->field == t->field;
    if (same_field) continue;
    if (!chosen.empty() && keys * t->alternatives() > kMaxKeys) continue;
    if (3 * t->alternatives() >= (1u << kValueBits)) continue;
    keys *= t->alternatives();
    chosen.push_back(t);
  }
  if (chosen.empty()) {  // every term has too many values to number
    unindexed_.push_back(rule);
    return;
  }
  filings->push_back({rule, std::move(chosen)});
}

void RuleIndex::OrderTuples(std::vector<Filing>* filings) {
  // A term is named by its field, its kind of field (exact, affixes, ip,
  // lowered, presence) and one alternative.
  auto field_of = [](const kql::RequiredTerms& t) {
    std::string key = t.field;
    key += t.lowered ? 'l' : '-';
    key += t.presence ? 'p' : t.ip ? 'i' : (!t.prefixes.empty() || !t.suffixes.empty()) ? 'a' : 'x';
    return key;
  };
  auto for_each_alternative = [&](const kql::RequiredTerms& t, auto&& f) {
    std::string field = field_of(t);
    if (t.presence) return f(field + '\0');
    for (const std::string& v : t.values) f(field + '\0' + v);
    for (const std::string& v : t.prefixes) f(field + '\1' + v);
    for (const std::string& v : t.suffixes) f(field + '\2' + v);
  };
  absl::flat_hash_map<std::string, uint32_t> filed;  // filings naming each alternative
  absl::flat_hash_set<std::string> first_fields;     // first by rank in some filing
  for (const Filing& filing : *filings) {
    first_fields.insert(field_of(*filing.chosen[0]));
    for (const kql::RequiredTerms* t : filing.chosen)
      for_each_alternative(*t, [&](std::string key) { ++filed[std::move(key)]; });
  }
  // An event looks up the groups its first-field values lead to and, in
  // each, numbers its values of the group's other fields. The fewer rules
  // share a first-field value, the fewer groups an event visits for
  // nothing: event.action:exec is in hundreds of filings, most
  // process.name terms in one or two. So the first field of a tuple is the
  // one whose alternatives are in the fewest filings, among the fields some
  // tuple starts with by rank anyway (a new first field would be numbered
  // for every event) and without affixes (looked up per length). The order
  // of a tuple's fields changes which tuples an event visits, never which
  // rules it meets.
  for (Filing& filing : *filings) {
    size_t best = 0;
    uint64_t best_shared = UINT64_MAX;
    for (size_t k = 0; k < filing.chosen.size(); ++k) {
      const kql::RequiredTerms& t = *filing.chosen[k];
      const std::string field = field_of(t);
      if (field.back() == 'a' || !first_fields.contains(field)) continue;
      uint64_t shared = 0;
      for_each_alternative(t, [&](const std::string& key) { shared += filed[key]; });
      if (shared < best_shared) best = k, best_shared = shared;
    }
    std::rotate(filing.chosen.begin(), filing.chosen.begin() + best,
                filing.chosen.begin() + best + 1);
    // The others by the same measure, affixes last.
    std::vector<std::pair<uint64_t, const kql::RequiredTerms*>> rest;
    for (size_t k = 1; k < filing.chosen.size(); ++k) {
      const kql::RequiredTerms& t = *filing.chosen[k];
      uint64_t shared = 0;
      for_each_alternative(t, [&](const std::string& key) { shared += filed[key]; });
      rest.emplace_back((uint64_t{field_of(t).back() == 'a'} << 40) | shared, &t);
    }
    std::stable_sort(rest.begin(), rest.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t k = 0; k < rest.size(); ++k) filing.chosen[k + 1] = rest[k].second;
  }
}

void RuleIndex::FileUnderTerms(uint32_t rule,
                               const std::vector<const kql::RequiredTerms*>& chosen) {
  std::array<uint32_t, kMaxTupleFields> fields{kNoField, kNoField, kNoField};
  for (size_t k = 0; k < chosen.size(); ++k) fields[k] = TermFieldFor(*chosen[k]);
  Group* group = nullptr;
  for (Group& g : groups_)
    if (g.fields == fields) group = &g;
  if (!group) {
    groups_.emplace_back();
    group = &groups_.back();
    group->fields = fields;
  }
  // Every tuple of the chosen fields' values.
  auto file = [&](auto& self, size_t k, uint64_t key) -> void {
    if (k == chosen.size()) {
      auto& list = group->rules_by_key[key];
      if (list.empty() || list.back() != rule) list.push_back(rule);
      return;
    }
    auto next = [&](Kind kind, const std::vector<std::string>& texts) {
      for (const std::string& t : texts)
        self(self, k + 1, key | uint64_t{KeyOf(fields[k], kind, t)} << (kValueBits * k));
    };
    if (chosen[k]->presence) {
      static const std::vector<std::string> kAnyValue{""};
      next(kExact, kAnyValue);
      return;
    }
    next(kExact, chosen[k]->values);
    next(kPrefix, chosen[k]->prefixes);
    next(kSuffix, chosen[k]->suffixes);
  };
  file(file, 0, 0);
}

RuleIndex::PresenceField& RuleIndex::PresenceSlot(const std::string& path) {
  for (PresenceField& p : presence_fields_)
    if (p.path == path) return p;
  presence_fields_.emplace_back();
  PresenceField& slot = presence_fields_.back();
  slot.path = path;
  slot.field_id = kql::FieldId(path);
  return slot;
}

bool RuleIndex::FileUnderPresence(uint32_t rule, const std::vector<std::string>& fields) {
  if (fields.empty()) return false;
  const std::string* best = &fields[0];
  for (const std::string& f : fields)
    if (PresenceRank(f) < PresenceRank(*best)) best = &f;
  PresenceSlot(*best).rules.push_back(rule);
  ++presence_rules_;
  return true;
}

void RuleIndex::BuildPlan(const std::vector<char>& covers, IndexPlan* out) const {
  IndexPlan& plan = *out;
  plan.covers = covers;
  for (uint32_t r : unindexed_)
    if (covers[r]) plan.unindexed.push_back(r);
  plan.has_group.assign(groups_.size(), 0);
  for (uint32_t g = 0; g < groups_.size(); ++g) {
    bool any = false;
    for (const auto& [key, rules] : groups_[g].rules_by_key) {
      for (uint32_t r : rules) any |= covers[r] != 0;
      if (any) break;
    }
    if (!any) continue;
    plan.has_group[g] = 1;
    uint32_t first = groups_[g].fields[0];
    if (std::find(plan.first_fields.begin(), plan.first_fields.end(), first) ==
        plan.first_fields.end())
      plan.first_fields.push_back(first);
  }
  plan.first_begin.clear();
  plan.first_groups.clear();
  for (size_t at = 0; at + 1 < first_begin_.size(); ++at) {
    plan.first_begin.push_back(static_cast<uint32_t>(plan.first_groups.size()));
    for (uint32_t k = first_begin_[at]; k < first_begin_[at + 1]; ++k) {
      const uint32_t g = first_groups_[k];
      if (plan.has_group[g])
        plan.first_groups.push_back(
            {groups_[g].fields[1], groups_[g].fields[2], &groups_[g].rules_by_key});
    }
  }
  plan.first_begin.push_back(static_cast<uint32_t>(plan.first_groups.size()));
  for (uint32_t p = 0; p < presence_fields_.size(); ++p) {
    bool any = false;
    for (uint32_t r : presence_fields_[p].rules) any |= covers[r] != 0;
    if (any) plan.presence_fields.push_back(p);
  }
}

RuleIndex::IndexPlan& RuleIndex::PlanFor(std::string_view index) {
  if (index.empty()) {
    if (all_.covers.empty()) BuildPlan(std::vector<char>(rules_count_, 1), &all_);
    return all_;
  }
  // Events come from a handful of data streams, interleaved (a host's
  // process, file and network events): the plans of the last few indices
  // are found by comparing names, without hashing.
  for (const RecentPlan& recent : recent_plans_)
    if (recent.plan && recent.index == index) return *recent.plan;
  auto it = plans_.find(index);
  if (it == plans_.end()) {
    // Bound the cache (a plan holds a group list per first-field value:
    // tens of KB with hundreds of rules).
    if (plans_.size() >= 4096 || plan_bytes_ >= kMaxPlanBytes) {
      plans_.clear();
      recent_plans_ = {};
      plan_bytes_ = 0;
    }
    std::vector<char> covers(rules_count_);
    for (size_t i = 0; i < rules_count_; ++i) covers[i] = patterns_[i].Covers(index);
    it = plans_.try_emplace(std::string(index)).first;
    BuildPlan(covers, &it->second);
    const IndexPlan& plan = it->second;
    plan_bytes_ += plan.covers.size() + plan.has_group.size() +
                   sizeof(uint32_t) * (plan.unindexed.size() + plan.first_begin.size()) +
                   sizeof(GroupRef) * plan.first_groups.size();
  }
  RecentPlan& slot = recent_plans_[next_recent_++ % recent_plans_.size()];
  slot.index.assign(index);
  slot.plan = &it->second;
  return it->second;
}

std::vector<std::pair<std::string, uint32_t>> RuleIndex::fields() const {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (const TermField& f : term_fields_) out.emplace_back(f.path, f.field_id);
  for (const PresenceField& p : presence_fields_) out.emplace_back(p.path, p.field_id);
  return out;
}

void RuleIndex::Add(uint32_t rule, std::vector<uint32_t>* out) {
  if (stamp_[rule] == generation_) return;
  stamp_[rule] = generation_;
  out->push_back(rule);
}

void RuleIndex::Candidates(event::Json doc, std::string_view index, kql::EvalContext* context,
                           std::vector<uint32_t>* out) {
  IndexPlan& plan = PlanFor(index);
  LookUp(doc, plan, context, out);
  // Groups hold rules of every index; keep those the event's index covers.
  if (!index.empty())
    out->erase(
        std::remove_if(out->begin(), out->end(), [&](uint32_t r) { return !plan.covers[r]; }),
        out->end());
}

// The keys of one event value of a term field, appended to event_values_:
// its exact term (or address) and its prefixes and suffixes of the lengths
// the field's rules use, when numbered. A key is found by hash tag alone: a
// rare false key only adds a candidate (matched in full later).
void RuleIndex::EventKeys(const TermField& field, event::Json value) {
  std::string_view text;
  if (field.ip) {
    // As the ip predicates: only strings that parse as addresses.
    if (value.type() != event::JsonType::STRING) return;
    auto ip = ParseIp(value.get_string().value_unsafe());
    if (!ip) return;
    text = std::string_view(reinterpret_cast<const char*>(ip->bytes.data()), ip->bytes.size());
    uint32_t number = field.value_numbers.FindApproximate(text);
    if (number != StringNumbers::kNotFound) event_values_.push_back(number * 3 + kExact);
    return;
  }
  if (!event::KeywordText(value, &scratch_, &text)) return;
  if (field.lowered) {
    AsciiLowerInto(text, &lowered_);
    text = lowered_;
  }
  uint32_t number = field.value_numbers.FindApproximate(text);
  if (number != StringNumbers::kNotFound) event_values_.push_back(number * 3 + kExact);
  for (uint32_t n : field.prefixes.lengths) {
    if (n > text.size()) break;
    if (n && !field.prefixes.MayHold(n, text.substr(0, n))) continue;
    number = field.prefixes.numbers.FindApproximate(text.substr(0, n));
    if (number != StringNumbers::kNotFound) event_values_.push_back(number * 3 + kPrefix);
  }
  for (uint32_t n : field.suffixes.lengths) {
    if (n > text.size()) break;
    if (n && !field.suffixes.MayHold(n, text.substr(text.size() - n))) continue;
    number = field.suffixes.numbers.FindApproximate(text.substr(text.size() - n));
    if (number != StringNumbers::kNotFound) event_values_.push_back(number * 3 + kSuffix);
  }
}

void RuleIndex::LookUp(event::Json doc, IndexPlan& plan, kql::EvalContext* context,
                       std::vector<uint32_t>* out) {
  out->clear();
  if (++generation_ == 0) {  // wrapped: reset stamps
    std::fill(stamp_.begin(), stamp_.end(), 0);
    generation_ = 1;
  }
  for (uint32_t r : plan.unindexed) Add(r, out);
  for (uint32_t p : plan.presence_fields) {
    const PresenceField& field = presence_fields_[p];
    if (!context->Values(field.field_id, field.path, doc).empty())
      for (uint32_t r : field.rules) Add(r, out);
  }
  // The numbers of the event's values of a term field, found when a group
  // first needs them (a group whose first field has none needs no other).
  ++numbers_generation_;
  event_values_.clear();
  // Runs of event_values_ are named by position: the array may grow while
  // a run is being read.
  auto numbers_of = [&](uint32_t f) -> const EventNumbers& {
    EventNumbers& numbers = event_numbers_[f];
    if (numbers.generation != numbers_generation_) {
      numbers.generation = numbers_generation_;
      numbers.start = static_cast<uint32_t>(event_values_.size());
      const TermField& field = term_fields_[f];
      auto values = context->Values(field.field_id, field.path, doc);
      if (field.presence) {
        // One key, number 0 (""), for an event with any value.
        if (!values.empty()) event_values_.push_back(0 * 3 + kExact);
      } else {
        for (event::Json value : values) EventKeys(field, value);
      }
      numbers.count = static_cast<uint32_t>(event_values_.size()) - numbers.start;
    }
    return numbers;
  };
  // The groups each of the event's first-field values leads to, and in
  // each the tuples of the event's values of the other fields.
  for (uint32_t f : plan.first_fields) {
    const EventNumbers& firsts = numbers_of(f);
    for (uint32_t i = 0; i < firsts.count; ++i) {
      const uint32_t a = event_values_[firsts.start + i];
      const uint32_t* begin = &plan.first_begin[first_base_[f] + a];
      group_visits_ += begin[1] - begin[0];
      for (uint32_t k = begin[0]; k < begin[1]; ++k) {
        const GroupRef& g = plan.first_groups[k];
        auto probe = [&](uint64_t key) {
          auto it = g.rules_by_key->find(key);
          if (it != g.rules_by_key->end())
            for (uint32_t r : it->second) Add(r, out);
        };
        if (g.second == kNoField) {
          probe(a);
          continue;
        }
        const EventNumbers& second = numbers_of(g.second);
        if (second.count == 0) continue;  // then the third field's values are not needed
        const EventNumbers* third = g.third == kNoField ? nullptr : &numbers_of(g.third);
        for (uint32_t j = 0; j < second.count; ++j) {
          uint64_t ab = a | uint64_t{event_values_[second.start + j]} << kValueBits;
          if (!third) {
            probe(ab);
            continue;
          }
          for (uint32_t m = 0; m < third->count; ++m)
            probe(ab | uint64_t{event_values_[third->start + m]} << (2 * kValueBits));
        }
      }
    }
  }
  std::sort(out->begin(), out->end());
}

}  // namespace picket::engine

#include "engine/alert_suppressor.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/json_text.h"
#include "engine/max_signals.h"

namespace picket::engine {
namespace {

constexpr char kRecordVersion = 3;

uint64_t IdHash(std::string_view alert_uuid) {
  return XXH3_64bits(alert_uuid.data(), alert_uuid.size());
}

// One value of a group_by field, as Kibana's terms list it: strings and
// numbers sort among their own kind (strings by code unit, numbers by value).
struct TermValue {
  bool is_string = false;
  double number = 0;
  std::string json;  // the value as JSON
  std::string text;  // strings: the text (sort key)
  bool operator<(const TermValue& o) const {
    if (is_string != o.is_string) return !is_string;  // numbers first
    return is_string ? text < o.text : number < o.number;
  }
};

bool ReadTermValue(event::Json v, TermValue* out) {
  switch (v.type()) {
    case event::JsonType::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      out->is_string = true;
      out->text.assign(s);
      AppendJsonString(&out->json, s);
      return true;
    }
    case event::JsonType::INT64:
    case event::JsonType::UINT64:
    case event::JsonType::DOUBLE:
      out->number = v.get_double().value_unsafe();
      out->json = simdjson::minify(v);
      return true;
    case event::JsonType::BOOL:
      out->is_string = true;  // Elasticsearch's fields give booleans as they are; sort as text
      out->json = v.get_bool().value_unsafe() ? "true" : "false";
      out->text = out->json;
      return true;
    default:
      return false;  // objects are not values of a leaf field
  }
}

void PutI64(std::string* out, int64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }
bool GetI64(std::string_view* in, int64_t* v) {
  if (in->size() < 8) return false;
  std::memcpy(v, in->data(), 8);
  in->remove_prefix(8);
  return true;
}

}  // namespace

// A group's open window, as its record holds it.
struct AlertSuppressor::Window {
  int64_t t0 = 0, start = 0, end = 0, docs_count = 0;
  std::vector<uint64_t> counted;  // hashes of the last counted alert ids, oldest first
  std::string alert_uuid;

  std::string Encode() const {
    std::string out(1, kRecordVersion);
    PutI64(&out, t0);
    PutI64(&out, start);
    PutI64(&out, end);
    PutI64(&out, docs_count);
    PutI64(&out, static_cast<int64_t>(counted.size()));
    for (uint64_t h : counted) PutI64(&out, static_cast<int64_t>(h));
    PutI64(&out, static_cast<int64_t>(alert_uuid.size()));
    out += alert_uuid;
    return out;
  }
  static std::optional<Window> Decode(std::string_view in) {
    Window w;
    int64_t uuid_size = 0;
    if (in.empty() || in[0] != kRecordVersion) return std::nullopt;
    in.remove_prefix(1);
    if (!GetI64(&in, &w.t0) || !GetI64(&in, &w.start) || !GetI64(&in, &w.end) ||
        !GetI64(&in, &w.docs_count))
      return std::nullopt;
    int64_t n = 0;
    if (!GetI64(&in, &n) || n < 0 || static_cast<uint64_t>(n) > in.size() / 8) return std::nullopt;
    for (int64_t i = 0; i < n; ++i) {
      int64_t h = 0;
      GetI64(&in, &h);
      w.counted.push_back(static_cast<uint64_t>(h));
    }
    if (!GetI64(&in, &uuid_size) || uuid_size < 0 || static_cast<size_t>(uuid_size) > in.size())
      return std::nullopt;
    w.alert_uuid.assign(in.substr(0, uuid_size));
    return w;
  }
};

AlertSuppressor::AlertSuppressor(rules::AlertSuppression config, int64_t interval_ms,
                                 std::string rule_uuid, state::RecordStore* records)
    : config_(std::move(config)),
      interval_ms_(interval_ms > 0 ? interval_ms : 5 * 60 * 1000),
      rule_uuid_(std::move(rule_uuid)),
      records_(records) {}

std::optional<SuppressionGroup> AlertSuppressor::GroupOf(event::Json source) const {
  SuppressionGroup g;
  g.terms_json = "[";
  std::vector<TermValue> values;
  for (size_t i = 0; i < config_.group_by.size(); ++i) {
    const std::string& field = config_.group_by[i];
    values.clear();
    event::ForEachValue(source, field, [&](event::Json v) {
      TermValue t;
      if (ReadTermValue(v, &t)) values.push_back(std::move(t));
      return false;
    });
    if (values.empty() && !config_.suppress_missing) return std::nullopt;
    std::sort(values.begin(), values.end());
    if (i) g.terms_json += ',';
    g.terms_json += "{\"field\":";
    AppendJsonString(&g.terms_json, field);
    g.terms_json += ",\"value\":";
    if (values.empty()) {
      g.terms_json += "null";
    } else {
      g.terms_json += '[';
      for (size_t j = 0; j < values.size(); ++j) {
        if (j) g.terms_json += ',';
        g.terms_json += values[j].json;
      }
      g.terms_json += ']';
    }
    g.terms_json += '}';
  }
  g.terms_json += ']';
  FinishGroup(&g);
  return g;
}

SuppressionGroup AlertSuppressor::GroupOfTerms(
    const std::vector<std::pair<std::string_view, std::string_view>>& terms) const {
  SuppressionGroup g;
  g.terms_json = "[";
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i) g.terms_json += ',';
    g.terms_json += "{\"field\":";
    AppendJsonString(&g.terms_json, terms[i].first);
    g.terms_json += ",\"value\":";
    AppendJsonString(&g.terms_json, terms[i].second);
    g.terms_json += '}';
  }
  g.terms_json += ']';
  FinishGroup(&g);
  return g;
}

void AlertSuppressor::FinishGroup(SuppressionGroup* g) const {
  std::string hashed = rule_uuid_ + '\0' + g->terms_json;
  XXH128_hash_t h = XXH3_128bits(hashed.data(), hashed.size());
  char hex[33];
  snprintf(hex, sizeof(hex), "%016llx%016llx", static_cast<unsigned long long>(h.high64),
           static_cast<unsigned long long>(h.low64));
  g->instance_id = hex;
  g->key = "S" + rule_uuid_ + '\0' + g->terms_json;
}

std::string AlertSuppressor::SuppressionFields(const SuppressionGroup& group, TimeMs start,
                                               TimeMs end, uint64_t docs_count) {
  std::string out = ",";
  AppendJsonKey(&out, "kibana.alert.instance.id");
  AppendJsonString(&out, group.instance_id);
  out += ',';
  AppendJsonKey(&out, "kibana.alert.suppression.terms");
  out += group.terms_json;
  out += ',';
  AppendJsonKey(&out, "kibana.alert.suppression.start");
  AppendJsonString(&out, FormatIso8601(start));
  out += ',';
  AppendJsonKey(&out, "kibana.alert.suppression.end");
  AppendJsonString(&out, FormatIso8601(end));
  out += ',';
  AppendJsonKey(&out, "kibana.alert.suppression.docs_count");
  out += std::to_string(docs_count);
  return out;
}

TimeMs AlertSuppressor::WindowEnd(TimeMs t0) const {
  if (config_.duration_ms) return t0 + *config_.duration_ms;
  return MaxSignalsBudget::BucketStart(t0, interval_ms_) + interval_ms_ - 1;
}

bool AlertSuppressor::Takes(const Window& w, TimeMs time) const {
  if (config_.duration_ms)
    return time >= w.t0 - *config_.duration_ms && time <= w.t0 + *config_.duration_ms;
  return MaxSignalsBudget::BucketStart(time, interval_ms_) ==
         MaxSignalsBudget::BucketStart(w.t0, interval_ms_);
}

AlertSuppressor::Outcome AlertSuppressor::TrySuppress(const SuppressionGroup& group, TimeMs time,
                                                      std::string_view alert_uuid, Suppressed* out,
                                                      std::optional<TimeMs> start) {
  if (!newest_ || time > *newest_) newest_ = time;
  std::optional<std::string> record = records_->Get(group.key);
  std::optional<Window> w = record ? Window::Decode(*record) : std::nullopt;
  uint64_t id = IdHash(alert_uuid);
  if (w && std::find(w->counted.begin(), w->counted.end(), id) != w->counted.end())
    return Outcome::kDuplicate;
  if (!w || !Takes(*w, time)) return Outcome::kOpenNew;
  ++w->docs_count;
  w->start = std::min<int64_t>(w->start, start.value_or(time));
  w->end = std::max<int64_t>(w->end, time);
  w->counted.push_back(id);
  if (w->counted.size() > kRememberedAlerts) w->counted.erase(w->counted.begin());
  if (!records_->Put(group.key, w->Encode(), WindowEnd(w->t0))) return Outcome::kRetry;
  out->alert_uuid = w->alert_uuid;
  out->docs_count = static_cast<uint64_t>(w->docs_count);
  out->start = w->start;
  out->end = w->end;
  out->expires_at = WindowEnd(w->t0);
  return Outcome::kSuppressed;
}

std::string AlertSuppressor::HeadKey(std::string_view alert_uuid) const {
  return "T" + rule_uuid_ + '\0' + std::string(alert_uuid);
}

bool AlertSuppressor::Open(const SuppressionGroup& group, TimeMs time, std::string_view alert_uuid,
                           std::string_view json, std::optional<TimeMs> start) {
  Window w;
  w.t0 = w.end = time;
  w.start = start.value_or(time);
  w.alert_uuid.assign(alert_uuid);
  w.counted.push_back(IdHash(alert_uuid));
  size_t tail = SuppressionFields(group, w.start, time, 0).size() + 1;  // and the closing brace
  std::string_view head = json.substr(0, json.size() >= tail ? json.size() - tail : 0);
  // The head never changes: written once, before the window that names it.
  if (!records_->Put(HeadKey(alert_uuid), head, WindowEnd(time))) return false;
  if (heads_.size() >= kCachedHeads) heads_.clear();
  heads_[std::string(alert_uuid)] = std::string(head);
  return records_->Put(group.key, w.Encode(), WindowEnd(time));
}

std::optional<std::string> AlertSuppressor::UpdatedAlert(const SuppressionGroup& group,
                                                         const Suppressed& s) {
  auto it = heads_.find(s.alert_uuid);
  if (it == heads_.end()) {
    std::optional<std::string> head = records_->Get(HeadKey(s.alert_uuid));
    if (!head) return std::nullopt;
    if (heads_.size() >= kCachedHeads) heads_.clear();
    it = heads_.emplace(s.alert_uuid, std::move(*head)).first;
  }
  std::string json = it->second;
  if (s.detected) {
    // The alert's own field comes after the source's fields (AlertBuilder):
    // the last occurrence.
    constexpr std::string_view kKey = "\"kibana.alert.last_detected\":\"";
    size_t at = json.rfind(kKey);
    size_t value = at == std::string::npos ? at : at + kKey.size();
    size_t end = value == std::string::npos ? value : json.find('"', value);
    if (end != std::string::npos) json.replace(value, end - value, FormatIso8601(s.detected));
  }
  json += SuppressionFields(group, s.start, s.end, s.docs_count);
  json += '}';
  return json;
}

std::optional<TimeMs> AlertSuppressor::RecordExpiryThreshold() const {
  // A window can still take events up to its duration before its T0: keep
  // records until the newest time decided is that far past their end.
  if (!newest_) return std::nullopt;
  int64_t slack = config_.duration_ms ? *config_.duration_ms : interval_ms_;
  return *newest_ - slack;
}

}  // namespace picket::engine

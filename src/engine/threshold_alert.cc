#include "engine/threshold_alert.h"

#include "engine/alert_id.h"
#include "engine/json_text.h"
#include "util/bytes.h"

namespace picket::engine {

namespace {
void AppendFieldValue(std::string* out, std::string_view field, std::string_view value_json) {
  out->push_back('{');
  AppendJsonKey(out, "field");
  AppendJsonString(out, field);
  out->push_back(',');
  AppendJsonKey(out, "value");
  out->append(value_json);
  out->push_back('}');
}
}  // namespace

std::string ThresholdSourceJson(const ThresholdResult& result) {
  std::string out = "{";
  AppendJsonKey(&out, "@timestamp");
  AppendJsonString(&out, FormatIso8601(result.last));
  for (const ThresholdTerm& t : result.terms) {
    out.push_back(',');
    AppendJsonKey(&out, t.field);
    AppendJsonString(&out, t.value);
  }
  out.push_back('}');
  return out;
}

std::string ThresholdResultJson(const ThresholdResult& result) {
  std::string out = "{";
  AppendJsonKey(&out, "terms");
  out.push_back('[');
  for (size_t i = 0; i < result.terms.size(); ++i) {
    if (i) out.push_back(',');
    std::string value;
    AppendJsonString(&value, result.terms[i].value);
    AppendFieldValue(&out, result.terms[i].field, value);
  }
  out += "],";
  AppendJsonKey(&out, "count");
  out += std::to_string(result.count);
  out.push_back(',');
  AppendJsonKey(&out, "from");
  AppendJsonString(&out, FormatIso8601(result.from));
  if (result.cardinality) {
    out.push_back(',');
    AppendJsonKey(&out, "cardinality");
    out.push_back('[');
    AppendFieldValue(&out, result.cardinality->first, std::to_string(result.cardinality->second));
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

std::string ThresholdSourceId(std::string_view rule_uuid, const ThresholdResult& result) {
  std::string input;
  PutBytes(&input, "threshold");
  PutBytes(&input, rule_uuid);
  for (const ThresholdTerm& t : result.terms) {
    PutBytes(&input, t.field);
    PutBytes(&input, t.value);
  }
  PutSignedVarint(&input, result.from);
  PutSignedVarint(&input, result.last);
  return HashHex128(input);
}

}  // namespace picket::engine

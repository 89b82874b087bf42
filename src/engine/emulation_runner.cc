#include "engine/emulation_runner.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "state/memory_record_store.h"
#include "state/memory_store.h"

namespace picket::engine {

namespace fs = std::filesystem;

bool ForEachNdjsonEvent(const std::string& path,
                        const std::function<void(const EventRef&)>& on_event,
                        std::vector<std::string>* problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems->push_back(path + ": cannot read");
    return false;
  }
  simdjson::dom::parser parser;
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string origin = fmt::format("{}:{}", path, number);  // for bad lines
    simdjson::dom::element doc;
    if (auto error = parser.parse(line).get(doc)) {
      problems->push_back(origin + ": " + simdjson::error_message(error));
      continue;
    }
    if (!doc.is_object()) {
      problems->push_back(origin + ": not a JSON object");
      continue;
    }
    EventRef ref;
    ref.doc = doc;
    ref.raw = line;
    ref.source = path;
    ref.line = number;
    on_event(ref);
  }
  return true;
}

namespace {
// Reads one manifest object ({"rule", "rule_id", "cases"}); `dir` is where
// its event files are, `repo_root` what "rule" is relative to.
bool ParseManifest(simdjson::dom::element root, const fs::path& dir, const fs::path& repo_root,
                   const std::string& origin, EmulationManifest* manifest, std::string* error) {
  manifest->path = origin;
  std::string_view text;
  if (root["rule"].get(text) == simdjson::SUCCESS)
    manifest->rule_path = (repo_root / std::string(text)).lexically_normal().string();
  if (root["rule_id"].get(text) == simdjson::SUCCESS) manifest->rule_id = std::string(text);
  simdjson::dom::array cases;
  if (root["cases"].get(cases)) {
    *error = origin + ": no \"cases\" array";
    return false;
  }
  for (simdjson::dom::element c : cases) {
    EmulationCase out;
    if (c["name"].get(text) == simdjson::SUCCESS) out.name = std::string(text);
    if (c["description"].get(text) == simdjson::SUCCESS) out.description = std::string(text);
    if (c["events"].get(text)) {
      *error = fmt::format("{}: case '{}' has no \"events\" file", origin, out.name);
      return false;
    }
    out.events_path = (dir / std::string(text)).string();
    if (c["baseline"].get(text) == simdjson::SUCCESS && !text.empty())
      out.baseline_path = (dir / std::string(text)).string();
    simdjson::dom::element expect;
    int64_t alerts = 0;
    if (c["expect"].get(expect) || expect["alerts"].get(alerts) || alerts < 0) {
      *error = fmt::format("{}: case '{}' has no \"expect.alerts\" count", origin, out.name);
      return false;
    }
    out.expect_alerts = static_cast<uint64_t>(alerts);
    simdjson::dom::array terms;
    if (expect["terms"].get(terms) == simdjson::SUCCESS) {
      out.has_expected_terms = true;
      for (simdjson::dom::element combination : terms) {
        std::vector<std::string> values;
        simdjson::dom::array list;
        if (combination.get(list)) {
          *error = fmt::format("{}: case '{}': each expected term is an array", origin, out.name);
          return false;
        }
        for (simdjson::dom::element v : list) {
          std::string keyword;
          if (!event::ScalarToKeyword(v, &keyword)) {
            *error = fmt::format("{}: case '{}': expected terms must be scalars", origin, out.name);
            return false;
          }
          values.push_back(keyword);
        }
        out.expect_terms.push_back(std::move(values));
      }
    }
    simdjson::dom::array counts;
    if (expect["docs_count"].get(counts) == simdjson::SUCCESS) {
      out.has_expected_docs_count = true;
      for (simdjson::dom::element v : counts) {
        int64_t n = 0;
        if (v.is_null()) {
          out.expect_docs_count.emplace_back();
        } else if (v.get(n) == simdjson::SUCCESS && n >= 0) {
          out.expect_docs_count.emplace_back(static_cast<uint64_t>(n));
        } else {
          *error =
              fmt::format("{}: case '{}': docs_count entries are counts or null", origin, out.name);
          return false;
        }
      }
    }
    simdjson::dom::array threshold_counts;
    if (expect["counts"].get(threshold_counts) == simdjson::SUCCESS) {
      out.has_expected_counts = true;
      for (simdjson::dom::element n : threshold_counts) {
        int64_t count = 0;
        if (n.get(count) || count < 1) {
          *error =
              fmt::format("{}: case '{}': expected counts are positive integers", origin, out.name);
          return false;
        }
        out.expect_counts.push_back(static_cast<uint64_t>(count));
      }
    }
    simdjson::dom::array lines;
    if (expect["lines"].get(lines) == simdjson::SUCCESS) {
      out.has_expected_lines = true;
      for (simdjson::dom::element detection : lines) {
        std::vector<uint64_t> numbers;
        simdjson::dom::array list;
        if (detection.get(list)) {
          *error = fmt::format("{}: case '{}': each expected \"lines\" entry is an array", origin,
                               out.name);
          return false;
        }
        for (simdjson::dom::element v : list) {
          uint64_t number = 0;
          if (v.get(number)) {
            *error = fmt::format("{}: case '{}': expected lines are non-negative integers", origin,
                                 out.name);
            return false;
          }
          numbers.push_back(number);
        }
        out.expect_lines.push_back(std::move(numbers));
      }
    }
    manifest->cases.push_back(std::move(out));
  }
  return true;
}
}  // namespace

bool LoadEmulationManifest(const std::string& manifest_path, EmulationManifest* manifest,
                           std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.load(manifest_path).get(root)) {
    *error = manifest_path + ": " + simdjson::error_message(e);
    return false;
  }
  fs::path dir = fs::path(manifest_path).parent_path();
  return ParseManifest(root, dir, dir.parent_path().parent_path(), manifest_path, manifest, error);
}

bool LoadExpectationSet(const std::string& path, std::vector<EmulationManifest>* manifests,
                        std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.load(path).get(root)) {
    *error = path + ": " + simdjson::error_message(e);
    return false;
  }
  simdjson::dom::array list;
  if (root["rules"].get(list)) {
    *error = path + ": no \"rules\" array";
    return false;
  }
  fs::path dir = fs::path(path).parent_path();
  for (simdjson::dom::element entry : list) {
    EmulationManifest m;
    if (!ParseManifest(entry, dir, dir.parent_path().parent_path(), path, &m, error)) return false;
    manifests->push_back(std::move(m));
  }
  return true;
}

std::string FindEmulationManifest(const std::string& rule_path, const std::string& emulations_dir) {
  std::string stem = fs::path(rule_path).stem().string();
  auto candidate = [&](const fs::path& dir) -> std::string {
    fs::path p = dir / stem / "manifest.json";
    std::error_code ec;
    return fs::is_regular_file(p, ec) ? p.string() : "";
  };
  if (!emulations_dir.empty()) return candidate(emulations_dir);
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(rule_path), ec).parent_path();
  for (int depth = 0; depth < 8 && !dir.empty(); ++depth) {
    if (fs::is_directory(dir / "emulations", ec)) {
      std::string found = candidate(dir / "emulations");
      if (!found.empty()) return found;
    }
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return "";
}

namespace {
std::string Join(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", \"" : "\"") + values[i] + "\"";
  return out + "]";
}
std::string JoinNumbers(const std::vector<uint64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

// The line of an origin "file:line" (0 when there is none: a missing event).
uint64_t OriginLine(std::string_view origin) {
  size_t colon = origin.rfind(':');
  if (colon == std::string_view::npos) return 0;
  uint64_t line = 0;
  for (char ch : origin.substr(colon + 1)) {
    if (ch < '0' || ch > '9') return 0;
    line = line * 10 + static_cast<uint64_t>(ch - '0');
  }
  return line;
}

template <typename T, typename Show>
void CompareInOrder(const std::vector<T>& want, const std::vector<T>& got, std::string_view what,
                    Show show, std::vector<std::string>* failures) {
  size_t n = std::max(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    std::string w = i < want.size() ? show(want[i]) : "(none)";
    std::string g = i < got.size() ? show(got[i]) : "(none)";
    if (w != g) failures->push_back(fmt::format("{} {}: expected {}, got {}", what, i + 1, w, g));
  }
}
}  // namespace

CaseOutcome RunEmulationCase(const std::shared_ptr<const rules::Rule>& rule, const EmulationCase& c,
                             const DetectorOptions& options) {
  CaseOutcome outcome;
  outcome.name = c.name;
  state::MemoryTermStore terms;
  state::MemoryRecordStore records;
  Detector detector({rule}, StateStores{&terms, &records}, options);
  for (const std::string& w : detector.warnings()) outcome.problems.push_back(w);
  if (detector.rules().empty()) {
    outcome.failures.push_back("the rule cannot run: " +
                               (outcome.problems.empty() ? "" : outcome.problems.back()));
    return outcome;
  }
  detector.set_problem_sink(
      [&](const rules::Rule&, std::string_view origin, std::string_view problem) {
        outcome.problems.push_back(fmt::format("{}: {}", origin, problem));
      });
  std::map<std::string, size_t> position;  // alert uuid -> its place in order
  auto on_alert = [&](const Alert& alert) {
    if (alert.suppression_update) {  // a later count of an alert already written
      auto it = position.find(alert.uuid);
      if (it != position.end()) outcome.docs_count[it->second] = alert.suppressed_docs;
      return;
    }
    position[alert.uuid] = outcome.docs_count.size();
    ++outcome.alerts;
    if (alert.threshold) {
      std::vector<std::string> group;
      for (const ThresholdTerm& t : alert.threshold->terms) group.push_back(t.value);
      outcome.terms.push_back(std::move(group));
      outcome.counts.push_back(alert.threshold->count);
    } else {
      outcome.terms.push_back(alert.new_terms);
    }
    bool suppressible =
        alert.json.find("\"kibana.alert.suppression.docs_count\":") != std::string::npos;
    outcome.docs_count.push_back(suppressible ? std::optional<uint64_t>(0) : std::nullopt);
    if (alert.building_block >= 0) {
      // After its shell, which opened the detection's entry.
      if (!outcome.lines.empty()) outcome.lines.back().push_back(OriginLine(alert.origin));
    } else if (alert.sequence_events > 0) {
      outcome.lines.emplace_back();
    } else {
      outcome.lines.push_back({OriginLine(alert.origin)});
    }
  };
  bool read_ok = true;
  if (!c.baseline_path.empty())
    read_ok &= ForEachNdjsonEvent(
        c.baseline_path, [&](const EventRef& e) { detector.Process(e, true, on_alert); },
        &outcome.problems);
  read_ok &= ForEachNdjsonEvent(
      c.events_path, [&](const EventRef& e) { detector.Process(e, false, on_alert); },
      &outcome.problems);
  detector.Finish(on_alert);
  if (!read_ok) outcome.failures.push_back("an event file cannot be read");
  if (outcome.alerts != c.expect_alerts)
    outcome.failures.push_back(
        fmt::format("expected {} alerts, got {}", c.expect_alerts, outcome.alerts));
  if (c.has_expected_docs_count)
    CompareInOrder(
        c.expect_docs_count, outcome.docs_count, "alert's docs_count",
        [](const std::optional<uint64_t>& n) {
          return n ? std::to_string(*n) : std::string("null");
        },
        &outcome.failures);
  if (c.has_expected_terms)
    CompareInOrder(c.expect_terms, outcome.terms, "alert's terms", Join, &outcome.failures);
  if (c.has_expected_counts && c.expect_counts != outcome.counts)
    outcome.failures.push_back(fmt::format("expected threshold counts {}, got {}",
                                           JoinNumbers(c.expect_counts),
                                           JoinNumbers(outcome.counts)));
  if (c.has_expected_lines)
    CompareInOrder(c.expect_lines, outcome.lines, "detection's event lines", JoinNumbers,
                   &outcome.failures);
  outcome.passed = outcome.failures.empty();
  return outcome;
}

}  // namespace picket::engine

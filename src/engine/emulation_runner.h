// Runs a rule's emulation cases (emulations/<rule-stem>/manifest.json) and
// compares the alerts with what the manifest expects. Shared by
// `picket test` and the unit tests, so that both prove the same thing.
//
// Manifest: {"rule": "rules/macos/<stem>.toml" (relative to the repo root),
//   "rule_id": "...", "cases": [{"name", "events", "baseline" (null or a
//   file), "expect": {"alerts": N, "terms": [[v1, v2], ...], "counts": [N, ...]},
//   "description"}]}
// with event files relative to the manifest's directory. A case runs on a
// fresh in-memory state: the baseline is learned (no alerts), then the
// events are run in file order, then the end of input (Finish: trailing
// missing-event stages). It passes when the alert count (every alert
// written: a sequence counts its shell and its building blocks) and, when
// given, every alert's terms, in order, are as expected: kibana.alert.new_terms
// for new_terms rules, the group's values (threshold_result.terms) for
// threshold rules; and, when "counts" is given, every threshold alert's
// threshold_result.count.
//
// Suppressed rules ([rule.alert_suppression]): "alerts" counts the alerts
// written (not their re-written copies with updated counts); the optional
// "docs_count": [n, ...] gives, per alert in order, its final
// kibana.alert.suppression.docs_count (null for an alert without
// suppression fields, e.g. doNotSuppress with a missing field).
//
// EQL rules may also give "lines": [[l1, ...], ...], one entry per
// detection in the order they are raised: an event query's alert is [its
// event's line]; a sequence is the lines of its events, in sequence order,
// read from its building blocks' origins (0 for a missing-event position).
// Lines are 1-based lines of the case's events file.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/detector.h"
#include "rules/rule.h"

namespace picket::engine {

struct EmulationCase {
  std::string name;
  std::string description;
  std::string events_path;    // absolute or relative to the working directory
  std::string baseline_path;  // "" = none
  uint64_t expect_alerts = 0;
  bool has_expected_terms = false;
  std::vector<std::vector<std::string>> expect_terms;
  bool has_expected_docs_count = false;
  std::vector<std::optional<uint64_t>> expect_docs_count;
  bool has_expected_counts = false;
  std::vector<uint64_t> expect_counts;  // threshold_result.count per alert
  bool has_expected_lines = false;
  std::vector<std::vector<uint64_t>> expect_lines;
};

struct EmulationManifest {
  std::string path;       // the manifest file
  std::string rule_path;  // resolved against the repo root
  std::string rule_id;
  std::vector<EmulationCase> cases;
};

bool LoadEmulationManifest(const std::string& manifest_path, EmulationManifest* manifest,
                           std::string* error);

// An expectation set for several rules over shared telemetry
// (data/demo/expected.json): {"rules": [<manifest>, ...]}, with event files
// relative to its directory and rules relative to the directory two levels up.
bool LoadExpectationSet(const std::string& path, std::vector<EmulationManifest>* manifests,
                        std::string* error);

// The manifest for a rule file: <emulations_dir>/<stem>/manifest.json when
// emulations_dir is given, else the `emulations` directory found by walking
// up from the rule's directory. "" when there is none.
std::string FindEmulationManifest(const std::string& rule_path, const std::string& emulations_dir);

struct CaseOutcome {
  std::string name;
  bool passed = false;
  uint64_t alerts = 0;
  std::vector<std::vector<std::string>> terms;  // each alert's terms (see above), in order
  std::vector<uint64_t> counts;                 // each threshold alert's count
  // Each alert's final suppression docs_count, in order (nullopt: no suppression fields).
  std::vector<std::optional<uint64_t>> docs_count;
  std::vector<std::vector<uint64_t>> lines;  // each detection's event lines (see "lines")
  std::vector<std::string> failures;         // why it failed
  std::vector<std::string> problems;         // input problems met (bad lines, no time)
};

// `options.alert_time` should be fixed by the caller for reproducible ids.
CaseOutcome RunEmulationCase(const std::shared_ptr<const rules::Rule>& rule, const EmulationCase& c,
                             const DetectorOptions& options);

// Reads an NDJSON file and calls on_event for every object line; bad lines
// go to *problems as "file:line: reason". False when the file cannot be read.
bool ForEachNdjsonEvent(const std::string& path,
                        const std::function<void(const EventRef&)>& on_event,
                        std::vector<std::string>* problems);

}  // namespace picket::engine

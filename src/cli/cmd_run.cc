// picket run: streaming detection with Elastic `query` and `new_terms` rules
// over NDJSON events, writing Kibana-shaped alerts.
// picket learn: loads history into the first-seen state without alerting.
//
//   picket run [--rules PATH]... [EVENTS...]      (no --rules: the bundled pack)
//   picket run --demo                              (bundled rules over bundled demo telemetry)
//   picket learn --rules PATH --state FILE EVENTS...
//
// Exit status: 0 success (alerts or not), 1 with --fail-on-alert when an alert
// was written, 2 on errors (bad options, rules that fail to load, unreadable
// input). Malformed lines and events without a usable time are reported on
// stderr and skipped; they do not change the exit status.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/registry.h"
#include "engine/detector.h"
#include "engine/text_format.h"
#include "io/event_stream.h"
#include "rules/loader.h"
#include "state/local_state.h"
#include "util/embedded.h"

namespace picket::cli {
namespace {

struct RunOptions {
  std::vector<std::string> rules;
  std::vector<std::string> events;
  std::vector<std::string> baseline;
  std::string output;
  std::string format;  // "" = text on a TTY, else ndjson
  std::string now;
  std::string index;
  std::string state_file;  // memory snapshot, loaded and saved
  std::string state_dir;   // RocksDB
  bool fail_on_alert = false;
  bool guide = false;
  bool demo = false;
  bool quiet = false;
  bool no_rule_index = false;
  bool no_max_signals = false;
  std::string kibana_url;  // kibana.alert.url base
  std::string space = "default";
  std::string kibana_version;  // "" = engine::kCompatibleKibanaVersion
  std::string execution_uuid;  // "" = random, or derived from --now
  size_t max_problems = 20;
  int64_t max_lag_ms = -2;
  FieldTypeOptions types;
};

int Fail(std::string_view command, const std::string& message) {
  fprintf(stderr, "picket %.*s: %s\n", static_cast<int>(command.size()), command.data(),
          message.c_str());
  return 2;
}

// Prints the first `limit` problems of each kind, counts the rest.
class ProblemPrinter {
 public:
  explicit ProblemPrinter(size_t limit) : limit_(limit) {}
  void operator()(const rules::Rule& rule, std::string_view origin, std::string_view problem) {
    if (++count_ <= limit_)
      fprintf(stderr, "picket: %.*s: rule '%s': %.*s\n", static_cast<int>(origin.size()),
              origin.data(), rule.name.c_str(), static_cast<int>(problem.size()), problem.data());
  }
  ~ProblemPrinter() {
    if (count_ > limit_)
      fprintf(stderr, "picket: ... %zu more event problems not shown\n", count_ - limit_);
  }

 private:
  size_t limit_;
  size_t count_ = 0;
};

// Opens the state the options ask for (memory by default).
bool OpenState(const RunOptions& o, state::LocalState* state, std::string* error) {
  if (!o.state_dir.empty() && !o.state_file.empty()) {
    *error = "--state and --state-dir are exclusive";
    return false;
  }
  if (!o.state_dir.empty()) return state->OpenDirectory(o.state_dir, error);
  return state->OpenMemory(o.state_file, error);
}

rules::RuleSet LoadRuleSet(const RunOptions& o, const event::FieldTypes& types, TimeMs now) {
  rules::LoadOptions lopts;
  lopts.compile.now = now;
  if (o.rules.empty()) return rules::LoadBundledRules(types, lopts);
  return rules::LoadRules(o.rules, types, lopts);
}

void PrintSummary(std::string_view command, const engine::Detector& detector,
                  const io::StreamStats& events, uint64_t alerts, double seconds, bool all) {
  fprintf(stderr,
          "picket %.*s: %llu events read (%.1f MB, %llu malformed lines skipped), %zu rules, "
          "%llu alerts, %.2f s\n",
          static_cast<int>(command.size()), command.data(),
          static_cast<unsigned long long>(events.events), events.bytes / 1e6,
          static_cast<unsigned long long>(events.malformed), detector.rules().size(),
          static_cast<unsigned long long>(alerts), seconds);
  // stats() sums every condition's counts on each call: once here.
  const std::vector<engine::RuleStats>& stats = detector.stats();
  uint64_t suppressed = 0;
  for (const auto& s : stats) suppressed += s.max_signals_suppressed;
  if (suppressed)
    fprintf(stderr,
            "picket %.*s: %llu alerts suppressed by max_signals (see the rules below; "
            "--no-max-signals writes them all)\n",
            static_cast<int>(command.size()), command.data(),
            static_cast<unsigned long long>(suppressed));
  size_t quiet_rules = 0;
  for (size_t i = 0; i < detector.rules().size(); ++i) {
    const auto& rule = *detector.rules()[i];
    const auto& s = stats[i];
    bool active = s.matched || s.no_time || s.alerts;
    if (!active && !all) {
      ++quiet_rules;
      continue;
    }
    std::string extra;
    if (s.learned) extra += fmt::format(", {} learned", s.learned);
    if (s.no_time) extra += fmt::format(", {} without usable time", s.no_time);
    if (s.missing_terms)
      extra += fmt::format(", {} missing a {} field", s.missing_terms,
                           rule.type == rules::RuleType::kThreshold ? "group-by" : "new-terms");
    if (s.late) extra += fmt::format(", {} late (older than the lookback)", s.late);
    if (s.dropped_groups)
      extra += fmt::format(", {} new groups over the per-rule cap", s.dropped_groups);
    if (s.dropped_events)
      extra += fmt::format(", {} events over the per-group cap", s.dropped_events);
    if (s.truncated_combinations)
      extra += fmt::format(", {} combinations over the limit", s.truncated_combinations);
    if (s.alert_suppressed)
      extra +=
          fmt::format(", {} counted into earlier alerts (alert_suppression)", s.alert_suppressed);
    if (s.max_signals_suppressed)
      extra += fmt::format(", {} suppressed by max_signals ({} per {})", s.max_signals_suppressed,
                           rule.max_signals, rule.interval);
    fprintf(stderr, "  %-9s %6llu matched %5llu alerts  %s%s\n", rule.type_name.c_str(),
            static_cast<unsigned long long>(s.matched), static_cast<unsigned long long>(s.alerts),
            rule.name.c_str(), extra.c_str());
  }
  if (quiet_rules) fprintf(stderr, "  (%zu other rules matched nothing)\n", quiet_rules);
}

int RunDetection(const RunOptions& o, bool learn_mode) {
  std::string_view command = learn_mode ? "learn" : "run";
  std::string error;
  auto types = BuildFieldTypes(o.types, &error);
  if (!types) return Fail(command, error);
  TimeMs now = 0;
  if (!ParseNowOption(o.now, &now, &error)) return Fail(command, error);
  bool fixed_clock = !o.now.empty();

  bool demo = o.demo;
  // A bare `picket run` in a terminal has nothing to read: show the demo.
  if (!learn_mode && !demo && o.rules.empty() && o.events.empty() && o.baseline.empty() &&
      isatty(0))
    demo = true;
  if (demo && !o.rules.empty()) return Fail(command, "--demo runs the bundled rules; drop --rules");

  rules::RuleSet set = LoadRuleSet(o, *types, now);
  for (const auto& e : set.errors) fprintf(stderr, "picket: error: %s\n", e.ToString().c_str());
  if (!o.quiet)
    for (const auto& w : set.warnings)
      fprintf(stderr, "picket: warning: %s\n", w.ToString().c_str());
  if (!set.unsupported.empty() && !o.quiet) {
    std::string kinds;
    for (const auto& [type, n] : set.UnsupportedByType()) kinds += fmt::format(" {} {}", n, type);
    fprintf(stderr, "picket %.*s: %zu rules of unsupported types not run:%s\n",
            static_cast<int>(command.size()), command.data(), set.unsupported.size(),
            kinds.c_str());
  }
  auto runnable = set.Runnable();
  NoteNotRunnable(set, command, o.quiet);
  if (runnable.empty()) return Fail(command, "no rules to run");

  state::LocalState state;
  if (!OpenState(o, &state, &error)) return Fail(command, error);

  engine::DetectorOptions dopts;
  dopts.alert_time = fixed_clock ? now : 0;
  dopts.default_index = o.index;
  dopts.use_rule_index = !o.no_rule_index;
  dopts.types = types;
  dopts.apply_max_signals = !o.no_max_signals;
  dopts.max_lag_ms = o.max_lag_ms;
  dopts.alert.kibana_url = o.kibana_url;
  dopts.alert.space_id = o.space;
  if (!o.kibana_version.empty()) dopts.alert.kibana_version = o.kibana_version;
  dopts.alert.execution_uuid = o.execution_uuid;
  // Suppressed alerts' counts: the last of each window, when it closes or at the end.
  dopts.coalesce_suppression_updates = true;  // "" = the detector's (see DetectorOptions)
  std::vector<std::shared_ptr<const rules::Rule>> rule_list = std::move(runnable);
  engine::StateStores stores;
  stores.terms = state.terms();
  stores.records = state.records();
  // A memory store not loaded from --state holds nothing of these rules yet.
  stores.records_start_empty = o.state_dir.empty() && stores.records->size() == 0;
  engine::Detector detector(std::move(rule_list), stores, dopts);
  for (const auto& w : detector.warnings()) fprintf(stderr, "picket: warning: %s\n", w.c_str());
  ProblemPrinter print_problem(o.max_problems);
  detector.set_problem_sink(std::ref(print_problem));

  // Output.
  FILE* out = stdout;
  std::unique_ptr<FILE, int (*)(FILE*)> out_file(nullptr, &fclose);
  if (!o.output.empty() && o.output != "-") {
    out_file.reset(fopen(o.output.c_str(), "w"));
    if (!out_file) return Fail(command, "cannot write " + o.output + ": " + strerror(errno));
    out = out_file.get();
  }
  std::string format = o.format;
  if (format.empty()) format = (out == stdout && isatty(1)) ? "text" : "ndjson";
  engine::TextFormatOptions topts;
  topts.guide = o.guide;
  topts.color = out == stdout && isatty(1);
  static char out_buf[1 << 16];
  setvbuf(out, out_buf, _IOFBF, sizeof(out_buf));

  uint64_t alerts = 0;
  std::string text;
  auto on_alert = [&](const engine::Alert& alert) {
    if (!alert.suppression_update) ++alerts;  // an update re-writes an alert already counted
    if (format == "text") {
      text = engine::FormatAlertText(alert, topts);  // ends with its blank line
      fwrite(text.data(), 1, text.size(), out);
    } else {
      fwrite(alert.json.data(), 1, alert.json.size(), out);
      fputc('\n', out);
    }
  };

  io::EventStream stream;
  InputErrorPrinter print_error;
  bool io_error = false;
  auto feed = [&](bool learn_only) {
    return [&, learn_only](const io::Event& e) {
      engine::EventRef ref;
      ref.doc = e.doc;
      ref.raw = e.raw;
      ref.source = *e.where.source;
      ref.line = e.where.line;
      detector.Process(ref, learn_only, on_alert);
      return true;
    };
  };
  auto read_paths = [&](const std::vector<std::string>& paths, bool learn_only) {
    std::vector<std::string> inputs;
    if (!io::ExpandInputs(paths, &inputs, &error)) {
      fprintf(stderr, "picket %.*s: %s\n", static_cast<int>(command.size()), command.data(),
              error.c_str());
      io_error = true;
      return;
    }
    auto on_event = feed(learn_only);
    for (const auto& input : inputs)
      if (!stream.ReadFile(input, on_event, std::ref(print_error), &error)) {
        fprintf(stderr, "picket %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                error.c_str());
        io_error = true;
      }
  };

  auto start = std::chrono::steady_clock::now();
  if (!o.baseline.empty()) read_paths(o.baseline, true);
  if (demo) {
    auto on_event = feed(false);
    for (std::string_view name : EmbeddedFilesUnder("data/demo/")) {
      if (!name.ends_with(".ndjson")) continue;
      std::string source = "embedded:" + std::string(name);
      stream.ReadBuffer(EmbeddedFile(name), source, on_event, std::ref(print_error));
    }
  } else {
    read_paths(o.events.empty() ? std::vector<std::string>{"-"} : o.events, learn_mode);
  }
  if (o.state_file.empty() && o.state_dir.empty()) {
    // The end of the input is the end of the data: decisions that wait for
    // more events (a trailing missing-event stage) are taken with what was
    // seen, as Elasticsearch decides over the data it has.
    detector.Finish(on_alert);
  } else {
    // With saved state the next run continues this one: what waits for more
    // events stays pending, so that split runs give the alerts of one.
    detector.FlushSuppressionUpdates(on_alert);  // the counts still held back
  }
  fflush(out);
  if (ferror(out)) {
    fprintf(stderr, "picket %.*s: write error on output\n", static_cast<int>(command.size()),
            command.data());
    io_error = true;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!state.Close(&error)) {
    fprintf(stderr, "picket %.*s: cannot save state: %s\n", static_cast<int>(command.size()),
            command.data(), error.c_str());
    io_error = true;
  }
  if (!o.quiet) PrintSummary(command, detector, stream.stats(), alerts, seconds, false);
  if (io_error || !set.errors.empty()) return 2;
  if (o.fail_on_alert && alerts) return 1;
  return 0;
}

void AddCommonOptions(CLI::App* cmd, RunOptions* o) {
  cmd->add_option("--rules,-r", o->rules,
                  "Rule file or directory (recursive); repeat for several; default: the bundled "
                  "macOS pack");
  cmd->add_option("--now", o->now,
                  "Fixed clock (ISO-8601 or epoch ms): alert @timestamp and date math in queries");
  cmd->add_option("--index", o->index,
                  "Index of events that name none (no data_stream.*); events with no index are "
                  "seen by every rule");
  cmd->add_option("--state", o->state_file,
                  "First-seen state snapshot file: loaded if present, saved at the end");
  cmd->add_option("--state-dir", o->state_dir, "First-seen state in RocksDB under DIR");
  cmd->add_flag("--quiet,-q", o->quiet, "No summary on stderr");
  cmd->add_flag("--no-rule-index", o->no_rule_index,
                "Run every rule's query on every event (to cross-check the rule index)");
  cmd->add_option("--max-problems", o->max_problems,
                  "Event problems (no usable time, ...) printed before counting silently");
  AddFieldTypeOptions(cmd, &o->types);
}

void RegisterRun(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run query, new_terms, threshold and EQL rules over NDJSON events and write Kibana-shaped "
      "alerts.\n"
      "Exit status: 0 success, 1 alerts with --fail-on-alert, 2 error.");
  cmd->add_option("events", o->events, "NDJSON files or directories (.gz too); '-' or none: stdin");
  AddCommonOptions(cmd, o.get());
  cmd->add_option("--baseline", o->baseline,
                  "Event file or directory loaded into the first-seen state first, without "
                  "alerting (cold start); repeat for several");
  cmd->add_option("--output,-o", o->output, "Write alerts here instead of stdout");
  AddMaxLagOption(cmd, &o->max_lag_ms);
  cmd->add_option("--format", o->format, "ndjson (default off a TTY) or text (default on a TTY)")
      ->check(CLI::IsMember({"ndjson", "text"}));
  cmd->add_flag("--guide,--explain", o->guide, "Text format: show each rule's investigation guide");
  cmd->add_flag("--fail-on-alert", o->fail_on_alert, "Exit 1 when any alert was written (CI)");
  cmd->add_flag("--no-max-signals", o->no_max_signals,
                "Write every alert: no cap of max_signals alerts per rule per interval of event "
                "time (hunting, tests)");
  cmd->add_option("--kibana-url", o->kibana_url,
                  "Kibana's public base URL: alerts get kibana.alert.url (alert details link)")
      ->check([](const std::string& url) {
        return url.starts_with("http://") || url.starts_with("https://")
                   ? std::string()
                   : std::string("--kibana-url must start with http:// or https://");
      });
  cmd->add_option("--space", o->space,
                  "Kibana space of the alerts (kibana.space_ids, alerts index, URL); default: "
                  "default")
      ->check([](const std::string& id) {
        bool ok = !id.empty();
        for (char c : id)
          ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
        return ok ? std::string() : std::string("--space takes a space id: a-z, 0-9, _ and -");
      });
  cmd->add_option(
      "--kibana-version", o->kibana_version,
      fmt::format("kibana.version of the alerts (default {})", engine::kCompatibleKibanaVersion));
  cmd->add_option("--execution-uuid", o->execution_uuid,
                  "kibana.alert.rule.execution.uuid of this run (default: random; derived from "
                  "--now when given)");
  cmd->add_flag("--demo", o->demo,
                "Run the bundled rules over the bundled demo telemetry and show the alerts");
  cmd->footer(
      "Examples:\n"
      "  picket run --demo\n"
      "  picket run --rules rules/macos events.ndjson.gz --output alerts.ndjson\n"
      "  picket run -r rules/macos --format text --guide telemetry/\n"
      "  picket run --rules rules/macos --baseline telemetry/ events.ndjson.gz -o alerts.ndjson\n"
      "  picket run --rules rules/macos --fail-on-alert -q telemetry/ > alerts.ndjson   "
      "# exit 1: alerts\n");
  cmd->callback([o, exit_code] { *exit_code = RunDetection(*o, false); });

  auto l = std::make_shared<RunOptions>();
  CLI::App* learn = app.add_subcommand(
      "learn",
      "Load events into the first-seen state of new_terms rules without alerting (a baseline "
      "for a later `picket run` with the same --state/--state-dir).");
  learn->add_option("events", l->events, "NDJSON files or directories; '-' or none: stdin");
  AddCommonOptions(learn, l.get());
  learn->footer(
      "Examples:\n"
      "  picket learn --rules rules/macos --state state.bin telemetry/\n"
      "  picket learn -r rules/macos --state-dir state events.ndjson.gz\n");
  learn->callback([l, exit_code] {
    if (l->state_file.empty() && l->state_dir.empty()) {
      *exit_code = Fail("learn", "--state FILE or --state-dir DIR is required");
      return;
    }
    *exit_code = RunDetection(*l, true);
  });
}

}  // namespace

PICKET_REGISTER_COMMAND(RegisterRun);

}  // namespace picket::cli

// picket hunt QUERY [PATH...]: grep NDJSON events with a KQL query.
//
// Prints matching events byte-for-byte as read (or only --fields), like grep.
// Exit status: 0 some event matched, 1 none matched, 2 error (bad query,
// unreadable input). Malformed lines are reported on stderr and skipped;
// they do not change the exit status.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/registry.h"
#include "event/document.h"
#include "kql/matcher.h"
#include "kql/parser.h"
#include "util/json.h"

namespace picket::cli {
namespace {

struct HuntOptions {
  std::string query;
  std::vector<std::string> paths;
  bool count = false;
  bool quiet = false;
  std::vector<std::string> fields;
  std::string now;
  size_t max_line_bytes = 64u << 20;
  size_t max_count = 0;
  FieldTypeOptions types;
};

// {"a":<values of a>,...}: one value as is, several as an array, none omitted.
void AppendSelectedFields(event::Json doc, const std::vector<std::string>& fields,
                          std::string* out) {
  out->push_back('{');
  bool first_field = true;
  for (const auto& f : fields) {
    std::vector<std::string> values;
    event::ForEachValue(doc, f, [&](event::Json v) {
      values.push_back(simdjson::minify(v));
      return false;
    });
    if (values.empty()) continue;
    if (!first_field) out->push_back(',');
    first_field = false;
    AppendJsonString(out, f);
    out->push_back(':');
    if (values.size() == 1) {
      out->append(values[0]);
    } else {
      out->push_back('[');
      for (size_t i = 0; i < values.size(); ++i) {
        if (i) out->push_back(',');
        out->append(values[i]);
      }
      out->push_back(']');
    }
  }
  out->push_back('}');
}

int RunHunt(const HuntOptions& o) {
  std::string error;
  auto types = BuildFieldTypes(o.types, &error);
  if (!types) {
    fprintf(stderr, "picket hunt: %s\n", error.c_str());
    return 2;
  }
  kql::CompileOptions copts;
  if (!ParseNowOption(o.now, &copts.now, &error)) {
    fprintf(stderr, "picket hunt: %s\n", error.c_str());
    return 2;
  }
  auto parsed = kql::Parse(o.query);
  if (!parsed.ok()) {
    fprintf(stderr, "%s\n", parsed.error.Render(o.query, "query").c_str());
    return 2;
  }
  auto compiled = kql::Compile(*parsed.root, *types, copts);
  for (const auto& w : compiled.warnings) fprintf(stderr, "picket hunt: warning: %s\n", w.c_str());
  if (!compiled.ok()) {
    kql::ParseError e = kql::ErrorAt(o.query, compiled.error.offset, compiled.error.message);
    fprintf(stderr, "%s\n", e.Render(o.query, "query").c_str());
    return 2;
  }

  std::vector<std::string> fields;
  for (const auto& f : o.fields)
    if (!f.empty()) fields.push_back(f);

  std::vector<std::string> inputs;
  if (!io::ExpandInputs(o.paths.empty() ? std::vector<std::string>{"-"} : o.paths, &inputs,
                        &error)) {
    fprintf(stderr, "picket hunt: %s\n", error.c_str());
    return 2;
  }
  static char out_buf[1 << 16];
  setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
  io::StreamOptions sopts;
  sopts.max_line_bytes = o.max_line_bytes;
  io::EventStream stream(sopts);
  InputErrorPrinter print_error;
  uint64_t matched = 0;
  bool io_error = false;
  std::string line;
  const kql::Matcher& matcher = *compiled.matcher;
  auto on_event = [&](const io::Event& e) {
    if (!matcher.Matches(e.doc)) return true;
    ++matched;
    if (!o.count && !o.quiet) {
      if (fields.empty()) {
        fwrite(e.raw.data(), 1, e.raw.size(), stdout);
        fputc('\n', stdout);
      } else {
        line.clear();
        AppendSelectedFields(e.doc, fields, &line);
        line.push_back('\n');
        fwrite(line.data(), 1, line.size(), stdout);
      }
    }
    return o.max_count == 0 || matched < o.max_count;
  };
  for (const auto& input : inputs) {
    if (!stream.ReadFile(input, on_event, std::ref(print_error), &error)) {
      fprintf(stderr, "picket hunt: %s\n", error.c_str());
      io_error = true;
    }
    if (o.max_count && matched >= o.max_count) break;
  }
  if (o.count) printf("%llu\n", static_cast<unsigned long long>(matched));
  fflush(stdout);
  const auto& st = stream.stats();
  if (st.malformed || StderrIsTty())
    fprintf(stderr, "picket hunt: %llu events read, %llu matched, %llu malformed lines skipped\n",
            static_cast<unsigned long long>(st.events), static_cast<unsigned long long>(matched),
            static_cast<unsigned long long>(st.malformed));
  if (io_error) return 2;
  return matched ? 0 : 1;
}

void RegisterHunt(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<HuntOptions>();
  CLI::App* cmd = app.add_subcommand(
      "hunt",
      "Search NDJSON events with a KQL query, with Elasticsearch's matching semantics.\n"
      "Exit status: 0 if an event matched, 1 if none did, 2 on error.");
  cmd->add_option("query", opts->query,
                  "KQL query, e.g. 'process.name:python* and event.type:start'")
      ->required();
  cmd->add_option("paths", opts->paths,
                  "Event files or directories (.ndjson/.jsonl/.json, optionally .gz); '-' or "
                  "nothing reads stdin");
  cmd->add_flag("-c,--count", opts->count, "Print only the number of matching events");
  cmd->add_flag("-q,--quiet", opts->quiet, "Print nothing; the exit status tells");
  cmd->add_option("-m,--max-count", opts->max_count, "Stop after this many matches");
  cmd->add_option("--fields", opts->fields,
                  "Print only these fields as one JSON object per match (a comma list, or "
                  "repeat the option)")
      ->delimiter(',');
  cmd->add_option("--now", opts->now, "The time 'now' in date math (ISO-8601 or epoch ms)");
  cmd->add_option("--max-line-bytes", opts->max_line_bytes,
                  "Lines longer than this are reported and skipped (default 64 MiB)");
  AddFieldTypeOptions(cmd, &opts->types);
  cmd->footer(
      "Examples:\n"
      "  picket hunt 'process.parent.name:python* and process.args:\"-c\"' telemetry/ --count\n"
      "  picket hunt 'event.category:network and process.name:python3' events.ndjson.gz "
      "--fields process.name,destination.ip\n"
      "  zcat events.ndjson.gz | picket hunt -q 'process.name:curl and process.parent.name:ruby'\n"
      "  picket hunt 'host.os.type:linux and event.action:exec' telemetry/ -m 3 --fields "
      "process.command_line\n"
      "  picket hunt 'process.name:powershell.exe' telemetry/ --count   # exit 1: no match\n"
      "  picket hunt --mapping mapping.json 'process.pid > 1000 and process.parent.name:zsh' "
      "telemetry/ --count\n");
  cmd->callback([opts, exit_code] { *exit_code = RunHunt(*opts); });
}

PICKET_REGISTER_COMMAND(RegisterHunt);

}  // namespace
}  // namespace picket::cli

// picket hunt QUERY [PATH...]: grep NDJSON events with a KQL query, or with
// an EQL event query (--eql), shaped after Elasticsearch's _eql/search.
//
// Prints matching events byte-for-byte as read (or only --fields), like grep.
// EQL: without --size or head/tail pipes, matches stream in input order;
// with them, the window Elasticsearch would return (ordered by
// --timestamp-field, then --tiebreaker-field, then input order) is printed
// in that order. Exit status: 0 some event matched, 1 none matched, 2 error
// (bad query, unreadable input). Malformed lines are reported on stderr and
// skipped; they do not change the exit status.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/registry.h"
#include "eql/eql.h"
#include "eql/selection.h"
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
  std::string fields;
  std::string now;
  size_t max_line_bytes = 64u << 20;
  size_t max_count = 0;
  FieldTypeOptions types;
  // EQL (_eql/search parameters)
  bool eql = false;
  int64_t size = -1;
  std::string timestamp_field = "@timestamp";
  std::string tiebreaker_field;
  std::string event_category_field = "event.category";
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
  std::shared_ptr<const kql::Matcher> matcher_owner;
  std::vector<eql::Pipe> pipes;
  if (o.eql) {
    eql::QueryOptions qopts;
    qopts.event_category_field = o.event_category_field;
    qopts.timestamp_field = o.timestamp_field;
    qopts.tiebreaker_field = o.tiebreaker_field;
    qopts.compile.now = copts.now;
    auto compiled = eql::CompileQuery(o.query, *types, qopts);
    if (!compiled.ok()) {
      fprintf(stderr, "%s\n", compiled.error.Render(o.query, "query").c_str());
      return 2;
    }
    for (const auto& w : compiled.warnings)
      fprintf(stderr, "picket hunt: warning: %s\n", w.c_str());
    if (compiled.query->type != eql::QueryType::kEvent) {
      fprintf(stderr,
              "picket hunt: %s queries are not run yet (the sequence matcher is not built); "
              "event queries are\n",
              compiled.query->type == eql::QueryType::kSequence ? "sequence" : "sample");
      return 2;
    }
    matcher_owner = compiled.query->event.matcher;
    pipes = compiled.query->pipes;
  } else {
    auto parsed = kql::Parse(o.query);
    if (!parsed.ok()) {
      fprintf(stderr, "%s\n", parsed.error.Render(o.query, "query").c_str());
      return 2;
    }
    auto compiled = kql::Compile(*parsed.root, *types, copts);
    for (const auto& w : compiled.warnings)
      fprintf(stderr, "picket hunt: warning: %s\n", w.c_str());
    matcher_owner = std::move(compiled.matcher);
  }
  eql::ResultWindow window(pipes, o.size);
  if (window.selective() && o.max_count) {
    fprintf(stderr, "picket hunt: --max-count cannot be combined with --size or head/tail pipes\n");
    return 2;
  }

  std::vector<std::string> fields;
  for (size_t start = 0; !o.fields.empty() && start <= o.fields.size();) {
    size_t comma = o.fields.find(',', start);
    if (comma == std::string::npos) comma = o.fields.size();
    if (comma > start) fields.push_back(o.fields.substr(start, comma - start));
    start = comma + 1;
  }

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
  const kql::Matcher& matcher = *matcher_owner;
  uint64_t arrival = 0;
  auto on_event = [&](const io::Event& e) {
    ++arrival;
    if (!matcher.Matches(e.doc)) return true;
    ++matched;
    if (o.count || o.quiet) {
      if (window.selective()) window.Add(eql::SortKey{false, 0, {}, arrival}, {});
      return o.max_count == 0 || matched < o.max_count;
    }
    line.clear();
    if (fields.empty())
      line.append(e.raw);
    else
      AppendSelectedFields(e.doc, fields, &line);
    line.push_back('\n');
    if (window.selective())
      window.Add(eql::SortKeyOf(e.doc, o.timestamp_field, o.tiebreaker_field, arrival), line);
    else
      fwrite(line.data(), 1, line.size(), stdout);
    return o.max_count == 0 || matched < o.max_count;
  };
  for (const auto& input : inputs) {
    if (!stream.ReadFile(input, on_event, std::ref(print_error), &error)) {
      fprintf(stderr, "picket hunt: %s\n", error.c_str());
      io_error = true;
    }
    if (o.max_count && matched >= o.max_count) break;
  }
  if (window.selective()) {
    // Elasticsearch returns the window of the ordered matches.
    auto selected = window.Take();
    matched = selected.size();
    if (!o.count && !o.quiet)
      for (const auto& l : selected) fwrite(l.data(), 1, l.size(), stdout);
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
      "Search NDJSON events with a KQL query, or an EQL event query (--eql), with\n"
      "Elasticsearch's matching semantics.\n"
      "Exit status: 0 if an event matched, 1 if none did, 2 on error.");
  cmd->add_option("query", opts->query,
                  "KQL query, e.g. 'process.name:python* and event.type:start', or with --eql an "
                  "EQL query, e.g. 'process where process.name : \"python*\"'")
      ->required();
  cmd->add_flag("--eql", opts->eql, "The query is EQL (Elasticsearch's dialect)");
  cmd->add_option("--size", opts->size,
                  "EQL: return at most this many events, the earliest by --timestamp-field "
                  "(Elasticsearch's size; default: every match, in input order)");
  cmd->add_option("--timestamp-field", opts->timestamp_field,
                  "EQL: the field events are ordered by (default @timestamp)");
  cmd->add_option("--tiebreaker-field", opts->tiebreaker_field,
                  "EQL: orders events with the same timestamp");
  cmd->add_option("--event-category-field", opts->event_category_field,
                  "EQL: the field `category where` tests (default event.category)");
  cmd->add_option("paths", opts->paths,
                  "Event files or directories (.ndjson/.jsonl/.json, optionally .gz); '-' or "
                  "nothing reads stdin");
  cmd->add_flag("-c,--count", opts->count, "Print only the number of matching events");
  cmd->add_flag("-q,--quiet", opts->quiet, "Print nothing; the exit status tells");
  cmd->add_option("-m,--max-count", opts->max_count, "Stop after this many matches");
  cmd->add_option("--fields", opts->fields, "Print only these fields (comma-separated) as JSON");
  cmd->add_option("--now", opts->now, "The time 'now' in date math (ISO-8601 or epoch ms)");
  cmd->add_option("--max-line-bytes", opts->max_line_bytes,
                  "Lines longer than this are reported and skipped (default 64 MiB)");
  AddFieldTypeOptions(cmd, &opts->types);
  cmd->callback([opts, exit_code] { *exit_code = RunHunt(*opts); });
}

PICKET_REGISTER_COMMAND(RegisterHunt);

}  // namespace
}  // namespace picket::cli

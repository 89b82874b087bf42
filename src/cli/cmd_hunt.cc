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
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/registry.h"
#include "engine/alert_id.h"
#include "engine/index_name.h"
#include "eql/eql.h"
#include "eql/keyed_matches.h"
#include "eql/sample_matcher.h"
#include "eql/selection.h"
#include "eql/sequence_batch.h"
#include "eql/sequence_key.h"
#include "eql/sequence_key_reader.h"
#include "event/document.h"
#include "kql/adaptive_and.h"
#include "kql/matcher.h"
#include "kql/parser.h"
#include "util/chunked_vector.h"
#include "util/gather_writer.h"
#include "util/json.h"
#include "util/text_arena.h"

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
  // EQL (_eql/search parameters)
  bool eql = false;
  int64_t size = -1;
  std::string timestamp_field = "@timestamp";
  std::string tiebreaker_field;
  std::string event_category_field = "event.category";
  int64_t max_samples_per_key = 1;
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

// An event that matched a stage, kept for printing (by event id).
struct KeptEvent {
  std::string_view index;     // interned by the batch
  std::string_view event_id;  // event.id, for the _id
  std::string_view raw;       // the source line
};

// One sequence or sample as an element of Elasticsearch's hits.sequences.
// The source lines are written from where they are kept (GatherWriter);
// the JSON around them is built in *scratch.
void WriteSequenceJson(std::string_view join_key, const std::vector<uint64_t>& ids,
                       const ChunkedVector<KeptEvent>& events, std::string* scratch,
                       GatherWriter* out) {
  std::string& s = *scratch;
  s.clear();
  s.append("{");
  if (eql::JoinKeySize(join_key) > 0) {
    s.append("\"join_keys\":");
    eql::AppendJoinKeyJson(&s, join_key);
    s.push_back(',');
  }
  s.append("\"events\":[");
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s.push_back(',');
    if (ids[i] == eql::kMissingEvent) {
      s.append(R"({"_index":"","_id":"","_source":{},"missing":true})");
      continue;
    }
    const KeptEvent& e = events[ids[i]];
    s.append("{\"_index\":");
    AppendJsonString(&s, e.index);
    s.append(",\"_id\":");
    AppendJsonString(&s, engine::SourceDocumentId("", e.event_id, e.raw));
    s.append(",\"_source\":");
    out->Copy(s);
    out->Refer(e.raw);
    s.clear();
    s.push_back('}');
  }
  s.append("]}\n");
  out->Copy(s);
}

// A sequence or sample hunt, set up once from the query: the inputs, the
// matcher and join-key fields of each stage (then `until`), and the spec the
// batch matchers run.
struct SequenceHunt {
  const HuntOptions& options;
  const eql::Query& query;
  std::vector<std::string> inputs;
  eql::SequenceSpec spec;
  std::vector<const kql::Matcher*> matchers;
  std::vector<std::vector<eql::JoinKeyField>> keys;
  bool sample = false;
};

// One sequence or sample of the results, by kept-event ids.
struct HuntResult {
  std::string key;
  std::vector<uint64_t> ids;
};

// The query's head/tail pipes, then --size as a last head, in turn.
void ApplyPipes(const SequenceHunt& h, std::vector<HuntResult>* results) {
  std::vector<eql::Pipe> ops = h.query.pipes;
  if (h.options.size >= 0) ops.push_back(eql::Pipe{eql::PipeKind::kHead, h.options.size, 0, 0});
  for (const eql::Pipe& p : ops) {
    size_t n = static_cast<size_t>(std::max<int64_t>(0, p.count));
    if (results->size() <= n) continue;
    if (p.kind == eql::PipeKind::kHead)
      results->resize(n);
    else
      results->erase(results->begin(), results->end() - static_cast<std::ptrdiff_t>(n));
  }
}

// Returned by HuntPass when a file changed under the kept lines (before
// anything is printed): the input must be read again.
constexpr int kReadAgain = -1;

// One pass over the input, then the results: the exit status, or
// kReadAgain. `keep`: lines of plain files stay in the stream's mapped
// windows instead of being copied. `first`: report malformed lines (a
// second pass reports nothing new: the first one's reports stand).
int HuntPass(const SequenceHunt& h, bool keep, bool first) {
  const HuntOptions& o = h.options;
  std::string error;
  eql::SequencePlan plan(h.spec);
  eql::SequenceBatch sequences(&plan);
  eql::SampleBatch samples(h.query.stages.size(), h.spec.max_samples_per_key);
  const size_t stage_count = h.query.stages.size();

  io::StreamOptions sopts;
  sopts.max_line_bytes = o.max_line_bytes;
  sopts.keep_windows = keep;
  io::EventStream stream(sopts);
  InputErrorPrinter print_error;
  auto on_error = [&](const io::InputError& e) {
    if (first) print_error(e);
  };
  bool io_error = false;
  uint64_t no_time = 0;
  // Every event that matched a stage, kept for printing: index names are
  // interned by the batch; event.id values and source lines live in one
  // arena (the _id is made from them when the event is printed), except
  // the lines of plain files, which stay where the stream mapped them
  // (keep_windows: no copy of tens of MB into fresh pages). Chunked: a
  // growing vector would copy them and touch twice the pages.
  ChunkedVector<KeptEvent> events;
  TextArena kept;
  std::vector<eql::KeyedMatch> matches;
  std::vector<std::string> found;
  std::string index_buffer;
  // The stages' conditions read the same few fields (event.category,
  // event.type, ...): the context walks each field once per event and
  // hands its values to every stage that tests it.
  kql::EvalContext context;
  auto on_event = [&](const io::Event& e) {
    matches.clear();
    context.NextEvent();
    for (size_t stage = 0; stage < h.matchers.size(); ++stage) {
      if (!h.matchers[stage]->Matches(e.doc, &context)) continue;
      eql::AddStageKeys(e.doc, h.keys[stage], stage, stage_count, &found, &matches);
    }
    if (matches.empty()) return true;
    eql::SortKey sk = eql::SortKeyOf(e.doc, o.timestamp_field, o.tiebreaker_field, 0);
    if (!sk.has_time && !h.sample) {  // Elasticsearch needs a timestamp to order a sequence
      ++no_time;
      return true;
    }
    std::string_view dataset[3];
    const char* const kDataStream[] = {"data_stream.type", "data_stream.dataset",
                                       "data_stream.namespace"};
    for (int i = 0; i < 3; ++i) event::FirstString(e.doc, kDataStream[i], &dataset[i]);
    engine::JoinDataStreamIndex(dataset[0], dataset[1], dataset[2], &index_buffer);
    eql::Ordinal ordinal;
    ordinal.time = sk.time;
    if (sk.tiebreaker.is_integral())
      ordinal.tiebreaker = eql::Tiebreaker::Int(sk.tiebreaker.i);
    else if (sk.tiebreaker.is_number())
      ordinal.tiebreaker = eql::Tiebreaker::Double(sk.tiebreaker.as_double());
    else if (sk.tiebreaker.type == eql::Value::Type::kString)
      ordinal.tiebreaker = eql::Tiebreaker::String(sk.tiebreaker.s);
    ordinal.index = h.sample ? samples.Intern(index_buffer) : sequences.Intern(index_buffer);
    ordinal.seq = events.size();
    std::string_view event_id;
    event::FirstString(e.doc, "event.id", &event_id);
    events.push_back(
        KeptEvent{ordinal.index, kept.Add(event_id), e.stable ? e.raw : kept.Add(e.raw)});
    if (h.sample)
      samples.Add(ordinal, matches);
    else
      sequences.Add(ordinal, ordinal.time, matches);
    return true;
  };
  for (const auto& input : h.inputs) {
    if (!stream.ReadFile(input, on_event, on_error, &error)) {
      fprintf(stderr, "picket hunt: %s\n", error.c_str());
      io_error = true;
    }
  }
  // The kept lines are read from the files' pages when printed: a file
  // that changed since it was opened may no longer hold them. Then the
  // whole input is read again, copying the lines (what a run started now
  // would print).
  if (keep && !o.count && !o.quiet && !stream.KeptFilesUnchanged(&error)) {
    fprintf(stderr, "picket hunt: %s changed while it was read; reading the input again\n",
            error.c_str());
    return kReadAgain;
  }
  // Results in Elasticsearch's order, then pipes and size in turn.
  std::vector<HuntResult> results;
  if (h.sample) {
    for (auto& r : samples.Run(0)) results.push_back({std::move(r.key), std::move(r.ids)});
  } else {
    for (auto& r : sequences.Run(0, eql::ResultPosition::kHead))
      results.push_back({std::move(r.key), std::move(r.ids)});
  }
  ApplyPipes(h, &results);
  // Results are lines of a few KB (tens of MB in all), mostly the kept
  // source lines: written with writev in large batches, the lines from
  // where they are.
  if (!o.count && !o.quiet) {
    fflush(stdout);
    GatherWriter out(fileno(stdout));
    std::string scratch;
    for (const HuntResult& r : results) WriteSequenceJson(r.key, r.ids, events, &scratch, &out);
    out.Flush();
  }
  if (o.count) printf("%zu\n", results.size());
  fflush(stdout);
  const auto& st = stream.stats();
  if (no_time)
    fprintf(stderr, "picket hunt: %llu matching events without a usable %s were left out\n",
            static_cast<unsigned long long>(no_time), o.timestamp_field.c_str());
  if (st.malformed || StderrIsTty())
    fprintf(stderr, "picket hunt: %llu events read, %zu %s, %llu malformed lines skipped\n",
            static_cast<unsigned long long>(st.events), results.size(),
            h.sample ? "samples" : "sequences", static_cast<unsigned long long>(st.malformed));
  if (io_error) return 2;
  return results.empty() ? 1 : 0;
}

// Sequences and samples over the whole input, as _eql/search returns them
// (hits.sequences, one JSON object per line): the events that match a stage
// or `until` are kept with their join keys, then matched (eql/sequence_batch,
// eql/sample_matcher). Pipes and --size pick the first or last results.
int RunSequenceHunt(const HuntOptions& o, const eql::Query& q, const event::FieldTypes& types) {
  SequenceHunt h{o, q};
  std::string error;
  if (!io::ExpandInputs(o.paths.empty() ? std::vector<std::string>{"-"} : o.paths, &h.inputs,
                        &error)) {
    fprintf(stderr, "picket hunt: %s\n", error.c_str());
    return 2;
  }
  h.sample = q.type == eql::QueryType::kSample;
  h.spec.kind = h.sample ? eql::SequenceSpec::Kind::kSample : eql::SequenceSpec::Kind::kSequence;
  auto add_keys = [&](const eql::Stage& s) {
    std::vector<eql::JoinKeyField> fields;
    for (const eql::JoinKey& k : s.keys)
      fields.push_back(
          {k.read_path.empty() ? k.field : k.read_path, k.optional, types.Lookup(k.field)});
    h.keys.push_back(std::move(fields));
    h.matchers.push_back(s.filter.matcher.get());
  };
  for (const eql::Stage& s : q.stages) {
    h.spec.stages.push_back({s.missing, static_cast<uint32_t>(s.runs)});
    add_keys(s);
  }
  if (q.until) add_keys(*q.until);
  h.spec.key_count = q.stages.empty() ? 0 : static_cast<uint32_t>(q.stages[0].keys.size());
  h.spec.maxspan_ms = q.maxspan_ms;
  h.spec.has_until = q.until.has_value();
  h.spec.max_samples_per_key = static_cast<uint32_t>(o.max_samples_per_key);
  if (std::string why = h.spec.Validate(); !why.empty()) {
    fprintf(stderr, "picket hunt: %s\n", why.c_str());
    return 2;
  }
  // Lines are kept in the files' pages only when every input can be read
  // again (regular files: not stdin, not a pipe).
  bool rereadable = true;
  for (const auto& input : h.inputs) {
    struct stat st;
    rereadable = rereadable && input != "-" && stat(input.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  }
  int rc = HuntPass(h, rereadable, /*first=*/true);
  return rc == kReadAgain ? HuntPass(h, /*keep=*/false, /*first=*/false) : rc;
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
  std::unique_ptr<kql::AdaptiveAnd> conjunction;  // KQL `a and b ...`: matcher_owner, reordered
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
    if (compiled.query->type != eql::QueryType::kEvent)
      return RunSequenceHunt(o, *compiled.query, *types);
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
    if (!compiled.ok()) {
      kql::ParseError e = kql::ErrorAt(o.query, compiled.error.offset, compiled.error.message);
      fprintf(stderr, "%s\n", e.Render(o.query, "query").c_str());
      return 2;
    }
    matcher_owner = std::move(compiled.matcher);
    // The top-level `and`, its parts tried rarest first (kql/adaptive_and.h).
    auto parts = kql::CompileConjuncts(*parsed.root, *types, copts);
    if (!parts.empty()) conjunction = std::make_unique<kql::AdaptiveAnd>(std::move(parts));
  }
  eql::ResultWindow window(pipes, o.size);
  if (window.selective() && o.max_count) {
    fprintf(stderr, "picket hunt: --max-count cannot be combined with --size or head/tail pipes\n");
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
  const kql::Matcher& matcher = *matcher_owner;
  uint64_t arrival = 0;
  auto on_event = [&](const io::Event& e) {
    ++arrival;
    if (!(conjunction ? conjunction->Matches(e.doc, nullptr) : matcher.Matches(e.doc))) return true;
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
  cmd->add_option("--max-samples-per-key", opts->max_samples_per_key,
                  "EQL samples: samples per join key (default 1)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  cmd->add_option("--event-category-field", opts->event_category_field,
                  "EQL: the field `category where` tests (default event.category)");
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

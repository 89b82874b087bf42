#include "rules/loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "eql/eql.h"
#include "kql/parser.h"
#include "rules/alert_suppression_reader.h"
#include "rules/rule_schema.h"
#include "rules/toml_depth.h"
#include "rules/toml_json.h"
#include "util/embedded.h"
#include "util/time.h"

namespace picket::rules {
namespace {

SourcePos PosOf(const toml::node* node) {
  if (!node) return {};
  const auto& b = node->source().begin;
  return {static_cast<uint32_t>(b.line), static_cast<uint32_t>(b.column)};
}

std::string Str(const toml::table& t, std::string_view key) {
  if (const auto* n = t.get(key))
    if (const auto* s = n->as_string()) return s->get();
  return "";
}

std::vector<std::string> StrList(const toml::table& t, std::string_view key) {
  std::vector<std::string> out;
  const auto* n = t.get(key);
  if (!n) return out;
  if (const auto* s = n->as_string()) {
    out.push_back(s->get());
  } else if (const auto* a = n->as_array()) {
    for (const auto& e : *a)
      if (const auto* s = e.as_string()) out.push_back(s->get());
  }
  return out;
}

AttackRef RefOf(const toml::table& t) {
  return {Str(t, "id"), Str(t, "name"), Str(t, "reference")};
}

std::vector<Threat> ThreatsOf(const toml::table& rule) {
  std::vector<Threat> out;
  const auto* arr = rule.get_as<toml::array>("threat");
  if (!arr) return out;
  for (const auto& entry : *arr) {
    const auto* t = entry.as_table();
    if (!t) continue;
    Threat threat;
    threat.framework = Str(*t, "framework");
    if (const auto* tactic = t->get_as<toml::table>("tactic")) threat.tactic = RefOf(*tactic);
    if (const auto* techs = t->get_as<toml::array>("technique")) {
      for (const auto& te : *techs) {
        const auto* tt = te.as_table();
        if (!tt) continue;
        Technique tech;
        static_cast<AttackRef&>(tech) = RefOf(*tt);
        if (const auto* subs = tt->get_as<toml::array>("subtechnique"))
          for (const auto& s : *subs)
            if (const auto* st = s.as_table()) tech.subtechniques.push_back(RefOf(*st));
        threat.techniques.push_back(std::move(tech));
      }
    }
    out.push_back(std::move(threat));
  }
  return out;
}

// Where the text of a TOML string value starts, given the position of its
// opening delimiter: after `"`/`'`, or on the next line after a `"""`/`'''`
// followed by a newline (TOML drops that newline).
SourcePos QueryStart(std::string_view file, SourcePos at) {
  if (at.line == 0) return at;
  size_t off = 0;
  for (uint32_t l = 1; l < at.line && off < file.size(); ++l) {
    size_t nl = file.find('\n', off);
    if (nl == std::string_view::npos) return at;
    off = nl + 1;
  }
  off += at.column - 1;
  std::string_view rest = file.substr(std::min(off, file.size()));
  if (rest.substr(0, 3) == "\"\"\"" || rest.substr(0, 3) == "'''") {
    if (rest.size() > 3 && rest[3] == '\n') return {at.line + 1, 1};
    if (rest.size() > 4 && rest[3] == '\r' && rest[4] == '\n') return {at.line + 1, 1};
    return {at.line, at.column + 3};
  }
  return {at.line, at.column + 1};
}

bool ReadFileText(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

constexpr size_t kMaxRuleFileBytes = 4u << 20;

bool IsSeverity(std::string_view s) {
  return s == "low" || s == "medium" || s == "high" || s == "critical";
}

// Reads [[rule.severity_mapping]] and [[rule.risk_score_mapping]] as Kibana's
// rule schema has them: tables with a string `field`, operator "equals" (its
// only operator) and a string `value`; severity entries also name a valid
// severity. On a malformed entry sets *error and *pos and returns false.
bool ReadMappings(const toml::table& r, Rule* rule, SourcePos* pos, std::string* error) {
  for (std::string_view key : {"severity_mapping", "risk_score_mapping"}) {
    const toml::node* node = r.get(key);
    if (!node) continue;
    *pos = PosOf(node);
    const toml::array* entries = node->as_array();
    if (!entries) {
      *error = std::string(key) + " is not an array of tables ([[rule." + std::string(key) + "]])";
      return false;
    }
    bool severity = key == "severity_mapping";
    for (const toml::node& e : *entries) {
      *pos = PosOf(&e);
      const toml::table* t = e.as_table();
      std::string where = std::string(key) + " entry";
      if (!t) {
        *error = where + " is not a table";
        return false;
      }
      if (Str(*t, "field").empty() || !(*t)["value"].is_string()) {
        *error = where + " needs a string `field` and a string `value`";
        return false;
      }
      if (Str(*t, "operator") != "equals") {
        *error = where + ": operator must be \"equals\" (Kibana's only mapping operator)";
        return false;
      }
      if (severity && !IsSeverity(Str(*t, "severity"))) {
        *error = where + ": severity must be low, medium, high or critical";
        return false;
      }
      if (severity)
        rule->severity_mapping.push_back(
            {Str(*t, "field"), Str(*t, "operator"), Str(*t, "value"), Str(*t, "severity")});
      else
        rule->risk_score_mapping.push_back(
            {Str(*t, "field"), Str(*t, "operator"), Str(*t, "value")});
    }
    (severity ? rule->severity_mapping_json : rule->risk_score_mapping_json) = TomlToJson(*node);
  }
  return true;
}

// Kibana's threshold schema: `field` a string or at most 5 strings, `value`
// at least 1, each cardinality entry a field and a value of at least 0.
constexpr size_t kMaxThresholdFields = 5;

// Reads [rule.threshold] into `rule` and its API form into `params`
// (`field` always a list). On a malformed table sets *error and *pos.
bool ReadThreshold(const toml::table& r, SourcePos rule_pos, Rule* rule, toml::table* params,
                   SourcePos* pos, std::string* error) {
  const toml::table* th = r.get_as<toml::table>("threshold");
  *pos = rule_pos;
  if (!th) {
    *error = "threshold rule without [rule.threshold]";
    return false;
  }
  *pos = PosOf(th);
  rule->threshold_fields = StrList(*th, "field");
  if (const toml::node* f = th->get("field")) *pos = PosOf(f);
  if (rule->threshold_fields.size() > kMaxThresholdFields) {
    *error = "threshold.field has " + std::to_string(rule->threshold_fields.size()) +
             " fields; Kibana allows at most 5";
    return false;
  }
  for (const std::string& f : rule->threshold_fields)
    if (f.empty()) {
      *error = "empty threshold field name";
      return false;
    }
  const toml::node* value = th->get("value");
  if (!value) {
    *pos = PosOf(th);
    *error = "[rule.threshold] has no value (the count a group must reach)";
    return false;
  }
  *pos = PosOf(value);
  rule->threshold_value = *value->value<int64_t>();  // an integer: CheckKeyTypes said so
  if (rule->threshold_value < 1) {
    *error = "threshold.value = " + std::to_string(rule->threshold_value) + " is below 1";
    return false;
  }
  toml::table api;
  toml::array fields;
  for (const std::string& f : rule->threshold_fields) fields.push_back(f);
  api.insert("field", std::move(fields));
  api.insert("value", rule->threshold_value);
  if (const toml::array* entries = th->get_as<toml::array>("cardinality")) {
    toml::array cardinality;
    for (const toml::node& e : *entries) {
      const toml::table& t = *e.as_table();  // tables: CheckKeyTypes said so
      *pos = PosOf(&e);
      const toml::node* n = t.get("value");
      if (Str(t, "field").empty() || !n) {
        *error = "threshold.cardinality entry needs a `field` and a `value`";
        return false;
      }
      int64_t v = *n->value<int64_t>();
      if (v < 0) {
        *pos = PosOf(n);
        *error = "threshold.cardinality value = " + std::to_string(v) + " is below 0";
        return false;
      }
      rule->threshold_cardinality.push_back({Str(t, "field"), v});
      cardinality.push_back(toml::table{{"field", Str(t, "field")}, {"value", v}});
    }
    api.insert("cardinality", std::move(cardinality));
  }
  params->insert_or_assign("threshold", std::move(api));
  return true;
}

}  // namespace

std::string LoadIssue::ToString() const {
  std::string out = path;
  if (line) out += ":" + std::to_string(line);
  if (column) out += ":" + std::to_string(column);
  // KQL messages already start with the position.
  if (message.compare(0, path.size(), path) == 0) return message;
  return out + ": " + message;
}

RuleType RuleTypeFromName(std::string_view n) {
  if (n == "query") return RuleType::kQuery;
  if (n == "new_terms") return RuleType::kNewTerms;
  if (n == "eql") return RuleType::kEql;
  if (n == "esql") return RuleType::kEsql;
  if (n == "threshold") return RuleType::kThreshold;
  if (n == "threat_match") return RuleType::kThreatMatch;
  if (n == "machine_learning") return RuleType::kMachineLearning;
  if (n == "saved_query") return RuleType::kSavedQuery;
  return RuleType::kUnknown;
}

std::shared_ptr<Rule> LoadRuleText(std::string_view text, const std::string& path,
                                   const event::FieldTypes& types, const LoadOptions& options,
                                   std::vector<LoadIssue>* errors,
                                   std::vector<LoadIssue>* warnings) {
  auto error = [&](SourcePos pos, std::string msg) {
    errors->push_back({path, pos.line, pos.column, std::move(msg)});
    return nullptr;
  };
  auto warn = [&](SourcePos pos, std::string msg) {
    warnings->push_back({path, pos.line, pos.column, std::move(msg)});
  };
  if (text.size() > kMaxRuleFileBytes)
    return error({}, "rule file larger than " + std::to_string(kMaxRuleFileBytes) + " bytes");

  // toml++ and TomlToJson recurse once per nesting level: bound it first.
  if (auto deep = FindExcessiveTomlDepth(text))
    return error({deep->line, deep->column}, deep->message);
  toml::table doc;
  try {
    doc = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return error({static_cast<uint32_t>(b.line), static_cast<uint32_t>(b.column)},
                 "TOML syntax error: " + std::string(e.description()));
  }
  // A key of the wrong type would read as absent (an empty query matches
  // every event): every one is an error at its value.
  std::vector<KeyTypeProblem> type_problems = CheckKeyTypes(doc);
  for (const KeyTypeProblem& p : type_problems) error(PosOf(p.node), p.message);
  if (!type_problems.empty()) return nullptr;
  const toml::table* rt = doc.get_as<toml::table>("rule");
  if (!rt) return error({1, 1}, "no [rule] table");
  auto rule = std::make_shared<Rule>();
  rule->path = path;
  if (const auto* md = doc.get_as<toml::table>("metadata")) {
    rule->creation_date = Str(*md, "creation_date");
    rule->updated_date = Str(*md, "updated_date");
    rule->maturity = Str(*md, "maturity");
    rule->integration = StrList(*md, "integration");
  }
  const toml::table& r = *rt;
  SourcePos rule_pos = PosOf(rt);
  rule->rule_id = Str(r, "rule_id");
  rule->name = Str(r, "name");
  rule->description = Str(r, "description");
  rule->severity = Str(r, "severity");
  rule->type_name = Str(r, "type");
  rule->type = RuleTypeFromName(rule->type_name);
  rule->language = Str(r, "language");
  rule->query = Str(r, "query");
  rule->note = Str(r, "note");
  rule->setup = Str(r, "setup");
  rule->license = Str(r, "license");
  rule->building_block_type = Str(r, "building_block_type");
  rule->timestamp_override = Str(r, "timestamp_override");
  rule->event_category_override = Str(r, "event_category_override");
  rule->tiebreaker_field = Str(r, "tiebreaker_field");
  rule->timestamp_field = Str(r, "timestamp_field");
  rule->author = StrList(r, "author");
  rule->index = StrList(r, "index");
  rule->tags = StrList(r, "tags");
  rule->references = StrList(r, "references");
  rule->false_positives = StrList(r, "false_positives");
  // Kibana's ranges: risk_score 0..100, max_signals and version at least 1.
  struct IntKey {
    std::string_view key;
    int64_t min, max;
    int* out;
  };
  for (const IntKey& k : {IntKey{"risk_score", 0, 100, &rule->risk_score},
                          IntKey{"max_signals", 1, INT32_MAX, &rule->max_signals},
                          IntKey{"version", 1, INT32_MAX, &rule->version}}) {
    const toml::node* n = r.get(k.key);
    if (!n) continue;
    int64_t v = *n->value<int64_t>();  // an integer: CheckKeyTypes said so
    if (v < k.min || v > k.max)
      return error(PosOf(n), std::string(k.key) + " = " + std::to_string(v) + " is outside " +
                                 std::to_string(k.min) + ".." + std::to_string(k.max));
    *k.out = static_cast<int>(v);
  }
  rule->threat = ThreatsOf(r);
  if (const auto* threat = r.get("threat"))
    rule->threat_json = TomlToJson(*threat);
  else
    rule->threat_json = "[]";

  if (rule->rule_id.empty()) return error(rule_pos, "[rule] has no rule_id");
  if (rule->type_name.empty()) return error(rule_pos, "[rule] has no type");

  // A query error at its position in the file, with the query line and a caret.
  auto query_error = [&](const kql::ParseError& e) {
    uint32_t line = rule->query_pos.line + e.line - 1;
    uint32_t col = e.line == 1 ? rule->query_pos.column + e.column - 1 : e.column;
    errors->push_back({path, line, col,
                       e.Render(rule->query, path, rule->query_pos.line, rule->query_pos.column)});
    return false;
  };
  // Parses and compiles the query, reporting a syntax error, or a value
  // Elasticsearch would reject when the rule runs, at its position in the
  // file. Only a rule that will run keeps its matcher and warnings.
  auto compile_query = [&](const toml::node* qnode, bool will_run) {
    rule->query_pos = QueryStart(text, PosOf(qnode));
    auto parsed = kql::Parse(rule->query);
    if (!parsed.ok()) return query_error(parsed.error);
    rule->ast = std::move(parsed.root);
    auto compiled = kql::Compile(*rule->ast, types, options.compile);
    if (!compiled.ok())
      return query_error(kql::ErrorAt(rule->query, compiled.error.offset, compiled.error.message));
    if (will_run) {
      for (const auto& w : compiled.warnings) warn(rule->query_pos, "query: " + w);
      rule->matcher = std::move(compiled.matcher);
    }
    return true;
  };

  // Parses, verifies and compiles an EQL query with the rule's EQL
  // settings; a problem is reported at its position in the file.
  auto compile_eql = [&](const toml::node* qnode) {
    rule->query_pos = QueryStart(text, PosOf(qnode));
    eql::QueryOptions qopts;
    if (!rule->event_category_override.empty())
      qopts.event_category_field = rule->event_category_override;
    if (!rule->timestamp_field.empty()) qopts.timestamp_field = rule->timestamp_field;
    qopts.tiebreaker_field = rule->tiebreaker_field;
    qopts.compile.now = options.compile.now;
    auto compiled = eql::CompileQuery(rule->query, types, qopts);
    if (!compiled.ok()) {
      const auto& e = compiled.error;
      uint32_t line, column;
      eql::ParseError::LineColumn(rule->query, e.offset, &line, &column);
      errors->push_back(
          {path, rule->query_pos.line + line - 1,
           line == 1 ? rule->query_pos.column + column - 1 : column,
           e.Render(rule->query, path, rule->query_pos.line, rule->query_pos.column)});
      return false;
    }
    for (const auto& w : compiled.warnings) warn(rule->query_pos, "query: " + w);
    rule->eql = std::move(compiled.query);
    return true;
  };

  if (!rule->supported() && !rule->is_eql()) {
    // Not evaluated, but a kuery query (threshold, threat_match) is still
    // checked so that a broken one is reported.
    if (rule->language == "kuery" && !rule->query.empty() &&
        !compile_query(r.get("query"), /*will_run=*/false))
      return nullptr;
    return rule;  // named and counted by the caller
  }
  if (rule->name.empty()) return error(rule_pos, "[rule] has no name");

  if (const auto* n = r.get("from")) {
    rule->from = Str(r, "from");
    rule->from_set = true;
    auto ms = ParseNowMinus(rule->from);
    if (!ms) return error(PosOf(n), "from = \"" + rule->from + "\" is not date math like now-9m");
    rule->lookback_ms = *ms;
  }
  if (const auto* n = r.get("interval")) {
    rule->interval = Str(r, "interval");
    rule->interval_set = true;
    auto ms = ParseInterval(rule->interval);
    if (!ms) return error(PosOf(n), "interval = \"" + rule->interval + "\" is not like 5m");
    rule->interval_ms = *ms;
  }

  SourcePos mapping_pos;
  std::string mapping_error;
  if (!ReadMappings(r, rule.get(), &mapping_pos, &mapping_error))
    return error(mapping_pos, mapping_error);
  if (!ReadAlertSuppression(r, &rule->alert_suppression, &mapping_pos, &mapping_error))
    return error(mapping_pos, mapping_error);

  // new_terms: the TOML form ([rule.new_terms] field/value and
  // history_window_start table) or the API form.
  toml::table params = r;
  // Kibana's rule parameters always carry both mappings ([] by default).
  params.insert("severity_mapping", toml::array{});
  params.insert("risk_score_mapping", toml::array{});
  if (rule->type == RuleType::kNewTerms) {
    SourcePos nt_pos = rule_pos;
    if (const auto* nt = r.get_as<toml::table>("new_terms")) {
      nt_pos = PosOf(nt);
      rule->new_terms_fields = StrList(*nt, "value");
      if (const auto* h = nt->get_as<toml::array>("history_window_start"))
        for (const auto& e : *h)
          if (const auto* ht = e.as_table()) rule->history_window_start = Str(*ht, "value");
    } else {
      rule->new_terms_fields = StrList(r, "new_terms_fields");
      rule->history_window_start = Str(r, "history_window_start");
    }
    if (rule->new_terms_fields.empty())
      return error(nt_pos, "new_terms rule without new_terms fields ([rule.new_terms] value)");
    for (const auto& f : rule->new_terms_fields)
      if (f.empty()) return error(nt_pos, "empty new_terms field name");
    if (rule->new_terms_fields.size() > 3)
      warn(nt_pos, "new_terms with " + std::to_string(rule->new_terms_fields.size()) +
                       " fields: Kibana allows at most 3; picket evaluates all of them");
    if (rule->history_window_start.empty())
      return error(nt_pos, "new_terms rule without history_window_start");
    auto window = ParseNowMinus(rule->history_window_start);
    if (!window)
      return error(nt_pos, "history_window_start \"" + rule->history_window_start +
                               "\" is not date math like now-7d");
    rule->history_window_ms = *window;
    params.erase("new_terms");
    toml::array fields;
    for (const auto& f : rule->new_terms_fields) fields.push_back(f);
    params.insert_or_assign("new_terms_fields", std::move(fields));
    params.insert_or_assign("history_window_start", rule->history_window_start);
  }
  if (rule->type == RuleType::kThreshold) {
    SourcePos th_pos;
    std::string th_error;
    if (!ReadThreshold(r, rule_pos, rule.get(), &params, &th_pos, &th_error))
      return error(th_pos, th_error);
  }
  rule->params_json = TomlToJson(params);

  const toml::node* qnode = r.get("query");
  if (!qnode) return error(rule_pos, "[rule] has no query");
  if (rule->is_eql()) return compile_eql(qnode) ? rule : nullptr;
  if (!compile_query(qnode, /*will_run=*/true)) return nullptr;
  return rule;
}

std::map<std::string, size_t> RuleSet::CountsByType() const {
  std::map<std::string, size_t> out;
  for (const auto& r : rules) ++out[r->type_name];
  return out;
}

std::vector<std::shared_ptr<const Rule>> RuleSet::Runnable() const {
  std::vector<std::shared_ptr<const Rule>> out;
  for (const auto& r : rules)
    if (r->supported()) out.push_back(r);
  return out;
}

std::vector<std::shared_ptr<const Rule>> RuleSet::NotRunnable() const {
  std::vector<std::shared_ptr<const Rule>> out;
  for (const auto& r : rules)
    if (!r->supported()) out.push_back(r);
  return out;
}

std::map<std::string, size_t> RuleSet::UnsupportedByType() const {
  std::map<std::string, size_t> out;
  for (const auto& u : unsupported) ++out[u.type];
  return out;
}

namespace {

void AddRule(std::shared_ptr<Rule> rule, RuleSet* set, std::set<std::string>* ids) {
  if (!rule) return;
  if (!rule->supported() && !rule->eql) {
    std::string type = rule->type_name;
    if (rule->type == RuleType::kQuery || rule->type == RuleType::kNewTerms)
      type += "/" + (rule->language.empty() ? std::string("no language") : rule->language);
    set->unsupported.push_back({rule->path, rule->rule_id, rule->name, type, rule->ast != nullptr});
    return;
  }
  if (!ids->insert(rule->rule_id).second) {
    set->errors.push_back(
        {rule->path, 0, 0, "duplicate rule_id " + rule->rule_id + " (already loaded); skipped"});
    return;
  }
  set->rules.push_back(std::move(rule));
}

}  // namespace

RuleSet LoadRules(const std::vector<std::string>& paths, const event::FieldTypes& types,
                  const LoadOptions& options) {
  namespace fs = std::filesystem;
  RuleSet set;
  std::set<std::string> ids;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file() || it->path().extension() != ".toml") continue;
        std::string f = it->path().string();
        if (options.skip_deprecated_dir && f.find("/_deprecated/") != std::string::npos) continue;
        found.push_back(f);
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      set.errors.push_back({p, 0, 0, "no such file or directory"});
    }
  }
  for (const auto& f : files) {
    ++set.files;
    std::string text;
    if (!ReadFileText(f, &text)) {
      set.errors.push_back({f, 0, 0, "cannot read file"});
      continue;
    }
    AddRule(LoadRuleText(text, f, types, options, &set.errors, &set.warnings), &set, &ids);
  }
  return set;
}

RuleSet LoadBundledRules(const event::FieldTypes& types, const LoadOptions& options) {
  RuleSet set;
  std::set<std::string> ids;
  for (std::string_view name : EmbeddedFilesUnder("rules/")) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".toml") continue;
    ++set.files;
    AddRule(LoadRuleText(EmbeddedFile(name), "bundled:" + std::string(name), types, options,
                         &set.errors, &set.warnings),
            &set, &ids);
  }
  return set;
}

}  // namespace picket::rules

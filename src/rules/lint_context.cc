// LintContext: positions in the TOML file and in the query, and the facts
// about a rule that several checks need (see lint_context.h).
#include "rules/lint_context.h"

#include <algorithm>

#include "eql/eql.h"
#include "kql/parser.h"
#include "util/time.h"

namespace picket::rules::lint {
namespace {

LintSeverity SeverityOf(std::string_view check) {
  for (const auto& info : LintChecks())
    if (info.id == check) return info.severity;
  return LintSeverity::kError;  // an unlisted check is a bug; never hide it
}

// Byte index of a 1-based (line, column) in `text`.
size_t IndexOf(std::string_view text, uint32_t line, uint32_t column) {
  size_t index = 0;
  for (uint32_t l = 1; l < line && index < text.size(); ++l) {
    size_t nl = text.find('\n', index);
    if (nl == std::string_view::npos) return text.size();
    index = nl + 1;
  }
  return std::min(text.size(), index + (column > 0 ? column - 1 : 0));
}

// The values of a value expression that is a literal or an `or` of
// literals, none of them wildcards; else nullopt.
std::optional<std::vector<std::string>> ExactAlternatives(const kql::ValueNode& value) {
  if (value.kind == kql::ValueKind::kLiteral) {
    if (value.literal.wildcard) return std::nullopt;
    return std::vector<std::string>{value.literal.text};
  }
  if (value.kind != kql::ValueKind::kOr) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& child : value.children) {
    auto sub = ExactAlternatives(*child);
    if (!sub) return std::nullopt;
    out.insert(out.end(), sub->begin(), sub->end());
  }
  return out;
}

void CollectRequiredTerms(const kql::Node& node,
                          std::map<std::string, std::vector<std::string>>* out) {
  if (node.kind == kql::NodeKind::kAnd) {
    for (const auto& child : node.children) CollectRequiredTerms(*child, out);
    return;
  }
  if (node.kind != kql::NodeKind::kMatch || !node.value) return;
  auto values = ExactAlternatives(*node.value);
  if (!values) return;
  auto [it, inserted] = out->emplace(node.field, *values);
  if (!inserted) {  // two conjuncts on one field: an event satisfies both
    std::vector<std::string> both;
    for (const auto& v : it->second)
      if (std::find(values->begin(), values->end(), v) != values->end()) both.push_back(v);
    it->second = std::move(both);
  }
}

}  // namespace

LintContext::LintContext(std::string_view text, std::string path, const event::FieldTypes& types,
                         std::vector<LintFinding>* out)
    : types(types),
      attack(AttackData::BuiltIn()),
      events(EventFieldCatalog::BuiltIn()),
      text_(text),
      path_(std::move(path)),
      out_(out) {}

void LintContext::Report(std::string_view check, Pos pos, std::string message, std::string hint) {
  LintFinding f;
  f.path = path_;
  f.line = pos.line;
  f.column = pos.column;
  f.rule_id = rule_id;
  f.severity = SeverityOf(check);
  f.check = std::string(check);
  f.message = std::move(message);
  f.hint = std::move(hint);
  out_->push_back(std::move(f));
}

std::string_view LintContext::file_name() const {
  std::string_view p = path_;
  size_t slash = p.find_last_of('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

std::string LintContext::os_dir() const {
  // ".../rules/<os>/file.toml" or "rules/<os>/file.toml" (also under
  // embedded: paths). Only the directory right below a `rules` directory
  // counts, as in detection-rules.
  for (std::string_view os : {"macos", "linux", "windows"}) {
    std::string needle = "rules/" + std::string(os) + "/";
    size_t at = path_.find(needle);
    if (at != std::string::npos && (at == 0 || path_[at - 1] == '/' || path_[at - 1] == ':'))
      return std::string(os);
  }
  return "";
}

Pos LintContext::PosOf(const toml::node* node) const {
  if (!node) return {};
  const auto& src = node->source();
  return {static_cast<uint32_t>(src.begin.line), static_cast<uint32_t>(src.begin.column)};
}

Pos LintContext::PosOfKey(const toml::table* table, std::string_view key) const {
  if (!table) return {};
  if (const toml::node* node = table->get(key)) return PosOf(node);
  return PosOf(table);
}

std::optional<std::string> LintContext::GetString(const toml::table* table, std::string_view key) {
  if (!table) return std::nullopt;
  if (auto value = (*table)[key].value<std::string>()) return *value;
  return std::nullopt;
}

std::vector<std::string> LintContext::GetStrings(const toml::table* table, std::string_view key) {
  std::vector<std::string> out;
  if (!table) return out;
  if (const toml::array* array = (*table)[key].as_array())
    for (const auto& item : *array)
      if (auto s = item.value<std::string>()) out.push_back(*s);
  return out;
}

Pos LintContext::QueryPos(uint32_t offset) const {
  if (!query_start_known_) return query_start_;
  offset = std::min<uint32_t>(offset, query.size());
  std::string_view before = std::string_view(query).substr(0, offset);
  size_t newlines = std::count(before.begin(), before.end(), '\n');
  if (newlines == 0) return {query_start_.line, query_start_.column + offset};
  size_t last = before.rfind('\n');
  return {static_cast<uint32_t>(query_start_.line + newlines),
          static_cast<uint32_t>(offset - last)};
}

void PrepareContext(LintContext& ctx) {
  const toml::table* rule = ctx.rule;
  ctx.indices = LintContext::GetStrings(rule, "index");
  ctx.tags = LintContext::GetStrings(rule, "tags");

  ctx.endpoint_only = !ctx.indices.empty();
  for (const auto& index : ctx.indices) {
    constexpr std::string_view kEndpoint = "logs-endpoint.events.";
    bool endpoint = index.rfind(kEndpoint, 0) == 0;
    ctx.endpoint_only = ctx.endpoint_only && endpoint;
    ctx.any_endpoint = ctx.any_endpoint || endpoint;
    if (!endpoint) continue;
    std::string rest = index.substr(kEndpoint.size());
    while (!rest.empty() && (rest.back() == '*' || rest.back() == '-')) rest.pop_back();
    if (!rest.empty() && rest.find('*') == std::string::npos)
      ctx.datasets.insert("endpoint.events." + rest);
  }

  if (auto from = LintContext::GetString(rule, "from"))
    if (auto ms = ParseNowMinus(*from)) ctx.lookback_ms = *ms;

  std::string type = LintContext::GetString(rule, "type").value_or("");
  std::string language = LintContext::GetString(rule, "language").value_or("");
  ctx.runs_kql =
      (type == "query" || type == "new_terms" || type == "threshold") && language == "kuery";
  if (rule) {
    if (const toml::node* q = rule->get("query")) {
      if (auto text = q->value<std::string>()) {
        ctx.query = *text;
        // Find where the string's content starts: after its opening
        // delimiter, and after the newline that TOML trims right after a
        // multi-line opener.
        Pos at = ctx.PosOf(q);
        size_t index = IndexOf(ctx.text_, at.line, at.column);
        std::string_view rest = ctx.text_.substr(index);
        uint32_t line = at.line, column = at.column;
        if (rest.rfind("'''", 0) == 0 || rest.rfind("\"\"\"", 0) == 0) {
          column += 3;
          rest.remove_prefix(3);
          if (rest.rfind("\r\n", 0) == 0 || rest.rfind("\n", 0) == 0) {
            ++line;
            column = 1;
          }
        } else if (!rest.empty() && (rest[0] == '\'' || rest[0] == '"')) {
          column += 1;
        }
        ctx.query_start_ = {line, column};
        ctx.query_start_known_ = at.line > 0;
      }
    }
  }
  if (ctx.runs_kql && !ctx.query.empty()) {
    auto parsed = kql::Parse(ctx.query);
    if (parsed.ok()) {
      ctx.query_ast = std::move(parsed.root);
      CollectRequiredTerms(*ctx.query_ast, &ctx.required_terms);
    }
  }
  ctx.is_eql = type == "eql" && language == "eql";
  if (ctx.is_eql && !ctx.query.empty()) {
    eql::QueryOptions options;
    if (auto f = LintContext::GetString(rule, "event_category_override"))
      options.event_category_field = *f;
    if (auto f = LintContext::GetString(rule, "timestamp_field")) options.timestamp_field = *f;
    if (auto f = LintContext::GetString(rule, "tiebreaker_field")) options.tiebreaker_field = *f;
    auto compiled = eql::CompileQuery(ctx.query, ctx.types, options);
    if (compiled.ok()) {
      ctx.eql_query = std::move(compiled.query);
      // Terms every event of the rule carries (the first filter's: every
      // sequence has it), for the OSes the rule targets.
      const eql::Query& q = *ctx.eql_query;
      const eql::Filter& f = q.type == eql::QueryType::kEvent ? q.event : q.stages.front().filter;
      for (const auto& t : f.facts.terms) {
        if (t.lowered) continue;  // not the values as written
        auto& values = ctx.required_terms[t.field];
        values.insert(values.end(), t.values.begin(), t.values.end());
      }
    } else {
      ctx.eql_problems = std::move(compiled.problems);
    }
  }

  std::string dir = ctx.os_dir();
  if (!dir.empty()) ctx.target_oses.insert(dir);
  for (const auto& tag : ctx.tags) {
    if (tag == "OS: macOS") ctx.target_oses.insert("macos");
    if (tag == "OS: Linux") ctx.target_oses.insert("linux");
    if (tag == "OS: Windows") ctx.target_oses.insert("windows");
  }
  auto os = ctx.required_terms.find("host.os.type");
  if (os != ctx.required_terms.end())
    for (const auto& v : os->second) ctx.target_oses.insert(v);
}

bool IsKnownField(const LintContext& ctx, std::string_view field) {
  if (ctx.types.size() == 0) return true;  // --no-ecs: no schema to judge by
  if (field.find('*') != std::string_view::npos) return !ctx.types.Expand(field).empty();
  if (ctx.types.Find(field) || ctx.events.AnyHas(field)) return true;
  // An object field (process.parent) is known when it has known sub-fields;
  // `field:*` on it is meaningful. Expand() answers that cheaply.
  return !ctx.types.Expand(std::string(field) + ".*").empty();
}

namespace {
size_t EditDistance(std::string_view a, std::string_view b, size_t cap) {
  if (a.size() > b.size() + cap || b.size() > a.size() + cap) return cap + 1;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    size_t best = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
      best = std::min(best, row[j]);
    }
    if (best > cap) return cap + 1;
  }
  return row[b.size()];
}
}  // namespace

std::string SuggestField(const LintContext& ctx, std::string_view field) {
  // Candidates share the first path component (process.*, file.*), which
  // keeps the search small and the suggestions relevant.
  std::string_view head = field.substr(0, field.find('.'));
  std::string best;
  size_t best_distance = 3;
  auto candidates = ctx.types.Expand(std::string(head) + ".*");
  // A truncated name (process.parent.exe) is best completed, not edited.
  for (const auto& candidate : candidates)
    if (candidate.size() > field.size() && candidate.compare(0, field.size(), field) == 0 &&
        (best.empty() || candidate.size() < best.size()))
      best = candidate;
  if (!best.empty()) return best;
  for (const auto& candidate : candidates) {
    size_t d = EditDistance(field, candidate, 2);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace picket::rules::lint

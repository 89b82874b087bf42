#include "cli/common.h"

#include <unistd.h>

#include <cstdio>
#include <map>

#include "event/es_mapping.h"

namespace picket::cli {

void AddMaxLagOption(CLI::App* cmd, int64_t* ms) {
  cmd->add_option_function<std::string>(
         "--max-lag", [ms](const std::string& text) { *ms = *ParseInterval(text); },
         "How far behind a rule's newest event one EQL join key or threshold group may lag "
         "(another host's clock, a concurrent sender's backlog) and still count; idle sequence "
         "and threshold state is kept that long (e.g. 6h, 2d; default 1d, never less than the "
         "rule's lookback)")
      ->type_name("DURATION")
      ->check([](const std::string& text) {
        std::optional<int64_t> v = ParseInterval(text);
        return v && *v > 0 ? std::string()
                           : "expected a duration such as 30m, 6h or 2d, got '" + text + "'";
      });
}

void AddFieldTypeOptions(CLI::App* cmd, FieldTypeOptions* opts) {
  cmd->add_option("--mapping", opts->mappings,
                  "Elasticsearch mapping of the events: the output of GET <index>/_mapping, a "
                  "{\"properties\": ...} or {\"mappings\": ...} body, or an index/component "
                  "template; its fields override the built-in table (repeat for several files)");
  cmd->add_option("--field-type", opts->overrides,
                  "Set a field's mapping type for custom data, e.g. --field-type my.addr=ip "
                  "(repeat for several; types: keyword, wildcard, text, match_only_text, ip, "
                  "long, double, date, boolean, ...)");
  cmd->add_option("--field-types", opts->files,
                  "File of 'field type' lines (or field=type) adding to or overriding the "
                  "built-in ECS + Elastic Defend mapping table (repeatable)");
  cmd->add_flag("--no-ecs", opts->no_builtin,
                "Do not use the built-in mapping table (every field is typed by its JSON value)");
}

std::shared_ptr<const event::FieldTypes> BuildFieldTypes(const FieldTypeOptions& opts,
                                                         std::string* error) {
  if (opts.overrides.empty() && opts.files.empty() && opts.mappings.empty())
    return opts.no_builtin ? std::make_shared<event::FieldTypes>() : event::FieldTypes::BuiltIn();
  auto types = opts.no_builtin ? std::make_shared<event::FieldTypes>()
                               : std::make_shared<event::FieldTypes>(*event::FieldTypes::BuiltIn());
  for (const auto& m : opts.mappings) {
    std::vector<std::string> warnings;
    bool ok = event::LoadEsMappingFile(m, types.get(), &warnings, error);
    for (const auto& w : warnings) fprintf(stderr, "picket: warning: %s\n", w.c_str());
    if (!ok) return nullptr;
  }
  for (const auto& f : opts.files)
    if (!types->LoadFile(f, error)) return nullptr;
  for (const auto& o : opts.overrides) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "--field-type '" + o + "': expected name=type";
      return nullptr;
    }
    if (!types->Set(o.substr(0, eq), o.substr(eq + 1), error)) {
      *error = "--field-type '" + o + "': " + *error;
      return nullptr;
    }
  }
  return types;
}

bool ParseNowOption(const std::string& text, TimeMs* now, std::string* error) {
  if (text.empty()) {
    *now = NowMs();
    return true;
  }
  auto d = ParseDate(text);
  if (!d) {
    *error = "--now '" + text + "' is not an ISO-8601 date or epoch milliseconds";
    return false;
  }
  *now = d->ms;
  return true;
}

InputErrorPrinter::~InputErrorPrinter() {
  if (count_ > limit_)
    fprintf(stderr, "picket: %zu more malformed lines not shown\n", count_ - limit_);
}

void InputErrorPrinter::operator()(const io::InputError& e) {
  if (++count_ <= limit_) fprintf(stderr, "picket: %s\n", e.ToString().c_str());
}

bool StderrIsTty() { return isatty(2) == 1; }

void NoteNotRunnable(const rules::RuleSet& set, std::string_view command, bool quiet) {
  auto not_run = set.NotRunnable();
  if (not_run.empty() || quiet) return;
  std::map<std::string, size_t> by_type;
  for (const auto& r : not_run) ++by_type[r->type_name];
  std::string kinds;
  for (const auto& [type, n] : by_type) kinds += " " + std::to_string(n) + " " + type;
  fprintf(stderr, "picket %.*s: %zu loaded rules not run:%s\n", static_cast<int>(command.size()),
          command.data(), not_run.size(), kinds.c_str());
}

}  // namespace picket::cli

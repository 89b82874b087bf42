// Options and helpers shared by several subcommands: field type overrides,
// a fixed clock, reading inputs with malformed-line reporting.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "event/field_types.h"
#include "io/event_stream.h"
#include "rules/loader.h"
#include "util/time.h"

namespace picket::cli {

// Where field types come from, later sources overriding earlier ones field
// by field: the built-in ECS + Elastic Defend table (unless --no-ecs), each
// --mapping file in order (Elasticsearch mappings and templates), each
// --field-types file in order, then each --field-type.
struct FieldTypeOptions {
  std::vector<std::string> mappings;   // --mapping FILE
  std::vector<std::string> files;      // --field-types FILE
  std::vector<std::string> overrides;  // --field-type name=type
  bool no_builtin = false;             // --no-ecs
};
void AddFieldTypeOptions(CLI::App* cmd, FieldTypeOptions* opts);
// The table the options describe. Mapping warnings go to stderr. Returns
// null with *error on a bad option or file.
std::shared_ptr<const event::FieldTypes> BuildFieldTypes(const FieldTypeOptions& opts,
                                                         std::string* error);

// --max-lag DURATION on `cmd`, into *ms (-2 = not given: the engine's
// default). See engine::DetectorOptions::max_lag_ms.
void AddMaxLagOption(CLI::App* cmd, int64_t* ms);

// --now: ISO-8601 or epoch millis; empty = the current time.
bool ParseNowOption(const std::string& text, TimeMs* now, std::string* error);

// Prints input errors to stderr as "picket: file:line: reason", at most
// `limit` of them, then one line saying how many more were suppressed.
class InputErrorPrinter {
 public:
  explicit InputErrorPrinter(size_t limit = 100) : limit_(limit) {}
  ~InputErrorPrinter();
  void operator()(const io::InputError& e);
  size_t count() const { return count_; }

 private:
  size_t limit_;
  size_t count_ = 0;
};

bool StderrIsTty();

// Names, on stderr, the loaded rules the engine does not run yet (eql),
// counted by type: "picket run: 12 loaded rules not run: 12 eql (the
// engine does not run EQL yet)". Nothing when there are none or `quiet`.
void NoteNotRunnable(const rules::RuleSet& set, std::string_view command, bool quiet);

}  // namespace picket::cli

// libFuzzer target: rule file bytes -> the rule loader and the linter. Neither
// may crash, hang or throw, whatever the bytes. When the nesting pre-scan
// (rules/toml_depth.h) accepts a document that toml++ then parses, the
// parsed tree must be no deeper than the bound allows: twice kMaxTomlDepth
// plus one, since an array-of-tables header component can stand for an
// array and its element. A deeper tree means the scan was fooled.
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "event/field_types.h"
#include "rules/lint.h"
#include "rules/loader.h"
#include "rules/toml_depth.h"
#include "toml_tree_depth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static auto types = picket::event::FieldTypes::BuiltIn();
  std::vector<picket::rules::LoadIssue> errors, warnings;
  picket::rules::LoadRuleText(text, "fuzz.toml", *types, {}, &errors, &warnings);
  for (const auto& e : errors) (void)e.ToString();
  picket::rules::LintRuleText(text, "rules/macos/fuzz.toml");

  if (!picket::rules::FindExcessiveTomlDepth(text)) {
    try {
      toml::table doc = toml::parse(text);
      if (picket::testing::TomlTreeDepth(doc) > 2 * picket::rules::kMaxTomlDepth + 1) abort();
    } catch (const toml::parse_error&) {
    }
  }
  return 0;
}

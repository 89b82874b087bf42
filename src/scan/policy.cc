// Allowlist-first judgement of simulated pickles; see policy.h.
#include "scan/policy.h"

#include "scan/compat_names.h"
#include "scan/danger_rules.h"

namespace picket::scan {

Finding Policy::JudgeGlobal(const GlobalRecord& g, const PolicyContext& context,
                            bool* clean) const {
  Finding f;
  f.global = g.module + "." + g.name;
  f.uses = DescribeUses(g.uses);
  f.opcode = g.opcode;
  f.location = context.location;
  f.offset = (g.uses & (kUseCalled | kUseNewObj)) && g.call_offset ? g.call_offset : g.offset;
  *clean = false;
  if (g.compat_mapped) f.reason = "(Python 2 name " + g.raw_module + "." + g.raw_name + ") ";

  if (g.name_computed) {
    f.severity = Severity::kMalicious;
    f.rule_id = "PKL101";
    f.title = "computed-callable-name";
    f.reason +=
        "the module or name of this global is produced by a call at load time, so the "
        "callable cannot be known before loading";
    return f;
  }
  if (g.opcode.starts_with("EXT")) {
    f.severity = Severity::kSuspicious;
    f.rule_id = "PKL201";
    f.title = "extension-registry";
    f.reason +=
        "copyreg extension code " + g.name + ": the callable depends on the loading process";
    return f;
  }
  // Judge the name CPython would import; also the Python 2 mapping of it, so a
  // proto-3 stream cannot hide a Python 2 spelling either.
  const DangerRules& danger = DangerRules::BuiltIn();
  std::optional<DangerMatch> bad = danger.Match(g.module, g.name);
  if (!bad) {
    QualifiedName mapped = MapPython2Name(g.module, g.name);
    bad = danger.Match(mapped.module, mapped.name);
  }
  if (bad) {
    f.severity = Severity::kMalicious;
    f.rule_id = "PKL100";
    f.title = "dangerous-callable";
    f.reason += bad->reason + " [" + bad->category + "]";
    return f;
  }
  std::optional<uint32_t> allowed = allowlist_.Lookup(g.module, g.name);
  if (g.uses & kUseMutated) {
    f.severity = Severity::kMalicious;
    f.rule_id = "PKL104";
    f.title = "imported-object-mutated";
    f.reason +=
        "BUILD sets attributes on the imported object itself (module state is changed, "
        "a known way to smuggle names past scanners)";
    return f;
  }
  if (g.name.find('.') != std::string::npos && !allowed) {
    f.severity = Severity::kMalicious;
    f.rule_id = "PKL103";
    f.title = "dotted-attribute-path";
    f.reason += "dotted name walks attributes from " + g.module +
                " into other objects (protocol 4 lookup); not on the allowlist";
    return f;
  }
  if (!allowed) {
    bool active = g.uses & (kUseCalled | kUseNewObj | kUseBuilt | kUseItemsAdded);
    if (active && IsDangerousFunctionName(g.name)) {
      f.severity = Severity::kMalicious;
      f.rule_id = "PKL105";
      f.title = "dangerous-function-name";
      f.reason += "not on the allowlist, and '" + g.name +
                  "' is the name of a code, process or I/O entry point";
      return f;
    }
    f.severity = Severity::kSuspicious;
    f.rule_id = g.name_irregular ? "PKL203" : "PKL200";
    f.title = g.name_irregular ? "irregular-global-name" : "global-not-allowlisted";
    f.reason += "not on the allowlist of globals used by legitimate model files";
    if (g.name_irregular) f.reason += " (the name has stray whitespace or is not an identifier)";
    return f;
  }
  uint32_t extra = g.uses & ~*allowed;
  if (extra) {
    f.severity = Severity::kSuspicious;
    f.rule_id = "PKL202";
    f.title = "global-used-unexpectedly";
    f.reason += "allowlisted only as " + DescribeUses(*allowed) + " but " + DescribeUses(extra);
    return f;
  }
  *clean = true;
  return f;
}

void Policy::Judge(const PickleResult& result, const PolicyContext& context,
                   std::vector<Finding>& findings) const {
  for (const GlobalRecord& g : result.globals) {
    bool clean = false;
    Finding f = JudgeGlobal(g, context, &clean);
    if (!clean) findings.push_back(std::move(f));
  }
  for (const DynamicCall& d : result.dynamic_calls) {
    Finding f;
    f.severity = Severity::kMalicious;
    f.rule_id = "PKL102";
    f.title = "call-of-load-time-value";
    f.opcode = d.opcode;
    f.location = context.location;
    f.offset = d.offset;
    f.reason = d.opcode + " calls " + d.what + ": the callable is chosen at load time";
    findings.push_back(std::move(f));
  }
  for (const Anomaly& a : result.anomalies) {
    findings.push_back({Severity::kInfo, "PKL900", "stream-anomaly", "", "", "", context.location,
                        a.offset, a.message});
  }
  if (result.expansion_bomb) {
    Finding f;
    f.severity = Severity::kInconclusive;
    f.rule_id = "SCN306";
    f.title = "expansion-bomb";
    f.location = context.location;
    f.reason =
        "shared references make the object graph explode when traversed "
        "(denial of service against the loader's callers)";
    findings.push_back(std::move(f));
  }
  if (!result.error.empty()) {
    Finding f;
    f.location = context.location;
    f.offset = result.end;
    if (result.limit_hit) {
      f.severity = Severity::kInconclusive;
      f.rule_id = "SCN300";
      f.title = "resource-limit";
      f.reason = "stopped at a resource limit: " + result.error;
    } else if (context.designated || result.ReachedCode()) {
      f.severity = Severity::kInconclusive;
      f.rule_id = "SCN301";
      f.title = "malformed-pickle";
      f.reason = "malformed pickle: " + result.error +
                 " (findings before this point are kept; the rest was not analysed)";
    } else {
      return;
    }
    findings.push_back(std::move(f));
  }
}

}  // namespace picket::scan

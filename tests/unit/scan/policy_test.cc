// Allowlist-first judgement (scan/policy.h, scan/allowlist.h, scan/danger_rules.h).
#include "scan/policy.h"

#include <gtest/gtest.h>

#include "scan/danger_rules.h"
#include "scan_test_util.h"

namespace picket::scan {
namespace {

using namespace picket::scan::testing;

std::vector<Finding> JudgeBytes(const std::string& data,
                                const Allowlist& list = Allowlist::BuiltIn()) {
  Policy policy(list);
  std::vector<Finding> findings;
  policy.Judge(SimulatePickle(data, 0, {}), {"", true}, findings);
  return findings;
}

Severity Worst(const std::vector<Finding>& findings) {
  Severity s = Severity::kInfo;
  for (const auto& f : findings) s = std::max(s, f.severity);
  return s;
}

TEST(Allowlist, ParsesPatternsAndUses) {
  Allowlist list;
  std::string error;
  ASSERT_TRUE(list.AddText("# c\nmypkg.* * new,build\nother fn call  # trailing\n", "t", &error))
      << error;
  EXPECT_EQ(list.Lookup("mypkg.sub", "Cls"), kUseReferenced | kUseNewObj | kUseBuilt);
  EXPECT_EQ(list.Lookup("mypkg", "Cls"), kUseReferenced | kUseNewObj | kUseBuilt);
  EXPECT_FALSE(list.Lookup("mypkgx", "Cls").has_value());
  EXPECT_FALSE(list.Lookup("mypkg.sub", "Cls.attr").has_value());  // * is not dotted
  EXPECT_EQ(list.Lookup("other", "fn"), kUseReferenced | kUseCalled);
}

TEST(Allowlist, RejectsMalformedLinesWithLineNumbers) {
  Allowlist list;
  std::string error;
  EXPECT_FALSE(list.AddText("ok fn call\nbad line\n", "file.txt", &error));
  EXPECT_NE(error.find("file.txt line 2"), std::string::npos);
  EXPECT_FALSE(list.AddText("m n execute\n", "f", &error));
  EXPECT_NE(error.find("unknown use"), std::string::npos);
}

TEST(Policy, AllowlistedUseIsClean) {
  EXPECT_TRUE(JudgeBytes(P2(Global("collections", "OrderedDict") + ")R")).empty());
}

TEST(Policy, UnlistedGlobalIsSuspiciousAndUserAllowlistClearsIt) {
  std::string data = P2(Global("mylib.models", "Net") + ")\x81}b");
  auto findings = JudgeBytes(data);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kSuspicious);
  EXPECT_EQ(findings[0].rule_id, "PKL200");
  Allowlist list = Allowlist::BuiltIn();
  std::string error;
  ASSERT_TRUE(list.AddText("mylib.models Net new,build\n", "user", &error));
  EXPECT_TRUE(JudgeBytes(data, list).empty());
}

TEST(Policy, AllowlistedGlobalUsedOtherwiseIsSuspicious) {
  // torch.Size may be called, but not given items.
  auto findings = JudgeBytes(P2(Global("torch", "Tensor") + ")R"));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule_id, "PKL202");
}

TEST(Policy, DangerTableBeatsUserAllowlist) {
  Allowlist list = Allowlist::BuiltIn();
  std::string error;
  ASSERT_TRUE(list.AddText("os system call\n", "user", &error));
  auto findings = JudgeBytes(P2(Global("os", "system") + "(" + Bu("id") + "tR"), list);
  EXPECT_EQ(Worst(findings), Severity::kMalicious);
}

TEST(Policy, ReferencingADangerousCallableIsMalicious) {
  // functools.partial(os.system, ...) only references os.system.
  auto findings =
      JudgeBytes(P4(Global("builtins", "list") + "(" + StackGlobal("os", "system") + "tR"));
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(Worst(findings), Severity::kMalicious);
}

TEST(Policy, ComputedNamesDottedPathsAndMutationAreMalicious) {
  auto computed = JudgeBytes(P4(StackGlobal("codecs", "decode") + Sbu("bf") + Sbu("rot13") +
                                "\x86R" + Sbu("x") + "\x93" + ")R"));
  bool saw101 = false;
  for (auto& f : computed) saw101 |= f.rule_id == "PKL101" && f.severity == Severity::kMalicious;
  EXPECT_TRUE(saw101);
  auto dotted = JudgeBytes(P4(StackGlobal("somepkg", "inner.thing") + ")R"));
  EXPECT_EQ(Worst(dotted), Severity::kMalicious);
  auto mutated = JudgeBytes(P4(Global("numpy", "prod") + "N}\x86"
                                                         "b"));
  EXPECT_EQ(Worst(mutated), Severity::kMalicious);
}

TEST(Policy, ParseErrorAfterCodeOrInDesignatedStreamIsInconclusive) {
  Policy policy(Allowlist::BuiltIn());
  std::vector<Finding> designated;
  policy.Judge(SimulatePickle("\x80\x02N", 0, {}), {"", true}, designated);
  EXPECT_EQ(Worst(designated), Severity::kInconclusive);
  std::vector<Finding> sniffed;
  policy.Judge(SimulatePickle("\x80\x02N", 0, {}), {"", false}, sniffed);
  EXPECT_TRUE(sniffed.empty());
}

TEST(DangerRules, MatchesThroughDottedAttributePaths) {
  const DangerRules& rules = DangerRules::BuiltIn();
  EXPECT_TRUE(rules.Match("pathlib", "os.system"));
  EXPECT_TRUE(rules.Match("tempfile", "_os.system"));
  EXPECT_EQ(rules.Match("tempfile", "_os.system")->category, "process");
  EXPECT_TRUE(rules.Match("asyncio.unix_events", "_UnixSubprocessTransport._start"));
  EXPECT_FALSE(rules.Match("collections", "OrderedDict"));
  EXPECT_FALSE(rules.Match("torch._utils", "_rebuild_tensor_v2"));
}

}  // namespace
}  // namespace picket::scan

namespace picket::scan {
namespace {

// Issue 16 item 4: gadgets that reach a process or exec under pickle.load are
// malicious (PKL100) whether they are called or only referenced, never
// "suspicious". Each was checked against CPython 3.11 / numpy 1.24 / torch 1.13
// sources: the named callable runs a command or evaluates code.
TEST(DangerRules, EveryProcessAndExecGadgetIsMalicious) {
  const std::pair<const char*, const char*> kGadgets[] = {
      {"numpy.distutils.exec_command", "exec_command"},
      {"numpy.distutils.misc_util", "exec_mod_from_location"},
      {"numpy.distutils.ccompiler", "CCompiler_spawn"},
      {"_bootsubprocess", "_check_cmd"},
      {"pipes", "Template"},
      {"mailcap", "findmatch"},
      {"platform", "_syscmd_file"},
      {"platform", "architecture"},
      {"site", "addpackage"},
      {"tkinter", "Tcl"},
      {"IPython.utils.process", "system"},
      {"operator", "call"},
      {"torch.utils.benchmark.utils.valgrind_wrapper.timer_interface", "GlobalsBridge"},
      {"torch.backends.xeon.run_cpu", "_Launcher"},
      {"torch.testing._internal.common_utils", "shell"},
      {"joblib.externals.loky.backend.popen_loky_posix", "Popen"},
      {"concurrent.futures", "ProcessPoolExecutor"},
      {"yaml", "unsafe_load"},
  };
  for (const auto& [module, name] : kGadgets) {
    for (bool call : {false, true}) {
      std::string body = Global(module, name) + (call ? "(" + Bu("id") + "tR" : "0N");
      auto findings = JudgeBytes(P2(body));
      ASSERT_FALSE(findings.empty()) << module << "." << name;
      EXPECT_EQ(Worst(findings), Severity::kMalicious) << module << "." << name;
      EXPECT_EQ(findings[0].rule_id, "PKL100") << module << "." << name;
    }
  }
  // An unlisted module's function named like a command runner is malicious
  // when called (PKL105), suspicious when only referenced.
  auto called = JudgeBytes(P2(Global("vendor.tools", "exec_command") + "(" + Bu("id") + "tR"));
  EXPECT_EQ(Worst(called), Severity::kMalicious);
  EXPECT_EQ(called[0].rule_id, "PKL105");
}

}  // namespace
}  // namespace picket::scan

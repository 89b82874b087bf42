// End-to-end behaviour on the generated corpus (tests/scan_corpus/generate.py)
// and of the `picket scan` command line. The corpus is generated once into the
// build directory; samples are only ever read as bytes here.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "scan/scanner.h"

namespace picket::scan {
namespace {

namespace fs = std::filesystem;

struct Sample {
  std::string path, expectation, technique;
};

std::string CorpusDir() { return fs::path(PICKET_BINARY).parent_path() / "scan_corpus"; }

// Generates the corpus when missing or older than the generator; a file lock
// keeps parallel test processes from generating it twice.
const std::string& EnsureCorpus() {
  static const std::string dir = [] {
    std::string out = CorpusDir();
    std::string script = std::string(PICKET_SOURCE_DIR) + "/tests/scan_corpus/generate.py";
    fs::create_directories(fs::path(out).parent_path());
    int lock = open((out + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
    if (lock >= 0) flock(lock, LOCK_EX);
    std::error_code ec;
    auto manifest = fs::path(out) / "manifest.tsv";
    if (!fs::exists(manifest) || fs::last_write_time(script) > fs::last_write_time(manifest, ec)) {
      fs::remove_all(out, ec);
      std::string cmd = "/usr/bin/python3 '" + script + "' '" + out + "' > /dev/null";
      if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "corpus generation failed: " << cmd;
    }
    if (lock >= 0) close(lock);
    return out;
  }();
  return dir;
}

std::vector<Sample> Manifest() {
  std::vector<Sample> samples;
  std::ifstream in(EnsureCorpus() + "/manifest.tsv");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Sample s;
    std::getline(fields, s.path, '\t');
    std::getline(fields, s.expectation, '\t');
    std::getline(fields, s.technique, '\t');
    samples.push_back(s);
  }
  return samples;
}

// Why a library's samples were skipped by the generator, or "".
std::string SkipReason(const std::string& group) {
  std::ifstream in(EnsureCorpus() + "/skipped.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(group + "\t")) return line.substr(group.size() + 1);
  }
  return "";
}

bool Meets(Verdict v, const std::string& expectation) {
  if (expectation == "malicious") return v == Verdict::kMalicious;
  if (expectation == "flagged") return v == Verdict::kMalicious || v == Verdict::kSuspicious;
  if (expectation == "not_clean") return v != Verdict::kClean && v != Verdict::kSkipped;
  if (expectation == "inconclusive") return v == Verdict::kInconclusive;
  if (expectation == "clean") return v == Verdict::kClean;
  if (expectation == "skipped") return v == Verdict::kSkipped;
  if (expectation == "error") return v == Verdict::kError;
  return false;
}

Scanner DefaultScanner() { return Scanner(Policy(Allowlist::BuiltIn()), ScanLimits{}); }

std::string Describe(const FileReport& r) {
  std::string s = std::string(VerdictName(r.verdict));
  for (const auto& f : r.findings) {
    if (f.severity != Severity::kInfo) s += "\n  " + f.rule_id + " " + f.global + " " + f.reason;
  }
  return s;
}

// Checks every sample whose path starts with `prefix` and expectation is in
// `expectations`; returns how many were checked.
int CheckSamples(const std::string& prefix, std::initializer_list<std::string> expectations) {
  Scanner scanner = DefaultScanner();
  int checked = 0;
  for (const Sample& s : Manifest()) {
    if (!s.path.starts_with(prefix)) continue;
    if (std::find(expectations.begin(), expectations.end(), s.expectation) == expectations.end())
      continue;
    FileReport r = scanner.ScanFile(EnsureCorpus() + "/" + s.path);
    EXPECT_TRUE(Meets(r.verdict, s.expectation)) << s.path << " (" << s.technique << ") expected "
                                                 << s.expectation << ", got " << Describe(r);
    ++checked;
  }
  return checked;
}

TEST(ScanCorpus, EveryMaliciousSampleIsFlagged) {
  int n = CheckSamples("malicious/", {"malicious", "flagged", "not_clean", "inconclusive"});
  EXPECT_GE(n, 150);
}

TEST(ScanCorpus, PlainAndNumpyBenignFilesAreClean) {
  if (std::string why = SkipReason("numpy"); !why.empty()) GTEST_SKIP() << why;
  EXPECT_GE(CheckSamples("benign/plain_", {"clean"}), 6);
  EXPECT_GE(CheckSamples("benign/numpy_", {"clean"}), 10);
}

TEST(ScanCorpus, TorchBenignFilesAreClean) {
  if (std::string why = SkipReason("torch"); !why.empty()) GTEST_SKIP() << why;
  EXPECT_GE(CheckSamples("benign/torch_", {"clean"}), 8);
}

TEST(ScanCorpus, SklearnAndJoblibBenignFilesAreClean) {
  if (std::string why = SkipReason("sklearn"); !why.empty()) GTEST_SKIP() << why;
  EXPECT_GE(CheckSamples("benign/sklearn_", {"clean"}), 8);
  EXPECT_GE(CheckSamples("benign/joblib_", {"clean"}), 8);
}

TEST(ScanCorpus, NonModelsAreReportedAsSuch) {
  EXPECT_GE(CheckSamples("not_model/", {"skipped"}), 6);
}

TEST(ScanCorpus, ModelFileNamesOverOtherContentAreErrors) {
  EXPECT_GE(CheckSamples("broken/", {"error"}), 8);
  FileReport r = DefaultScanner().ScanFile(EnsureCorpus() + "/broken/model.ckpt");
  EXPECT_EQ(r.error_rule, "SCN310");
  EXPECT_NE(r.error.find("HTML"), std::string::npos) << r.error;
}

TEST(ScanCorpus, MaliciousFindingNamesTheGlobalAndOffset) {
  FileReport r = DefaultScanner().ScanFile(EnsureCorpus() + "/malicious/D27_torch_zip_flag_0x1.pt");
  ASSERT_EQ(r.verdict, Verdict::kMalicious);
  bool found = false;
  for (const auto& f : r.findings) {
    if (f.global == "os.system") {
      found = true;
      EXPECT_EQ(f.location, "archive/data.pkl");
      EXPECT_GT(f.offset, 0u);
    }
  }
  EXPECT_TRUE(found) << Describe(r);
  EXPECT_NE(std::find(r.formats.begin(), r.formats.end(), "pytorch-zip"), r.formats.end());
}

TEST(ScanCorpus, TighterLimitsGiveInconclusiveNeverClean) {
  if (std::string why = SkipReason("torch"); !why.empty()) GTEST_SKIP() << why;
  ScanLimits tight;
  tight.max_opcodes = 20;
  Scanner scanner(Policy(Allowlist::BuiltIn()), tight);
  FileReport r = scanner.ScanFile(EnsureCorpus() + "/benign/torch_state_dict.pt");
  EXPECT_EQ(r.verdict, Verdict::kInconclusive) << Describe(r);
  ScanLimits no_nesting;
  no_nesting.max_nesting = 0;
  FileReport nested = Scanner(Policy(Allowlist::BuiltIn()), no_nesting)
                          .ScanFile(EnsureCorpus() + "/benign/torch_state_dict.pt");
  EXPECT_EQ(nested.verdict, Verdict::kInconclusive) << Describe(nested);
}

// ---- command line

struct RunResult {
  int exit_code;
  std::string out;
};

RunResult RunPicket(const std::string& args) {
  std::string cmd = std::string(PICKET_BINARY) + " " + args + " 2>/dev/null";
  RunResult r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ScanCli, ExitCodesFollowTheDocumentedContract) {
  std::string c = EnsureCorpus();
  EXPECT_EQ(RunPicket("scan " + c + "/benign/plain_p4.pkl").exit_code, 0);
  EXPECT_EQ(RunPicket("scan " + c + "/not_model/readme.txt").exit_code, 0);
  EXPECT_EQ(RunPicket("scan " + c + "/broken/model.ckpt").exit_code, 2);
  EXPECT_EQ(RunPicket("scan " + c + "/broken/empty.pkl").exit_code, 2);
  EXPECT_EQ(RunPicket("scan " + c + "/broken/image.pt").exit_code, 2);
  EXPECT_EQ(RunPicket("scan " + c + "/malicious/A01_os_system_p0.pkl").exit_code, 1);
  EXPECT_EQ(RunPicket("scan " + c + "/malicious/C26_nested_marks.pkl").exit_code, 2);
  EXPECT_EQ(RunPicket("scan /nonexistent/file.pkl").exit_code, 2);
  EXPECT_EQ(RunPicket("scan --format nope " + c + "/benign/plain_p4.pkl").exit_code, 2);
  // A suspicious-only file fails by default but not with --fail-on malicious.
  std::string tmp = ::testing::TempDir() + "/suspicious.pkl";
  std::ofstream(tmp, std::ios::binary) << std::string(
      "\x80\x02"
      "cmylib\nNet\n)\x81.");
  EXPECT_EQ(RunPicket("scan " + tmp).exit_code, 1);
  EXPECT_EQ(RunPicket("scan --fail-on malicious " + tmp).exit_code, 0);
  std::string allow = ::testing::TempDir() + "/allow.txt";
  std::ofstream(allow) << "mylib Net new\n";
  EXPECT_EQ(RunPicket("scan --allowlist " + allow + " " + tmp).exit_code, 0);
  EXPECT_EQ(RunPicket("scan --help").exit_code, 0);
}

TEST(ScanCli, DirectoryJsonReportCoversEveryFile) {
  RunResult r = RunPicket("scan --format json " + EnsureCorpus() + "/not_model");
  EXPECT_EQ(r.exit_code, 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  simdjson::dom::array files;
  ASSERT_EQ(doc["files"].get(files), simdjson::SUCCESS);
  EXPECT_EQ(files.size(), 6u);
  for (auto f : files) EXPECT_EQ(std::string_view(f["verdict"]), "skipped");
}

// Issue 15 item 3: in a directory, a file with a model name but no model is an
// error in every output format; other non-models are listed as skipped.
TEST(ScanCli, BrokenModelFilesAreErrorsInEveryFormat) {
  fs::path dir = fs::path(::testing::TempDir()) / "broken_download";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "README.md") << "# model card\n";
  std::ofstream(dir / "model.ckpt") << "<!DOCTYPE html><html><body>403 Forbidden</body></html>\n";
  std::ofstream(dir / "weights.pkl", std::ios::binary) << std::string("\x80\x04K\x01.", 5);
  RunResult text = RunPicket("scan " + dir.string());
  EXPECT_EQ(text.exit_code, 2) << text.out;
  EXPECT_NE(text.out.find("README.md: skipped"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("model.ckpt: error (not a model file"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("weights.pkl: clean"), std::string::npos) << text.out;

  RunResult json = RunPicket("scan -f json " + dir.string());
  EXPECT_EQ(json.exit_code, 2);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json.out).get(doc), simdjson::SUCCESS) << json.out;
  std::map<std::string, std::string> verdicts;
  for (auto f : doc["files"].get_array()) {
    std::string path{std::string_view(f["path"])};
    verdicts[fs::path(path).filename().string()] = std::string(std::string_view(f["verdict"]));
    if (path.ends_with("model.ckpt")) {
      EXPECT_EQ(std::string_view(f["error_rule"]), "SCN310");
    }
  }
  EXPECT_EQ(verdicts["README.md"], "skipped");
  EXPECT_EQ(verdicts["model.ckpt"], "error");
  EXPECT_EQ(verdicts["weights.pkl"], "clean");

  RunResult sarif = RunPicket("scan -f sarif " + dir.string());
  EXPECT_EQ(sarif.exit_code, 2);
  simdjson::dom::parser sp;
  simdjson::dom::element sdoc;
  ASSERT_EQ(sp.parse(sarif.out).get(sdoc), simdjson::SUCCESS) << sarif.out;
  simdjson::dom::array results = sdoc["runs"].at(0)["results"];
  ASSERT_EQ(results.size(), 1u) << sarif.out;
  EXPECT_EQ(std::string_view(results.at(0)["ruleId"]), "SCN310");
  EXPECT_EQ(std::string_view(results.at(0)["level"]), "error");

  RunResult ecs = RunPicket("scan -f ecs " + dir.string());
  EXPECT_EQ(ecs.exit_code, 2);
  simdjson::dom::parser ep;
  simdjson::dom::element event;
  ASSERT_EQ(ep.parse(ecs.out).get(event), simdjson::SUCCESS) << ecs.out;
  EXPECT_EQ(std::string_view(event["rule"]["id"]), "SCN310");
  EXPECT_EQ(std::string_view(event["picket"]["scan"]["verdict"]), "error");

  fs::remove(dir / "model.ckpt");
  EXPECT_EQ(RunPicket("scan " + dir.string()).exit_code, 0);
}

TEST(ScanCli, SarifAndEcsOutputsAreWellFormed) {
  std::string file = EnsureCorpus() + "/malicious/D31_7z_torch_zip.7z";
  RunResult sarif = RunPicket("scan --format sarif " + file);
  EXPECT_EQ(sarif.exit_code, 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(sarif.out).get(doc), simdjson::SUCCESS) << sarif.out;
  EXPECT_EQ(std::string_view(doc["version"]), "2.1.0");
  simdjson::dom::array results = doc["runs"].at(0)["results"];
  ASSERT_GT(results.size(), 0u);
  EXPECT_EQ(std::string_view(results.at(0)["level"]), "error");
  RunResult ecs = RunPicket("scan --format ecs " + file);
  std::istringstream lines(ecs.out);
  std::string line;
  int events = 0;
  while (std::getline(lines, line)) {
    simdjson::dom::parser p;
    simdjson::dom::element e;
    ASSERT_EQ(p.parse(line).get(e), simdjson::SUCCESS) << line;
    EXPECT_EQ(std::string_view(e["event"]["kind"]), "alert");
    EXPECT_EQ(std::string_view(e["file"]["path"]), file);
    EXPECT_FALSE(std::string_view(e["rule"]["id"]).empty());
    ++events;
  }
  EXPECT_GT(events, 0);
}

}  // namespace
}  // namespace picket::scan

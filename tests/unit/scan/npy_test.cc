// .npy headers and dtype spellings (scan/npy.h, scan/numpy_dtype.h):
// targeted cases from issue 16 item 1, and differential tests against the
// installed numpy (tests/scan_corpus/oracle.py dtype / npy).
#include "scan/npy.h"

#include <gtest/gtest.h>

#include <map>

#include "oracle_util.h"
#include "scan/numpy_dtype.h"
#include "scan_test_util.h"

namespace picket::scan {
namespace {

using namespace picket::scan::testing;

std::string NpyFile(int major, const std::string& header_text) {
  std::string header = header_text + "\n";
  std::string len = major == 1 ? Le(header.size(), 2) : Le(header.size(), 4);
  return Raw("\x93NUMPY") + static_cast<char>(major) + std::string(1, '\0') + len + header + "BODY";
}

NpyHeader::Body BodyOf(const std::string& header_text, int major = 1) {
  NpyHeader h;
  std::string error;
  EXPECT_TRUE(ParseNpyHeader(NpyFile(major, header_text), &h, &error)) << error;
  return h.body;
}

TEST(Npy, HeaderIsEvaluatedAsNumpyDoes) {
  using B = NpyHeader::Body;
  const std::string tail = ", 'fortran_order': False, 'shape': (3,), }";
  // Issue 16 item 1: every one of these is an object array to numpy.
  for (const char* descr : {"'|O'",
                            "'\\x7cO'",
                            "'\\u004f'",
                            "'|' 'O'",
                            "'object_'",
                            "'object0'",
                            "'O8'",
                            "'O+8'",
                            "'f8,O'",
                            "'(2,)O'",
                            "'2O'",
                            "[('a', '<f8'), ('b', 'O')]",
                            "[('a', 'O', (2,))]",
                            "[('a', [('b', '|O')])]",
                            "('O', (2,))",
                            "['aO']",
                            "{'aO': 0}",
                            "'\\N{LATIN CAPITAL LETTER O}'",
                            "u'O'",
                            "r'O'",
                            "'T'"}) {
    EXPECT_EQ(BodyOf(std::string("{'descr': ") + descr + tail), B::kObject) << descr;
  }
  // Type number 17 (NPY_OBJECT) as a character; a zero-size base inherits 'O'.
  EXPECT_EQ(BodyOf("{'descr': '\\x11'" + tail), B::kObject);
  EXPECT_EQ(BodyOf("{'descr': ('0<i4', 'O')" + tail), B::kObject);
  // A duplicate key: numpy keeps the last one, in either order.
  EXPECT_EQ(BodyOf("{'descr': '<f8', 'descr': '|O', 'fortran_order': False, 'shape': (3,)}"),
            B::kObject);
  EXPECT_EQ(BodyOf("{'descr': '|O', 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}"),
            B::kPlain);
  // Python 2 longs: numpy's _filter_header fallback for 1.0/2.0 only.
  EXPECT_EQ(BodyOf("{'descr': '|O', 'fortran_order': False, 'shape': (3L,)}", 1), B::kObject);
  EXPECT_EQ(BodyOf("{'descr': '|O', 'fortran_order': False, 'shape': (3L,)}", 3), B::kRefused);
  // Plain arrays.
  for (const char* descr :
       {"'<f8'", "'|b1'", "'<U3'", "'|S5'", "'<M8[ns]'", "'|V16'", "[('a', '<i4'), ('b', '<f8')]",
        "[('', '|V4'), ('x', '<f4', (2,))]", "[(('title', 'name'), '<f4')]"}) {
    EXPECT_EQ(BodyOf(std::string("{'descr': ") + descr + tail), B::kPlain) << descr;
  }
  // numpy refuses these; picket never calls them clean.
  EXPECT_EQ(BodyOf("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}"), B::kRefused);
  EXPECT_EQ(BodyOf("{'descr': '<f8', 'fortran_order': False, 'shape': [3]}"), B::kRefused);
  EXPECT_EQ(BodyOf("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}"), B::kRefused);
  EXPECT_EQ(BodyOf("{'descr': 'nonsense', 'fortran_order': False, 'shape': (3,)}"), B::kRefused);
  EXPECT_EQ(BodyOf("{'descr': object, 'fortran_order': False, 'shape': (3,)}"), B::kRefused);
  // A set's order is only known at load time; an unknown \N name could be anything.
  EXPECT_EQ(BodyOf("{'descr': [{'a', 'O'}], 'fortran_order': False, 'shape': (3,)}"),
            B::kUndecided);
  EXPECT_EQ(BodyOf("{'descr': {('a', 'O')}, 'fortran_order': False, 'shape': (3,)}"), B::kObject);
  EXPECT_EQ(BodyOf("{'descr': '\\N{CYRILLIC CAPITAL LETTER O}', 'fortran_order': False, "
                   "'shape': (3,)}"),
            B::kUndecided);
}

TEST(NumpyDtype, ItemSizes) {
  EXPECT_EQ(DtypeFromString("<f8").itemsize, 8);
  EXPECT_EQ(DtypeFromString("float32").itemsize, 4);
  EXPECT_EQ(DtypeFromString("b1").itemsize, 1);
  EXPECT_EQ(DtypeFromString("c16").itemsize, 16);
  EXPECT_TRUE(DtypeFromString("V8").flexible);
  EXPECT_TRUE(DtypeFromString("U3").flexible);
  EXPECT_EQ(DtypeFromString("object").status, DtypeInfo::kObject);
  EXPECT_EQ(DtypeFromString("Object0").status, DtypeInfo::kError);
}

// Outcomes of a differential run: numpy's answer against picket's. A miss --
// numpy builds objects and picket says anything but object/undecided -- is
// never allowed; other differences only where the caller allows them.
struct Tally {
  std::map<std::string, int> outcomes;
  int misses = 0, mismatches = 0;

  void Record(const std::string& theirs, const std::string& mine, bool allowed,
              const std::string& what) {
    outcomes[theirs + "->" + mine]++;
    if (theirs == "object" && mine != "object" && mine != "undecided") {
      if (++misses <= 10) ADD_FAILURE() << "miss: numpy unpickles " << what << "; picket: " << mine;
    } else if (theirs != mine && !allowed) {
      if (++mismatches <= 10) ADD_FAILURE() << what << ": numpy " << theirs << ", picket " << mine;
    }
  }
  void Check(const char* name) {
    std::string summary;
    for (const auto& [k, n] : outcomes) summary += k + "=" + std::to_string(n) + " ";
    std::cout << "[ " << name << " outcomes ] " << summary << "\n";
    EXPECT_EQ(misses, 0);
    EXPECT_EQ(mismatches, 0);
  }
};

constexpr const char* kStatusNames[] = {"plain", "object", "error", "undecided"};

// Differential: numpy.dtype(s) of the installed numpy on generated spellings.
// Where numpy refuses a spelling, picket may say anything (none is "clean"
// for an object array); where numpy accepts one, picket must agree, with the
// same element size.
TEST(NumpyDtype, AgreesWithNumpy) {
  std::vector<std::string> lines = OracleLines("dtype", 1, 6000);
  if (lines.empty()) GTEST_SKIP() << "numpy not importable by /usr/bin/python3";
  simdjson::dom::parser parser;
  Tally tally;
  for (const std::string& line : lines) {
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(line).get(e), simdjson::SUCCESS);
    std::string s = FromHex(std::string_view(e["s"]));
    std::string theirs{std::string_view(e["status"])};
    int64_t size = int64_t(e["itemsize"]);
    DtypeInfo ours = DtypeFromString(s);
    std::string mine = kStatusNames[ours.status];
    bool size_differs =
        theirs == "plain" && mine == "plain" && ours.itemsize >= 0 && ours.itemsize != size;
    tally.Record(theirs, size_differs ? "plain of another size" : mine, theirs == "error",
                 "numpy.dtype(" + ::testing::PrintToString(s) + ")");
  }
  tally.Check("dtype");
}

// Differential: numpy.lib.format's header reading on generated .npy headers.
// Allowed differences: anything where numpy refuses the header, and an object
// answer for the (base, new) form, which numpy 2 (flags from `new`) builds
// with objects where numpy 1.24 does not.
TEST(Npy, AgreesWithNumpyHeaderReading) {
  std::vector<std::string> lines = OracleLines("npy", 1, 4000);
  if (lines.empty()) GTEST_SKIP() << "numpy not importable by /usr/bin/python3";
  simdjson::dom::parser parser;
  Tally tally;
  for (const std::string& line : lines) {
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(line).get(e), simdjson::SUCCESS);
    std::string file = FromHex(std::string_view(e["file"]));
    std::string theirs{std::string_view(e["status"])};
    NpyHeader h;
    std::string error;
    std::string mine = "error";
    if (ParseNpyHeader(file, &h, &error)) mine = kStatusNames[static_cast<int>(h.body)];
    bool allowed = theirs == "error" || (theirs == "plain" && mine == "object" &&
                                         h.why.find("(base, new)") != std::string::npos);
    tally.Record(theirs, mine, allowed, "header " + ::testing::PrintToString(file.substr(10, 160)));
  }
  tally.Check("npy");
}

}  // namespace
}  // namespace picket::scan

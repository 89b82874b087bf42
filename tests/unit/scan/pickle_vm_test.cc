// Behaviour of the pickle machine simulator (scan/pickle_vm.h).
#include "scan/pickle_vm.h"

#include <gtest/gtest.h>

#include "scan/opcodes.h"
#include "scan_test_util.h"

namespace picket::scan {
namespace {

using namespace picket::scan::testing;

PickleResult Simulate(std::string_view data, ScanLimits limits = {}) {
  return SimulatePickle(data, 0, limits);
}

const GlobalRecord* Find(const PickleResult& r, std::string_view module, std::string_view name) {
  for (const auto& g : r.globals) {
    if (g.module == module && g.name == name) return &g;
  }
  return nullptr;
}

TEST(OpcodeTable, HasExactlyTheSixtyEightOpcodes) {
  int valid = 0;
  for (int b = 0; b < 256; ++b) valid += LookupOpcode(static_cast<uint8_t>(b)) != nullptr;
  EXPECT_EQ(valid, 68);
  EXPECT_EQ(LookupOpcode(0x93)->name, "STACK_GLOBAL");
  EXPECT_EQ(LookupOpcode(0x98)->protocol, 5);
  EXPECT_EQ(LookupOpcode(0xff), nullptr);
}

TEST(PickleVm, RecordsCalledGlobalWithOffsets) {
  std::string data = P2(Global("os", "system") + "(" + Bu("id") + "tR");
  PickleResult r = Simulate(data);
  ASSERT_TRUE(r.stopped) << r.error;
  ASSERT_EQ(r.globals.size(), 1u);
  EXPECT_EQ(r.globals[0].module, "os");
  EXPECT_EQ(r.globals[0].offset, 2u);
  EXPECT_TRUE(r.globals[0].uses & kUseCalled);
  EXPECT_EQ(r.globals[0].call_offset, data.size() - 2);  // the REDUCE
  EXPECT_EQ(r.end, data.size());
}

TEST(PickleVm, DistinguishesReferencedFromCalledAndBuilt) {
  // copyreg._reconstructor(cls, object, None) then BUILD: cls is constructed
  // and built, builtins.object only referenced.
  std::string data = P2(Global("copyreg", "_reconstructor") + "(" + Global("pkg", "Cls") +
                        Global("builtins", "object") + "NtR}b");
  PickleResult r = Simulate(data);
  ASSERT_TRUE(r.stopped) << r.error;
  const GlobalRecord* cls = Find(r, "pkg", "Cls");
  ASSERT_NE(cls, nullptr);
  EXPECT_EQ(cls->uses, kUseReferenced | kUseNewObj | kUseBuilt);
  EXPECT_EQ(Find(r, "builtins", "object")->uses, kUseReferenced);
  EXPECT_EQ(Find(r, "copyreg", "_reconstructor")->uses, kUseReferenced | kUseCalled);
}

TEST(PickleVm, MemoizeNumbersLikeCPython) {
  // BINPUT 0 and 1, then MEMOIZE writes indices 2 and 3 (len(memo)).
  std::string data =
      P4(Sbu("os") + Raw("q\x00") + Sbu("system") + "q\x01" + Sbu("torch._utils") + "\x94" +
         Sbu("_rebuild_tensor_v2") + "\x94" + Raw("h\x00h\x01\x93") + Sbu("id") + "\x85R");
  PickleResult r = Simulate(data);
  ASSERT_TRUE(r.stopped) << r.error;
  ASSERT_EQ(r.globals.size(), 1u);
  EXPECT_EQ(r.globals[0].module, "os");
  EXPECT_EQ(r.globals[0].name, "system");
  EXPECT_TRUE(r.globals[0].uses & kUseCalled);
}

TEST(PickleVm, StackGlobalThroughMemoIgnoresPoppedDecoys) {
  std::string data = P4(Sbu("os") +
                        "q\x02"
                        "0" +
                        Sbu("system") +
                        "q\x03"
                        "0" +
                        Sbu("torch") +
                        Raw("q\x00"
                            "0") +
                        Sbu("LongStorage") +
                        "q\x01"
                        "0" +
                        "h\x02h\x03\x93(" + Sbu("id") + "tR");
  PickleResult r = Simulate(data);
  ASSERT_EQ(r.globals.size(), 1u);
  EXPECT_EQ(r.globals[0].module + "." + r.globals[0].name, "os.system");
}

TEST(PickleVm, CompatMappingOnlyBelowProtocolThree) {
  PickleResult p2 = Simulate(P2(Global("__builtin__", "set") + ")R"));
  ASSERT_EQ(p2.globals.size(), 1u);
  EXPECT_EQ(p2.globals[0].module, "builtins");
  EXPECT_TRUE(p2.globals[0].compat_mapped);
  PickleResult p3 = Simulate("\x80\x03" + Global("__builtin__", "set") + ")R.");
  EXPECT_EQ(p3.globals[0].module, "__builtin__");
  PickleResult names = Simulate(Global("commands", "getoutput") + "(S'id'\ntR.");
  EXPECT_EQ(names.globals[0].module, "subprocess");
  PickleResult pair = Simulate(Global("__builtin__", "xrange") + "(I3\ntR.");
  EXPECT_EQ(pair.globals[0].module + "." + pair.globals[0].name, "builtins.range");
}

TEST(PickleVm, ComputedStackGlobalOperandsAreMarked) {
  std::string data = P4(StackGlobal("codecs", "decode") + Sbu("bf") + Sbu("rot13") + "\x86R" +
                        Sbu("system") + "\x93" + Sbu("id") + "\x85R");
  PickleResult r = Simulate(data);
  ASSERT_EQ(r.globals.size(), 2u);
  EXPECT_TRUE(r.globals[1].name_computed);
  EXPECT_FALSE(r.globals[0].name_computed);
}

TEST(PickleVm, CallOfCallResultIsDynamic) {
  std::string data = P4(StackGlobal("a", "b") + ")R)R");
  PickleResult r = Simulate(data);
  ASSERT_EQ(r.dynamic_calls.size(), 1u);
  EXPECT_EQ(r.dynamic_calls[0].opcode, "REDUCE");
}

TEST(PickleVm, KeepsFindingsBeforeMalformedInput) {
  std::string data = "\x80\x02" + Global("os", "system") + "(" + Bu("id") + "tR\xff";
  PickleResult r = Simulate(data);
  EXPECT_FALSE(r.stopped);
  EXPECT_NE(r.error.find("invalid opcode"), std::string::npos);
  ASSERT_EQ(r.globals.size(), 1u);
  EXPECT_TRUE(r.ReachedCode());
  EXPECT_EQ(r.end, data.size());
}

TEST(PickleVm, TruncatedArgumentsAreErrorsNotCrashes) {
  for (std::string data :
       {std::string("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f"), Raw("X\x05\x00"),
        std::string("cos\nsys"), std::string("("), std::string("\x80"), std::string(""),
        std::string("0"), std::string("e"), std::string("h\x05")}) {
    PickleResult r = Simulate(data);
    EXPECT_FALSE(r.stopped) << data;
    EXPECT_FALSE(r.error.empty()) << data;
  }
}

TEST(PickleVm, LimitsStopWithLimitHit) {
  ScanLimits small;
  small.max_opcodes = 10;
  PickleResult r = Simulate(P2(std::string(20, 'N') + std::string(19, '0')), small);
  EXPECT_TRUE(r.limit_hit);
  ScanLimits marks;
  marks.max_marks = 5;
  EXPECT_TRUE(Simulate(std::string(6, '(') + "N.", marks).limit_hit);
  EXPECT_TRUE(Simulate(std::string("N") + "r\xff\xff\xff\xff" + ".").limit_hit);
}

TEST(PickleVm, PopOnEmptyStackPopsMarkLikeCPython) {
  PickleResult r = Simulate("N(0.");
  EXPECT_TRUE(r.stopped) << r.error;
}

TEST(PickleVm, DottedNameAndCrLfAreKeptForJudgement) {
  PickleResult r = Simulate(P4(Global("pathlib", "os.system") + Sbu("id") + "\x85R"));
  EXPECT_EQ(r.globals[0].name, "os.system");
  PickleResult crlf = Simulate("cos\r\nsystem\r\n(S'id'\ntR.");
  EXPECT_EQ(crlf.globals[0].module, "os");
  EXPECT_TRUE(crlf.globals[0].name_irregular);
}

TEST(PickleVm, FrameCrossingIsAnAnomaly) {
  std::string body = StackGlobal("os", "system") + Sbu("id") + "\x85R.";
  // The frame ends inside the argument of the first SHORT_BINUNICODE.
  PickleResult r = Simulate("\x80\x04\x95" + Le(3, 8) + body);
  EXPECT_TRUE(r.stopped) << r.error;
  ASSERT_FALSE(r.anomalies.empty());
  EXPECT_NE(r.anomalies[0].message.find("FRAME"), std::string::npos);
}

TEST(PickleVm, NestedLoaderBytesAreReturned) {
  std::string inner = P2(Global("os", "system") + "(" + Bu("id") + "tR");
  std::string data =
      P4(StackGlobal("pickle", "loads") + "B" + Le(inner.size(), 4) + inner + "\x85R");
  PickleResult r = Simulate(data);
  ASSERT_EQ(r.nested.size(), 1u);
  EXPECT_EQ(r.nested[0].data, inner);
  EXPECT_EQ(r.nested[0].loader, "pickle.loads");
}

TEST(PickleVm, ProtocolFiveBufferOpcodesDoNotStopTheScan) {
  std::string data = "\x80\x05\x96" + Le(3, 8) +
                     "abc0\x97\x98"
                     "0" +
                     StackGlobal("os", "system") + Sbu("id") + "\x85R.";
  PickleResult r = Simulate(data);
  EXPECT_TRUE(r.stopped) << r.error;
  EXPECT_EQ(r.globals.size(), 1u);
}

TEST(PickleVm, JoblibArrayBytesAreSkipped) {
  // NumpyArrayWrapper(...) BUILD {shape:(3,), dtype:numpy.dtype('i1')}, then
  // 3 raw bytes that are not opcodes, then the rest of the pickle.
  std::string dtype = Global("numpy", "dtype") + "(" + Bu("i1") + "\x89\x88tR";
  std::string state = "}(" + Bu("shape") + "K\x03\x85" + Bu("dtype") + dtype + "u";
  std::string data = "\x80\x02" + Global("joblib.numpy_pickle", "NumpyArrayWrapper") + ")\x81" +
                     state + "b" + std::string("\xff\xfe\xfd", 3) + "0" + Global("os", "system") +
                     "(" + Bu("id") + "tR.";
  PickleResult r = Simulate(data);
  EXPECT_TRUE(r.stopped) << r.error;
  EXPECT_TRUE(r.used_joblib_arrays);
  EXPECT_NE(Find(r, "os", "system"), nullptr);
}

TEST(PickleVm, LegacyTorchMagicNumberIsReported) {
  std::string magic(
      "\x80\x02\x8a\x0al\xfc\x9c"
      "F\xf9 j\xa8P\x19.",
      15);
  PickleResult r = Simulate(magic);
  EXPECT_TRUE(r.result_is_big_int);
  EXPECT_EQ(r.result_int_text, "0x1950a86a20f9469cfc6c");
}

TEST(PickleVm, StringEscapesDecode) {
  PickleResult r = Simulate("S'o\\x73'\nS\"sys\\164em\"\n\x93N\x85R.");
  ASSERT_EQ(r.globals.size(), 1u);
  EXPECT_EQ(r.globals[0].module, "os");
  EXPECT_EQ(r.globals[0].name, "system");
}

}  // namespace
}  // namespace picket::scan

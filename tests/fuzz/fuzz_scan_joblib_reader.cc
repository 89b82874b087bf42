// libFuzzer target: the joblib reader position model (pickle_vm.cc,
// ReadJoblibArray and the FRAME/file reader). The input does not become the
// pickle directly: it chooses a joblib stream's layout -- protocol, whether
// a FRAME holds the NumpyArrayWrapper's BUILD and opcodes after it, the
// dtype as numpy pickles it (plain, flexible with a state element size,
// object by type, by field or by flags, old state versions), the shape,
// the numpy_array_alignment_bytes spelling, the padding and the array bytes.
// Because the layout is known, so is what joblib.load executes: the opcodes
// left in the frame, the object array's own pickle, and the opcodes after
// the array. Each carries a marker global; the simulator must reach every
// one of them, with no error. A miss is a reader-position bug; any crash or
// sanitizer report is a bug too.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "scan/pickle_vm.h"

namespace {

std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}
std::string Sbu(const std::string& s) { return "\x8c" + std::string(1, char(s.size())) + s; }
std::string Global(const std::string& m, const std::string& n) { return "c" + m + "\n" + n + "\n"; }
std::string Int(int32_t v) { return "J" + Le(static_cast<uint32_t>(v), 4); }

struct Dtype {
  std::string ops;  // numpy.dtype(spec, False, True) + BUILD(state)
  bool object = false;
  int itemsize = 0;
};

std::string DtypeOps(const std::string& spec, const std::string& state) {
  return Global("numpy", "dtype") + "(" + Sbu(spec) + "\x89\x88tR" + state + "b";
}
std::string State3(const std::string& endian, const std::string& names, const std::string& fields,
                   int elsize, int align, int flags) {
  return "(" + Int(3) + Sbu(endian) + "N" + names + fields + Int(elsize) + Int(align) +
         Int(flags) + "t";
}

Dtype ChooseDtype(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 8)) {
    case 0:
      return {DtypeOps("f8", State3("<", "N", "N", -1, -1, 0)), false, 8};
    case 1:
      return {DtypeOps("i4", State3("<", "N", "N", -1, -1, 0)), false, 4};
    case 2: {  // flexible: the element size comes from the state
      int size = in.ConsumeIntegralInRange(1, 24);
      return {DtypeOps("V8", State3("|", "N", "N", size, 1, 0)), false, size};
    }
    case 3:
      return {DtypeOps("O8", State3("|", "N", "N", -1, -1, 63)), true, 8};
    case 4:  // 'object' spelled out, element size 8 in the state
      return {DtypeOps("object", State3("|", "N", "N", 8, 8, 63)), true, 8};
    case 5: {  // a void dtype whose state gives it an object field
      std::string o8 = DtypeOps("O8", State3("|", "N", "N", -1, -1, 63));
      std::string fields = "}" + Sbu("a") + "(" + o8 + std::string("K\x00t", 3) + "s";
      return {DtypeOps("V8", State3("|", "(" + Sbu("a") + "t", fields, 8, 1, 27)), true, 8};
    }
    case 6:  // the flags alone say "has objects"
      return {DtypeOps("f8", State3("<", "N", "N", -1, -1, 1)), true, 8};
    case 7:  // unicode: 3 characters, 12 bytes
      return {DtypeOps("U3", State3("<", "N", "N", 12, 4, 8)), false, 12};
    default:  // a version-2 state (7-tuple): objects found by _descr_find_object
      return {DtypeOps("f8", "(" + Int(2) + Sbu("<") + "NNN" + Int(-1) + Int(-1) + "t"), false, 8};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  int proto = in.ConsumeIntegralInRange(2, 5);
  bool framed = in.ConsumeBool();
  Dtype dtype = ChooseDtype(in);
  int rows = in.ConsumeIntegralInRange(0, 12), cols = in.ConsumeIntegralInRange(0, 6);
  bool two_d = in.ConsumeBool();
  int64_t count = two_d ? int64_t(rows) * cols : rows;
  std::string shape = two_d ? "(" + Int(rows) + Int(cols) + "t" : "(" + Int(rows) + "t";
  int alignment_kind = in.ConsumeIntegralInRange(0, 5);
  static const char* kAlignments[] = {"N", "K\x10", "G@0\x00\x00\x00\x00\x00\x00", "\x88", "", ""};
  std::string alignment = alignment_kind == 2 ? std::string(kAlignments[2], 9)
                          : alignment_kind == 4 ? Sbu("16")
                                                : std::string(kAlignments[alignment_kind]);
  bool pads = alignment_kind != 0 && alignment_kind != 5;  // None or absent: no padding byte
  std::string attrs = Sbu("subclass") + Global("numpy", "ndarray") + Sbu("shape") + shape +
                      Sbu("order") + Sbu("C") + Sbu("dtype") + dtype.ops + Sbu("allow_mmap") +
                      "\x89";
  if (alignment_kind != 5) attrs += Sbu("numpy_array_alignment_bytes") + alignment;
  std::string wrapper =
      Global("joblib.numpy_pickle", "NumpyArrayWrapper") + ")\x81}(" + attrs + "ub";
  // Opcodes joblib runs from the frame after reading the array, and after it.
  std::string tail;
  for (int i = in.ConsumeIntegralInRange(0, 3); i > 0; --i) tail += "N0";
  bool tail_marker = framed && in.ConsumeBool();
  if (tail_marker) tail += Global("fuzz", "tail") + "0";
  std::string array;
  if (dtype.object) {
    array = "\x80\x02" + Global("fuzz", "inner") + ".";
  } else {
    if (pads) {
      int pad = in.ConsumeIntegralInRange(0, 40);
      array += static_cast<char>(pad);
      array += in.ConsumeBytesAsString(pad);
      array.resize(1 + pad, '\xff');
    }
    std::string bytes = in.ConsumeBytesAsString(count * dtype.itemsize);
    bytes.resize(count * dtype.itemsize, '\x2e');
    array += bytes;
  }
  std::string post = Global("fuzz", "post") + "0.";
  std::string stream = "\x80" + std::string(1, char(proto));
  if (framed) {
    std::string framed_part = wrapper + tail;
    stream += "\x95" + Le(framed_part.size(), 8) + framed_part + array + post;
  } else {
    stream += wrapper + array + post;
  }

  picket::scan::ScanLimits limits;
  picket::scan::PickleResult r = picket::scan::SimulatePickle(stream, 0, limits);
  auto dump = [&] {
    fprintf(stderr, "stream (%zu bytes):", stream.size());
    for (unsigned char c : stream) fprintf(stderr, c >= 0x20 && c < 0x7f && c != '\\' ? "%c" : "\\x%02x", c);
    fprintf(stderr, "\n");
  };
  auto reached = [&](const char* name) {
    for (const auto& g : r.globals) {
      if (g.module == "fuzz" && g.name == name) return true;
    }
    return false;
  };
  if (!r.error.empty() || !r.stopped) {
    fprintf(stderr, "joblib stream not read to its STOP: %s\n", r.error.c_str());
    dump();
    abort();
  }
  if (!reached("post") || (tail_marker && !reached("tail")) || (dtype.object && !reached("inner"))) {
    fprintf(stderr, "the reader missed opcodes joblib runs (post %d tail %d/%d inner %d/%d)\n",
            reached("post"), tail_marker, reached("tail"), dtype.object, reached("inner"));
    dump();
    abort();
  }
  if (r.end != stream.size()) {
    fprintf(stderr, "STOP at %llu, stream is %zu bytes\n", (unsigned long long)r.end, stream.size());
    dump();
    abort();
  }
  return 0;
}

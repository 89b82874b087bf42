// libFuzzer target: the .npy header reader (scan/npy.h) with its Python
// literal parser (scan/py_literal.h) and dtype model (scan/numpy_dtype.h).
// The input is used three ways: as a whole .npy file, as a header dict's
// text behind a valid magic/version/length (so most of the effort goes into
// the literal parser), and as a dtype string. Checks, besides sanitizers:
// the body offset never passes the input; a literal that parses, rendered by
// PyRepr and parsed again, renders the same (only for values PyRepr renders
// exactly: ints, bools, None, ASCII str, bytes, and containers of them).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scan/npy.h"
#include "scan/numpy_dtype.h"
#include "scan/py_literal.h"

namespace {

bool ExactlyRendered(const picket::scan::PyValue& v) {
  using picket::scan::PyValue;
  switch (v.kind) {
    case PyValue::kFloat:
    case PyValue::kComplex:
    case PyValue::kEllipsis:
    case PyValue::kSet:
      return false;
    case PyValue::kInt:
      return !v.big;
    case PyValue::kStr:
      for (unsigned char c : v.text) {
        if (c >= 0x80) return false;  // PyRepr escapes bytes, not code points
      }
      return true;
    default:
      for (const PyValue& x : v.items) {
        if (!ExactlyRendered(x)) return false;
      }
      return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  picket::scan::NpyHeader h;
  std::string error;
  if (picket::scan::ParseNpyHeader(input, &h, &error, 20'000) && h.data_offset > input.size()) {
    abort();
  }
  std::string header = std::string(input) + "\n";
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  if (header.size() < 65536) {
    file += static_cast<char>(header.size() & 0xFF);
    file += static_cast<char>(header.size() >> 8);
    file += header;
    picket::scan::NpyHeader h1;
    picket::scan::ParseNpyHeader(file, &h1, &error, 20'000);
  }
  picket::scan::LiteralOptions options;
  options.max_nodes = 20'000;
  picket::scan::LiteralResult r = picket::scan::ParsePythonLiteral(input, options);
  if (r.status == picket::scan::LiteralResult::kOk && ExactlyRendered(r.value)) {
    std::string text = picket::scan::PyRepr(r.value, SIZE_MAX);
    picket::scan::LiteralResult again = picket::scan::ParsePythonLiteral(text, options);
    if (again.status != picket::scan::LiteralResult::kOk ||
        picket::scan::PyRepr(again.value, SIZE_MAX) != text) {
      fprintf(stderr, "round trip failed: %s\n", text.c_str());
      abort();
    }
  }
  picket::scan::DtypeFromString(input.substr(0, 256));
  return 0;
}

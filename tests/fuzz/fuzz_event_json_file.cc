// libFuzzer target: a .json event file (a top-level array read element by
// element, one object, or NDJSON under a .json name) on arbitrary bytes,
// written to a temporary file and read with a small element limit. Checks:
// no crash, every event is an object whose bytes parse again, and problems
// carry a line within the file.
#include <simdjson.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/event_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    const char* dir = getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/picket_fuzz_" + std::to_string(getpid()) + ".json";
  }();
  FILE* f = fopen(path.c_str(), "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  uint64_t lines = 1;
  for (size_t i = 0; i < size; ++i) lines += data[i] == '\n';
  picket::io::StreamOptions options;
  options.max_line_bytes = 4096;
  options.max_depth = 64;
  picket::io::EventStream stream(options);
  simdjson::dom::parser check;
  std::string error;
  stream.ReadFile(
      path,
      [&](const picket::io::Event& e) {
        if (e.where.line < 1 || e.where.line > lines) abort();
        simdjson::padded_string raw(e.raw);
        simdjson::dom::element doc;
        if (check.parse(raw).get(doc) || !doc.is_object()) abort();
        return true;
      },
      [&](const picket::io::InputError& e) {
        if (e.where.line < 1 || e.where.line > lines) abort();
      },
      &error);
  return 0;
}

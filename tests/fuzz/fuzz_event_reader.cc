// libFuzzer target: the NDJSON event reader on arbitrary bytes (as one
// buffer of lines), plus field access on every event it accepts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "event/document.h"
#include "io/event_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  picket::io::StreamOptions options;
  options.max_line_bytes = 1 << 20;
  picket::io::EventStream stream(options);
  static const std::string source = "fuzz";
  std::string path;
  stream.ReadBuffer(
      std::string_view(reinterpret_cast<const char*>(data), size), source,
      [&](const picket::io::Event& e) {
        picket::event::HasValue(e.doc, "process.parent.name");
        path.clear();
        picket::event::ForEachLeaf(e.doc, &path, [](std::string_view, picket::event::Json v) {
          std::string s;
          picket::event::ScalarToKeyword(v, &s);
          return false;
        });
        return true;
      },
      [](const picket::io::InputError&) {});
  return 0;
}

// libFuzzer target: the NDJSON event reader on arbitrary bytes (as one
// buffer of lines), plus field access on every event it accepts. The
// batched reading (document streams) must give exactly what reading each
// line alone gives: the same events (line, bytes) and problems (line,
// reason), in the same order; a difference aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "event/document.h"
#include "io/event_stream.h"

namespace {

std::vector<std::string> Read(std::string_view data, bool line_by_line) {
  picket::io::StreamOptions options;
  options.max_line_bytes = 1 << 20;
  options.max_depth = 64;
  options.line_by_line = line_by_line;
  picket::io::EventStream stream(options);
  static const std::string source = "fuzz";
  std::vector<std::string> trace;
  std::string path;
  stream.ReadBuffer(
      data, source,
      [&](const picket::io::Event& e) {
        trace.push_back("event " + std::to_string(e.where.line) + " " + std::string(e.raw));
        picket::event::HasValue(e.doc, "process.parent.name");
        path.clear();
        picket::event::ForEachLeaf(e.doc, &path, [](std::string_view, picket::event::Json v) {
          std::string s;
          picket::event::ScalarToKeyword(v, &s);
          return false;
        });
        return true;
      },
      [&](const picket::io::InputError& e) {
        trace.push_back("error " + std::to_string(e.where.line) + " " + e.reason);
      });
  const auto& st = stream.stats();
  trace.push_back(std::to_string(st.lines) + " " + std::to_string(st.events) + " " +
                  std::to_string(st.malformed) + " " + std::to_string(st.bytes));
  return trace;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (Read(text, false) != Read(text, true)) abort();
  return 0;
}

// NDJSON input: good lines around bad ones are all processed; every bad line
// is reported with file:line and a reason; nothing crashes.
#include "io/event_stream.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

namespace picket::io {
namespace {

namespace fs = std::filesystem;

struct Collected {
  std::vector<std::string> raw;
  std::vector<uint64_t> lines;
  std::vector<InputError> errors;
  std::vector<std::string> messages;
};

Collected ReadPath(const std::string& path, StreamOptions options = {}) {
  Collected c;
  EventStream stream(options);
  std::string error;
  bool ok = stream.ReadFile(
      path,
      [&](const Event& e) {
        c.raw.emplace_back(e.raw);
        c.lines.push_back(e.where.line);
        return true;
      },
      [&](const InputError& e) {
        c.errors.push_back(e);
        c.messages.push_back(e.ToString());
      },
      &error);
  EXPECT_TRUE(ok) << error;
  return c;
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("picket_stream_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

 public:
  std::string Write(const std::string& name, const std::string& content) {
    std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  fs::path dir_;
};

TEST_F(TempDir, MalformedLinesAreReportedAndSkipped) {
  std::string content =
      "{\"a\":1}\n"
      "{\"a\":\n"               // truncated JSON
      "\x01\x02\xff garbage\n"  // binary garbage
      "[1,2]\n"                 // not an object
      "{\"s\":\"\xc3\x28\"}\n"  // invalid UTF-8
      "\n"                      // blank: ignored
      "{\"a\":2}\r\n"           // CRLF
      "{\"a\":3}";              // no final newline
  auto c = ReadPath(Write("mixed.ndjson", content));
  ASSERT_EQ(c.raw.size(), 3u);
  EXPECT_EQ(c.raw[0], "{\"a\":1}");
  EXPECT_EQ(c.raw[1], "{\"a\":2}\r");  // byte-for-byte
  EXPECT_EQ(c.lines[2], 8u);
  ASSERT_EQ(c.errors.size(), 4u);
  EXPECT_EQ(c.errors[0].where.line, 2u);
  EXPECT_EQ(c.errors[2].reason, "not a JSON object");
  EXPECT_NE(c.errors[3].reason.find("UTF-8"), std::string::npos) << c.errors[3].reason;
  EXPECT_NE(c.messages[0].find("mixed.ndjson:2: "), std::string::npos) << c.messages[0];
}

TEST_F(TempDir, HugeLineIsSkippedAndLaterLinesProcessed) {
  std::string path = (dir_ / "huge.ndjson").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "{\"before\":1}\n{\"big\":\"";
    std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 100; ++i) out << chunk;  // a 100 MB line
    out << "\"}\n{\"after\":1}\n";
  }
  StreamOptions options;
  options.max_line_bytes = 16u << 20;
  auto c = ReadPath(path, options);
  ASSERT_EQ(c.raw.size(), 2u);
  EXPECT_EQ(c.raw[1], "{\"after\":1}");
  EXPECT_EQ(c.lines[1], 3u);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].where.line, 2u);
  EXPECT_NE(c.errors[0].reason.find("longer than"), std::string::npos);
}

TEST_F(TempDir, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}\n";
  auto c = ReadPath(Write("deep.ndjson", deep + "{\"ok\":true}\n"));
  ASSERT_EQ(c.raw.size(), 1u);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_NE(c.errors[0].reason.find("deeper"), std::string::npos) << c.errors[0].reason;
}

TEST_F(TempDir, GzipByContentAndDirectories) {
  std::string gz = (dir_ / "sub" / "events.json.gz").string();
  fs::create_directories(dir_ / "sub");
  gzFile f = gzopen(gz.c_str(), "wb");
  std::string body = "{\"n\":1}\n{\"n\":2}\n";
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  Write("a.ndjson", "{\"n\":0}\n");
  Write("notes.txt", "not events");
  std::vector<std::string> files;
  std::string error;
  ASSERT_TRUE(ExpandInputs({dir_.string()}, &files, &error)) << error;
  ASSERT_EQ(files.size(), 2u);
  auto c = ReadPath(gz);
  ASSERT_EQ(c.raw.size(), 2u);
  EXPECT_EQ(c.raw[1], "{\"n\":2}");
  EXPECT_FALSE(ExpandInputs({(dir_ / "missing").string()}, &files, &error));
}

TEST_F(TempDir, TruncatedGzipIsAnInputError) {
  std::string gz = (dir_ / "t.ndjson.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  std::string body(100000, ' ');
  body += "{\"n\":1}\n";
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  fs::resize_file(gz, fs::file_size(gz) / 2);
  EventStream stream;
  std::string error;
  EXPECT_FALSE(stream.ReadFile(
      gz, [](const Event&) { return true; }, [](const InputError&) {}, &error));
  EXPECT_NE(error.find("gzip"), std::string::npos) << error;
}

}  // namespace
}  // namespace picket::io

namespace picket::io {
namespace {

TEST_F(TempDir, JsonFilesMayHoldAnArrayOrOneObject) {
  auto arr = ReadPath(Write("export.json", "[\n {\"a\": 1},\n 5,\n {\"b\": [1, 2]}\n]\n"));
  ASSERT_EQ(arr.raw.size(), 2u);
  EXPECT_EQ(arr.raw[1], "{\"b\":[1,2]}");
  EXPECT_EQ(arr.lines[1], 4u);  // the line the element starts on
  ASSERT_EQ(arr.errors.size(), 1u);
  EXPECT_EQ(arr.errors[0].where.line, 3u);
  EXPECT_EQ(arr.errors[0].reason, "array element 2 is not a JSON object");
  auto one = ReadPath(Write("one.json", "{\n  \"pretty\": true\n}\n"));
  ASSERT_EQ(one.raw.size(), 1u);
  auto lines = ReadPath(Write("lines.json", "{\"a\":1}\n{\"a\":2}\n"));
  EXPECT_EQ(lines.raw.size(), 2u);
}

}  // namespace
}  // namespace picket::io

namespace picket::io {
namespace {

// What a read gave, in order: events (line, raw) and problems (line, reason).
struct Trace {
  std::vector<std::string> items;
  StreamStats stats;
  bool ok = true;
  std::string error;
};

Trace TraceRead(const std::function<bool(EventStream&, const EventStream::OnEvent&,
                                         const EventStream::OnError&, std::string*)>& read,
                StreamOptions options) {
  Trace t;
  EventStream stream(options);
  t.ok = read(
      stream,
      [&](const Event& e) {
        t.items.push_back("event " + std::to_string(e.where.line) + " " + std::string(e.raw));
        return true;
      },
      [&](const InputError& e) {
        t.items.push_back("error " + std::to_string(e.where.line) + " " + e.reason);
      },
      &t.error);
  t.stats = stream.stats();
  return t;
}

void ExpectSameTrace(const Trace& a, const Trace& b) {
  EXPECT_EQ(a.ok, b.ok);
  ASSERT_EQ(a.items.size(), b.items.size());
  for (size_t i = 0; i < a.items.size(); ++i) ASSERT_EQ(a.items[i], b.items[i]) << "item " << i;
  EXPECT_EQ(a.stats.lines, b.stats.lines);
  EXPECT_EQ(a.stats.events, b.stats.events);
  EXPECT_EQ(a.stats.malformed, b.stats.malformed);
  EXPECT_EQ(a.stats.bytes, b.stats.bytes);
}

// Lines of every kind the batched reader must treat exactly as a line read
// alone: good ones with spaces/CR around them, blank ones, and each way a
// line can be bad or can confuse a document stream (two documents on a
// line, a document over two lines, an unclosed string that would swallow
// the next lines, bad UTF-8, control characters, depth, scalars, arrays).
std::string RandomLine(std::mt19937& rng, unsigned odd_one_in) {
  static const char* kShapes[] = {
      "{\"a\":%d,\"s\":\"x y\"}",
      "  {\"a\":%d}  ",
      "{\"a\":%d}\r",
      "\t{\"p\":{\"q\":[1,2,{\"r\":%d}]}}",
      "",
      "   ",
      " \r",
      "{\"a\":%d}{\"b\":2}",
      "{\"a\":%d} {\"b\":2}",
      "{\"a\":",
      "%d}",
      "{\"s\":\"unclosed %d",
      "{\"s\":\"\xc3\x28\",\"n\":%d}",
      "{\"s\":\"a\x01b%d\"}",
      "[%d,2]",
      "%d",
      "\"str%d\"",
      "{\"a\":[[[[[[[[[[%d]]]]]]]]]]}",
      "{\"a\":%d,}",
      "garbage %d",
      "{\"esc\":\"\\u00e9\\n\\\"%d\"}",
      "{\"a\":%d} x",
      "\xef\xbb\xbf{\"bom\":%d}",
  };
  const size_t n = sizeof(kShapes) / sizeof(kShapes[0]);
  // Good lines (the first seven shapes) but for one in `odd_one_in`.
  size_t shape = rng() % odd_one_in != 0 ? rng() % 7 : rng() % n;
  char buf[256];
  snprintf(buf, sizeof(buf), kShapes[shape], static_cast<int>(rng() % 100000));
  std::string line = buf;
  if (rng() % (odd_one_in * 20) == 0)
    line = "{\"big\":\"" + std::string(3000 + rng() % 5000, 'x') + "\"}";
  return line;
}

std::string RandomNdjson(std::mt19937& rng, size_t bytes, unsigned odd_one_in) {
  std::string out;
  while (out.size() < bytes) {
    out += RandomLine(rng, odd_one_in);
    out += '\n';
  }
  if (rng() % 2) out.pop_back();  // sometimes no final newline
  return out;
}

TEST_F(TempDir, BatchedReadingEqualsLineByLine) {
  std::mt19937 rng(20261204);
  StreamOptions reference;
  reference.line_by_line = true;
  reference.max_depth = 8;
  reference.max_line_bytes = 6000;
  StreamOptions batched = reference;
  batched.line_by_line = false;
  // Small inputs (read), and inputs over the mapping threshold and over a
  // parse batch, where lines cross batch boundaries.
  for (size_t size : {100u, 5000u, 200000u, 1500000u, 3500000u, 9000000u}) {
    for (int round = (size > 5000000 ? 1 : 0); round < 3; ++round) {
      // Bad lines often (most batches fall back to lines), rarely, or
      // almost never (the batches stream).
      const unsigned odd_one_in = round == 0 ? 4 : round == 1 ? 300 : 100000;
      std::string text = RandomNdjson(rng, size, odd_one_in);
      std::string path =
          Write("r" + std::to_string(size) + "_" + std::to_string(round) + ".ndjson", text);
      auto from_file = [&](EventStream& s, auto& on_event, auto& on_error, std::string* error) {
        return s.ReadFile(path, on_event, on_error, error);
      };
      auto from_buffer = [&](EventStream& s, auto& on_event, auto& on_error, std::string*) {
        return s.ReadBuffer(text, path, on_event, on_error);
      };
      Trace want = TraceRead(from_file, reference);
      ASSERT_GT(want.stats.events, 0u);
      EXPECT_EQ(want.stats.streamed, 0u);
      // Most good lines come from the document streams (bad ones send the
      // rest of their batch line by line).
      Trace batched_file = TraceRead(from_file, batched);

      if (size > 100000 && odd_one_in > 1000) {
        EXPECT_GT(batched_file.stats.streamed, want.stats.events / 2);
      }
      SCOPED_TRACE("size " + std::to_string(size));
      {
        SCOPED_TRACE("file, batched");
        ExpectSameTrace(want, TraceRead(from_file, batched));
      }
      {
        SCOPED_TRACE("buffer, batched");
        ExpectSameTrace(want, TraceRead(from_buffer, batched));
      }
      {
        SCOPED_TRACE("buffer, line by line");
        ExpectSameTrace(want, TraceRead(from_buffer, reference));
      }
    }
  }
}

TEST_F(TempDir, ABadLineCostsLineByLineParsingOfASmallBatchOnly) {
  // Event-sized lines, one bad in about 300 (each kind of bad line): after
  // a bad line the rest of its batch streams again in 64 KiB batches.
  std::mt19937 rng(7);
  const char* bad[] = {"{\"a\":", "{\"s\":\"unclosed", "{\"s\":\"\xc3\x28\"}", "[1]", "x"};
  std::string text;
  while (text.size() < (6u << 20)) {
    if (rng() % 300 == 0) {
      text += bad[rng() % 5];
    } else {
      text += "{\"n\":" + std::to_string(rng()) + ",\"pad\":\"" + std::string(1000, 'p') + "\"}";
    }
    text += '\n';
  }
  std::string path = Write("dirty.ndjson", text);
  auto from_file = [&](EventStream& s, auto& on_event, auto& on_error, std::string* error) {
    return s.ReadFile(path, on_event, on_error, error);
  };
  StreamOptions reference;
  reference.line_by_line = true;
  Trace want = TraceRead(from_file, reference);
  Trace got = TraceRead(from_file, StreamOptions{});
  ExpectSameTrace(want, got);
  EXPECT_GT(want.stats.malformed, 10u);
  EXPECT_GT(got.stats.streamed, want.stats.events * 3 / 4);
}

TEST_F(TempDir, MappedFilesEndingNearAPageBoundary) {
  // The last window is parsed in place only when its page leaves room for
  // simdjson's padding after the file's end; otherwise its tail is copied.
  for (size_t short_of_page : {0u, 1u, 30u, 63u, 64u, 65u, 2000u}) {
    for (bool final_newline : {true, false}) {
      std::string text;
      int n = 0;
      while (text.size() < (3u << 20)) text += "{\"n\":" + std::to_string(n++) + "}\n";
      size_t want = ((text.size() + 8191) / 4096) * 4096 - short_of_page;
      std::string last = "{\"last\":\"";
      size_t room = want - text.size() - last.size() - 2 - (final_newline ? 1 : 0);
      text += last + std::string(room, 'z') + "\"}" + (final_newline ? "\n" : "");
      ASSERT_EQ(text.size(), want);
      std::string path = Write("p" + std::to_string(short_of_page) + ".ndjson", text);
      auto from_file = [&](EventStream& s, auto& on_event, auto& on_error, std::string* error) {
        return s.ReadFile(path, on_event, on_error, error);
      };
      auto from_buffer = [&](EventStream& s, auto& on_event, auto& on_error, std::string*) {
        return s.ReadBuffer(text, path, on_event, on_error);
      };
      Trace want_trace = TraceRead(from_buffer, StreamOptions{});
      EXPECT_EQ(want_trace.stats.events, static_cast<uint64_t>(n) + 1);
      ExpectSameTrace(want_trace, TraceRead(from_file, StreamOptions{}));
    }
  }
}

TEST_F(TempDir, LinesLongerThanTheLimitInLargeFiles) {
  // Over the mapping threshold: a long line inside a window, one longer than
  // a window (8 MiB) but within the limit, one over the limit, then more.
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "{\"n\":" + std::to_string(i) + "}\n";
  text += "{\"s\":\"" + std::string(500000, 'a') + "\"}\n";
  text += "{\"s\":\"" + std::string(9u << 20, 'b') + "\"}\n";
  text += "{\"s\":\"" + std::string(20u << 20, 'c') + "\"}\n";
  text += "{\"after\":1}\n";
  std::string path = Write("long.ndjson", text);
  StreamOptions options;
  options.max_line_bytes = 16u << 20;
  auto c = ReadPath(path, options);
  ASSERT_EQ(c.raw.size(), 3003u);
  EXPECT_EQ(c.raw[3001].size(), (9u << 20) + 8);
  EXPECT_EQ(c.raw.back(), "{\"after\":1}");
  EXPECT_EQ(c.lines.back(), 3004u);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].where.line, 3003u);
  EXPECT_NE(c.errors[0].reason.find("longer than"), std::string::npos);
}

TEST_F(TempDir, AFileTruncatedWhileReadIsAnErrorNotACrash) {
  // Parsed from mapped windows: cutting the file under the reader would
  // raise SIGBUS on the next window; it is reported instead.
  std::string text;
  while (text.size() < (24u << 20)) text += "{\"k\":\"" + std::string(100, 'v') + "\"}\n";
  std::string path = Write("shrinks.ndjson", text);
  EventStream stream;
  std::string error;
  uint64_t events = 0;
  bool ok = stream.ReadFile(
      path,
      [&](const Event&) {
        if (++events == 1) fs::resize_file(path, 1u << 20);
        return true;
      },
      [](const InputError&) {}, &error);
  EXPECT_FALSE(ok);
  EXPECT_NE(error.find("shrank"), std::string::npos) << error;
  EXPECT_GE(events, 1u);
  EXPECT_LT(events, text.size() / 100);
}

Collected ReadJson(TempDir* dir, const std::string& name, const std::string& content,
                   StreamOptions options = {}) {
  return ReadPath(dir->Write(name, content), options);
}

TEST_F(TempDir, JsonArraysAreReadElementByElement) {
  // Problems are located on the line of the element; good elements around
  // them are all read.
  auto c = ReadPath(Write("a.json",
                          "[\n"
                          "  {\"n\": 1},\n"
                          "  {\"n\": \"\\u00e9\\\"]}\"},\n"  // brackets and escapes in a string
                          "  {\"n\": 3,, },\n"               // malformed element
                          "  {\"n\": 4}\n"
                          "  {\"n\": 5},\n"  // missing comma
                          "  \"s\",\n"
                          "  {\"n\":\n 6}\n"
                          "]\n"));
  ASSERT_EQ(c.raw.size(), 5u);
  EXPECT_EQ(c.raw[1], "{\"n\":\"\xc3\xa9\\\"]}\"}");  // re-serialised
  EXPECT_EQ(c.raw[4], "{\"n\":6}");
  EXPECT_EQ(c.lines[0], 2u);
  EXPECT_EQ(c.lines[4], 8u);
  ASSERT_EQ(c.errors.size(), 3u);
  EXPECT_EQ(c.errors[0].where.line, 4u);
  EXPECT_EQ(c.errors[0].reason.rfind("array element 3: malformed JSON", 0), 0u)
      << c.errors[0].reason;
  EXPECT_NE(c.messages[0].find("a.json:4: array element 3: "), std::string::npos);
  EXPECT_EQ(c.errors[1].where.line, 6u);
  EXPECT_EQ(c.errors[1].reason, "expected ',' or ']' after array element 4");
  EXPECT_EQ(c.errors[2].where.line, 7u);
  EXPECT_EQ(c.errors[2].reason, "array element 6 is not a JSON object");
}

TEST_F(TempDir, JsonArrayEndings) {
  auto truncated = ReadJson(this, "t.json", "[{\"a\":1},\n{\"a\":2},\n{\"a\":");
  ASSERT_EQ(truncated.raw.size(), 2u);
  ASSERT_FALSE(truncated.errors.empty());
  EXPECT_NE(truncated.errors.back().reason.find("unterminated"), std::string::npos);
  EXPECT_EQ(truncated.errors.back().where.line, 3u);

  auto trailing_comma = ReadJson(this, "c.json", "[{\"a\":1},]");
  ASSERT_EQ(trailing_comma.raw.size(), 1u);
  ASSERT_EQ(trailing_comma.errors.size(), 1u);

  auto after = ReadJson(this, "x.json", "[{\"a\":1}]\n\n[{\"a\":2}]\n");
  ASSERT_EQ(after.raw.size(), 1u);
  ASSERT_EQ(after.errors.size(), 1u);
  EXPECT_EQ(after.errors[0].where.line, 3u);
  EXPECT_NE(after.errors[0].reason.find("after the top-level JSON array"), std::string::npos);

  auto empty = ReadJson(this, "e.json", " [ ] ");
  EXPECT_TRUE(empty.raw.empty());
  EXPECT_TRUE(empty.errors.empty());

  StreamOptions small;
  small.max_line_bytes = 1000;
  auto big = ReadJson(this, "b.json", "[{\"a\":\"" + std::string(5000, 'x') + "\"},{\"ok\":\"]\"}]",
                      small);
  ASSERT_EQ(big.raw.size(), 1u);
  EXPECT_EQ(big.raw[0], "{\"ok\":\"]\"}");
  ASSERT_EQ(big.errors.size(), 1u);
  EXPECT_NE(big.errors[0].reason.find("longer than 1000"), std::string::npos);
}

TEST_F(TempDir, JsonArrayInGzipIsStreamed) {
  // Elements are cut out as the decompressed bytes arrive: a large array
  // needs no more than a read chunk and an element in memory.
  std::string gz = (dir_ / "big.json.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, "[", 1);
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    std::string e = (i ? ",\n" : "\n") + std::string("{\"i\":") + std::to_string(i) +
                    ",\"pad\":\"" + std::string(40, 'p') + "\"}";
    gzwrite(f, e.data(), static_cast<unsigned>(e.size()));
  }
  gzwrite(f, "\n]\n", 3);
  gzclose(f);
  EventStream stream;
  std::string error;
  uint64_t events = 0, last_line = 0;
  ASSERT_TRUE(stream.ReadFile(
      gz,
      [&](const Event& e) {
        ++events;
        last_line = e.where.line;
        return true;
      },
      [](const InputError&) {}, &error))
      << error;
  EXPECT_EQ(events, static_cast<uint64_t>(n));
  EXPECT_EQ(last_line, static_cast<uint64_t>(n) + 1);
}

TEST_F(TempDir, JsonObjectFiles) {
  auto pretty = ReadJson(this, "p.json", "\n{\n  \"pretty\": true,\n  \"n\": [1,\n 2]\n}\n");
  ASSERT_EQ(pretty.raw.size(), 1u);
  EXPECT_EQ(pretty.lines[0], 2u);
  EXPECT_TRUE(pretty.errors.empty());
  // NDJSON under a .json name, with a bad line: read as lines.
  auto lines = ReadJson(this, "l.json", "{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
  ASSERT_EQ(lines.raw.size(), 2u);
  ASSERT_EQ(lines.errors.size(), 1u);
  EXPECT_EQ(lines.errors[0].where.line, 2u);
  // Not one document either: every line is reported.
  auto broken = ReadJson(this, "x.json", "{\n\"a\": 1,\n}\n");
  EXPECT_TRUE(broken.raw.empty());
  EXPECT_EQ(broken.errors.size(), 3u);
}

// keep_windows (hunt --eql keeps matched events without copying them): the
// raw bytes of events read in place stay valid after reading, and only
// those; a kept file that changes afterwards is noticed.
std::string LinesOfSize(size_t bytes) {
  std::string text;
  for (int n = 0; text.size() < bytes; ++n)
    text += "{\"n\":" + std::to_string(n) + ",\"pad\":\"" + std::string(n % 300, 'p') + "\"}\n";
  return text;
}

struct Kept {
  std::vector<std::string_view> views;  // of stable events
  std::vector<std::string> copies;      // of every event, as read
  size_t unstable = 0;
};

void ReadKept(EventStream* stream, const std::string& path, Kept* kept) {
  std::string error;
  ASSERT_TRUE(stream->ReadFile(
      path,
      [&](const Event& e) {
        kept->copies.emplace_back(e.raw);
        if (e.stable)
          kept->views.push_back(e.raw);
        else
          ++kept->unstable;
        return true;
      },
      [](const InputError&) {}, &error))
      << error;
}

TEST_F(TempDir, KeptWindowsKeepTheBytesOfPlainFilesOnly) {
  StreamOptions keep;
  keep.keep_windows = true;
  std::string text = LinesOfSize(70u << 20);  // more than one kept window
  std::string big = Write("big.ndjson", text);
  std::string small = Write("small.ndjson", LinesOfSize(100u << 10));
  {
    std::string gz = (dir_ / "big.ndjson.gz").string();
    gzFile f = gzopen(gz.c_str(), "wb1");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
  }
  EventStream stream(keep);
  Kept from_big, others;
  ReadKept(&stream, big, &from_big);
  ReadKept(&stream, small, &others);
  ReadKept(&stream, (dir_ / "big.ndjson.gz").string(), &others);
  // After every read: the kept views still hold what was read.
  ASSERT_GT(from_big.views.size(), from_big.copies.size() * 9 / 10);
  for (size_t i = 0; i < from_big.views.size(); ++i)
    ASSERT_EQ(from_big.views[i], from_big.copies[i]) << i;
  EXPECT_TRUE(others.views.empty()) << "small and gzip files are read through a buffer";
  std::string changed;
  EXPECT_TRUE(stream.KeptFilesUnchanged(&changed)) << changed;

  // Standard input, even when it is that plain file: never kept (it cannot
  // be looked at again).
  int saved = dup(0);
  int fd = open(big.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  dup2(fd, 0);
  close(fd);
  Kept from_stdin;
  ReadKept(&stream, "-", &from_stdin);
  dup2(saved, 0);
  close(saved);
  EXPECT_EQ(from_stdin.copies.size(), from_big.copies.size());
  EXPECT_TRUE(from_stdin.views.empty());

  // Without the option nothing is stable.
  EventStream plain;
  Kept unkept;
  ReadKept(&plain, big, &unkept);
  EXPECT_TRUE(unkept.views.empty());
}

TEST_F(TempDir, AKeptFileThatChangesIsNoticed) {
  StreamOptions keep;
  keep.keep_windows = true;
  const std::string text = LinesOfSize(3u << 20);
  auto read_then = [&](const std::string& name,
                       const std::function<void(const std::string&)>& change) {
    std::string path = Write(name, text);
    // An old time, so that a change made within the clock's resolution
    // still moves it.
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(1));
    EventStream stream(keep);
    Kept kept;
    ReadKept(&stream, Write(name + ".other", text), &kept);
    ReadKept(&stream, path, &kept);
    EXPECT_FALSE(kept.views.empty());
    std::string changed;
    EXPECT_TRUE(stream.KeptFilesUnchanged(&changed)) << changed;
    change(path);
    EXPECT_FALSE(stream.KeptFilesUnchanged(&changed)) << name;
    EXPECT_EQ(changed, path);
  };
  read_then("appended.ndjson", [](const std::string& path) {
    std::ofstream(path, std::ios::app) << "{\"more\":1}\n";
  });
  read_then("rewritten.ndjson", [](const std::string& path) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f << "7";  // same size, other bytes
  });
  read_then("truncated.ndjson", [](const std::string& path) { fs::resize_file(path, 1u << 20); });
}

}  // namespace
}  // namespace picket::io

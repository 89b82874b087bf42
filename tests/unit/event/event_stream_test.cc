// NDJSON input: good lines around bad ones are all processed; every bad line
// is reported with file:line and a reason; nothing crashes.
#include "io/event_stream.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

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
  ASSERT_EQ(arr.errors.size(), 1u);
  EXPECT_EQ(arr.errors[0].where.line, 2u);
  auto one = ReadPath(Write("one.json", "{\n  \"pretty\": true\n}\n"));
  ASSERT_EQ(one.raw.size(), 1u);
  auto lines = ReadPath(Write("lines.json", "{\"a\":1}\n{\"a\":2}\n"));
  EXPECT_EQ(lines.raw.size(), 2u);
}

}  // namespace
}  // namespace picket::io

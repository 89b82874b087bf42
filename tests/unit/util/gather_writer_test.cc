#include "util/gather_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace picket {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Copied and referred pieces reach the file in call order, across many
// writev batches (more pieces than one call takes) and a piece larger than
// the writer's flush threshold.
TEST(GatherWriter, PiecesInOrderAcrossBatches) {
  char path[] = "/tmp/gather_writer_testXXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string expected;
  std::vector<std::string> referred;  // kept alive until the writer is flushed
  referred.reserve(20001);
  {
    GatherWriter out(fd);
    for (int i = 0; i < 10000; ++i) {
      std::string copied = "{\"n\":" + std::to_string(i) + ",\"line\":";
      out.Copy(copied);
      expected += copied;
      referred.push_back("<line " + std::to_string(i) + ">");
      out.Refer(referred.back());
      expected += referred.back();
      out.Copy("}");
      out.Copy("\n");  // joins the piece before
      expected += "}\n";
      out.Copy("");  // nothing
      out.Refer("");
    }
    referred.push_back(std::string(size_t{9} << 20, 'x'));
    out.Refer(referred.back());
    expected += referred.back();
    out.Copy("end");
    expected += "end";
    EXPECT_TRUE(out.Flush());
    EXPECT_TRUE(out.ok());
  }
  close(fd);
  std::string got = ReadAll(path);
  std::remove(path);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

TEST(GatherWriter, ReportsWriteErrors) {
  GatherWriter out(-1);
  out.Copy("x");
  EXPECT_FALSE(out.Flush());
  EXPECT_EQ(errno, EBADF);
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace picket

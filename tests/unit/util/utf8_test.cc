// util/utf8.h: ASCII case folding.
#include "util/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace picket {
namespace {

// Exactly the 26 ASCII capitals change, for every byte value (UTF-8
// sequences, whose bytes are all >= 0x80, stay as they are).
TEST(AsciiLowerInto, FoldsOnlyAsciiCapitals) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string out = "previous contents, longer than nothing";
  AsciiLowerInto(all, &out);
  ASSERT_EQ(out.size(), all.size());
  for (int b = 0; b < 256; ++b) {
    const int want = b >= 'A' && b <= 'Z' ? b + 32 : b;
    EXPECT_EQ(static_cast<unsigned char>(out[b]), want) << b;
  }
  AsciiLowerInto("C:\\Windows\\\xc3\x89VIL.EXE", &out);
  EXPECT_EQ(out, "c:\\windows\\\xc3\x89vil.exe");
  AsciiLowerInto("", &out);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace picket

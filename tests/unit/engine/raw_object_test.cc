// RawObjectReader: member spans of an object text, verbatim.
#include "engine/raw_object.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace picket::engine {
namespace {

std::vector<std::pair<std::string, std::string>> Members(std::string_view text, bool* ok) {
  RawObjectReader reader(text);
  std::vector<std::pair<std::string, std::string>> out;
  std::string key;
  std::string_view value;
  while (reader.Next(&key, &value)) out.emplace_back(key, std::string(value));
  *ok = reader.ok();
  return out;
}

TEST(RawObjectReader, KeepsValueBytesVerbatim) {
  bool ok;
  auto m = Members(R"( {"a": 1.50 , "b":{"c":[1,"}]"]},"d":"x\"y","e":null,"f":-2e3} )", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0], (std::pair<std::string, std::string>{"a", "1.50"}));
  EXPECT_EQ(m[1].second, R"({"c":[1,"}]"]})");
  EXPECT_EQ(m[2].second, R"("x\"y")");
  EXPECT_EQ(m[3].second, "null");
  EXPECT_EQ(m[4].second, "-2e3");
}

TEST(RawObjectReader, UnescapesKeys) {
  bool ok;
  auto m = Members(R"({"ev\u0065nt":1,"a\nb":2})", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(m[0].first, "event");
  EXPECT_EQ(m[1].first, "a\nb");
}

TEST(RawObjectReader, EmptyObject) {
  bool ok;
  EXPECT_TRUE(Members("{}", &ok).empty());
  EXPECT_TRUE(ok);
}

TEST(RawObjectReader, MalformedTextFailsWithoutOverrun) {
  for (std::string_view bad : {"", "[1]", "{\"a\"", "{\"a\":", "{\"a\":1,", "{\"a\":{", "{\"a\":\"x", "{\"a\" 1}"}) {
    bool ok = true;
    Members(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

}  // namespace
}  // namespace picket::engine

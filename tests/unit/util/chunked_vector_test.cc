#include "util/chunked_vector.h"

#include <gtest/gtest.h>

#include <string>

namespace picket {
namespace {

// Elements cross several chunks and keep their values and their addresses
// while more are added (nothing is moved when a chunk fills).
TEST(ChunkedVector, AppendsAcrossChunksWithoutMoving) {
  ChunkedVector<std::string, 4> v;
  EXPECT_TRUE(v.empty());
  std::vector<const std::string*> addresses;
  for (int i = 0; i < 19; ++i) {
    v.push_back("value number " + std::to_string(i));  // longer than SSO: heap bytes
    addresses.push_back(&v[static_cast<size_t>(i)]);
  }
  ASSERT_EQ(v.size(), 19u);
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i], "value number " + std::to_string(i));
    EXPECT_EQ(&v[i], addresses[i]) << i;
  }
  std::string& last = v.emplace_back(3, 'x');
  EXPECT_EQ(last, "xxx");
  EXPECT_EQ(&v[19], &last);
  const auto& cv = v;
  EXPECT_EQ(cv[4], "value number 4");  // the first element of the second chunk
}

}  // namespace
}  // namespace picket

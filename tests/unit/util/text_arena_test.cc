// util/text_arena.h: views stay valid and unchanged as blocks are added;
// blocks start on huge-page boundaries (so MADV_HUGEPAGE can back them).
#include "util/text_arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace picket {
namespace {

TEST(TextArena, ViewsStayValidAcrossBlocks) {
  TextArena arena(size_t{1} << 12);  // small blocks: many of them below
  std::vector<std::string> want;
  std::vector<std::string_view> got;
  for (int i = 0; i < 5000; ++i) {
    want.push_back("event " + std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'x'));
    got.push_back(arena.Add(want.back()));
  }
  std::string longer(size_t{5} << 20, 'L');  // longer than a block: a block of its own
  std::string_view long_view = arena.Add(longer);
  got.push_back(arena.Add("after the long one"));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
  EXPECT_EQ(long_view, longer);
  EXPECT_EQ(got.back(), "after the long one");
  EXPECT_TRUE(arena.Add("").empty());
}

TEST(TextArena, BlocksStartOnHugePageBoundaries) {
  TextArena arena;
  std::string_view first = arena.Add("first");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(first.data()) % TextArena::kHugePage, 0u);
  std::string_view big = arena.Add(std::string((size_t{4} << 20) + 1, 'b'));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data()) % TextArena::kHugePage, 0u);
}

}  // namespace
}  // namespace picket

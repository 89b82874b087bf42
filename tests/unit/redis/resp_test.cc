// RESP encoding and parsing (src/redis/resp.h): every reply type, pipelined
// and split input, and malformed input refused with a reason.
#include "redis/resp.h"

#include <gtest/gtest.h>

#include "redis/slot.h"

namespace picket::redis {
namespace {

Reply ParseAll(std::string_view data, size_t* consumed = nullptr) {
  Reply reply;
  size_t used = 0;
  std::string error;
  EXPECT_EQ(ParseReply(data, ReplyLimits(), &reply, &used, &error), ParseStatus::kDone) << error;
  if (consumed) *consumed = used;
  return reply;
}

std::string ParseError(std::string_view data, const ReplyLimits& limits = ReplyLimits()) {
  Reply reply;
  size_t used = 0;
  std::string error;
  EXPECT_EQ(ParseReply(data, limits, &reply, &used, &error), ParseStatus::kError) << data;
  return error;
}

TEST(Resp, EncodesCommandsAsBulkStringArrays) {
  std::string out;
  AppendCommand(&out, {"SET", "k", std::string_view("a\0b\r\n", 5)});
  const char kExpected[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0b\r\n\r\n";
  EXPECT_EQ(out, std::string(kExpected, sizeof kExpected - 1));
  std::string built;
  CommandWriter(&built, 3).Arg("SET").Arg("k").Arg(std::string_view("a\0b\r\n", 5));
  EXPECT_EQ(built, out);
  std::string numbers;
  CommandWriter(&numbers, 2).Arg(int64_t{-42}).Arg(int64_t{1772323200000});
  EXPECT_EQ(numbers, "*2\r\n$3\r\n-42\r\n$13\r\n1772323200000\r\n");
}

TEST(Resp, ParsesEveryReplyType) {
  EXPECT_EQ(ParseAll("+OK\r\n").type, Reply::Type::kStatus);
  EXPECT_EQ(ParseAll("+OK\r\n").str, "OK");
  Reply err = ParseAll("-MOVED 3999 127.0.0.1:6381\r\n");
  EXPECT_TRUE(err.is_error());
  EXPECT_EQ(err.error_code(), "MOVED");
  EXPECT_EQ(ParseAll(":-12\r\n").integer, -12);
  EXPECT_EQ(ParseAll("$5\r\nhe\r\no\r\n").str, "he\r\no");
  EXPECT_EQ(ParseAll("$0\r\n\r\n").str, "");
  EXPECT_TRUE(ParseAll("$-1\r\n").is_nil());
  EXPECT_TRUE(ParseAll("*-1\r\n").is_nil());
  Reply array = ParseAll("*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n*0\r\n");
  ASSERT_EQ(array.type, Reply::Type::kArray);
  ASSERT_EQ(array.elements.size(), 3u);
  EXPECT_EQ(array.elements[1].elements[1].str, "b");
  EXPECT_TRUE(array.elements[2].elements.empty());
}

TEST(Resp, ParsesPipelinedRepliesOneAtATime) {
  std::string data = "+OK\r\n:7\r\n$3\r\nabc\r\n";
  size_t used = 0;
  EXPECT_EQ(ParseAll(data, &used).str, "OK");
  data.erase(0, used);
  EXPECT_EQ(ParseAll(data, &used).integer, 7);
  data.erase(0, used);
  EXPECT_EQ(ParseAll(data, &used).str, "abc");
  EXPECT_EQ(used, data.size());
}

TEST(Resp, EveryProperPrefixNeedsMore) {
  std::string whole = "*2\r\n$12\r\nhello\r\nworld\r\n*1\r\n:-5\r\n";
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    Reply reply;
    size_t used = 0;
    std::string error;
    EXPECT_EQ(
        ParseReply(std::string_view(whole).substr(0, cut), ReplyLimits(), &reply, &used, &error),
        ParseStatus::kNeedMore)
        << "cut at " << cut;
  }
  Reply reply = ParseAll(whole);
  EXPECT_EQ(reply.elements[0].str, "hello\r\nworld");
  EXPECT_EQ(reply.elements[1].elements[0].integer, -5);
}

TEST(Resp, RefusesMalformedReplies) {
  EXPECT_NE(ParseError("?x\r\n").find("unexpected reply type byte 0x3f"), std::string::npos);
  EXPECT_NE(ParseError(":12a\r\n").find("bad integer"), std::string::npos);
  EXPECT_NE(ParseError(":\r\n").find("bad integer"), std::string::npos);
  EXPECT_NE(ParseError(":99999999999999999999\r\n").find("bad integer"), std::string::npos);
  EXPECT_NE(ParseError("$-2\r\n").find("out of range"), std::string::npos);
  EXPECT_NE(ParseError("$3\r\nabcd\r\n").find("not terminated"), std::string::npos);
  EXPECT_NE(ParseError("+OK\rX").find("CR not followed by LF"), std::string::npos);
  EXPECT_NE(ParseError("*-7\r\n").find("out of range"), std::string::npos);
  ReplyLimits small;
  small.max_string_bytes = 4;
  small.max_elements = 2;
  small.max_depth = 2;
  EXPECT_NE(ParseError("$5\r\n", small).find("out of range"), std::string::npos);
  EXPECT_NE(ParseError("*3\r\n", small).find("out of range"), std::string::npos);
  EXPECT_NE(ParseError("*1\r\n*1\r\n*1\r\n:1\r\n", small).find("nested too deeply"),
            std::string::npos);
  EXPECT_NE(ParseError("+" + std::string(70000, 'a')).find("line too long"), std::string::npos);
}

TEST(Resp, HugeCountsAreNotAllocatedBeforeTheBytesArrive) {
  // A count of a million elements with nothing behind it must not reserve
  // a million replies.
  Reply reply;
  size_t used = 0;
  std::string error;
  EXPECT_EQ(ParseReply("*1000000\r\n:1\r\n", ReplyLimits(), &reply, &used, &error),
            ParseStatus::kNeedMore);
  EXPECT_LT(reply.elements.capacity(), 16u);
}

TEST(Slot, Crc16AndHashTagsAsTheClusterSpecificationSays) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);  // the specification's check value
  EXPECT_EQ(KeySlot("foo"), 12182);       // CLUSTER KEYSLOT foo
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{}{bar}"), Crc16("foo{}{bar}") % 16384);  // empty tag: whole key
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("no{close"), Crc16("no{close") % 16384);
}

}  // namespace
}  // namespace picket::redis

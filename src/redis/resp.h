// RESP2, the Redis wire protocol: commands out, replies in.
//
// Commands are arrays of bulk strings (binary-safe). Replies are parsed from
// a byte buffer that may hold several pipelined replies or only part of one;
// ParseReply says how many bytes one complete reply took, or that more bytes
// are needed. The parser reads untrusted bytes (a server, or whatever sits on
// the port): sizes, element counts and nesting are bounded by ReplyLimits
// and anything malformed is an error, never a crash (tests/fuzz/fuzz_resp.cc).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace picket::redis {

struct Reply {
  enum class Type : uint8_t { kNil, kStatus, kError, kInteger, kString, kArray };
  Type type = Type::kNil;
  std::string str;  // status, error or bulk string bytes
  int64_t integer = 0;
  std::vector<Reply> elements;

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
  // The error's first word ("MOVED", "NOSCRIPT", "ERR", ...); "" unless an error.
  std::string_view error_code() const;
  // A short rendering for messages: strings quoted and cut, arrays summarised.
  std::string Describe() const;
};

struct ReplyLimits {
  size_t max_string_bytes = 64u << 20;
  size_t max_elements = 1u << 20;  // per array
  int max_depth = 8;
};

// Appends one command (RESP array of bulk strings) to `out`.
void AppendCommand(std::string* out, std::initializer_list<std::string_view> args);
void AppendCommand(std::string* out, const std::vector<std::string_view>& args);

// Builds a command whose argument count is known up front, without a vector.
class CommandWriter {
 public:
  CommandWriter(std::string* out, size_t args);
  CommandWriter& Arg(std::string_view arg);
  CommandWriter& Arg(int64_t value);

 private:
  std::string* out_;
};

enum class ParseStatus { kDone, kNeedMore, kError };

// Parses the first reply in `data`. kDone: *reply is filled and *consumed
// bytes were used. kNeedMore: `data` ends inside the reply. kError: *error
// says what is wrong (the connection must be dropped: framing is lost).
ParseStatus ParseReply(std::string_view data, const ReplyLimits& limits, Reply* reply,
                       size_t* consumed, std::string* error);

}  // namespace picket::redis

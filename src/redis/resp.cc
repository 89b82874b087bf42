#include "redis/resp.h"

#include <charconv>
#include <cstring>

namespace picket::redis {

namespace {

// Status, error and length lines are short; a longer one is garbage.
constexpr size_t kMaxLineBytes = 64 * 1024;

void AppendBulk(std::string* out, std::string_view arg) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, arg.size()).ptr;
  out->push_back('$');
  out->append(digits, end);
  out->append("\r\n");
  out->append(arg);
  out->append("\r\n");
}

void AppendHeader(std::string* out, size_t args) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, args).ptr;
  out->push_back('*');
  out->append(digits, end);
  out->append("\r\n");
}

class Parser {
 public:
  Parser(std::string_view data, const ReplyLimits& limits, std::string* error)
      : data_(data), limits_(limits), error_(error) {}

  ParseStatus Parse(Reply* reply, int depth) {
    if (pos_ >= data_.size()) return ParseStatus::kNeedMore;
    char kind = data_[pos_];
    std::string_view line;
    ParseStatus s = Line(&line);
    if (s != ParseStatus::kDone) return s;
    switch (kind) {
      case '+':
        reply->type = Reply::Type::kStatus;
        reply->str.assign(line);
        return ParseStatus::kDone;
      case '-':
        reply->type = Reply::Type::kError;
        reply->str.assign(line);
        return ParseStatus::kDone;
      case ':':
        reply->type = Reply::Type::kInteger;
        return Integer(line, &reply->integer) ? ParseStatus::kDone : ParseStatus::kError;
      case '$': {
        int64_t n = 0;
        if (!Integer(line, &n)) return ParseStatus::kError;
        if (n == -1) {
          reply->type = Reply::Type::kNil;
          return ParseStatus::kDone;
        }
        if (n < 0 || static_cast<uint64_t>(n) > limits_.max_string_bytes)
          return Fail("bulk string length " + std::string(line) + " out of range");
        size_t len = static_cast<size_t>(n);
        if (data_.size() - pos_ < len + 2) return ParseStatus::kNeedMore;
        if (data_[pos_ + len] != '\r' || data_[pos_ + len + 1] != '\n')
          return Fail("bulk string not terminated by CRLF");
        reply->type = Reply::Type::kString;
        reply->str.assign(data_.substr(pos_, len));
        pos_ += len + 2;
        return ParseStatus::kDone;
      }
      case '*': {
        int64_t n = 0;
        if (!Integer(line, &n)) return ParseStatus::kError;
        if (n == -1) {
          reply->type = Reply::Type::kNil;
          return ParseStatus::kDone;
        }
        if (n < 0 || static_cast<uint64_t>(n) > limits_.max_elements)
          return Fail("array length " + std::string(line) + " out of range");
        if (depth >= limits_.max_depth) return Fail("replies nested too deeply");
        // Each element takes at least 3 bytes ("+\r\n"); a count the buffer
        // cannot hold yet is not allocated for.
        size_t count = static_cast<size_t>(n);
        reply->type = Reply::Type::kArray;
        reply->elements.clear();
        reply->elements.reserve(std::min(count, (data_.size() - pos_) / 3 + 1));
        for (size_t i = 0; i < count; ++i) {
          reply->elements.emplace_back();
          ParseStatus st = Parse(&reply->elements.back(), depth + 1);
          if (st != ParseStatus::kDone) return st;
        }
        return ParseStatus::kDone;
      }
      default:
        return Fail(std::string("unexpected reply type byte 0x") +
                    "0123456789abcdef"[(kind >> 4) & 15] + "0123456789abcdef"[kind & 15]);
    }
  }

  size_t pos() const { return pos_; }

 private:
  // The rest of the current line after its type byte; pos_ moves past CRLF.
  ParseStatus Line(std::string_view* line) {
    size_t start = pos_ + 1;
    size_t limit = std::min(data_.size(), start + kMaxLineBytes);
    const void* cr =
        start < limit ? std::memchr(data_.data() + start, '\r', limit - start) : nullptr;
    if (!cr) {
      if (data_.size() - start >= kMaxLineBytes) return Fail("reply line too long");
      return ParseStatus::kNeedMore;
    }
    size_t end = static_cast<const char*>(cr) - data_.data();
    if (end + 1 >= data_.size()) return ParseStatus::kNeedMore;
    if (data_[end + 1] != '\n') return Fail("CR not followed by LF");
    *line = data_.substr(start, end - start);
    pos_ = end + 2;
    return ParseStatus::kDone;
  }

  bool Integer(std::string_view text, int64_t* value) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
      Fail("bad integer \"" + std::string(text.substr(0, 32)) + "\"");
      return false;
    }
    return true;
  }

  ParseStatus Fail(std::string message) {
    *error_ = "Redis protocol error: " + std::move(message);
    return ParseStatus::kError;
  }

  std::string_view data_;
  const ReplyLimits& limits_;
  std::string* error_;
  size_t pos_ = 0;
};

}  // namespace

std::string_view Reply::error_code() const {
  if (type != Type::kError) return {};
  std::string_view s = str;
  return s.substr(0, s.find(' '));
}

std::string Reply::Describe() const {
  switch (type) {
    case Type::kNil:
      return "nil";
    case Type::kStatus:
    case Type::kError:
      return str.size() > 200 ? str.substr(0, 200) + "..." : str;
    case Type::kInteger:
      return std::to_string(integer);
    case Type::kString:
      return "\"" + (str.size() > 64 ? str.substr(0, 64) + "..." : str) + "\"";
    case Type::kArray:
      return "array of " + std::to_string(elements.size());
  }
  return "?";
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  AppendHeader(out, args.size());
  for (std::string_view a : args) AppendBulk(out, a);
}

void AppendCommand(std::string* out, const std::vector<std::string_view>& args) {
  AppendHeader(out, args.size());
  for (std::string_view a : args) AppendBulk(out, a);
}

CommandWriter::CommandWriter(std::string* out, size_t args) : out_(out) { AppendHeader(out, args); }

CommandWriter& CommandWriter::Arg(std::string_view arg) {
  AppendBulk(out_, arg);
  return *this;
}

CommandWriter& CommandWriter::Arg(int64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  AppendBulk(out_, std::string_view(digits, end - digits));
  return *this;
}

ParseStatus ParseReply(std::string_view data, const ReplyLimits& limits, Reply* reply,
                       size_t* consumed, std::string* error) {
  *reply = Reply();
  Parser parser(data, limits, error);
  ParseStatus status = parser.Parse(reply, 0);
  if (status == ParseStatus::kDone) *consumed = parser.pos();
  return status;
}

}  // namespace picket::redis

// The EQL lexer: the tokens of Elasticsearch's EqlBase.g4 grammar.
//
// Keywords are lower case only (`AND` is an identifier, as in
// Elasticsearch). Strings are "..." with the escapes \b \t \n \f \r \" \'
// \\ \uXXXX and \u{X..X} (2 to 8 hex digits), or """raw""" (no escapes, no
// line breaks, up to two extra closing quotes belong to the string).
// Single-quoted and ?"..." strings are lexed, as Elasticsearch does, so that
// the parser can refuse them with its message. Identifiers are
// [A-Za-z_@][A-Za-z0-9_]*, back-quoted `...` (`` for a back quote) or, for
// case-insensitive function names, letters ending in ~. Comments are //
// to end of line and nested /* */. Whitespace is space, tab, CR and LF.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picket::eql {

enum class Tok : uint8_t {
  kEof,
  // keywords
  kAnd,
  kAny,
  kBy,
  kFalse,
  kIn,
  kInInsensitive,
  kJoin,
  kLike,
  kLikeInsensitive,
  kMaxspan,
  kNot,
  kNull,
  kOf,
  kOr,
  kRegex,
  kRegexInsensitive,
  kSample,
  kSequence,
  kTrue,
  kUntil,
  kWhere,
  kWith,
  // operators
  kSeq,   // :
  kAsgn,  // =
  kEq,    // ==
  kNeq,   // !=
  kLt,
  kLte,
  kGt,
  kGte,
  kPlus,
  kMinus,
  kAsterisk,
  kSlash,
  kPercent,
  kDot,
  kComma,
  kLb,
  kRb,
  kLp,
  kRp,
  kPipe,
  kOptional,          // ?
  kMissingEventOpen,  // ![
  // values
  kString,
  kInteger,
  kDecimal,
  kIdentifier,
  kQuotedIdentifier,
  kTildeIdentifier,
  kLexError,  // where lexing stopped (the parser reports the lexer's error there)
};

// How a kString token was written; the parser refuses all but the first two.
enum class StringStyle : uint8_t { kDouble, kRaw, kSingle, kQuestionDouble, kQuestionSingle };

struct Token {
  Tok kind = Tok::kEof;
  uint32_t begin = 0, end = 0;  // byte span in the query
  // kString: the unescaped value; identifiers: the name (back quotes and
  // ~ removed, `` unescaped).
  std::string text;
  StringStyle style = StringStyle::kDouble;
  // A \u escape the lexer accepted but Elasticsearch's builder refuses
  // ("Unicode sequence results in null", ...); reported by the parser.
  std::string string_error;
  uint32_t string_error_offset = 0;
};

struct LexError {
  uint32_t offset = 0;
  std::string message;
};

// Splits `query` into tokens (ending with kEof). On a character no token
// can start with, returns false with Elasticsearch's "token recognition
// error at: '...'" message.
bool Lex(std::string_view query, std::vector<Token>* tokens, LexError* error,
         size_t max_tokens = SIZE_MAX);

// How a token is named in syntax errors ('and', <EOF>, 'process.name', ...).
std::string TokenDisplay(std::string_view query, const Token& t);
const char* TokenKindName(Tok kind);  // "'and'", "STRING", "IDENTIFIER", ...

}  // namespace picket::eql

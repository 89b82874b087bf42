#include "event/allowed_values.h"

#include <map>

#include "util/embedded.h"
#include "util/text_lines.h"

namespace picket::event {
namespace {

const std::map<std::string, std::vector<std::string>, std::less<>>& Table() {
  static const auto* table = [] {
    auto* t = new std::map<std::string, std::vector<std::string>, std::less<>>;
    ForEachDataLine(EmbeddedFile("data/ecs_allowed_values.tsv"),
                    [&](size_t, std::string_view line) {
                      auto cols = Split(line, '\t');
                      if (cols.size() == 2) (*t)[std::string(cols[0])].emplace_back(cols[1]);
                      return true;
                    });
    return t;
  }();
  return *table;
}

char Fold(char c, bool fold) { return fold && c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// One element of a pattern: a literal byte, `?` or `*`.
struct Token {
  enum Kind { kByte, kOne, kRun } kind;
  char byte;
};

std::vector<Token> Tokens(std::string_view value, bool pattern) {
  std::vector<Token> out;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (pattern && c == '\\' && i + 1 < value.size())
      out.push_back({Token::kByte, value[++i]});
    else if (pattern && c == '*')
      out.push_back({Token::kRun, 0});
    else if (pattern && c == '?')
      out.push_back({Token::kOne, 0});
    else
      out.push_back({Token::kByte, c});
  }
  return out;
}

// Full match, `*` by backtracking to the last star (linear enough for the
// short values of the table).
bool Matches(const std::vector<Token>& p, std::string_view text, bool fold) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, star_text = 0;
  while (ti < text.size()) {
    if (pi < p.size() && p[pi].kind == Token::kRun) {
      star = pi++;
      star_text = ti;
    } else if (pi < p.size() &&
               (p[pi].kind == Token::kOne || Fold(p[pi].byte, fold) == Fold(text[ti], fold))) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++star_text;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi].kind == Token::kRun) ++pi;
  return pi == p.size();
}

}  // namespace

AllowedValueCheck CheckAllowedValue(std::string_view field, std::string_view value, bool pattern,
                                    bool case_insensitive) {
  AllowedValueCheck out;
  auto it = Table().find(field);
  if (it == Table().end()) return out;
  out.allowed = it->second;
  std::vector<Token> tokens = Tokens(value, pattern);
  for (const std::string& allowed : out.allowed)
    if (Matches(tokens, allowed, case_insensitive)) {
      out.verdict = AllowedValueVerdict::kCanMatch;
      return out;
    }
  for (const std::string& allowed : out.allowed)
    if (Matches(tokens, allowed, true)) out.case_variants.push_back(allowed);
  out.verdict = out.case_variants.empty() ? AllowedValueVerdict::kNeverMatches
                                          : AllowedValueVerdict::kWrongCase;
  return out;
}

std::string EscapeForPattern(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace picket::event

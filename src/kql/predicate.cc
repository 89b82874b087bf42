#include "kql/predicate.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "kql/text_analysis.h"

namespace picket::kql {
namespace {

using event::Json;
using event::JsonType;

thread_local std::string tl_scratch;
thread_local std::string tl_tokens;

// Number in a JSON value, or a numeric string (Elasticsearch coerces
// "42" into numeric fields).
bool NumberOf(Json v, double* out) {
  switch (v.type()) {
    case JsonType::INT64:
      *out = static_cast<double>(v.get_int64().value_unsafe());
      return true;
    case JsonType::UINT64:
      *out = static_cast<double>(v.get_uint64().value_unsafe());
      return true;
    case JsonType::DOUBLE:
      *out = v.get_double().value_unsafe();
      return true;
    case JsonType::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      if (s.empty() || s.size() > 64) return false;
      auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
      return r.ec == std::errc() && r.ptr == s.data() + s.size();
    }
    default:
      return false;
  }
}

bool ParseNumberLiteral(std::string_view s, double* out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty() || s.size() > 64) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(*out);
}

bool DateOf(Json v, TimeMs* out) {
  switch (v.type()) {
    case JsonType::INT64:
      *out = v.get_int64().value_unsafe();
      return true;
    case JsonType::UINT64:
      *out = static_cast<TimeMs>(v.get_uint64().value_unsafe());
      return true;
    case JsonType::DOUBLE:
      *out = static_cast<TimeMs>(v.get_double().value_unsafe());
      return true;
    case JsonType::STRING: {
      auto d = ParseDate(v.get_string().value_unsafe());
      if (!d) return false;
      *out = d->ms;
      return true;
    }
    default:
      return false;
  }
}

// The keyword term of a value, honouring ignore_above (longer values are not
// indexed). Points into the document or into tl_scratch.
bool KeywordOf(Json v, uint32_t ignore_above, std::string_view* out) {
  if (!event::KeywordText(v, &tl_scratch, out)) return false;
  return ignore_above == 0 || out->size() <= ignore_above;
}

bool InBounds(double x, const Predicate& p) {
  if (p.has_lo && (p.lo_inclusive ? x < p.lo : x <= p.lo)) return false;
  if (p.has_hi && (p.hi_inclusive ? x > p.hi : x >= p.hi)) return false;
  return true;
}

// Does the JSON type of `v` fit the predicate's type? For dynamic fields the
// predicate was built for one JSON kind and only applies to values of it.
bool DynamicKindFits(const Predicate& p, Json v) {
  if (p.type != MatchType::kDynamic) return true;
  JsonType t = v.type();
  switch (p.kind) {
    case Predicate::kNumberRange:
      return t == JsonType::INT64 || t == JsonType::UINT64 || t == JsonType::DOUBLE;
    case Predicate::kBoolEq:
      return t == JsonType::BOOL;
    case Predicate::kExists:
      return true;
    default:
      return t == JsonType::STRING;
  }
}

std::vector<std::string> LowerPieces(const std::vector<std::string>& pieces) {
  std::vector<std::string> out = pieces;
  for (auto& p : out)
    for (char& c : p)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

void Warn(const PredicateContext& ctx, const std::string& msg) {
  if (ctx.warnings) ctx.warnings->push_back(ctx.field + ": " + msg);
}

// A date value that did not resolve: a warning when it is not date math
// (Kibana's query fails to match, picket says so), an error when it is date
// math beyond the dates Elasticsearch can represent (it rejects the query).
void DateProblem(const PredicateContext& ctx, const Literal& lit, DateMathProblem problem,
                 const std::string& what) {
  if (problem == DateMathProblem::kSyntax || problem == DateMathProblem::kNone) {
    Warn(ctx, what + " '" + lit.raw + "' is not a date or date math");
    return;
  }
  if (!ctx.error || ctx.error->set) return;
  *ctx.error = {true, lit.offset,
                ctx.field + ": " + what + " '" + lit.raw + "' " + DateMathProblemText(problem)};
}

Predicate Never() { return Predicate{}; }

}  // namespace

MatchType MatchTypeOf(const event::FieldInfo* info) {
  if (!info) return MatchType::kDynamic;
  switch (info->type) {
    case event::FieldType::kText:
      return MatchType::kText;
    case event::FieldType::kIp:
      return MatchType::kIp;
    case event::FieldType::kLong:
      return MatchType::kLong;
    case event::FieldType::kDouble:
      return MatchType::kDouble;
    case event::FieldType::kDate:
      return MatchType::kDate;
    case event::FieldType::kBoolean:
      return MatchType::kBoolean;
    default:
      return MatchType::kKeyword;
  }
}

bool KeywordTerm(Json value, uint32_t ignore_above, std::string_view* out) {
  return KeywordOf(value, ignore_above, out);
}

bool Predicate::Test(Json v) const {
  if (!DynamicKindFits(*this, v)) return false;
  switch (kind) {
    case kNever:
      return false;
    case kExists: {
      if (v.type() == JsonType::STRING && ignore_above &&
          v.get_string().value_unsafe().size() > ignore_above)
        return false;
      return true;
    }
    case kKeywordEq: {
      std::string_view term;
      return KeywordOf(v, ignore_above, &term) && term == text;
    }
    case kKeywordWildcard: {
      std::string_view term;
      return KeywordOf(v, ignore_above, &term) && pattern.Matches(term);
    }
    case kKeywordRange: {
      std::string_view term;
      if (!KeywordOf(v, ignore_above, &term)) return false;
      if (has_lo) {
        int c = term.compare(text);
        if (lo_inclusive ? c < 0 : c <= 0) return false;
      }
      if (has_hi) {
        int c = term.compare(text_hi);
        if (hi_inclusive ? c > 0 : c >= 0) return false;
      }
      return true;
    }
    case kTextAny:
    case kTextPhrase:
    case kTextWildcard: {
      if (v.type() != JsonType::STRING) {
        if (!event::ScalarToKeyword(v, &tl_scratch)) return false;
      }
      std::string_view value =
          v.type() == JsonType::STRING ? v.get_string().value_unsafe() : tl_scratch;
      if (kind == kTextAny) {
        return ForEachToken(value, &tl_tokens, [&](std::string_view t) {
          for (const auto& q : tokens)
            if (q == t) return true;
          return false;
        });
      }
      if (kind == kTextWildcard) {
        return ForEachToken(value, &tl_tokens,
                            [&](std::string_view t) { return pattern.Matches(t); });
      }
      // Phrase: slide over the document tokens keeping how many of the query
      // tokens matched in a row. Restart from the current token on a miss.
      if (tokens.empty()) return false;
      std::vector<std::string> doc = Tokenize(value);
      for (size_t i = 0; i + tokens.size() <= doc.size(); ++i) {
        size_t k = 0;
        while (k < tokens.size() && doc[i + k] == tokens[k]) ++k;
        if (k == tokens.size()) return true;
      }
      return false;
    }
    case kIpRange: {
      if (v.type() != JsonType::STRING) return false;
      auto ip = ParseIp(v.get_string().value_unsafe());
      return ip && ip_lo <= *ip && *ip <= ip_hi;
    }
    case kNumberRange: {
      double x;
      if (!NumberOf(v, &x)) return false;
      if (type == MatchType::kLong) x = std::trunc(x);  // long fields coerce by truncation
      return InBounds(x, *this);
    }
    case kDateRange: {
      TimeMs t;
      return DateOf(v, &t) && t >= date_lo && t <= date_hi;
    }
    case kBoolEq: {
      if (v.type() == JsonType::BOOL) return v.get_bool().value_unsafe() == boolean;
      if (v.type() == JsonType::STRING) {
        std::string_view s = v.get_string().value_unsafe();
        return boolean ? s == "true" : (s == "false" || s.empty());
      }
      return false;
    }
  }
  return false;
}

Predicate ExistsPredicate(uint32_t ignore_above) {
  Predicate p;
  p.kind = Predicate::kExists;
  p.ignore_above = ignore_above;
  return p;
}

std::vector<Predicate> BuildMatchPredicates(MatchType type, uint32_t ignore_above,
                                            const Literal& lit, bool free_text,
                                            const PredicateContext& ctx) {
  std::vector<Predicate> out;
  auto add = [&](Predicate p) {
    p.type = type;
    p.ignore_above = ignore_above;
    out.push_back(std::move(p));
  };
  switch (type) {
    case MatchType::kDynamic: {
      // One predicate per JSON kind the literal can be compared with.
      for (MatchType t : {MatchType::kKeyword, MatchType::kDouble, MatchType::kBoolean}) {
        PredicateContext quiet = ctx;
        quiet.warnings = nullptr;
        for (auto& p : BuildMatchPredicates(t, ignore_above, lit, true, quiet)) {
          if (p.kind == Predicate::kNever) continue;
          p.type = MatchType::kDynamic;
          out.push_back(std::move(p));
        }
      }
      if (out.empty()) out.push_back(Never());
      return out;
    }
    case MatchType::kKeyword: {
      Predicate p;
      if (lit.wildcard) {
        p.kind = Predicate::kKeywordWildcard;
        p.pattern = WildcardPattern(lit.pieces);
      } else {
        p.kind = Predicate::kKeywordEq;
        p.text = lit.text;
      }
      add(std::move(p));
      return out;
    }
    case MatchType::kText: {
      Predicate p;
      if (lit.wildcard) {
        p.kind = Predicate::kTextWildcard;
        p.pattern = WildcardPattern(LowerPieces(lit.pieces));
      } else {
        p.kind = lit.quoted ? Predicate::kTextPhrase : Predicate::kTextAny;
        p.tokens = Tokenize(lit.text);
        if (p.tokens.empty()) p.kind = Predicate::kNever;  // zero_terms_query: none
      }
      add(std::move(p));
      return out;
    }
    case MatchType::kIp: {
      if (lit.wildcard) {
        if (!free_text) Warn(ctx, "wildcard on an ip field never matches in Elasticsearch");
        add(Never());
        return out;
      }
      auto block = ParseCidr(lit.text);
      if (!block) {
        if (!free_text) Warn(ctx, "'" + lit.text + "' is not an IP address or CIDR block");
        add(Never());
        return out;
      }
      Predicate p;
      p.kind = Predicate::kIpRange;
      p.ip_lo = block->first;
      p.ip_hi = block->last;
      add(std::move(p));
      return out;
    }
    case MatchType::kLong:
    case MatchType::kDouble: {
      double x;
      if (lit.wildcard || !ParseNumberLiteral(lit.text, &x)) {
        if (!free_text) Warn(ctx, "'" + lit.raw + "' is not a number; the field is numeric");
        add(Never());
        return out;
      }
      Predicate p;
      if (type == MatchType::kLong && x != std::trunc(x)) {
        add(Never());  // a long field holds no value with a fraction
        return out;
      }
      p.kind = Predicate::kNumberRange;
      p.has_lo = p.has_hi = true;
      p.lo = p.hi = x;
      add(std::move(p));
      return out;
    }
    case MatchType::kDate: {
      if (lit.wildcard) {
        if (!free_text) Warn(ctx, "wildcard on a date field never matches");
        add(Never());
        return out;
      }
      // An exact date is a range gte..lte, each bound rounded to the
      // precision written ("2026-03-01" covers the whole day).
      DateMathProblem problem;
      auto lo = ParseDateMath(lit.text, ctx.now, DateRounding::kDown, &problem);
      auto hi = lo ? ParseDateMath(lit.text, ctx.now, DateRounding::kUp, &problem) : lo;
      if (!lo || !hi) {
        if (!free_text) DateProblem(ctx, lit, problem, "value");
        add(Never());
        return out;
      }
      Predicate p;
      p.kind = Predicate::kDateRange;
      p.date_lo = *lo;
      p.date_hi = *hi;
      add(std::move(p));
      return out;
    }
    case MatchType::kBoolean: {
      Predicate p;
      if (!lit.wildcard && (lit.text == "true" || lit.text == "false")) {
        p.kind = Predicate::kBoolEq;
        p.boolean = lit.text == "true";
      } else if (!free_text) {
        Warn(ctx, "'" + lit.raw + "' is not true or false; the field is boolean");
      }
      add(std::move(p));
      return out;
    }
  }
  return out;
}

std::vector<Predicate> BuildRangePredicates(MatchType type, uint32_t ignore_above, RangeOp op,
                                            const Literal& lit, const PredicateContext& ctx) {
  std::vector<Predicate> out;
  bool lower = op == RangeOp::kGt || op == RangeOp::kGte;
  bool inclusive = op == RangeOp::kGte || op == RangeOp::kLte;
  auto keyword_range = [&](MatchType t) {
    Predicate p;
    p.kind = Predicate::kKeywordRange;
    p.type = t;
    p.ignore_above = ignore_above;
    (lower ? p.text : p.text_hi) = lit.text;
    (lower ? p.has_lo : p.has_hi) = true;
    (lower ? p.lo_inclusive : p.hi_inclusive) = inclusive;
    return p;
  };
  auto number_range = [&](MatchType t, double x) {
    Predicate p;
    p.kind = Predicate::kNumberRange;
    p.type = t;
    (lower ? p.lo : p.hi) = x;
    (lower ? p.has_lo : p.has_hi) = true;
    (lower ? p.lo_inclusive : p.hi_inclusive) = inclusive;
    return p;
  };
  double x;
  switch (type) {
    case MatchType::kKeyword:
    case MatchType::kText:
      out.push_back(keyword_range(type));
      return out;
    case MatchType::kDynamic:
      out.push_back(keyword_range(type));
      if (ParseNumberLiteral(lit.text, &x)) out.push_back(number_range(type, x));
      return out;
    case MatchType::kLong:
    case MatchType::kDouble:
      if (!ParseNumberLiteral(lit.text, &x)) {
        Warn(ctx, "range bound '" + lit.raw + "' is not a number; the field is numeric");
        out.push_back(Never());
        return out;
      }
      out.push_back(number_range(type, x));
      return out;
    case MatchType::kDate: {
      // Elasticsearch rounds gt and lte bounds up, gte and lt bounds down.
      bool round_up = op == RangeOp::kGt || op == RangeOp::kLte;
      DateMathProblem problem;
      auto t = ParseDateMath(lit.text, ctx.now, round_up ? DateRounding::kUp : DateRounding::kDown,
                             &problem);
      if (!t) {
        DateProblem(ctx, lit, problem, "range bound");
        out.push_back(Never());
        return out;
      }
      Predicate p;
      p.kind = Predicate::kDateRange;
      p.type = type;
      p.date_lo = std::numeric_limits<TimeMs>::min();
      p.date_hi = std::numeric_limits<TimeMs>::max();
      switch (op) {
        case RangeOp::kGt:
          p.date_lo = *t + 1;
          break;
        case RangeOp::kGte:
          p.date_lo = *t;
          break;
        case RangeOp::kLt:
          p.date_hi = *t - 1;
          break;
        case RangeOp::kLte:
          p.date_hi = *t;
          break;
      }
      out.push_back(p);
      return out;
    }
    case MatchType::kIp: {
      auto ip = ParseIp(lit.text);
      if (!ip) {
        Warn(ctx, "range bound '" + lit.raw + "' is not an IP address");
        out.push_back(Never());
        return out;
      }
      Predicate p;
      p.kind = Predicate::kIpRange;
      p.type = type;
      p.ip_lo.bytes.fill(0);
      p.ip_hi.bytes.fill(0xff);
      IpAddress bound = *ip;
      auto step = [](IpAddress a, int dir) {
        for (int i = 15; i >= 0; --i) {
          if (dir > 0) {
            if (++a.bytes[i] != 0) break;
          } else {
            if (a.bytes[i]-- != 0) break;
          }
        }
        return a;
      };
      switch (op) {
        case RangeOp::kGt:
          p.ip_lo = step(bound, 1);
          break;
        case RangeOp::kGte:
          p.ip_lo = bound;
          break;
        case RangeOp::kLt:
          p.ip_hi = step(bound, -1);
          break;
        case RangeOp::kLte:
          p.ip_hi = bound;
          break;
      }
      out.push_back(p);
      return out;
    }
    case MatchType::kBoolean:
      Warn(ctx, "range on a boolean field");
      out.push_back(Never());
      return out;
  }
  return out;
}

}  // namespace picket::kql

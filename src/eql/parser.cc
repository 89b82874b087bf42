// A recursive-descent parser that follows EqlBase.g4 (see parser.h). Each
// rule method returns its node, or null after recording the first error.
// Like ANTLR, syntax errors report the tokens that could have continued the
// input at the point where it stopped making sense.
#include "eql/parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "eql/lexer.h"
#include "eql/similar.h"
#include "kql/parser.h"

namespace picket::eql {
namespace {

constexpr int kMaxRuns = 100;

class Parser {
 public:
  Parser(std::string_view q, const ParseLimits& limits) : q_(q), limits_(limits) {}

  bool Tokenize() {
    if (q_.size() > limits_.max_query_bytes)
      return Fail(0, "query longer than " + std::to_string(limits_.max_query_bytes) + " bytes");
    // As ANTLR, which lexes on demand, a lexer error counts only when the
    // parser reaches it: the tokens before it are parsed, and a syntax
    // error among them is reported first.
    if (!Lex(q_, &tokens_, &lex_error_, limits_.max_tokens)) {
      if (lex_error_.message.find("tokens") != std::string::npos &&
          tokens_.size() >= limits_.max_tokens)
        return Fail(lex_error_.offset, lex_error_.message);
      Token stop;
      stop.kind = Tok::kLexError;
      stop.begin = stop.end = lex_error_.offset;
      tokens_.push_back(stop);
      lex_failed_ = true;
    }
    return true;
  }

  std::unique_ptr<Query> Statement() {
    if (!error_.message.empty()) return nullptr;
    auto query = std::make_unique<Query>();
    query->text = std::string(q_);
    if (!QueryBody(query.get())) return nullptr;
    while (Check(Tok::kPipe)) {
      if (!PipeClause(query.get())) return nullptr;
    }
    if (!ExpectEnd()) return nullptr;
    return query;
  }

  std::unique_ptr<Expr> SingleExpression() {
    if (!error_.message.empty()) return nullptr;
    auto e = Expression();
    if (!e || !ExpectEnd()) return nullptr;
    return e;
  }

  const ParseError& error() const { return error_; }

 private:
  // ---- tokens and errors -------------------------------------------------
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Peek(size_t ahead) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  // Whether the current token is `k`; if not, `k` could have continued here.
  bool Check(Tok k) {
    if (Cur().kind == k) return true;
    NoteExpected(k);
    return false;
  }
  bool Accept(Tok k) {
    if (!Check(k)) return false;
    ++pos_;
    return true;
  }
  bool Expect(Tok k) {
    if (Accept(k)) return true;
    return SyntaxError();
  }
  bool ExpectEnd() {
    if (Check(Tok::kEof)) return true;
    return SyntaxError();
  }
  void NoteExpected(Tok k) {
    if (pos_ > expected_at_) {
      expected_at_ = pos_;
      expected_.clear();
    }
    if (pos_ == expected_at_) expected_.insert(k);
  }

  bool Fail(uint32_t offset, std::string message) {
    // Reaching the end of the tokens of a query that did not lex is the
    // lexer's error.
    if (lex_failed_ && offset >= lex_error_.offset) {
      offset = lex_error_.offset;
      message = lex_error_.message;
    }
    if (error_.message.empty()) {
      error_.offset = offset;
      error_.message = std::move(message);
    }
    return false;
  }
  // "mismatched input 'x' expecting {...}" at the current token.
  bool SyntaxError() {
    const Token& t = Cur();
    std::string msg = "mismatched input " + TokenDisplay(q_, t) + " expecting ";
    std::set<Tok> want = pos_ == expected_at_ ? expected_ : std::set<Tok>{};
    if (want.size() == 1) {
      msg += TokenKindName(*want.begin());
    } else {
      msg += "{";
      bool first = true;
      for (Tok k : want) {
        if (!first) msg += ", ";
        first = false;
        msg += TokenKindName(k);
      }
      msg += "}";
    }
    return Fail(t.begin, msg);
  }

  bool Enter() {
    if (++depth_ > limits_.max_depth)
      return Fail(Cur().begin,
                  "query nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    return true;
  }
  void Leave() { --depth_; }

  std::unique_ptr<Expr> Node(ExprKind kind, uint32_t begin, uint32_t end) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->begin = begin;
    e->end = end;
    return e;
  }
  uint32_t PrevEnd() const { return pos_ ? tokens_[pos_ - 1].end : 0; }

  // A string token's value, refusing the styles Elasticsearch refuses.
  bool StringValue(const Token& t, std::string* out) {
    switch (t.style) {
      case StringStyle::kSingle:
        return Fail(t.begin,
                    "Use double quotes [\"] to define string literals, not single quotes [']");
      case StringStyle::kQuestionDouble:
        return Fail(
            t.begin,
            "Use triple double quotes [\"\"\"] to define unescaped string literals, not [?\"]");
      case StringStyle::kQuestionSingle:
        return Fail(
            t.begin,
            "Use triple double quotes [\"\"\"] to define unescaped string literals, not [?']");
      default:
        break;
    }
    if (!t.string_error.empty()) return Fail(t.string_error_offset, t.string_error);
    *out = t.text;
    return true;
  }

  // ---- queries ---------------------------------------------------------------
  bool QueryBody(Query* q) {
    if (Check(Tok::kSequence)) return Sequence(q);
    if (Check(Tok::kSample)) return Sample(q);
    if (Check(Tok::kJoin)) return Fail(Cur().begin, "Join is not supported");
    q->type = QueryType::kEvent;
    return EventFilter(&q->event);
  }

  bool EventFilter(Filter* f) {
    f->begin = Cur().begin;
    f->category_begin = Cur().begin;
    if (Accept(Tok::kAny)) {
      f->category.clear();
    } else if (Check(Tok::kString)) {
      if (!StringValue(Cur(), &f->category)) return false;
      ++pos_;
    } else if (Check(Tok::kIdentifier)) {
      f->category = Cur().text;
      ++pos_;
    } else {
      return SyntaxError();
    }
    if (!Expect(Tok::kWhere)) return false;
    f->condition = Expression();
    if (!f->condition) return false;
    f->end = PrevEnd();
    return true;
  }

  bool JoinKeys(std::vector<JoinKey>* keys, uint32_t* by_begin = nullptr) {
    if (by_begin) *by_begin = Cur().begin;
    if (!Expect(Tok::kBy)) return false;
    do {
      auto e = Expression();
      if (!e) return false;
      if (e->kind != ExprKind::kField)
        return Fail(e->begin, "Unsupported join key [" + std::string(e->SourceIn(q_)) +
                                  "]; join keys are fields");
      JoinKey k;
      k.field = e->field;
      k.optional = e->optional;
      k.begin = e->begin;
      k.end = e->end;
      keys->push_back(std::move(k));
    } while (Accept(Tok::kComma));
    return true;
  }

  // `[ filter ]` or `![ filter ]`.
  bool Subquery(Stage* s) {
    s->begin = Cur().begin;
    if (Accept(Tok::kMissingEventOpen)) {
      s->missing = true;
    } else if (!Expect(Tok::kLb)) {
      return false;
    }
    if (!EventFilter(&s->filter)) return false;
    return Expect(Tok::kRb);
  }

  // sequenceTerm: subquery (by keys)? (with runs=N)?   (with_runs false: joinTerm)
  bool Term(const std::vector<JoinKey>& shared, bool with_runs, Stage* s, size_t* own_keys,
            uint32_t* keys_at) {
    if (!Subquery(s)) return false;
    s->keys = shared;
    *keys_at = s->begin;
    size_t before = s->keys.size();
    if (Check(Tok::kBy) && !JoinKeys(&s->keys, keys_at)) return false;
    *own_keys = s->keys.size() - before;
    if (with_runs && Check(Tok::kWith)) {
      ++pos_;
      const Token& key = Cur();
      if (!Expect(Tok::kIdentifier)) return false;
      if (key.text != "runs")
        return Fail(key.begin, "Unrecognized option [" + key.text + "], expecting [runs]");
      if (!Expect(Tok::kAsgn)) return false;
      const Token& value = Cur();
      if (value.kind == Tok::kDecimal) {
        ++pos_;
        return Fail(value.begin, "A positive runs value is required; found [" + value.text + "]");
      }
      if (!Expect(Tok::kInteger)) return false;
      int64_t runs = 0;
      auto r = std::from_chars(value.text.data(), value.text.data() + value.text.size(), runs);
      if (r.ec != std::errc() || runs > kMaxRuns)
        return Fail(value.begin, "A query cannot be repeated more than " +
                                     std::to_string(kMaxRuns) + " times; found [" + value.text +
                                     "]");
      if (runs <= 0)
        return Fail(value.begin, "A positive runs value is required; found [" + value.text + "]");
      s->runs = static_cast<int>(runs);
    }
    s->end = PrevEnd();
    return true;
  }

  bool CheckKeyCount(size_t* expected, size_t own, uint32_t at) {
    if (*expected == SIZE_MAX) {
      *expected = own;
      return true;
    }
    if (own == *expected) return true;
    return Fail(at, "Inconsistent number of join keys specified; expected [" +
                        std::to_string(*expected) + "] but found [" + std::to_string(own) + "]");
  }

  bool Maxspan(Query* q) {
    // WITH MAXSPAN '=' timeUnit ; timeUnit: number IDENTIFIER?
    if (!Expect(Tok::kWith) || !Expect(Tok::kMaxspan) || !Expect(Tok::kAsgn)) return false;
    const Token& number = Cur();
    q->maxspan_begin = number.begin;
    if (number.kind != Tok::kInteger && number.kind != Tok::kDecimal) {
      NoteExpected(Tok::kInteger);
      NoteExpected(Tok::kDecimal);
      return SyntaxError();
    }
    ++pos_;
    std::string unit;
    uint32_t unit_at = Cur().begin;
    if (Cur().kind == Tok::kIdentifier) {
      unit = Cur().text;
      ++pos_;
    }
    std::string text(q_.substr(number.begin, PrevEnd() - number.begin));
    q->maxspan_text = text;
    if (number.kind == Tok::kDecimal)
      return Fail(number.begin, "Decimal time interval [" + number.text +
                                    "] not supported; please use an positive integer");
    int64_t value = 0;
    auto r = std::from_chars(number.text.data(), number.text.data() + number.text.size(), value);
    if (r.ec != std::errc()) return Fail(number.begin, "Number [" + number.text + "] is too large");
    if (value <= 0)
      return Fail(number.begin,
                  "A positive maxspan value is required; found [" + std::to_string(value) + "]");
    if (unit.empty())
      return Fail(number.begin, "No time unit specified, did you mean [s] as in [" + text + "s]?");
    int64_t scale;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60 * 1000;
    else if (unit == "h")
      scale = 3600 * 1000;
    else if (unit == "d")
      scale = 24LL * 3600 * 1000;
    else
      return Fail(unit_at, "Unrecognized time unit [" + unit + "] in [" + text +
                               "], please specify one of [ms, s, m, h, d]");
    if (value > INT64_MAX / scale) return Fail(number.begin, "maxspan [" + text + "] is too large");
    q->maxspan_ms = value * scale;
    return true;
  }

  bool Sequence(Query* q) {
    uint32_t start = Cur().begin;
    ++pos_;  // sequence
    q->type = QueryType::kSequence;
    if (Check(Tok::kBy)) {
      if (!JoinKeys(&q->shared_keys)) return false;
      if (Check(Tok::kWith) && !Maxspan(q)) return false;
    } else if (Check(Tok::kWith)) {
      if (!Maxspan(q)) return false;
      if (Check(Tok::kBy)) {
        return Fail(start, "Please specify sequence [by] before [with] not after");
      }
    }
    size_t expected = SIZE_MAX;
    do {
      Stage s;
      size_t own;
      uint32_t keys_at;
      if (!Term(q->shared_keys, true, &s, &own, &keys_at)) return false;
      if (!CheckKeyCount(&expected, own, keys_at)) return false;
      q->stages.push_back(std::move(s));
    } while (Check(Tok::kLb) || Check(Tok::kMissingEventOpen));
    uint32_t until_at = Cur().begin;
    if (Accept(Tok::kUntil)) {
      Stage s;
      size_t own;
      uint32_t keys_at;
      if (!Term(q->shared_keys, true, &s, &own, &keys_at)) return false;
      if (!CheckKeyCount(&expected, own, keys_at)) return false;
      if (s.missing) return Fail(s.begin, "A missing event clause cannot be used as [until]");
      if (s.runs != 1) return Fail(s.begin, "[runs] cannot be used in the [until] clause");
      q->until = std::move(s);
    }
    size_t count = q->UnrolledStageCount();
    if (count < 2) {
      if (q->until)
        return Fail(until_at,
                    "A sequence requires a minimum of 2 queries (not counting [until]), "
                    "found [" +
                        std::to_string(count) + "]");
      return Fail(start, "A sequence requires a minimum of 2 queries, found [" +
                             std::to_string(count) + "]");
    }
    bool any_missing = false, any_positive = false;
    for (const auto& s : q->stages) (s.missing ? any_missing : any_positive) = true;
    if (any_missing && !any_positive)
      return Fail(start, "A sequence requires at least one positive (non-missing) event query");
    if (any_missing && q->maxspan_ms == 0)
      return Fail(start, "A sequence with missing events ![...] requires [with maxspan]");
    for (const auto& s : q->stages)
      if (s.missing && s.runs != 1)
        return Fail(s.begin, "[runs] cannot be used with a missing event clause");
    return true;
  }

  bool Sample(Query* q) {
    uint32_t start = Cur().begin;
    ++pos_;  // sample
    q->type = QueryType::kSample;
    if (Check(Tok::kBy) && !JoinKeys(&q->shared_keys)) return false;
    size_t expected = SIZE_MAX;
    do {
      Stage s;
      size_t own;
      uint32_t keys_at;
      if (!Term(q->shared_keys, false, &s, &own, &keys_at)) return false;
      if (s.missing) return Fail(s.begin, "Samples do not support missing event clauses ![...]");
      if (!CheckKeyCount(&expected, own, keys_at)) return false;
      q->stages.push_back(std::move(s));
    } while (Check(Tok::kLb) || Check(Tok::kMissingEventOpen));
    if (q->stages.size() < 2)
      return Fail(start, "A sample requires a minimum of 2 queries, found [" +
                             std::to_string(q->stages.size()) + "]");
    if (q->stages.front().keys.empty())
      return Fail(start, "A sample requires join keys ([sample by ...] or [...] by ...)");
    return true;
  }

  // ---- pipes -------------------------------------------------------------------
  bool PipeClause(Query* q) {
    uint32_t begin = Cur().begin;
    ++pos_;  // |
    const Token& name = Cur();
    if (!Expect(Tok::kIdentifier)) return false;
    std::vector<std::unique_ptr<Expr>> args;
    if (!Check(Tok::kPipe) && !Check(Tok::kEof)) {
      do {
        auto e = Expression();
        if (!e) return false;
        args.push_back(std::move(e));
      } while (Accept(Tok::kComma));
    }
    static const std::vector<std::string> kKnown = {"count", "filter", "head",        "sort",
                                                    "tail",  "unique", "unique_count"};
    if (std::find(kKnown.begin(), kKnown.end(), name.text) == kKnown.end()) {
      std::string msg = "Unrecognized pipe [" + name.text + "]";
      auto similar = FindSimilar(name.text, kKnown);
      if (!similar.empty()) msg += ", did you mean " + SimilarList(similar) + "?";
      return Fail(name.begin, msg);
    }
    if (name.text != "head" && name.text != "tail")
      return Fail(name.begin, "Pipe [" + name.text + "] is not supported");
    if (args.size() != 1)
      return Fail(begin, "Pipe [" + name.text + "] expects exactly one argument but found [" +
                             std::to_string(args.size()) + "]");
    int64_t n = 0;
    if (!FoldInteger(*args[0], &n) || n < 0)
      return Fail(args[0]->begin, "Pipe [" + name.text +
                                      "] expects a positive integer but found [" +
                                      std::string(args[0]->SourceIn(q_)) + "]");
    Pipe p;
    p.kind = name.text == "head" ? PipeKind::kHead : PipeKind::kTail;
    p.count = n;
    p.begin = begin;
    p.end = PrevEnd();
    q->pipes.push_back(p);
    return true;
  }

  // Integer constant arithmetic (what Elasticsearch folds for pipe sizes).
  static bool FoldInteger(const Expr& e, int64_t* out) {
    switch (e.kind) {
      case ExprKind::kLiteral:
        if (!e.literal.is_integral()) return false;
        *out = e.literal.i;
        return true;
      case ExprKind::kNeg:
        if (!FoldInteger(*e.children[0], out)) return false;
        *out = -*out;
        return true;
      case ExprKind::kArith: {
        int64_t a, b;
        if (!FoldInteger(*e.children[0], &a) || !FoldInteger(*e.children[1], &b)) return false;
        switch (e.arith) {
          case ArithOp::kAdd:
            return !__builtin_add_overflow(a, b, out);
          case ArithOp::kSub:
            return !__builtin_sub_overflow(a, b, out);
          case ArithOp::kMul:
            return !__builtin_mul_overflow(a, b, out);
          case ArithOp::kDiv:
            if (b == 0 || (a == INT64_MIN && b == -1)) return false;
            *out = a / b;
            return true;
          case ArithOp::kMod:
            if (b == 0 || (a == INT64_MIN && b == -1)) return false;
            *out = a % b;
            return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  // ---- expressions -------------------------------------------------------------
  std::unique_ptr<Expr> Expression() { return Or(); }

  std::unique_ptr<Expr> Binary(ExprKind kind, Tok op, std::unique_ptr<Expr> (Parser::*next)()) {
    auto left = (this->*next)();
    if (!left) return nullptr;
    if (!Check(op)) return left;
    auto node = Node(kind, left->begin, left->end);
    node->children.push_back(std::move(left));
    while (Accept(op)) {
      auto right = (this->*next)();
      if (!right) return nullptr;
      node->end = right->end;
      node->children.push_back(std::move(right));
    }
    return node;
  }
  std::unique_ptr<Expr> Or() { return Binary(ExprKind::kOr, Tok::kOr, &Parser::And); }
  std::unique_ptr<Expr> And() { return Binary(ExprKind::kAnd, Tok::kAnd, &Parser::NotExpr); }

  std::unique_ptr<Expr> NotExpr() {
    if (Check(Tok::kNot)) {
      uint32_t begin = Cur().begin;
      ++pos_;
      if (!Enter()) return nullptr;
      auto inner = NotExpr();
      Leave();
      if (!inner) return nullptr;
      auto node = Node(ExprKind::kNot, begin, inner->end);
      node->children.push_back(std::move(inner));
      return node;
    }
    // `descendant of [...]`, `child of [...]`, `event of [...]`
    if (Cur().kind == Tok::kIdentifier && Peek(1).kind == Tok::kOf) {
      const Token& relationship = Cur();
      pos_ += 2;
      Stage ignored;
      if (!Subquery(&ignored)) return nullptr;
      Fail(relationship.begin, "Process relationships are not supported");
      return nullptr;
    }
    return ValueExpression();
  }

  std::unique_ptr<Expr> ValueExpression() {
    auto left = Additive();
    if (!left) return nullptr;
    CompareOp op;
    Tok k = Cur().kind;
    switch (k) {
      case Tok::kEq:
        op = CompareOp::kEq;
        break;
      case Tok::kNeq:
        op = CompareOp::kNeq;
        break;
      case Tok::kLt:
        op = CompareOp::kLt;
        break;
      case Tok::kLte:
        op = CompareOp::kLte;
        break;
      case Tok::kGt:
        op = CompareOp::kGt;
        break;
      case Tok::kGte:
        op = CompareOp::kGte;
        break;
      default:
        for (Tok t : {Tok::kEq, Tok::kNeq, Tok::kLt, Tok::kLte, Tok::kGt, Tok::kGte})
          NoteExpected(t);
        return left;
    }
    ++pos_;
    auto right = Additive();
    if (!right) return nullptr;
    auto node = Node(ExprKind::kCompare, left->begin, right->end);
    node->compare = op;
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }

  std::unique_ptr<Expr> ArithChain(std::initializer_list<std::pair<Tok, ArithOp>> ops,
                                   std::unique_ptr<Expr> (Parser::*next)()) {
    auto left = (this->*next)();
    if (!left) return nullptr;
    while (true) {
      const std::pair<Tok, ArithOp>* found = nullptr;
      for (const auto& o : ops) {
        if (Check(o.first)) {
          found = &o;
          break;
        }
      }
      if (!found) return left;
      ++pos_;
      auto right = (this->*next)();
      if (!right) return nullptr;
      auto node = Node(ExprKind::kArith, left->begin, right->end);
      node->arith = found->second;
      node->children.push_back(std::move(left));
      node->children.push_back(std::move(right));
      left = std::move(node);
    }
  }
  std::unique_ptr<Expr> Additive() {
    return ArithChain({{Tok::kPlus, ArithOp::kAdd}, {Tok::kMinus, ArithOp::kSub}},
                      &Parser::Multiplicative);
  }
  std::unique_ptr<Expr> Multiplicative() {
    return ArithChain({{Tok::kAsterisk, ArithOp::kMul},
                       {Tok::kSlash, ArithOp::kDiv},
                       {Tok::kPercent, ArithOp::kMod}},
                      &Parser::Unary);
  }

  std::unique_ptr<Expr> Unary() {
    if (Check(Tok::kMinus) || Check(Tok::kPlus)) {
      bool minus = Cur().kind == Tok::kMinus;
      uint32_t begin = Cur().begin;
      ++pos_;
      if (!Enter()) return nullptr;
      auto inner = Unary();
      Leave();
      if (!inner) return nullptr;
      if (!minus) {
        inner->begin = begin;
        return inner;
      }
      auto node = Node(ExprKind::kNeg, begin, inner->end);
      node->children.push_back(std::move(inner));
      return node;
    }
    auto primary = Primary();
    if (!primary) return nullptr;
    return Predicate(std::move(primary));
  }

  // primaryExpression predicate?
  std::unique_ptr<Expr> Predicate(std::unique_ptr<Expr> value) {
    uint32_t begin = value->begin;
    bool negated = false;
    if (Check(Tok::kNot)) {
      // Only `not in` / `not in~` continue a predicate.
      Tok next = Peek(1).kind;
      if (next != Tok::kIn && next != Tok::kInInsensitive) {
        ++pos_;
        NoteExpected(Tok::kIn);
        NoteExpected(Tok::kInInsensitive);
        SyntaxError();
        return nullptr;
      }
      negated = true;
      ++pos_;
    }
    if (Check(Tok::kIn) || Check(Tok::kInInsensitive)) {
      auto node = Node(ExprKind::kIn, begin, 0);
      node->insensitive = Cur().kind == Tok::kInInsensitive;
      node->negated = negated;
      ++pos_;
      node->children.push_back(std::move(value));
      if (!Expect(Tok::kLp)) return nullptr;
      if (!Enter()) return nullptr;
      do {
        auto item = Expression();
        if (!item) return nullptr;
        node->children.push_back(std::move(item));
      } while (Accept(Tok::kComma));
      Leave();
      if (!Expect(Tok::kRp)) return nullptr;
      node->end = PrevEnd();
      return node;
    }
    PatternOp op;
    bool insensitive = false;
    switch (Cur().kind) {
      case Tok::kSeq:
        op = PatternOp::kSeq;
        insensitive = true;
        break;
      case Tok::kLike:
        op = PatternOp::kLike;
        break;
      case Tok::kLikeInsensitive:
        op = PatternOp::kLike;
        insensitive = true;
        break;
      case Tok::kRegex:
        op = PatternOp::kRegex;
        break;
      case Tok::kRegexInsensitive:
        op = PatternOp::kRegex;
        insensitive = true;
        break;
      default:
        for (Tok t : {Tok::kSeq, Tok::kLike, Tok::kLikeInsensitive, Tok::kRegex,
                      Tok::kRegexInsensitive, Tok::kNot})
          NoteExpected(t);
        return value;
    }
    ++pos_;
    auto node = Node(ExprKind::kPattern, begin, 0);
    node->pattern = op;
    node->insensitive = insensitive;
    node->children.push_back(std::move(value));
    if (Accept(Tok::kLp)) {
      do {
        auto c = Constant();
        if (!c) return nullptr;
        node->children.push_back(std::move(c));
      } while (Accept(Tok::kComma));
      if (!Expect(Tok::kRp)) return nullptr;
    } else {
      auto c = Constant();
      if (!c) return nullptr;
      node->children.push_back(std::move(c));
    }
    node->end = PrevEnd();
    return node;
  }

  static constexpr Tok kConstantTokens[] = {Tok::kNull,    Tok::kTrue,    Tok::kFalse,
                                            Tok::kInteger, Tok::kDecimal, Tok::kString};
  static bool IsConstantToken(Tok k) {
    return std::find(std::begin(kConstantTokens), std::end(kConstantTokens), k) !=
           std::end(kConstantTokens);
  }

  std::unique_ptr<Expr> Constant() {
    if (IsConstantToken(Cur().kind)) return Literal();
    for (Tok k : kConstantTokens) NoteExpected(k);
    SyntaxError();
    return nullptr;
  }

  std::unique_ptr<Expr> Literal() {
    const Token& t = Cur();
    auto node = Node(ExprKind::kLiteral, t.begin, t.end);
    switch (t.kind) {
      case Tok::kNull:
        break;
      case Tok::kTrue:
      case Tok::kFalse:
        node->literal = Value::Bool(t.kind == Tok::kTrue);
        break;
      case Tok::kInteger: {
        int64_t v = 0;
        auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (r.ec == std::errc() && r.ptr == t.text.data() + t.text.size()) {
          node->literal = Value::Int(v);
        } else {
          // Too large for a long: Elasticsearch quietly reads it as a double.
          double d = std::strtod(t.text.c_str(), nullptr);
          if (!std::isfinite(d)) {
            Fail(t.begin, "Number [" + t.text + "] is too large");
            return nullptr;
          }
          node->literal = Value::Double(d);
        }
        break;
      }
      case Tok::kDecimal: {
        double d = std::strtod(t.text.c_str(), nullptr);
        if (!std::isfinite(d)) {
          Fail(t.begin, "Number [" + t.text + "] is too large");
          return nullptr;
        }
        node->literal = Value::Double(d);
        break;
      }
      case Tok::kString: {
        std::string s;
        if (!StringValue(t, &s)) return nullptr;
        node->literal = Value::String(std::move(s));
        break;
      }
      default:
        SyntaxError();
        return nullptr;
    }
    ++pos_;
    return node;
  }

  std::unique_ptr<Expr> Primary() {
    const Token& t = Cur();
    if (IsConstantToken(t.kind)) return Literal();
    switch (t.kind) {
      case Tok::kLp: {
        ++pos_;
        if (!Enter()) return nullptr;
        auto inner = Expression();
        Leave();
        if (!inner || !Expect(Tok::kRp)) return nullptr;
        return inner;
      }
      case Tok::kTildeIdentifier:
        return Function();
      case Tok::kIdentifier:
        if (Peek(1).kind == Tok::kLp) return Function();
        return QualifiedName();
      case Tok::kQuotedIdentifier:
      case Tok::kOptional:
        return QualifiedName();
      default:
        for (Tok k : kConstantTokens) NoteExpected(k);
        for (Tok k : {Tok::kLp, Tok::kIdentifier, Tok::kQuotedIdentifier, Tok::kTildeIdentifier,
                      Tok::kOptional, Tok::kNot, Tok::kMinus, Tok::kPlus})
          NoteExpected(k);
        SyntaxError();
        return nullptr;
    }
  }

  std::unique_ptr<Expr> Function() {
    const Token& name = Cur();
    auto node = Node(ExprKind::kFunction, name.begin, 0);
    node->function = name.text;
    node->insensitive = name.kind == Tok::kTildeIdentifier;
    ++pos_;
    if (!Expect(Tok::kLp)) return nullptr;
    if (!Enter()) return nullptr;
    if (!Check(Tok::kRp)) {
      do {
        auto arg = Expression();
        if (!arg) return nullptr;
        node->children.push_back(std::move(arg));
      } while (Accept(Tok::kComma));
    }
    Leave();
    if (!Expect(Tok::kRp)) return nullptr;
    node->end = PrevEnd();
    return node;
  }

  // OPTIONAL? identifier (DOT identifier | LB INTEGER_VALUE+ RB)*
  std::unique_ptr<Expr> QualifiedName() {
    auto node = Node(ExprKind::kField, Cur().begin, 0);
    if (Accept(Tok::kOptional)) node->optional = true;
    auto identifier = [&]() -> bool {
      if (Check(Tok::kIdentifier) || Check(Tok::kQuotedIdentifier)) {
        node->field += Cur().text;
        ++pos_;
        return true;
      }
      return SyntaxError();
    };
    if (!identifier()) return nullptr;
    while (true) {
      if (Accept(Tok::kDot)) {
        node->field += '.';
        if (!identifier()) return nullptr;
      } else if (Check(Tok::kLb) && Peek(1).kind == Tok::kInteger) {
        Fail(Peek(1).begin, "Array indexes are not supported");
        return nullptr;
      } else {
        break;
      }
    }
    node->end = PrevEnd();
    return node;
  }

  std::string_view q_;
  ParseLimits limits_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  ParseError error_;
  LexError lex_error_;
  bool lex_failed_ = false;
  size_t expected_at_ = 0;
  std::set<Tok> expected_;
};

}  // namespace

void ParseError::LineColumn(std::string_view query, uint32_t offset, uint32_t* line,
                            uint32_t* column) {
  *line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < query.size(); ++i) {
    if (query[i] == '\n') {
      ++*line;
      line_start = i + 1;
    }
  }
  *column = static_cast<uint32_t>(offset - line_start + 1);
}

std::string ParseError::Render(std::string_view query, std::string_view origin, uint32_t line_base,
                               uint32_t column_base) const {
  kql::ParseError e;
  e.offset = offset;
  e.message = message;
  LineColumn(query, offset, &e.line, &e.column);
  return e.Render(query, origin, line_base, column_base);
}

ParseResult ParseQuery(std::string_view text, const ParseLimits& limits) {
  ParseResult result;
  Parser parser(text, limits);
  if (parser.Tokenize()) result.query = parser.Statement();
  if (!result.query) result.error = parser.error();
  return result;
}

ExpressionResult ParseExpression(std::string_view text, const ParseLimits& limits) {
  ExpressionResult result;
  Parser parser(text, limits);
  if (parser.Tokenize()) result.expr = parser.SingleExpression();
  if (!result.expr) result.error = parser.error();
  return result;
}

}  // namespace picket::eql

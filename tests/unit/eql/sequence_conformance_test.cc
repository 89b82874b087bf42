// Sequence semantics, each case with the answer Elasticsearch gives and where
// that answer comes from: the EQL syntax reference (docs/reference/
// query-languages/eql/eql-syntax.md, "Sequences", "How sequence queries
// handle matches", "Missing events", "until", "with runs") or the code of
// x-pack/plugin/eql/.../execution/sequence/ (SequenceMatcher, OrdinalGroup,
// TumblingWindow, Ordinal).
#include <gtest/gtest.h>

#include <algorithm>

#include "eql/sequence_helpers.h"
#include "eql/sequence_key.h"

namespace picket::eql {
namespace {

using testing::CaseEvent;
using testing::SeqCase;
using V = std::vector<std::string>;

using testing::Sorted;

// The batch answer is `expected` (in Elasticsearch's order), and the stream
// reports the same sequences (in the order they become known).
#define EXPECT_SEQUENCES(c, ...)                                    \
  do {                                                              \
    V expected_ = __VA_ARGS__;                                      \
    EXPECT_EQ((c).Batch(), expected_) << "batch";                   \
    EXPECT_EQ(Sorted((c).Stream()), Sorted(expected_)) << "stream"; \
  } while (0)
#define EXPECT_NO_SEQUENCE(c) EXPECT_SEQUENCES(c, V{})

// eql-syntax.md "How sequence queries handle matches": the worked example
// with users root and elkbee and stages attrib (A), bash (B), cat (C).
// Result: [2, 4, 9] for root and [6, 8, 10] for elkbee.
TEST(SequenceConformance, ReferenceStateMachineExample) {
  SeqCase c("A B C");
  c.E("1", 1, "A", "root").E("2", 2, "A", "root").E("3", 3, "B", "elkbee");
  c.E("4", 4, "B", "root").E("5", 5, "B", "root").E("6", 6, "A", "elkbee");
  c.E("7", 7, "A", "root").E("8", 8, "B", "elkbee").E("9", 9, "C", "root");
  c.E("10", 10, "C", "elkbee").E("11", 11, "C", "root");
  EXPECT_SEQUENCES(c, V{"root: 2 4 9", "elkbee: 6 8 10"});
}

// OrdinalGroup.trimBefore: the newest earlier candidate advances and older
// ones are dropped: `sequence [A] [B]` over A1 A2 B1 gives A2 B1 only.
TEST(SequenceConformance, NewestCandidateAdvances) {
  SeqCase c("A B");
  c.E("A1", 1, "A").E("A2", 2, "A").E("B1", 3, "B");
  EXPECT_SEQUENCES(c, V{"x: A2 B1"});
}

// A pending sequence is consumed when it advances; a second B finds none.
TEST(SequenceConformance, ConsumedCandidateDoesNotMatchTwice) {
  SeqCase c("A B");
  c.E("A1", 1, "A").E("B1", 2, "B").E("B2", 3, "B");
  EXPECT_SEQUENCES(c, V{"x: A1 B1"});
  SeqCase d("A B");
  d.E("A1", 1, "A").E("B1", 2, "B").E("A2", 3, "A").E("B2", 4, "B");
  EXPECT_SEQUENCES(d, V{"x: A1 B1", "x: A2 B2"});
}

// The newest pending sequence at a stage overwrites the older one even when
// the older one was further along in time ("a newer pending sequence in a
// state overwrites the older").
TEST(SequenceConformance, NewerPendingOverwritesOlderAtSameStage) {
  SeqCase c("A B C");
  c.E("A1", 1, "A").E("B1", 2, "B").E("A2", 3, "A").E("B2", 4, "B").E("C1", 5, "C");
  EXPECT_SEQUENCES(c, V{"x: A2 B2 C1"});
}

// Stages only match events after the previous stage: an earlier B never
// completes a later A.
TEST(SequenceConformance, StagesFollowTimestampOrder) {
  SeqCase c("A B");
  c.E("B1", 1, "B").E("A1", 2, "A");
  EXPECT_NO_SEQUENCE(c);
}

// Join keys: separate state per key value (sequence by).
TEST(SequenceConformance, JoinKeysSeparateState) {
  SeqCase c("A B");
  c.E("A1", 1, "A", "h1").E("A2", 2, "A", "h2").E("B1", 3, "B", "h1").E("B2", 4, "B", "h3");
  EXPECT_SEQUENCES(c, V{"h1: A1 B1"});
}

// eql-syntax.md "until keyword": by ID, A B until C over [A, B], [A, B, C],
// [A, C, B] matches the first two only.
TEST(SequenceConformance, UntilReferenceExample) {
  SeqCase c("A B");
  c.E("A1", 1, "A", "1").E("B1", 2, "B", "1");
  c.E("A2", 3, "A", "2").E("B2", 4, "B", "2").E("C2", 5, "U", "2");
  c.E("A3", 6, "A", "3").E("C3", 7, "U", "3").E("B3", 8, "B", "3");
  EXPECT_SEQUENCES(c, V{"1: A1 B1", "2: A2 B2"});
}

// SequenceMatcher.match + Ordinal.between (inclusive): an until event at the
// pending sequence's own last event cancels it; an until event that is
// itself the completing event does not (UntilGroup.before is strict).
TEST(SequenceConformance, UntilOnTheSameEvent) {
  SeqCase a("A B");
  a.E("AU", 1, "AU").E("B1", 2, "B");
  EXPECT_NO_SEQUENCE(a);
  SeqCase b("A B");
  b.E("A1", 1, "A").E("BU", 2, "BU");
  EXPECT_SEQUENCES(b, V{"x: A1 BU"});
  SeqCase c("A B C");
  c.E("A1", 1, "A").E("BU", 2, "BU").E("C1", 3, "C");
  EXPECT_NO_SEQUENCE(c);
}

// until only cancels sequences of its own key; a newer candidate after the
// until still matches.
TEST(SequenceConformance, UntilIsPerKeyAndOnlyCancelsEarlier) {
  SeqCase c("A B");
  c.E("A1", 1, "A", "h1").E("U2", 2, "U", "h2").E("A0", 3, "A", "h2").E("U1", 4, "U", "h1");
  c.E("A2", 5, "A", "h1").E("B1", 6, "B", "h1").E("B2", 7, "B", "h2");
  EXPECT_SEQUENCES(c, V{"h1: A2 B1", "h2: A0 B2"});
}

// SequenceMatcher.exceedsMaxSpan: `to - from > maxspan`, so a span equal to
// maxspan matches.
TEST(SequenceConformance, MaxspanIsInclusive) {
  SeqCase c("A B", 1000);
  c.E("A1", 0, "A").E("B1", 1000, "B");
  EXPECT_SEQUENCES(c, V{"x: A1 B1"});
  SeqCase d("A B", 1000);
  d.E("A1", 0, "A").E("B1", 1001, "B");
  EXPECT_NO_SEQUENCE(d);
}

// maxspan is measured from the sequence's first event to each new one
// (startOrdinal), and a sequence taken and rejected is gone with every
// older one (trimBefore happens before the check).
TEST(SequenceConformance, MaxspanFromFirstEventAndRejectionConsumes) {
  SeqCase c("A B C", 1000);
  c.E("A1", 0, "A").E("B1", 600, "B").E("C1", 1100, "C");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("A B", 1000);
  d.E("A1", 0, "A").E("A2", 500, "A").E("B1", 1600, "B").E("B2", 1700, "B");
  EXPECT_NO_SEQUENCE(d);
}

// eql-syntax.md "with runs": [A] with runs=3 is [A] [A] [A]; one event fills
// one position.
TEST(SequenceConformance, Runs) {
  SeqCase c("A*3 B");
  c.E("A1", 1, "A").E("A2", 2, "A").E("B1", 3, "B");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("A*3 B");
  d.E("A1", 1, "A").E("A2", 2, "A").E("A3", 3, "A").E("A4", 4, "A").E("B1", 5, "B");
  EXPECT_SEQUENCES(d, V{"x: A2 A3 A4 B1"});
  SeqCase e("A B*2");
  e.E("A1", 1, "A").E("B1", 2, "B").E("B2", 3, "B").E("B3", 4, "B");
  EXPECT_SEQUENCES(e, V{"x: A1 B1 B2"});
}

// An event matching two consecutive stages fills only one position of a
// sequence (ordinals strictly increase), but may end one and start another.
TEST(SequenceConformance, EventMatchingSeveralStages) {
  SeqCase c("A B");
  c.E("X", 1, "AB");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("A B");
  d.E("A1", 1, "A").E("X", 2, "AB").E("B2", 3, "B");
  EXPECT_SEQUENCES(d, V{"x: A1 X", "x: X B2"});
}

// Ordinal.compareTo: equal timestamps are ordered by the tiebreaker field,
// events without one after those with one.
TEST(SequenceConformance, TiesOrderedByTiebreaker) {
  auto event = [](std::string name, std::string stages, Tiebreaker tb) {
    CaseEvent e;
    e.name = std::move(name);
    e.time = 100;
    e.stages = std::move(stages);
    e.tiebreaker = std::move(tb);
    return e;
  };
  SeqCase c("A B");  // B has the smaller tiebreaker: B before A, no sequence
  c.Add(event("A1", "A", Tiebreaker::Int(2))).Add(event("B1", "B", Tiebreaker::Int(1)));
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("A B");
  d.Add(event("B1", "B", Tiebreaker::Int(2))).Add(event("A1", "A", Tiebreaker::Int(1)));
  EXPECT_SEQUENCES(d, V{"x: A1 B1"});
  SeqCase e("A B");  // A has no tiebreaker: it sorts after B
  e.Add(event("A1", "A", {})).Add(event("B1", "B", Tiebreaker::String("z")));
  EXPECT_NO_SEQUENCE(e);
}

// Without a tiebreaker, equal timestamps fall to _shard_doc: shard order
// (by index name) then document order. picket uses index name then arrival.
TEST(SequenceConformance, TiesWithoutTiebreakerUseIndexThenArrival) {
  SeqCase c("A B");
  c.E("A1", 100, "A").E("B1", 100, "B");  // same index: arrival order
  EXPECT_SEQUENCES(c, V{"x: A1 B1"});
  SeqCase d("A B");
  d.E("B1", 100, "B").E("A1", 100, "A");
  EXPECT_NO_SEQUENCE(d);
  CaseEvent a{"A1", 100, "A", {"x"}, "logs-b", {}, {}};
  CaseEvent b{"B1", 100, "B", {"x"}, "logs-a", {}, {}};
  SeqCase e("A B");  // A arrives first but its index sorts after B's
  e.Add(a).Add(b);
  EXPECT_NO_SEQUENCE(e);
}

// eql-syntax.md "Missing events" and TumblingWindow.doCheckMissingEvents:
// a middle missing stage discards the sequence when one of its events lies
// strictly between its neighbours' timestamps.
TEST(SequenceConformance, MissingMiddleStage) {
  SeqCase c("A !M B", 10000);
  c.E("A1", 1000, "A").E("M1", 2000, "M").E("B1", 3000, "B");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("A !M B", 10000);
  d.E("M1", 500, "M").E("A1", 1000, "A").E("B1", 3000, "B").E("M2", 4000, "M");
  EXPECT_SEQUENCES(d, V{"x: A1 _ B1"});
  SeqCase e("A !M B", 10000);  // same timestamp as a neighbour: not between
  e.E("A1", 1000, "A").E("M1", 1000, "M").E("M2", 3000, "M").E("B1", 3000, "B");
  EXPECT_SEQUENCES(e, V{"x: A1 _ B1"});
  SeqCase f("A !M B", 10000);  // another key's M does not count
  f.E("A1", 1000, "A").E("M1", 2000, "M", "y").E("B1", 3000, "B");
  EXPECT_SEQUENCES(f, V{"x: A1 _ B1"});
}

// Divergence (docs/semantics.md): with a null join key (an optional `?`
// field), Elasticsearch builds the missing stage's term query with a null
// value and fails the search; picket looks for missing-stage events whose key
// is null too, as for any other key value.
TEST(SequenceConformance, MissingStageWithNullKeyMatchesNullKeys) {
  SeqCase c("A !M B", 10000);
  c.E("A1", 1000, "A", "~").E("M1", 2000, "M", "~").E("B1", 3000, "B", "~");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("A !M B", 10000);  // a non-null key's M does not discard it
  d.E("A1", 1000, "A", "~").E("M1", 2000, "M", "x").E("B1", 3000, "B", "~");
  EXPECT_SEQUENCES(d, V{"null: A1 _ B1"});
}

// The matching of positive stages ignores missing stages: newest candidate
// advances, then the missing check runs on what was found.
TEST(SequenceConformance, MissingCheckAfterPositiveMatching) {
  SeqCase c("A !M B", 10000);
  c.E("A1", 1000, "A").E("A2", 2000, "A").E("M1", 2500, "M").E("B1", 3000, "B");
  EXPECT_NO_SEQUENCE(c);  // B1 took A2; M1 lies between; A1 is gone
}

// Trailing missing stage: discarded when the first trailing event after the
// end lies within maxspan of the start; the reference's "logon not followed
// by logoff within 5s".
TEST(SequenceConformance, MissingTrailingStage) {
  SeqCase c("A !B", 5000);
  c.E("A1", 0, "A").E("B1", 3000, "B");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("A !B", 5000);
  d.E("A1", 0, "A").E("B1", 5000, "B");  // t - start == maxspan: within
  EXPECT_NO_SEQUENCE(d);
  SeqCase e("A !B", 5000);
  e.E("A1", 0, "A").E("B1", 5001, "B");
  EXPECT_SEQUENCES(e, V{"x: A1 _"});
  SeqCase f("A !B", 5000);
  f.E("A1", 0, "A");
  EXPECT_SEQUENCES(f, V{"x: A1 _"});
  SeqCase g("A !B", 5000);  // a trailing event at the end's own timestamp is not after it
  g.E("A1", 0, "A").E("B1", 0, "B");
  EXPECT_SEQUENCES(g, V{"x: A1 _"});
}

// Leading missing stage: discarded when the latest leading event before the
// start is within maxspan of the end.
TEST(SequenceConformance, MissingLeadingStage) {
  SeqCase c("!L A B", 5000);
  c.E("L1", 0, "L").E("A1", 1000, "A").E("B1", 2000, "B");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("!L A B", 5000);
  d.E("L1", 0, "L").E("A1", 4000, "A").E("B1", 5001, "B");
  EXPECT_SEQUENCES(d, V{"x: _ A1 B1"});
  SeqCase e("!L A B", 5000);  // same timestamp as the start: not before it
  e.E("A1", 1000, "A").E("L1", 1000, "L").E("B1", 2000, "B");
  EXPECT_SEQUENCES(e, V{"x: _ A1 B1"});
}

// Leading and trailing: only a leading and a trailing event within maxspan
// of each other discard the sequence (doCheckMissingEvents: lastLeading ==
// null, or firstTrailing == null, or their distance > maxspan accepts).
TEST(SequenceConformance, MissingLeadingAndTrailing) {
  SeqCase c("!L A !T", 5000);
  c.E("L1", 0, "L").E("A1", 1000, "A").E("T1", 4000, "T");
  EXPECT_NO_SEQUENCE(c);
  SeqCase d("!L A !T", 5000);
  d.E("L1", 0, "L").E("A1", 1000, "A").E("T1", 6000, "T");
  EXPECT_SEQUENCES(d, V{"x: _ A1 _"});
  SeqCase e("!L A !T", 5000);  // no leading event: accepted whatever follows
  e.E("A1", 1000, "A").E("T1", 1500, "T");
  EXPECT_SEQUENCES(e, V{"x: _ A1 _"});
  SeqCase f("!L A !T", 5000);  // no trailing event: accepted whatever precedes
  f.E("L1", 900, "L").E("A1", 1000, "A");
  EXPECT_SEQUENCES(f, V{"x: _ A1 _"});
}

// SequenceMatcher.completed is a TreeSet ordered by the last event: when an
// event with two join-key values completes a sequence for each, only the
// first key's (TumblingWindow.extractJoinKeys order) is returned.
TEST(SequenceConformance, OneSequencePerLastEvent) {
  SeqCase c("A B");
  c.E("A1", 1, "A", "h1").E("A2", 2, "A", "h2").Multi("B1", 3, "B", {"h2", "h1"});
  EXPECT_SEQUENCES(c, V{"h2: A2 B1"});
  SeqCase d("A B");  // different last events: both
  d.E("A1", 1, "A", "h1").E("A2", 2, "A", "h2").E("B1", 3, "B", "h1").E("B2", 4, "B", "h2");
  EXPECT_SEQUENCES(d, V{"h1: A1 B1", "h2: A2 B2"});
}

// Multi-valued keys join on every value.
TEST(SequenceConformance, MultiValuedKeyJoinsEachValue) {
  SeqCase c("A B");
  c.Multi("A1", 1, "A", {"h1", "h2"}).E("B1", 2, "B", "h2");
  EXPECT_SEQUENCES(c, V{"h2: A1 B1"});
}

// Results are sorted by their last event; size with result_position head
// or tail picks the first or last ones (eql-search-api: result_position).
TEST(SequenceConformance, OrderSizeHeadTail) {
  SeqCase c("A B");
  c.E("A1", 1, "A", "h1").E("A2", 2, "A", "h2").E("A3", 3, "A", "h3");
  c.E("B3", 4, "B", "h3").E("B1", 5, "B", "h1").E("B2", 6, "B", "h2");
  EXPECT_SEQUENCES(c, V{"h3: A3 B3", "h1: A1 B1", "h2: A2 B2"});
  EXPECT_EQ(c.Batch(2, ResultPosition::kHead), (V{"h3: A3 B3", "h1: A1 B1"}));
  EXPECT_EQ(c.Batch(2, ResultPosition::kTail), (V{"h1: A1 B1", "h2: A2 B2"}));
}

// Rules (picket): Kibana finds a sequence only when all its events fall in
// one run's window, so without maxspan the lookback bounds the span of the
// events' window times.
TEST(SequenceConformance, LookbackBoundsWindowTimes) {
  SeqCase c("A B");
  c.E("A1", 0, "A").E("B1", 9 * 60000, "B");
  EXPECT_EQ(c.Batch(0, ResultPosition::kHead, 9 * 60000), (V{"x: A1 B1"}));
  SeqCase d("A B");
  d.E("A1", 0, "A").E("B1", 9 * 60000 + 1, "B");
  EXPECT_TRUE(d.Batch(0, ResultPosition::kHead, 9 * 60000).empty());
  EXPECT_EQ(c.Stream({.lookback_ms = 9 * 60000}), (V{"x: A1 B1"}));
  EXPECT_TRUE(d.Stream({.lookback_ms = 9 * 60000}).empty());
  EXPECT_SEQUENCES(d, V{"x: A1 B1"});  // hunting has no lookback
}

TEST(SequenceSpecTest, Validate) {
  SequenceSpec s;
  s.stages = {{}, {}};
  EXPECT_EQ(s.Validate(), "");
  s.stages[1].missing = true;
  EXPECT_NE(s.Validate(), "");  // missing needs maxspan
  s.maxspan_ms = 1000;
  EXPECT_EQ(s.Validate(), "");
  s.stages[0].missing = true;
  EXPECT_NE(s.Validate(), "");  // no positive stage
  s.stages = {{false, 101}};
  EXPECT_NE(s.Validate(), "");
  s.stages = {{false, 2}};
  EXPECT_EQ(s.Validate(), "");
  s.kind = SequenceSpec::Kind::kSample;
  EXPECT_NE(s.Validate(), "");  // no runs in samples
}

TEST(SequenceKeyTest, ProductOrderAndJson) {
  std::vector<std::vector<std::string>> values(2);
  for (auto v : {"a1", "a2"}) AppendKeyString(&values[0].emplace_back(), v);
  for (int v : {1, 2}) AppendKeyInt(&values[1].emplace_back(), v);
  std::vector<std::string> keys;
  EXPECT_EQ(JoinKeyProduct(values, 10, &keys), 4u);
  std::vector<std::string> json;
  for (auto& k : keys) {
    json.emplace_back();
    AppendJoinKeyJson(&json.back(), k);
  }
  // extractJoinKeys: the first position varies fastest.
  EXPECT_EQ(json, (V{R"(["a1",1])", R"(["a2",1])", R"(["a1",2])", R"(["a2",2])"}));
  keys.clear();
  values[1].clear();  // no value: null
  JoinKeyProduct(values, 1, &keys);
  std::string one;
  AppendJoinKeyJson(&one, keys[0]);
  EXPECT_EQ(one, R"(["a1",null])");
  std::string d, i, s;
  AppendKeyDouble(&d, 1.0);
  AppendKeyInt(&i, 1);
  AppendKeyString(&s, "1");
  EXPECT_NE(d, i);  // Java equals: 1.0 != 1L != "1"
  EXPECT_NE(i, s);
  std::string dj;
  AppendJoinKeyJson(&dj, d);
  EXPECT_EQ(dj, "[1.0]");
  EXPECT_LT(CompareJoinKeys(i, d + ""), 1);
  std::string n;
  AppendKeyNull(&n);
  EXPECT_LT(CompareJoinKeys(n, i), 0);
  EXPECT_LT(CompareJoinKeys(i, s), 0);
}

}  // namespace
}  // namespace picket::eql

// Sample semantics with the answers Elasticsearch gives: the EQL syntax
// reference ("Samples") and x-pack/plugin/eql/.../execution/sample/
// SampleIterator.java (matchSamples and its documented examples),
// assembler/SampleQueryRequest.java (per-key queries: term filters, size
// stages + max_samples_per_key - 1, no sort).
#include <gtest/gtest.h>

#include "eql/sample_matcher.h"
#include "eql/sequence_helpers.h"

namespace picket::eql {
namespace {

using testing::SeqCase;
using testing::Sorted;
using V = std::vector<std::string>;
using Lists = std::vector<std::vector<uint64_t>>;

// SampleIterator.matchSamples's own examples.
TEST(SampleConformance, BacktrackingExamples) {
  EXPECT_EQ(MatchSamples(Lists{{1, 2, 3}, {4, 5}, {4, 5, 3}}, 1), (Lists{{1, 4, 5}}));
  EXPECT_TRUE(MatchSamples(Lists{{1, 1}, {1, 1, 1}, {1, 1, 3}}, 1).empty());
  EXPECT_EQ(MatchSamples(Lists{{1, 2}, {1, 2}}, 3), (Lists{{1, 2}, {2, 1}}));
  EXPECT_TRUE(MatchSamples(Lists{{1}, {}}, 1).empty());
}

// eql-syntax.md "Samples": no chronological order; events listed in the
// order of the filters they match.
TEST(SampleConformance, NoTimeOrder) {
  SeqCase c = SeqCase::Sample("A B");
  c.E("B1", 1, "B").E("A1", 2, "A");
  EXPECT_EQ(c.Batch(), (V{"x: A1 B1"}));
}

// The first events in document order (index, then indexing order), not in
// time order, make the sample; one event fills one stage.
TEST(SampleConformance, DocumentOrderAndDistinctEvents) {
  SeqCase c = SeqCase::Sample("A B");
  c.E("A1", 10, "A").E("A2", 5, "A").E("X", 1, "AB");
  EXPECT_EQ(c.Batch(), (V{"x: A1 X"}));
  SeqCase d = SeqCase::Sample("A B");
  d.E("X", 1, "AB");
  EXPECT_TRUE(d.Batch().empty());
}

// Keys only when every stage has an event of that key; keys in composite
// aggregation order: null (optional keys' missing bucket) first, numbers,
// then strings by bytes.
TEST(SampleConformance, KeysInCompositeOrder) {
  SeqCase c = SeqCase::Sample("A B");
  for (std::string k : {"b", "a", "#10", "#9", "~", "z"}) {
    c.E("A" + k, 1, "A", k);
    if (k != "z") c.E("B" + k, 2, "B", k);
  }
  EXPECT_EQ(c.Batch(), (V{"null: A~ B~", "9: A#9 B#9", "10: A#10 B#10", "a: Aa Ba", "b: Ab Bb"}));
  EXPECT_EQ(c.Batch(2), (V{"null: A~ B~", "9: A#9 B#9"}));  // size
}

// max_samples_per_key: more samples per key, each stage's candidates being
// its first stages + max_samples_per_key - 1 events.
TEST(SampleConformance, MaxSamplesPerKey) {
  SeqCase c = SeqCase::Sample("A B", 2);
  c.E("A1", 1, "A").E("A2", 2, "A").E("A3", 3, "A").E("B1", 4, "B");
  EXPECT_EQ(c.Batch(), (V{"x: A1 B1", "x: A2 B1"}));
  SeqCase d = SeqCase::Sample("A B", 1);
  d.E("A1", 1, "A").E("A2", 2, "A").E("B1", 4, "B");
  EXPECT_EQ(d.Batch(), (V{"x: A1 B1"}));
  // Three stages and one sample: candidates cut at 3 per stage.
  SeqCase e = SeqCase::Sample("A B C", 1);
  e.E("X1", 1, "ABC").E("X2", 2, "ABC").E("X3", 3, "ABC").E("X4", 4, "ABC");
  EXPECT_EQ(e.Batch(), (V{"x: X1 X2 X3"}));
}

// Streaming: a key's first sample is the batch's; later events form later
// samples (each event used once); a resent event is not used again.
TEST(SampleStream, FirstSampleAsBatchThenLaterEvents) {
  SeqCase c = SeqCase::Sample("A B");
  c.E("A1", 1, "A").E("A2", 2, "A").E("B1", 3, "B").E("B2", 4, "B");
  EXPECT_EQ(c.Batch(), (V{"x: A1 B1"}));
  EXPECT_EQ(c.Stream(), (V{"x: A1 B1", "x: A2 B2"}));
  StreamStats stats;
  EXPECT_EQ(c.Stream({.max_disorder_ms = -1}, {0, 1, 2, 0, 2, 3}, true, nullptr, &stats),
            (V{"x: A1 B1", "x: A2 B2"}));
  EXPECT_EQ(stats.resent, 2u);
}

// Streaming with a lookback: a sample's events lie within one lookback of
// the key's newest event.
TEST(SampleStream, LookbackWindow) {
  SeqCase c = SeqCase::Sample("A B");
  c.E("A1", 0, "A").E("B1", 100, "B").E("A2", 90, "A");
  EXPECT_EQ(c.Stream({.lookback_ms = 50}), (V{"x: A2 B1"}));
}

}  // namespace
}  // namespace picket::eql

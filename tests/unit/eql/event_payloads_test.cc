// Sequence payloads shared by the streams of one store
// (src/eql/event_payloads.h): one stored copy per event whatever the number
// of sequence rules it matches, written by the first rule of the event only,
// kept as long as the longest-reaching rule may refer to it and then
// dropped; payloads stored per rule by earlier versions are still read.
#include "eql/event_payloads.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "eql/sequence_helpers.h"
#include "state/memory_record_store.h"
#include "util/bytes.h"

namespace picket::eql {
namespace {

using testing::SeqCase;
using V = std::vector<std::string>;

// A memory store that counts the reads and writes of payload keys.
class CountingStore : public state::RecordStore {
 public:
  std::optional<std::string> Get(std::string_view key) override {
    if (IsPayload(key)) ++payload_gets;
    return inner.Get(key);
  }
  bool Put(std::string_view key, std::string_view value, TimeMs expires_at) override {
    if (IsPayload(key)) ++payload_puts;
    return inner.Put(key, value, expires_at);
  }
  bool Delete(std::string_view key) override { return inner.Delete(key); }
  void Scan(std::string_view prefix, const Visitor& visit) override { inner.Scan(prefix, visit); }
  size_t Expire(TimeMs now) override { return inner.Expire(now); }
  size_t size() const override { return inner.size(); }
  size_t memory_bytes() const override { return inner.memory_bytes(); }

  static bool IsPayload(std::string_view key) {
    return !key.empty() && key[0] == EventPayloads::kKind;
  }
  state::MemoryRecordStore inner;
  int payload_gets = 0, payload_puts = 0;
};

// Stored payloads (shared key) with their expiry.
std::map<std::string, TimeMs> StoredPayloads(state::RecordStore* store) {
  std::map<std::string, TimeMs> out;
  store->Scan(std::string(1, EventPayloads::kKind),
              [&](std::string_view k, std::string_view, TimeMs expires_at) {
                out.emplace(std::string(k), expires_at);
              });
  return out;
}

// Keys of a namespace's own payloads, as stored before they were shared.
size_t LegacyPayloads(state::RecordStore* store, const std::string& ns) {
  size_t n = 0;
  store->Scan(ns + "P", [&](std::string_view, std::string_view, TimeMs) { ++n; });
  return n;
}

// Two rules (streams) over one store, fed as the detector feeds them: for
// each event a new decision, then every rule in turn.
struct TwoRules {
  TwoRules(const SeqCase& c, state::RecordStore* store, StreamOptions first, StreamOptions second)
      : plan(c.spec()),
        payloads(store),
        one(&plan, store, "rule1", first, &payloads),
        two(&plan, store, "rule2", second, &payloads) {}
  void Feed(const SeqCase& c, size_t i, V* out_one, V* out_two) {
    payloads.NewEvent();
    c.Feed(&one, i, out_one);
    c.Feed(&two, i, out_two);
  }
  SequencePlan plan;
  EventPayloads payloads;
  SequenceStream one, two;
};

TEST(EventPayloads, TwoRulesShareOneStoredPayload) {
  SeqCase c("A B");
  c.E("A1", 0, "A").E("B1", 5, "B");
  CountingStore store;
  StreamOptions options{.lookback_ms = 100};
  TwoRules rules(c, &store, options, options);
  V one, two;
  rules.Feed(c, 0, &one, &two);
  // One copy, written by the first rule; the second neither read nor wrote.
  EXPECT_EQ(StoredPayloads(&store).size(), 1u);
  EXPECT_EQ(store.payload_puts, 1);
  EXPECT_EQ(store.payload_gets, 0);
  EXPECT_EQ(LegacyPayloads(&store, "rule1") + LegacyPayloads(&store, "rule2"), 0u);
  rules.Feed(c, 1, &one, &two);
  EXPECT_EQ(StoredPayloads(&store).size(), 2u);
  EXPECT_EQ(store.payload_puts, 2);
  // Both rules report the sequence with its events' payloads (Feed checks
  // them), read from the one stored copy.
  EXPECT_EQ(one, V{"x: A1 B1"});
  EXPECT_EQ(two, V{"x: A1 B1"});
  EXPECT_EQ(rules.payloads.skipped(), 2u);
  EXPECT_EQ(rules.one.stats().store_errors + rules.two.stats().store_errors, 0u);
}

// The payload lives as long as the rule that reaches furthest may refer to
// it (whichever rule wrote it first), and goes afterwards.
TEST(EventPayloads, ExpiryKeepsThePayloadWhileAnyRuleCanReferToIt) {
  SeqCase c("A B");
  c.E("A1", 0, "A").E("C1", 90, "A", "y").E("B1", 50, "B").E("Z1", 1000, "A", "z");
  state::MemoryRecordStore store;
  // Reach = retention + lookback: 20 for the first rule, 200 for the second.
  StreamOptions short_reach{.lookback_ms = 10, .max_disorder_ms = 10, .retention_ms = 10};
  StreamOptions long_reach{.lookback_ms = 100, .max_disorder_ms = 100, .retention_ms = 100};
  TwoRules rules(c, &store, short_reach, long_reach);
  V one, two;
  rules.Feed(c, 0, &one, &two);
  rules.Feed(c, 1, &one, &two);
  // The window time is at 90: past the first rule's reach of A1 (0 + 20),
  // within the second's (0 + 200).
  store.Expire(*rules.two.ExpiryThreshold());
  rules.Feed(c, 2, &one, &two);
  EXPECT_EQ(one, V{});  // B1 is late for the first rule
  EXPECT_EQ(two, V{"x: A1 B1"});
  EXPECT_EQ(rules.two.stats().store_errors, 0u);
  EXPECT_EQ(StoredPayloads(&store).at(EventPayloads::Key(0)), 200);
  // Past every rule's reach, the payloads go with the records.
  rules.Feed(c, 3, &one, &two);
  store.Expire(*rules.two.ExpiryThreshold());
  auto left = StoredPayloads(&store);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left.begin()->first, EventPayloads::Key(3));
}

// Within one decision the largest expiry asked wins, and a payload written
// again is never given a shorter expiry than a rule asked for.
TEST(EventPayloads, TheLargestExpiryAskedWins) {
  state::MemoryRecordStore store;
  EventPayloads payloads(&store);
  payloads.NewEvent();
  ASSERT_TRUE(payloads.Write(7, 1000, 20, "p"));
  ASSERT_TRUE(payloads.Write(7, 1000, 200, "p"));  // a second rule reaching further
  ASSERT_TRUE(payloads.Write(7, 1000, 50, "p"));   // skipped
  EXPECT_EQ(StoredPayloads(&store).at(EventPayloads::Key(7)), 1200);
  EXPECT_EQ(payloads.skipped(), 1u);
  EXPECT_EQ(payloads.Read(7).value(), "p");
  // Rules sharing a store ask the longest finite reach among them: a
  // resend that only the short-reaching rule takes keeps the expiry.
  EventPayloads shared(&store);
  shared.AddReach(20);
  shared.AddReach(300);
  shared.NewEvent();
  ASSERT_TRUE(shared.Write(8, 1000, 20, "q"));
  EXPECT_EQ(StoredPayloads(&store).at(EventPayloads::Key(8)), 1300);
  // A new decision (a resend) writes again: what a failed commit lost is
  // written anew.
  shared.NewEvent();
  ASSERT_TRUE(shared.Write(8, 1000, 20, "q"));
  EXPECT_EQ(shared.puts(), 2u);
  EXPECT_FALSE(shared.Read(9).has_value());
}

// State written before payloads were shared kept them under each rule's
// namespace: a sequence completed after the upgrade still gets them.
TEST(EventPayloads, PayloadsStoredPerRuleBeforeAreStillRead) {
  SeqCase c("A B");
  c.E("A1", 0, "A").E("B1", 5, "B");
  state::MemoryRecordStore store;
  SequencePlan plan(c.spec());
  StreamOptions options{.lookback_ms = 100};
  V out;
  {
    SequenceStream stream(&plan, &store, "rule", options);
    c.Feed(&stream, 0, &out);
  }
  // Move A1's payload where the previous version kept it.
  auto stored = StoredPayloads(&store);
  ASSERT_EQ(stored.size(), 1u);
  EventPayloads payloads(&store);
  std::string bytes = payloads.Read(0).value();
  std::string legacy = "ruleP";
  PutFixed64(&legacy, 0);
  store.Put(legacy, bytes, stored.begin()->second);
  store.Delete(stored.begin()->first);
  SequenceStream stream(&plan, &store, "rule", options);
  c.Feed(&stream, 1, &out);
  EXPECT_EQ(out, V{"x: A1 B1"});  // Feed checks A1's payload
  EXPECT_EQ(stream.stats().store_errors, 0u);
}

// An event's JSON source, as a payload carries it: large enough to be
// compressed, with the repetition real events have.
std::string EventLikePayload() {
  std::string source =
      R"({"@timestamp":"2026-03-01T00:00:00.000Z","event":{"category":["process"],)";
  for (int i = 0; i < 12; ++i)
    source += R"("field_)" + std::to_string(i) + R"(":{"path":"/usr/local/bin/python3.11","pid":)" +
              std::to_string(1000 + i) + "},";
  source += R"("host":{"id":"E3496F7C-33EF-5928-B9BC-E7792ABE83F8"}})";
  return source;
}

// A memory store that says its changes are written out, as RocksDB's and
// Redis's are.
class WrittenOutStore : public CountingStore {
 public:
  bool changes_are_written_out() const override { return true; }
};

// Over a store that writes changes out, payloads are stored compressed when
// that saves bytes, and read back as they were given; small ones are stored
// as they are.
TEST(EventPayloads, LargePayloadsAreStoredCompressedAndReadBackExactly) {
  WrittenOutStore store;
  EventPayloads payloads(&store);
  const std::string large = EventLikePayload();
  ASSERT_GE(large.size(), 256u);
  payloads.NewEvent();
  ASSERT_TRUE(payloads.Write(1, 0, 100, large));
  payloads.NewEvent();
  ASSERT_TRUE(payloads.Write(2, 0, 100, "small"));
  std::map<std::string, size_t> stored_sizes;
  store.Scan(std::string(1, EventPayloads::kKind),
             [&](std::string_view k, std::string_view v, TimeMs) {
               stored_sizes[std::string(k)] = v.size();
             });
  EXPECT_LT(stored_sizes.at(EventPayloads::Key(1)), large.size() / 2);
  EXPECT_EQ(stored_sizes.at(EventPayloads::Key(2)), 1 + 8 + std::string("small").size());
  EXPECT_EQ(payloads.Read(1).value(), large);
  EXPECT_EQ(payloads.Read(2).value(), "small");
}

// A damaged compressed value (a torn or hostile store) reads as no payload,
// never as wrong bytes or a crash.
TEST(EventPayloads, DamagedCompressedPayloadReadsAsMissing) {
  WrittenOutStore store;
  EventPayloads payloads(&store);
  payloads.NewEvent();
  ASSERT_TRUE(payloads.Write(1, 0, 100, EventLikePayload()));
  std::string value = store.Get(EventPayloads::Key(1)).value();
  ASSERT_EQ(value[0], 2);  // compressed
  std::string truncated = value.substr(0, value.size() / 2);
  store.Put(EventPayloads::Key(1), truncated, 100);
  EXPECT_FALSE(payloads.Read(1).has_value());
  std::string huge_size = value;
  huge_size[9 + 3] = static_cast<char>(0x7f);  // claims ~2 GB decompressed
  store.Put(EventPayloads::Key(1), huge_size, 100);
  EXPECT_FALSE(payloads.Read(1).has_value());
}

// In memory only, compressing would cost CPU and save no I/O: payloads are
// kept as they are.
TEST(EventPayloads, InMemoryPayloadsAreNotCompressed) {
  state::MemoryRecordStore store;
  EventPayloads payloads(&store);
  const std::string large = EventLikePayload();
  payloads.NewEvent();
  ASSERT_TRUE(payloads.Write(1, 0, 100, large));
  std::string value = store.Get(EventPayloads::Key(1)).value();
  EXPECT_EQ(value[0], 1);
  EXPECT_EQ(value.size(), 1 + 8 + large.size());
  EXPECT_EQ(payloads.Read(1).value(), large);
}

}  // namespace
}  // namespace picket::eql

// The streaming matcher against the batch one: same sequences in order,
// independence from the interleaving of keys, out-of-order arrivals as the
// union over arrivals of what the batch finds, resent events, restarts,
// bounds and their counters.
#include "eql/sequence_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "eql/sequence_helpers.h"
#include "state/memory_record_store.h"

namespace picket::eql {
namespace {

using testing::CaseEvent;
using testing::SeqCase;
using V = std::vector<std::string>;

using testing::Sorted;

struct Shape {
  bool missing = true;
  bool until = true;
  int keys = 2;
  int events = 30;
  int max_step = 3;  // time between events: 0..max_step (0 = ties)
};

// A random spec over stages A..D and events matching random stages.
SeqCase RandomCase(std::mt19937& rng, const Shape& shape) {
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  int stages = 2 + pick(3);
  std::string spec;
  bool any_missing = false, any_positive = false;
  const std::string letters = "ABCD";
  for (int i = 0; i < stages; ++i) {
    bool missing = shape.missing && pick(4) == 0;
    if (i == stages - 1 && !any_positive) missing = false;
    any_missing |= missing;
    any_positive |= !missing;
    if (!spec.empty()) spec += ' ';
    if (missing) spec += '!';
    spec += letters[i];
    if (!missing && pick(5) == 0) spec += "*2";
  }
  int64_t maxspan = (any_missing || pick(2)) ? 3 + pick(20) : 0;
  SeqCase c(spec, maxspan);
  TimeMs t = 0;
  for (int i = 0; i < shape.events; ++i) {
    t += pick(shape.max_step + 1);
    std::string matched;
    for (int s = 0; s < stages; ++s)
      if (pick(stages + 1) == 0) matched += letters[s];
    if (matched.empty()) matched += letters[pick(stages)];
    if (shape.until && pick(10) == 0) matched += 'U';
    c.E("e" + std::to_string(i), t, matched, "k" + std::to_string(pick(shape.keys)));
  }
  return c;
}

std::map<std::string, std::vector<size_t>> ByKey(const SeqCase& c) {
  std::map<std::string, std::vector<size_t>> by_key;
  for (size_t i = 0; i < c.events().size(); ++i) by_key[c.events()[i].keys[0]].push_back(i);
  return by_key;
}

// Fed in order, the stream reports exactly what the batch finds.
TEST(SequenceStream, InOrderMatchesBatch) {
  std::mt19937 rng(7);
  for (int round = 0; round < 600; ++round) {
    SeqCase c = RandomCase(rng, Shape{});
    ASSERT_EQ(Sorted(c.Stream()), Sorted(c.Batch())) << "round " << round;
  }
}

// With a lookback, pruning and watermark decisions change nothing for
// in-order input: the stream equals the batch with the same lookback; and
// any interleaving of keys that keeps each key's order and makes no event
// late gives the same sequences.
TEST(SequenceStream, InterleavingOfKeysChangesNothing) {
  std::mt19937 rng(11);
  const int64_t lookback = 40;
  StreamOptions options{.lookback_ms = lookback};
  size_t total = 0;
  for (int round = 0; round < 300; ++round) {
    SeqCase c = RandomCase(rng, Shape{.keys = 3, .events = 150, .max_step = 5});
    V expected = Sorted(c.Batch(0, ResultPosition::kHead, lookback));
    StreamStats stats;
    ASSERT_EQ(Sorted(c.Stream(options, {}, true, nullptr, &stats)), expected) << round;
    ASSERT_EQ(stats.late, 0u);
    // Arrival = time + a delay below the disorder bound, each key's events
    // kept in their order.
    std::vector<std::pair<TimeMs, size_t>> arrival;
    for (auto& [key, idx] : ByKey(c)) {
      std::vector<TimeMs> times;
      for (size_t i : idx)
        times.push_back(c.events()[i].time + static_cast<TimeMs>(rng() % lookback));
      std::sort(times.begin(), times.end());
      for (size_t j = 0; j < idx.size(); ++j) arrival.push_back({times[j], idx[j]});
    }
    std::stable_sort(arrival.begin(), arrival.end());
    std::vector<size_t> order;
    for (auto& a : arrival) order.push_back(a.second);
    ASSERT_EQ(Sorted(c.Stream(options, order, true, nullptr, &stats)), expected) << round;
    ASSERT_EQ(stats.late, 0u);
    total += expected.size();
  }
  EXPECT_GT(total, 300u);  // the cases do find sequences
}

// Out of order within a key: the stream reports the union, over arrivals,
// of what the batch finds in the events arrived so far (sequences waiting
// for a trailing check only once decided, as at the end).
TEST(SequenceStream, OutOfOrderIsUnionOverArrivals) {
  std::mt19937 rng(13);
  size_t replays = 0;
  for (int round = 0; round < 300; ++round) {
    SeqCase c = RandomCase(rng, Shape{.keys = 2, .events = 14});
    std::vector<size_t> order(c.events().size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::set<std::string> expected;
    for (size_t k = 1; k <= order.size(); ++k) {
      SeqCase arrived = c.WithEvents([&] {
        std::vector<CaseEvent> events;
        for (size_t j = 0; j < k; ++j) events.push_back(c.events()[order[j]]);
        return events;
      }());
      for (auto& s : arrived.Batch(0, ResultPosition::kHead, 0, k == order.size()))
        expected.insert(s);
    }
    StreamStats stats;
    V got = c.Stream({.max_disorder_ms = -1}, order, true, nullptr, &stats);
    std::set<std::string> got_set(got.begin(), got.end());
    ASSERT_EQ(got.size(), got_set.size()) << "a sequence reported twice, round " << round;
    ASSERT_EQ(got_set, expected) << "round " << round;
    replays += stats.replays;
  }
  EXPECT_GT(replays, 100u);
}

// A bulk request sent again after a crash: nothing reported twice.
TEST(SequenceStream, ResentEventsAreRecognised) {
  std::mt19937 rng(17);
  for (int round = 0; round < 100; ++round) {
    SeqCase c = RandomCase(rng, Shape{.missing = false});
    std::vector<size_t> twice;
    for (int pass = 0; pass < 2; ++pass)
      for (size_t i = 0; i < c.events().size(); ++i) twice.push_back(i);
    StreamStats stats;
    ASSERT_EQ(Sorted(c.Stream({.max_disorder_ms = -1}, twice, true, nullptr, &stats)),
              Sorted(c.Batch()));
    ASSERT_GT(stats.resent, 0u);
  }
}

// State lives in the store: a new stream over the same store (a restart)
// and a store saved and loaded in between continue where the first left off.
TEST(SequenceStream, RestartOverTheSameStore) {
  std::mt19937 rng(19);
  for (int round = 0; round < 100; ++round) {
    SeqCase c = RandomCase(rng, Shape{.keys = 3, .events = 60});
    std::vector<size_t> first, second;
    for (size_t i = 0; i < c.events().size(); ++i) (i < 30 ? first : second).push_back(i);
    StreamOptions options{.lookback_ms = 30};
    state::MemoryRecordStore store;
    V got = c.Stream(options, first, /*flush=*/false, &store);
    std::FILE* f = std::tmpfile();
    std::string error;
    ASSERT_TRUE(store.SaveTo(f, "snapshot", &error)) << error;
    std::rewind(f);
    state::MemoryRecordStore reloaded;
    ASSERT_TRUE(reloaded.LoadFrom(f, "snapshot", &error)) << error;
    std::fclose(f);
    V rest = c.Stream(options, second, true, &reloaded);
    got.insert(got.end(), rest.begin(), rest.end());
    ASSERT_EQ(Sorted(got), Sorted(c.Batch(0, ResultPosition::kHead, 30))) << round;
  }
}

// Pruning keeps exactly what a non-late event can still reach: with L = D =
// 40, the until event U (time 80) makes the key's record be maintained at
// W = 80, when A1 (time 0) is just within reach; B1 (time 40, not late as
// 40 >= 80 - 40) then arrives out of order and completes A1 B1 (span 40).
// Had the key's B come at 39 it would have been late.
TEST(SequenceStream, PruningBoundary) {
  SeqCase c("A B");
  c.E("A1", 0, "A").E("U", 80, "U").E("B1", 40, "B");
  StreamStats stats;
  EXPECT_EQ(c.Stream({.lookback_ms = 40}, {}, true, nullptr, &stats), (V{"x: A1 B1"}));
  EXPECT_EQ(stats.replays, 1u);
  SeqCase d("A B");
  d.E("A1", 0, "A").E("U", 80, "U").E("B1", 39, "B");
  EXPECT_TRUE(d.Stream({.lookback_ms = 40}, {}, true, nullptr, &stats).empty());
  EXPECT_EQ(stats.late, 1u);
}

// A shared store (Redis) refuses a write when another node changed the
// record since it was read; the stream reads again, decides again, and
// reports only what the written record says.
class RefusingStore : public state::RecordStore {
 public:
  std::optional<std::string> Get(std::string_view key) override {
    read_.insert(std::string(key));
    return inner_.Get(key);
  }
  bool Put(std::string_view key, std::string_view value, TimeMs expires_at) override {
    if (Refuse(key)) return false;
    return inner_.Put(key, value, expires_at);
  }
  bool Delete(std::string_view key) override {
    if (Refuse(key)) return false;
    return inner_.Delete(key);
  }
  void Scan(std::string_view prefix, const Visitor& visit) override { inner_.Scan(prefix, visit); }
  size_t Expire(TimeMs now) override { return inner_.Expire(now); }
  size_t size() const override { return inner_.size(); }
  size_t memory_bytes() const override { return inner_.memory_bytes(); }

 private:
  // Every third write of a key read before is refused (as if another node
  // had written it in between); the writer must read it again.
  bool Refuse(std::string_view key) {
    auto it = read_.find(std::string(key));
    if (it == read_.end()) return false;
    read_.erase(it);
    return ++writes_ % 3 == 0;
  }
  state::MemoryRecordStore inner_;
  std::set<std::string> read_;
  uint64_t writes_ = 0;
};

TEST(SequenceStream, RefusedWritesAreRetried) {
  std::mt19937 rng(23);
  uint64_t retries = 0;
  for (int round = 0; round < 100; ++round) {
    SeqCase c = RandomCase(rng, Shape{});
    RefusingStore store;
    StreamStats stats;
    V got = Sorted(c.Stream({.max_disorder_ms = -1}, {}, true, &store, &stats));
    ASSERT_EQ(got, Sorted(c.Batch())) << round;
    ASSERT_EQ(stats.store_errors, 0u);
    retries += stats.retries;
  }
  EXPECT_GT(retries, 100u);
}

// A store that counts the scans made of it.
class ScanCountingStore : public state::RecordStore {
 public:
  std::optional<std::string> Get(std::string_view key) override { return inner_.Get(key); }
  bool Put(std::string_view key, std::string_view value, TimeMs expires_at) override {
    return inner_.Put(key, value, expires_at);
  }
  bool Delete(std::string_view key) override { return inner_.Delete(key); }
  void Scan(std::string_view prefix, const Visitor& visit) override {
    ++scans;
    inner_.Scan(prefix, visit);
  }
  size_t Expire(TimeMs now) override { return inner_.Expire(now); }
  size_t size() const override { return inner_.size(); }
  size_t memory_bytes() const override { return inner_.memory_bytes(); }
  int scans = 0;

 private:
  state::MemoryRecordStore inner_;
};

// Over a store known to start empty (`picket run` without --state) the
// stream makes no start-up scan and finds the same sequences, and the
// max_records cap counts keys the same way.
TEST(SequenceStream, StoreStartingEmptyIsNotScanned) {
  std::mt19937 rng(41);
  for (int round = 0; round < 100; ++round) {
    SeqCase c = RandomCase(rng, Shape{});
    ScanCountingStore fresh, scanned;
    V with =
        Sorted(c.Stream({.max_disorder_ms = -1, .store_starts_empty = true}, {}, true, &fresh));
    V without = Sorted(c.Stream({.max_disorder_ms = -1}, {}, true, &scanned));
    ASSERT_EQ(with, Sorted(c.Batch())) << round;
    ASSERT_EQ(with, without) << round;
    ASSERT_EQ(fresh.scans, 0) << round;
    ASSERT_GT(scanned.scans, 0) << round;
  }
  SeqCase c("A B");
  for (int i = 0; i < 10; ++i) c.E("A" + std::to_string(i), i, "A", "k" + std::to_string(i));
  StreamStats stats;
  ScanCountingStore store;
  c.Stream({.max_disorder_ms = -1, .max_records = 4, .store_starts_empty = true}, {}, true, &store,
           &stats);
  EXPECT_EQ(stats.dropped_keys, 6u);
  EXPECT_EQ(store.scans, 0);
}

// An event older than its key's newest window time minus the disorder
// bound is late for that key: counted and ignored. Another key's newer
// events make nothing late: B1 is 370 behind y's B0 and still completes.
TEST(SequenceStream, LateEventsAreJudgedPerKey) {
  SeqCase c("A B");
  c.E("A1", 100, "A").E("B0", 500, "B", "y").E("A0", 30, "A").E("B1", 130, "B");
  StreamStats stats;
  V got = c.Stream({.lookback_ms = 60}, {}, true, nullptr, &stats);
  EXPECT_EQ(got, (V{"x: A1 B1"}));
  EXPECT_EQ(stats.late, 1u);  // A0: 30 < 100 - 60
}

// The retention bound R is how far a key may lag the stream: an event older
// than the stream's newest window time less R is late for every key (it
// bounds how long an idle key is kept), and never below the disorder bound.
TEST(SequenceStream, RetentionBoundsHowFarAKeyMayLag) {
  SeqCase c("A B");
  c.E("B0", 500, "B", "y").E("A1", 290, "A").E("B1", 300, "B");
  StreamStats stats;
  EXPECT_TRUE(
      c.Stream({.lookback_ms = 60, .retention_ms = 200}, {}, true, nullptr, &stats).empty());
  EXPECT_EQ(stats.late, 1u);  // A1: 290 < 500 - 200; B1 (300) then has no A
  EXPECT_EQ(c.Stream({.lookback_ms = 60, .retention_ms = 250}, {}, true, nullptr, &stats),
            (V{"x: A1 B1"}));
  EXPECT_EQ(stats.late, 0u);
  // R below D is raised to D.
  EXPECT_EQ(c.Stream({.lookback_ms = 60, .max_disorder_ms = 210, .retention_ms = 0}, {}, true,
                     nullptr, &stats),
            (V{"x: A1 B1"}));
}

// Keys whose clocks disagree by far more than the lookback (hosts with
// skewed clocks, or concurrent senders replaying different hours), fed in
// any interleaving that keeps each key's order: the same sequences as the
// batch, nothing late, with the default bounds.
TEST(SequenceStream, KeysWithSkewedClocksInAnyInterleaving) {
  std::mt19937 rng(17);
  const int64_t lookback = 40;
  StreamOptions options{.lookback_ms = lookback};
  size_t total = 0;
  for (int round = 0; round < 200; ++round) {
    SeqCase plain = RandomCase(rng, Shape{.missing = false, .keys = 3, .events = 120});
    std::vector<CaseEvent> events = plain.events();
    for (CaseEvent& e : events) e.time += (e.keys[0].back() - '0') * 3'600'000;  // hours apart
    SeqCase c = plain.WithEvents(events);
    V expected = Sorted(c.Batch(0, ResultPosition::kHead, lookback));
    // A random merge of the keys' event lists, each kept in order.
    std::map<std::string, std::vector<size_t>> by_key = ByKey(c);
    std::vector<std::pair<std::vector<size_t>*, size_t>> cursors;
    for (auto& [key, idx] : by_key) cursors.push_back({&idx, 0});
    std::vector<size_t> order;
    while (order.size() < events.size()) {
      auto& [idx, at] = cursors[rng() % cursors.size()];
      if (at < idx->size()) order.push_back((*idx)[at++]);
    }
    StreamStats stats;
    ASSERT_EQ(Sorted(c.Stream(options, order, true, nullptr, &stats)), expected) << round;
    ASSERT_EQ(stats.late, 0u) << round;
    total += expected.size();
  }
  EXPECT_GT(total, 200u);
}

// A trailing missing stage is decided once the stream's newest window time,
// less the disorder bound, passes the deadline, before any flush.
TEST(SequenceStream, TrailingCheckDecidedByWatermark) {
  SeqCase c("A !B", 10);
  c.E("A1", 0, "A").E("other", 110, "B", "y");
  EXPECT_TRUE(c.Stream({.lookback_ms = 100}, {}, /*flush=*/false).empty());  // 110 - 100 = 10
  c.E("more", 111, "B", "y");
  EXPECT_EQ(c.Stream({.lookback_ms = 100}, {}, /*flush=*/false), (V{"x: A1 _"}));
  SeqCase d("A !B", 10);  // a trailing event of the key within maxspan discards it
  d.E("A1", 0, "A").E("B1", 10, "B").E("more", 200, "B", "y");
  EXPECT_TRUE(d.Stream({.lookback_ms = 100}, {}, false).empty());
}

// Events that match only a trailing missing-event stage take the in-order
// path (appended, not rewritten) yet stay in the key's history: an earlier
// positive event arriving afterwards is replayed against them. They never
// fill a reported position, so their payloads are not kept.
TEST(SequenceStream, TrailingMissingEventsKeptWithoutPayload) {
  SeqCase c("A !B", 10);
  c.E("B1", 5, "B").E("B2", 6, "B").E("A1", 0, "A");  // A1 replayed: B1 within maxspan
  c.E("A2", 20, "A").E("B3", 40, "B");                // B3 after A2's deadline
  state::MemoryRecordStore store;
  StreamStats stats;
  EXPECT_EQ(c.Stream({.max_disorder_ms = -1}, {}, true, &store, &stats), (V{"x: A2 _"}));
  EXPECT_EQ(stats.replays, 1u);
  int payloads = 0;
  store.Scan(std::string(1, EventPayloads::kKind),
             [&](std::string_view, std::string_view, TimeMs) { ++payloads; });
  EXPECT_EQ(payloads, 2);  // A1 and A2
}

// Caps: keys beyond max_records and events beyond max_events_per_key are
// dropped and counted; old events leave the store.
TEST(SequenceStream, CapsAndExpiry) {
  SeqCase c("A B");
  for (int i = 0; i < 10; ++i) c.E("A" + std::to_string(i), i, "A", "k" + std::to_string(i));
  StreamStats stats;
  state::MemoryRecordStore store;
  c.Stream({.max_disorder_ms = -1, .max_records = 4}, {}, true, &store, &stats);
  EXPECT_EQ(stats.dropped_keys, 6u);
  // per key a head and a chunk, the events' payloads (also of the dropped
  // keys' events: an event's payload is written before its keys are
  // decided, see event_payloads.h), the stream's meta
  EXPECT_EQ(store.size(), 4u * 2 + 10u + 1u);

  SeqCase d("A B");
  for (int i = 0; i < 10; ++i) d.E("A" + std::to_string(i), i, "A");
  d.E("B1", 20, "B");
  EXPECT_EQ(d.Stream({.max_disorder_ms = -1, .max_events_per_key = 3}, {}, true, nullptr, &stats),
            (V{"x: A9 B1"}));
  EXPECT_EQ(stats.dropped_events, 8u);

  SeqCase e("A B");
  e.E("A1", 0, "A", "k1").E("A2", 5000, "A", "k2");
  state::MemoryRecordStore expiring;
  e.Stream({.lookback_ms = 100, .retention_ms = 1000}, {}, false, &expiring);
  // k1's event is more than R + L behind the stream: its head, chunk and
  // payload are gone; k2's and the stream's meta remain.
  EXPECT_EQ(expiring.size(), 4u);
  // Within R + L (R is a day by default) an idle key is kept: it may lag.
  state::MemoryRecordStore keeping;
  e.Stream({.lookback_ms = 100}, {}, false, &keeping);
  EXPECT_EQ(keeping.size(), 7u);
}

}  // namespace
}  // namespace picket::eql

#include "state/rocksdb_store.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "state/record_key_filter.h"
#include "state/sighting.h"

namespace picket::state {

namespace {

constexpr char kTermPrefix = 'T';
constexpr char kRecordPrefix = 'R';
constexpr char kMetaPrefix = 'M';
constexpr size_t kRecordBytes = 24;
// Stored in meta "format"; a directory with another value is refused.
constexpr std::string_view kFormat = "picket-terms-1";

void PutInt64(std::string* out, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}
int64_t GetInt64(const char* p) {
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(u);
}

std::string EncodeRecord(const TermRecord& r) {
  std::string out;
  out.reserve(kRecordBytes);
  PutInt64(&out, r.first_seen);
  PutInt64(&out, r.last_seen);
  PutInt64(&out, r.expires_at);
  return out;
}
std::optional<TermRecord> DecodeRecord(std::string_view v) {
  if (v.size() != kRecordBytes) return std::nullopt;  // corrupt: treat as absent
  return TermRecord{GetInt64(v.data()), GetInt64(v.data() + 8), GetInt64(v.data() + 16)};
}

// A stored key: the kind's prefix byte, then the caller's key.
std::string PrefixedKey(char prefix, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(prefix);
  k.append(key);
  return k;
}
std::string TermKey(std::string_view key) { return PrefixedKey(kTermPrefix, key); }
std::string MetaKey(std::string_view name) { return PrefixedKey(kMetaPrefix, name); }
std::string RecordKey(std::string_view key) { return PrefixedKey(kRecordPrefix, key); }

// A record's value: expires_at (8 bytes) then the unit's bytes.
std::optional<TimeMs> RecordExpiry(std::string_view value) {
  if (value.size() < 8) return std::nullopt;
  return GetInt64(value.data());
}

// Drops term entries and records whose expires_at is below their
// watermark. Runs on RocksDB's background threads; reads only atomics.
class ExpiryFilter : public rocksdb::CompactionFilter {
 public:
  ExpiryFilter(std::shared_ptr<std::atomic<TimeMs>> watermark,
               std::shared_ptr<std::atomic<TimeMs>> records_watermark,
               std::shared_ptr<std::atomic<uint64_t>> dropped)
      : watermark_(std::move(watermark)),
        records_watermark_(std::move(records_watermark)),
        dropped_(std::move(dropped)) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    if (key.size() > 0 && key[0] == kRecordPrefix) {
      auto expires = RecordExpiry(std::string_view(value.data(), value.size()));
      return expires && *expires < records_watermark_->load(std::memory_order_relaxed);
    }
    if (key.size() == 0 || key[0] != kTermPrefix) return false;
    auto record = DecodeRecord(std::string_view(value.data(), value.size()));
    if (!record) return false;  // never drop what we cannot read
    if (record->expires_at >= watermark_->load(std::memory_order_relaxed)) return false;
    dropped_->fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const char* Name() const override { return "picket.ExpiryFilter"; }

 private:
  std::shared_ptr<std::atomic<TimeMs>> watermark_;
  std::shared_ptr<std::atomic<TimeMs>> records_watermark_;
  std::shared_ptr<std::atomic<uint64_t>> dropped_;
};

int64_t ParseInt(const std::optional<std::string>& s) {
  if (!s || s->size() != 8) return 0;
  return GetInt64(s->data());
}
std::string IntValue(int64_t v) {
  std::string out;
  PutInt64(&out, v);
  return out;
}

}  // namespace

class RocksDbTermStore::Frozen {
 public:
  PendingMap changes;
  size_t bytes = 0;
  bool done = false;  // written or failed (under frozen_mu_)
};

// The records view: same database, batch and commit as the terms.
// Nearly every read of a sequence or threshold record is for a key that
// does not exist yet (a first stage, a new group), and a RocksDB miss walks
// the whole memtable skip list; `written_` (every record key written or
// found at open) answers those reads without the database.
class RocksDbTermStore::Records : public RecordStore {
 public:
  explicit Records(RocksDbTermStore* owner) : owner_(owner) { LoadKeys(); }

  std::optional<std::string> Get(std::string_view key) override {
    if (!written_.MayExist(key, owner_->records_watermark_->load())) return std::nullopt;
    auto value = owner_->Read(RecordKey(key));
    if (!value) return std::nullopt;
    auto expires = RecordExpiry(*value);
    if (!expires || *expires < owner_->records_watermark_->load()) return std::nullopt;
    return value->substr(8);
  }
  bool Put(std::string_view key, std::string_view value, TimeMs expires_at) override {
    written_.Add(key, expires_at);
    std::string head;
    PutInt64(&head, expires_at);
    owner_->StagePut(RecordKey(key), head, value);
    owner_->MaybeAutoCommit();
    return true;
  }
  bool Delete(std::string_view key) override {
    owner_->StageDelete(RecordKey(key));
    owner_->MaybeAutoCommit();
    return true;
  }
  void Scan(std::string_view prefix, const Visitor& visit) override {
    owner_->WaitFrozen();
    std::string start = RecordKey(prefix);
    TimeMs watermark = owner_->records_watermark_->load();
    // The pending entries under the prefix, in key order, merged over the
    // database's (a pending entry replaces the stored one).
    std::vector<std::pair<std::string_view, const std::optional<std::string>*>> pending;
    for (const auto& [k, v] : owner_->pending_)
      if (std::string_view(k).starts_with(start)) pending.emplace_back(k, &v);
    std::sort(pending.begin(), pending.end());
    auto emit = [&](std::string_view key, std::string_view value) {
      auto expires = RecordExpiry(value);
      if (!expires || *expires < watermark) return;
      visit(key.substr(1), value.substr(8), *expires);
    };
    std::unique_ptr<rocksdb::Iterator> it(owner_->db_->NewIterator(rocksdb::ReadOptions()));
    size_t p = 0;
    auto emit_pending = [&] {
      if (*pending[p].second) emit(pending[p].first, **pending[p].second);
      ++p;
    };
    for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      while (p < pending.size() && pending[p].first < key) emit_pending();
      if (p < pending.size() && pending[p].first == key) {
        emit_pending();
        continue;
      }
      emit(key, std::string_view(it->value().data(), it->value().size()));
    }
    while (p < pending.size()) emit_pending();
  }
  size_t Expire(TimeMs now) override {
    if (now > owner_->records_watermark_->load()) {
      owner_->records_watermark_->store(now);
      owner_->PutMeta("records_watermark", IntValue(now));
    }
    written_.DropBelow(now);
    return 0;  // dropped in the background by the compaction filter
  }
  size_t size() const override {
    uint64_t keys = 0;
    owner_->db_->GetIntProperty("rocksdb.estimate-num-keys", &keys);
    return static_cast<size_t>(keys);  // every kind of key: an upper bound
  }
  size_t memory_bytes() const override { return owner_->memory_bytes() + written_.memory_bytes(); }
  bool Sync(std::string* error) override { return owner_->Sync(error); }

 private:
  // The keys of the live records already in the database (records() is
  // called before any record is written: nothing of them is pending).
  void LoadKeys() {
    Scan("", [&](std::string_view key, std::string_view, TimeMs expires_at) {
      written_.Add(key, expires_at);
    });
  }

  RocksDbTermStore* owner_;
  RecordKeyFilter written_;
};

RocksDbTermStore::RocksDbTermStore() = default;

RecordStore* RocksDbTermStore::records() {
  if (!records_) records_ = std::make_unique<Records>(this);
  return records_.get();
}

void RocksDbTermStore::MaybeAutoCommit() {
  if (options_.auto_commit_bytes && pending_bytes() > options_.auto_commit_bytes) {
    std::string ignored;
    Commit(/*sync=*/false, &ignored);
  }
}

std::unique_ptr<RocksDbTermStore> RocksDbTermStore::Open(const std::string& dir,
                                                         const RocksDbOptions& options,
                                                         std::string* error) {
  std::unique_ptr<RocksDbTermStore> store(new RocksDbTermStore());
  store->dir_ = dir;
  store->options_ = options;
  store->watermark_ = std::make_shared<std::atomic<TimeMs>>(INT64_MIN);
  store->records_watermark_ = std::make_shared<std::atomic<TimeMs>>(INT64_MIN);
  store->dropped_ = std::make_shared<std::atomic<uint64_t>>(0);
  store->filter_ =
      std::make_unique<ExpiryFilter>(store->watermark_, store->records_watermark_, store->dropped_);

  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.compaction_filter = store->filter_.get();
  db_options.periodic_compaction_seconds = options.periodic_compaction_seconds;
  db_options.compression = rocksdb::kLZ4Compression;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, dir, &raw);
  if (!status.ok()) {
    *error = "cannot open state directory " + dir + ": " + status.ToString();
    return nullptr;
  }
  store->db_.reset(raw);

  auto format = store->GetMeta("format");
  if (!format) {
    store->PutMeta("format", kFormat);
    if (!store->Commit(/*sync=*/true, error)) return nullptr;
  } else if (*format != kFormat) {
    *error = dir + " is not a picket state directory of this version (format \"" + *format +
             "\", expected \"" + std::string(kFormat) + "\")";
    return nullptr;
  }
  store->live_ = ParseInt(store->GetMeta("live"));
  if (auto w = store->GetMeta("watermark")) store->watermark_->store(ParseInt(w));
  if (auto w = store->GetMeta("records_watermark")) store->records_watermark_->store(ParseInt(w));
  return store;
}

RocksDbTermStore::~RocksDbTermStore() {
  records_.reset();
  if (db_) {
    std::string ignored;
    Commit(/*sync=*/true, &ignored);
    db_->Close();
    db_.reset();  // before filter_, which the DB uses until closed
  }
}

std::optional<std::string> RocksDbTermStore::Read(std::string_view full_key) const {
  if (auto it = pending_.find(full_key); it != pending_.end()) return it->second;
  for (auto f = frozen_.rbegin(); f != frozen_.rend(); ++f)
    if (auto it = (*f)->changes.find(full_key); it != (*f)->changes.end()) return it->second;
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(full_key.data(), full_key.size()), &value);
  if (!s.ok()) return std::nullopt;
  return value;
}

std::optional<std::string>& RocksDbTermStore::Slot(std::string_view full_key) {
  auto it = pending_.find(full_key);
  if (it == pending_.end()) {
    pending_bytes_ += full_key.size() + 1;  // the 1: a deletion is a change too
    return pending_.emplace(std::string(full_key), std::nullopt).first->second;
  }
  if (it->second) pending_bytes_ -= it->second->size();
  return it->second;
}

void RocksDbTermStore::StagePut(std::string_view full_key, std::string_view head,
                                std::string_view value) {
  std::optional<std::string>& slot = Slot(full_key);
  if (!slot) slot.emplace();
  slot->assign(head);
  slot->append(value);
  pending_bytes_ += slot->size();
}

void RocksDbTermStore::StageDelete(std::string_view full_key) { Slot(full_key).reset(); }

std::optional<TermRecord> RocksDbTermStore::Get(std::string_view key) const {
  auto value = Read(TermKey(key));
  if (!value) return std::nullopt;
  auto record = DecodeRecord(*value);
  if (record && record->expires_at < watermark_->load()) return std::nullopt;  // expired
  return record;
}

ObserveResult RocksDbTermStore::Observe(std::string_view key, TimeMs t, int64_t window_ms,
                                        bool learn_only) {
  std::string full_key = TermKey(key);
  std::optional<TermRecord> before;
  bool stored = false;  // an entry (maybe expired) is in the database
  if (auto value = Read(full_key)) {
    stored = true;
    before = DecodeRecord(*value);
    if (before && before->expires_at < watermark_->load()) before.reset();
  }
  ObserveResult result = DecideSighting(before, t, window_ms, learn_only);
  bool changed = !before || before->first_seen != result.after.first_seen ||
                 before->last_seen != result.after.last_seen ||
                 before->expires_at != result.after.expires_at;
  if (changed) {
    StagePut(full_key, {}, EncodeRecord(result.after));
    if (!stored) ++live_;
    MaybeAutoCommit();
  }
  return result;
}

size_t RocksDbTermStore::Expire(TimeMs now) {
  if (now > watermark_->load()) {
    watermark_->store(now);
    PutMeta("watermark", IntValue(now));
  }
  uint64_t dropped = dropped_->load();
  size_t newly = static_cast<size_t>(dropped - dropped_reported_);
  dropped_reported_ = dropped;
  return newly;
}

size_t RocksDbTermStore::size() const {
  int64_t live = live_ - static_cast<int64_t>(dropped_->load() - dropped_accounted_);
  return live > 0 ? static_cast<size_t>(live) : 0;
}

size_t RocksDbTermStore::memory_bytes() const {
  uint64_t memtables = 0, readers = 0;
  db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &memtables);
  db_->GetIntProperty("rocksdb.estimate-table-readers-mem", &readers);
  return static_cast<size_t>(memtables + readers) + pending_bytes();
}

size_t RocksDbTermStore::pending_bytes() const { return pending_bytes_; }

void RocksDbTermStore::PutMeta(std::string_view name, std::string_view value) {
  StagePut(MetaKey(name), {}, value);
}

std::optional<std::string> RocksDbTermStore::GetMeta(std::string_view name) const {
  return Read(MetaKey(name));
}

bool RocksDbTermStore::Commit(bool sync, std::string* error) {
  uint64_t dropped = dropped_->load();
  live_ -= static_cast<int64_t>(dropped - dropped_accounted_);
  if (live_ < 0) live_ = 0;
  dropped_accounted_ = dropped;
  WaitFrozen();
  if (pending_.empty() && !sync) return true;
  PutMeta("live", IntValue(live_));
  // Each changed key once, with its newest value (the order of distinct
  // keys in one atomic batch does not matter).
  rocksdb::WriteBatch batch(pending_bytes_ + 16 * pending_.size());
  for (const auto& [key, value] : pending_) {
    if (value)
      batch.Put(key, *value);
    else
      batch.Delete(key);
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  rocksdb::Status s = db_->Write(write_options, &batch);
  if (!s.ok()) {
    *error = "state write failed in " + dir_ + ": " + s.ToString();
    return false;
  }
  pending_.clear();
  pending_bytes_ = 0;
  return true;
}

bool RocksDbTermStore::Sync(std::string* error) { return Commit(/*sync=*/true, error); }

std::shared_ptr<RocksDbTermStore::Frozen> RocksDbTermStore::Freeze() {
  {
    std::lock_guard<std::mutex> lock(frozen_mu_);
    while (!frozen_.empty() && frozen_.front()->done) frozen_.pop_front();
  }
  if (pending_.empty()) return nullptr;
  uint64_t dropped = dropped_->load();
  live_ -= static_cast<int64_t>(dropped - dropped_accounted_);
  if (live_ < 0) live_ = 0;
  dropped_accounted_ = dropped;
  PutMeta("live", IntValue(live_));
  auto batch = std::make_shared<Frozen>();
  batch->changes.swap(pending_);
  batch->bytes = pending_bytes_;
  pending_bytes_ = 0;
  std::lock_guard<std::mutex> lock(frozen_mu_);
  frozen_.push_back(batch);
  return batch;
}

bool RocksDbTermStore::CommitFrozen(const std::vector<Frozen*>& frozen, std::string_view meta_name,
                                    std::string_view meta_value, std::string* error) {
  size_t bytes = 0, count = 0;
  for (Frozen* f : frozen)
    if (f) bytes += f->bytes, count += f->changes.size();
  rocksdb::WriteBatch batch(bytes + 16 * count + 64);
  // Each key once, with its newest value (newest batch first), in key
  // order: RocksDB's memtable inserts keys that follow the previous one
  // from where that one went, and searches the whole skiplist for each key
  // that does not (random order made the insert most of a commit's CPU).
  using Entry = std::pair<std::string_view, const std::optional<std::string>*>;
  std::vector<Entry> entries;
  entries.reserve(count);
  if (frozen.size() == 1 && frozen[0]) {
    for (const auto& [key, value] : frozen[0]->changes) entries.emplace_back(key, &value);
  } else {
    std::unordered_set<std::string_view> seen;
    for (auto f = frozen.rbegin(); f != frozen.rend(); ++f)
      if (*f)
        for (const auto& [key, value] : (*f)->changes)
          if (seen.insert(key).second) entries.emplace_back(key, &value);
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.first < b.first; });
  for (const auto& [key, value] : entries) {
    rocksdb::Slice k(key.data(), key.size());
    if (*value)
      batch.Put(k, **value);
    else
      batch.Delete(k);
  }
  batch.Put(MetaKey(meta_name), rocksdb::Slice(meta_value.data(), meta_value.size()));
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  rocksdb::Status s = db_->Write(write_options, &batch);
  if (!s.ok()) *error = "state write failed in " + dir_ + ": " + s.ToString();
  if (s.ok()) committed_bytes_.fetch_add(batch.GetDataSize(), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(frozen_mu_);
    for (Frozen* f : frozen)
      if (f) f->done = true;
  }
  frozen_cv_.notify_all();
  return s.ok();
}

bool RocksDbTermStore::WriteMetaNow(std::string_view meta_name, std::string_view meta_value,
                                    std::string* error) {
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  rocksdb::Status s = db_->Put(write_options, MetaKey(meta_name),
                               rocksdb::Slice(meta_value.data(), meta_value.size()));
  if (!s.ok()) *error = "state write failed in " + dir_ + ": " + s.ToString();
  return s.ok();
}

void RocksDbTermStore::WaitFrozen() {
  std::unique_lock<std::mutex> lock(frozen_mu_);
  frozen_cv_.wait(lock, [&] {
    for (const auto& f : frozen_)
      if (!f->done) return false;
    return true;
  });
  frozen_.clear();
}

void RocksDbTermStore::CompactAll() {
  std::string ignored;
  Commit(/*sync=*/true, &ignored);
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  db_->CompactRange(options, nullptr, nullptr);
}

}  // namespace picket::state

#include "state/local_state.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "state/open_term_store.h"

namespace picket::state {

bool LocalState::OpenMemory(const std::string& snapshot, std::string* error) {
  memory_terms_ = std::make_unique<MemoryTermStore>();
  memory_records_ = std::make_unique<MemoryRecordStore>();
  terms_ = memory_terms_.get();
  records_ = memory_records_.get();
  snapshot_ = snapshot;
  if (snapshot.empty() || !std::filesystem::exists(snapshot)) return true;
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(snapshot.c_str(), "rb"), &std::fclose);
  if (!f) {
    *error = snapshot + ": cannot read: " + std::strerror(errno);
    return false;
  }
  if (!memory_terms_->LoadFrom(f.get(), snapshot, error)) return false;
  if (std::fgetc(f.get()) == EOF) return true;  // written before record sections existed
  std::fseek(f.get(), -1, SEEK_CUR);
  return memory_records_->LoadFrom(f.get(), snapshot, error);
}

bool LocalState::OpenDirectory(const std::string& dir, std::string* error) {
  rocksdb_ = OpenTermStore(dir, error);
  if (!rocksdb_) return false;
  terms_ = rocksdb_.get();
  records_ = rocksdb_->records();
  return true;
}

bool LocalState::Close(std::string* error) {
  if (rocksdb_) return rocksdb_->Sync(error);
  if (snapshot_.empty()) return true;
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(snapshot_.c_str(), "wb"), &std::fclose);
  if (!f) {
    *error = snapshot_ + ": cannot write: " + std::strerror(errno);
    return false;
  }
  if (!memory_terms_->SaveTo(f.get(), snapshot_, error) ||
      !memory_records_->SaveTo(f.get(), snapshot_, error))
    return false;
  if (std::fflush(f.get()) != 0) {
    *error = snapshot_ + ": write failed: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace picket::state

#include "state/open_term_store.h"

#include <filesystem>

namespace picket::state {

std::unique_ptr<RocksDbTermStore> OpenTermStore(const std::string& state_dir, std::string* error) {
  if (state_dir.empty()) {
    *error = "empty --state-dir";
    return nullptr;
  }
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    *error = "cannot create state directory " + state_dir + ": " + ec.message();
    return nullptr;
  }
  RocksDbOptions options;
  options.auto_commit_bytes = 64u << 20;
  return RocksDbTermStore::Open(state_dir, options, error);
}

}  // namespace picket::state

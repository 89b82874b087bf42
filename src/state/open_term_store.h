// The persistent first-seen store a command opens for --state-dir.
//
// OpenTermStore opens (creating if needed) the RocksDB store in `state_dir`
// with settings for batch runs (`picket run`): pending changes are committed
// every 64 MiB and on Sync()/destruction. `picket serve` opens the store
// itself with commits only at its sync points. The store's records() hold
// the other rule types' state in the same database.
#pragma once
#include <memory>
#include <string>

#include "state/rocksdb_store.h"

namespace picket::state {

std::unique_ptr<RocksDbTermStore> OpenTermStore(const std::string& state_dir, std::string* error);

}  // namespace picket::state

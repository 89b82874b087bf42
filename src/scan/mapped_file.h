// Read-only view of a whole file. Contract: Open() maps a regular file;
// untouched pages of a mapping are never read, so skipping tensor storage
// inside a large checkpoint costs nothing. Anything else (pipes, character
// devices such as /dev/zero, sockets) is read into memory, charged to the
// `budget`, and only until the budget's memory or deadline runs out: then
// incomplete() says why and bytes() holds what was read. bytes() stays
// valid for the object's lifetime.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/budget.h"

namespace picket::scan {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();  // gives the bytes it charged back to the budget
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  bool Open(const std::string& path, ResourceBudget* budget, std::string* error);
  std::string_view bytes() const { return view_; }
  const std::string& incomplete() const { return incomplete_; }

 private:
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::string fallback_;
  std::string_view view_;
  std::string incomplete_;
  uint64_t charged_ = 0;
  ResourceBudget* budget_ = nullptr;
};

}  // namespace picket::scan

// Read-only view of a whole file. Contract: Open() maps the file (falling
// back to reading it for non-mappable files such as pipes); bytes() stays
// valid for the object's lifetime. Untouched pages of a mapping are never
// read, so skipping tensor storage inside a large checkpoint costs nothing.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::scan {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  bool Open(const std::string& path, std::string* error);
  std::string_view bytes() const { return view_; }

 private:
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::string fallback_;
  std::string_view view_;
};

}  // namespace picket::scan

// Tar and 7z archives through libarchive (also tar wrapped in gzip/bzip2/xz,
// and compressed 7z). Contract: ForEachArchiveMember() calls `visit` with every
// member that can hold data -- regular files and members whose type is unknown
// (7z writers such as py7zr store no file-type bits; a loader that extracts
// them gets a file) -- with its name and bytes (at most `member_limit` bytes;
// `truncated` is set when the member is larger). Directories, links and device
// or FIFO entries carry no data and are only counted in *entries. It returns
// false with *error set when the archive cannot be read; members visited
// before the error stay visited. With a `budget`, a member's buffer is
// charged to it (a member that does not fit is `truncated`) and the deadline
// is honoured while reading (then false with *error saying so).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "scan/budget.h"

namespace picket::scan {

enum class ArchiveKind { kTar, kSevenZip };

struct ArchiveMember {
  std::string name;
  std::string_view data;
  bool truncated = false;
  bool encrypted = false;
};

bool ForEachArchiveMember(std::string_view bytes, ArchiveKind kind, uint64_t member_limit,
                          uint32_t max_members,
                          const std::function<void(const ArchiveMember&)>& visit, uint32_t* entries,
                          std::string* error, ResourceBudget* budget = nullptr);

}  // namespace picket::scan

// A relaxed ZIP reader that reads archives the way PyTorch's loader (miniz)
// does rather than the way Python's zipfile does.
//
// Contract: ReadZipDirectory() walks the central directory (ZIP64 aware) and
// locates each member's data through its local header. General-purpose flag
// bits, local/central name or flag mismatches and CRC errors do not stop it;
// they are returned as anomalies, because the loader ignores them too.
// Member bytes are views into the input (no copy for stored members).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/decompress.h"

namespace picket::scan {

struct ZipEntry {
  std::string name;        // central directory name (what the loader looks up)
  std::string local_name;  // name in the local header
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t header_offset = 0;
  uint64_t data_offset = 0;
  std::string_view data;        // compressed bytes
  bool data_missing = false;    // no local header where the directory says
  bool data_truncated = false;  // the member's bytes run past the end of the archive
  std::vector<std::string> anomalies;
};

struct ZipDirectory {
  std::vector<ZipEntry> entries;
  std::vector<std::string> anomalies;  // archive-level
  uint64_t prefix_bytes = 0;           // bytes before the first member (polyglot / SFX)
};

// True if `bytes` has an end-of-central-directory record.
bool HasZipDirectory(std::string_view bytes);

bool ReadZipDirectory(std::string_view bytes, uint32_t max_members, ZipDirectory* out,
                      std::string* error);

// Uncompressed bytes of an entry. For stored members *out_view points into the
// input and *storage is untouched; otherwise the data is inflated into
// *storage (at most `limit` bytes). Unsupported methods return kError.
DecompressStatus ReadZipEntry(const ZipEntry& entry, uint64_t limit, std::string_view* out_view,
                              std::string* storage, std::string* error);

uint32_t Crc32(std::string_view bytes);

}  // namespace picket::scan

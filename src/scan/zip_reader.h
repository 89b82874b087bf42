// A relaxed ZIP reader that reads archives the way the loaders do: PyTorch's
// PyTorchStreamReader over miniz, and Python's zipfile (numpy's .npz).
//
// Contract: ReadZipDirectories() finds the end-of-central-directory record
// as miniz does (the last signature with a full record after it, within
// 64 KiB + 22 bytes of the end), then reads every plausible central
// directory, each as one ZipDirectory:
//   * at the offset the end record gives, from the start of the file --
//     miniz 2.x, which PyTorch up to 2.0 (and Debian's 1.13) uses;
//   * ending where the end record (or the ZIP64 end record) starts, every
//     offset shifted by the bytes in front -- miniz 3.x (PyTorch >= 2.1) and
//     Python's zipfile, which allow a prefix (self-extracting, polyglot).
// When both are the same directory there is one reading. ZIP64 records are
// taken from where each reader takes them (the locator's offset for miniz
// 2.x; right before the locator for zipfile and miniz 3.x). Each member's
// data is found through its local header. Flag bits, local/central name or
// flag mismatches and CRC errors do not stop it; they are anomalies, because
// the loaders ignore them too. Member bytes are views into the input.
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
  std::string reader;  // which loaders read the archive this way
  std::vector<ZipEntry> entries;
  std::vector<std::string> anomalies;  // archive-level
  uint64_t prefix_bytes = 0;           // bytes before the archive (polyglot / SFX)
  uint64_t directory_offset = 0;       // where this central directory starts
};

// True if `bytes` has an end-of-central-directory record.
bool HasZipDirectory(std::string_view bytes);

// Every plausible reading (see above), the miniz 2.x one first when valid.
// False with *error when no central directory can be read at all.
bool ReadZipDirectories(std::string_view bytes, uint32_t max_members,
                        std::vector<ZipDirectory>* out, std::string* error);

// Uncompressed bytes of an entry. For stored members *out_view points into the
// input and *storage is untouched; otherwise the data is inflated into
// *storage (at most `limit` bytes). Unsupported methods return kError.
DecompressStatus ReadZipEntry(const ZipEntry& entry, uint64_t limit, std::string_view* out_view,
                              std::string* storage, std::string* error,
                              ChargedBytes* charge = nullptr);

uint32_t Crc32(std::string_view bytes);

}  // namespace picket::scan

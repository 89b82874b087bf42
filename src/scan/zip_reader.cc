// Relaxed ZIP reading; see zip_reader.h.
#include "scan/zip_reader.h"

#include <zlib.h>

#include <algorithm>

namespace picket::scan {
namespace {

uint64_t Le(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}

constexpr std::string_view kEocdSig("PK\x05\x06", 4);
constexpr std::string_view kZip64LocatorSig("PK\x06\x07", 4);
constexpr std::string_view kZip64EocdSig("PK\x06\x06", 4);
constexpr std::string_view kCentralSig("PK\x01\x02", 4);
constexpr std::string_view kLocalSig("PK\x03\x04", 4);

size_t FindEocd(std::string_view bytes) {
  if (bytes.size() < 22) return std::string_view::npos;
  size_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  for (size_t at = bytes.size() - 22 + 1; at-- > lowest;) {
    if (bytes.compare(at, 4, kEocdSig) == 0) return at;
  }
  return std::string_view::npos;
}

}  // namespace

uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left) {
    uInt n = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(p), n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

bool HasZipDirectory(std::string_view bytes) { return FindEocd(bytes) != std::string_view::npos; }

namespace {

// The classic or ZIP64 end record's directory fields.
struct EndRecord {
  uint64_t count = 0, size = 0, offset = 0;
  bool zip64 = false;
};

bool ReadZip64End(std::string_view bytes, uint64_t at, EndRecord* r) {
  if (at > bytes.size() || bytes.size() - at < 56 || bytes.compare(at, 4, kZip64EocdSig) != 0) {
    return false;
  }
  r->count = Le(bytes, at + 32, 8);
  r->size = Le(bytes, at + 40, 8);
  r->offset = Le(bytes, at + 48, 8);
  r->zip64 = true;
  return true;
}

// Reads `count` central directory entries at `at`; offsets are shifted by
// `shift` (the bytes in front of the archive).
bool ReadCentralDirectory(std::string_view bytes, uint64_t at, uint64_t count, uint64_t shift,
                          ZipDirectory* out, std::string* error) {
  for (uint64_t i = 0; i < count; ++i) {
    if (at > bytes.size() || bytes.size() - at < 46 || bytes.compare(at, 4, kCentralSig) != 0) {
      *error = "central directory entry " + std::to_string(i) + " is damaged";
      if (out->entries.empty()) return false;
      out->anomalies.push_back(*error);
      return true;
    }
    ZipEntry e;
    e.flags = Le(bytes, at + 8, 2);
    e.method = Le(bytes, at + 10, 2);
    e.crc = Le(bytes, at + 16, 4);
    e.compressed_size = Le(bytes, at + 20, 4);
    e.uncompressed_size = Le(bytes, at + 24, 4);
    uint64_t name_len = Le(bytes, at + 28, 2), extra_len = Le(bytes, at + 30, 2),
             comment_len = Le(bytes, at + 32, 2);
    e.header_offset = Le(bytes, at + 42, 4);
    if (at + 46 + name_len + extra_len + comment_len > bytes.size()) {
      *error = "central directory entry " + std::to_string(i) + " is truncated";
      return false;
    }
    e.name = std::string(bytes.substr(at + 46, name_len));
    // ZIP64 extra field: the 0xFFFFFFFF fields, in order.
    std::string_view extra = bytes.substr(at + 46 + name_len, extra_len);
    for (size_t x = 0; x + 4 <= extra.size();) {
      uint64_t id = Le(extra, x, 2), len = Le(extra, x + 2, 2);
      if (x + 4 + len > extra.size()) break;
      if (id == 1) {
        size_t f = x + 4;
        auto take = [&](uint64_t& field) {
          if (field == 0xFFFFFFFF && f + 8 <= x + 4 + len) {
            field = Le(extra, f, 8);
            f += 8;
          }
        };
        take(e.uncompressed_size);
        take(e.compressed_size);
        take(e.header_offset);
      }
      x += 4 + len;
    }
    e.header_offset += shift;
    at += 46 + name_len + extra_len + comment_len;

    uint64_t h = e.header_offset;
    if (h > bytes.size() || bytes.size() - h < 30 || bytes.compare(h, 4, kLocalSig) != 0) {
      e.anomalies.push_back("local header missing or damaged");
      e.data_missing = true;
      out->entries.push_back(std::move(e));
      continue;
    }
    uint16_t local_flags = Le(bytes, h + 6, 2);
    uint64_t lname = Le(bytes, h + 26, 2), lextra = Le(bytes, h + 28, 2);
    if (h + 30 + lname + lextra > bytes.size()) {
      e.anomalies.push_back("local header is truncated");
      e.data_missing = true;
      out->entries.push_back(std::move(e));
      continue;
    }
    e.local_name = std::string(bytes.substr(h + 30, lname));
    e.data_offset = h + 30 + lname + lextra;
    if (e.local_name != e.name) {
      e.anomalies.push_back("local header name '" + e.local_name +
                            "' differs from central directory name");
    }
    if (local_flags != e.flags) e.anomalies.push_back("local and central flag bits differ");
    if ((e.flags | local_flags) & 0x1) {
      e.anomalies.push_back("encryption flag bit set (the PyTorch loader ignores it)");
    }
    if ((e.flags | local_flags) & 0x60) {
      e.anomalies.push_back("flag bits 0x20/0x40 set (patched data / strong encryption)");
    }
    if (e.compressed_size > bytes.size() - std::min<uint64_t>(bytes.size(), e.data_offset)) {
      e.anomalies.push_back("member data runs past the end of the archive");
      e.data_truncated = true;
      e.data = bytes.substr(std::min<uint64_t>(e.data_offset, bytes.size()));
    } else {
      e.data = bytes.substr(e.data_offset, e.compressed_size);
    }
    out->entries.push_back(std::move(e));
  }
  return true;
}

}  // namespace

bool ReadZipDirectories(std::string_view bytes, uint32_t max_members,
                        std::vector<ZipDirectory>* out, std::string* error) {
  size_t eocd = FindEocd(bytes);
  if (eocd == std::string_view::npos) {
    *error = "no ZIP end-of-central-directory record";
    return false;
  }
  EndRecord classic;
  classic.count = Le(bytes, eocd + 10, 2);
  classic.size = Le(bytes, eocd + 12, 4);
  classic.offset = Le(bytes, eocd + 16, 4);
  // ZIP64: miniz 2.x follows the locator's offset; zipfile and miniz 3.x
  // read the record right before the locator.
  EndRecord by_locator = classic, before_locator = classic;
  bool has_locator = eocd >= 20 && bytes.compare(eocd - 20, 4, kZip64LocatorSig) == 0;
  std::vector<std::string> anomalies;
  if (has_locator) {
    bool a = ReadZip64End(bytes, Le(bytes, eocd - 20 + 8, 8), &by_locator);
    bool b = eocd >= 76 && ReadZip64End(bytes, eocd - 76, &before_locator);
    if (!b && a) before_locator = by_locator;
    if (!a && !b) anomalies.push_back("ZIP64 locator points at no ZIP64 end record");
  }
  struct Candidate {
    std::string reader;
    uint64_t directory, count, shift;
  };
  std::vector<Candidate> candidates;
  // miniz 2.x: offsets from the start of the file.
  candidates.push_back({"PyTorch < 2.1 (miniz 2)", by_locator.offset, by_locator.count, 0});
  // miniz 3.x / zipfile: the directory ends where the end records start.
  uint64_t end = before_locator.zip64 ? eocd - 76 : eocd;
  if (before_locator.size <= end && before_locator.offset <= end - before_locator.size) {
    uint64_t shift = end - before_locator.size - before_locator.offset;
    candidates.push_back({"PyTorch >= 2.1 (miniz 3) and Python zipfile",
                          before_locator.offset + shift, before_locator.count, shift});
  }
  std::string first_error;
  for (const Candidate& c : candidates) {
    bool same = false;
    for (ZipDirectory& d : *out) {
      if (d.directory_offset == c.directory && d.prefix_bytes == c.shift) {
        d.reader += ", " + c.reader;
        same = true;
      }
    }
    if (same) continue;
    if (c.count > max_members) {
      *error = "archive has more members than the limit (" + std::to_string(c.count) + ")";
      return false;
    }
    ZipDirectory dir;
    dir.reader = c.reader;
    dir.directory_offset = c.directory;
    dir.prefix_bytes = c.shift;
    dir.anomalies = anomalies;
    if (c.shift) {
      dir.anomalies.push_back("archive is preceded by " + std::to_string(c.shift) +
                              " bytes of other data");
    }
    std::string why;
    if (!ReadCentralDirectory(bytes, c.directory, c.count, c.shift, &dir, &why)) {
      if (first_error.empty()) first_error = why;
      continue;
    }
    out->push_back(std::move(dir));
  }
  if (out->empty()) {
    *error = first_error.empty() ? "no readable central directory" : first_error;
    return false;
  }
  return true;
}

DecompressStatus ReadZipEntry(const ZipEntry& entry, uint64_t limit, std::string_view* out_view,
                              std::string* storage, std::string* error, ChargedBytes* charge) {
  switch (entry.method) {
    case 0:
      *out_view = entry.data.substr(0, std::min<uint64_t>(entry.data.size(), limit));
      return entry.data.size() > limit ? DecompressStatus::kLimit : DecompressStatus::kOk;
    case 8: {
      DecompressStatus s =
          Decompress(Codec::kRawDeflate, entry.data, limit, storage, error, charge);
      *out_view = *storage;
      return s;
    }
    case 12: {
      DecompressStatus s = Decompress(Codec::kBzip2, entry.data, limit, storage, error, charge);
      *out_view = *storage;
      return s;
    }
    case 93: {
      DecompressStatus s = Decompress(Codec::kZstd, entry.data, limit, storage, error, charge);
      *out_view = *storage;
      return s;
    }
    default:
      *error = "unsupported ZIP compression method " + std::to_string(entry.method);
      return DecompressStatus::kError;
  }
}

}  // namespace picket::scan

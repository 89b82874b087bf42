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

bool ReadZipDirectory(std::string_view bytes, uint32_t max_members, ZipDirectory* out,
                      std::string* error) {
  size_t eocd = FindEocd(bytes);
  if (eocd == std::string_view::npos) {
    *error = "no ZIP end-of-central-directory record";
    return false;
  }
  uint64_t count = Le(bytes, eocd + 10, 2);
  uint64_t cd_size = Le(bytes, eocd + 12, 4);
  uint64_t cd_offset = Le(bytes, eocd + 16, 4);
  // ZIP64: the locator sits right before the classic record.
  if (eocd >= 20 && bytes.compare(eocd - 20, 4, kZip64LocatorSig) == 0) {
    uint64_t z64 = Le(bytes, eocd - 20 + 8, 8);
    if (z64 + 56 <= bytes.size() && bytes.compare(z64, 4, kZip64EocdSig) == 0) {
      count = Le(bytes, z64 + 32, 8);
      cd_size = Le(bytes, z64 + 40, 8);
      cd_offset = Le(bytes, z64 + 48, 8);
    } else {
      out->anomalies.push_back("ZIP64 locator points at no ZIP64 end record");
    }
  }
  // Data in front of the archive shifts every offset (self-extracting and
  // polyglot files); the central directory must end where the EOCD starts.
  if (cd_offset + cd_size != eocd && cd_size <= eocd) {
    uint64_t real = eocd - cd_size;
    if (real + 4 <= bytes.size() && bytes.compare(real, 4, kCentralSig) == 0) {
      out->prefix_bytes = real - std::min(real, cd_offset);
      out->anomalies.push_back("archive is preceded by " + std::to_string(out->prefix_bytes) +
                               " bytes of other data");
      cd_offset = real;
    }
  }
  if (count > max_members) {
    *error = "archive has more members than the limit (" + std::to_string(count) + ")";
    return false;
  }
  uint64_t at = cd_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (at + 46 > bytes.size() || bytes.compare(at, 4, kCentralSig) != 0) {
      *error = "central directory entry " + std::to_string(i) + " is damaged";
      return !out->entries.empty() ? (out->anomalies.push_back(*error), true) : false;
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
    e.header_offset += out->prefix_bytes;
    at += 46 + name_len + extra_len + comment_len;

    uint64_t h = e.header_offset;
    if (h + 30 > bytes.size() || bytes.compare(h, 4, kLocalSig) != 0) {
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

DecompressStatus ReadZipEntry(const ZipEntry& entry, uint64_t limit, std::string_view* out_view,
                              std::string* storage, std::string* error) {
  switch (entry.method) {
    case 0:
      *out_view = entry.data.substr(0, std::min<uint64_t>(entry.data.size(), limit));
      return entry.data.size() > limit ? DecompressStatus::kLimit : DecompressStatus::kOk;
    case 8: {
      DecompressStatus s = Decompress(Codec::kRawDeflate, entry.data, limit, storage, error);
      *out_view = *storage;
      return s;
    }
    case 12: {
      DecompressStatus s = Decompress(Codec::kBzip2, entry.data, limit, storage, error);
      *out_view = *storage;
      return s;
    }
    case 93: {
      DecompressStatus s = Decompress(Codec::kZstd, entry.data, limit, storage, error);
      *out_view = *storage;
      return s;
    }
    default:
      *error = "unsupported ZIP compression method " + std::to_string(entry.method);
      return DecompressStatus::kError;
  }
}

}  // namespace picket::scan

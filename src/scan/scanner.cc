// Format dispatch and container recursion; see scanner.h.
#include "scan/scanner.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "scan/archive_reader.h"
#include "scan/decompress.h"
#include "scan/mapped_file.h"
#include "scan/model_files.h"
#include "scan/npy.h"
#include "scan/pickle_vm.h"
#include "scan/sniff.h"
#include "scan/zip_reader.h"

namespace picket::scan {
namespace {

// torch.save's legacy format starts with a pickle of this number.
constexpr std::string_view kLegacyTorchMagic = "0x1950a86a20f9469cfc6c";
// Enough leading bytes to sniff any format and read a .npy header.
constexpr uint64_t kPeekBytes = 1 << 16;

std::string Child(const std::string& location, std::string_view name) {
  return location.empty() ? std::string(name) : location + "!" + std::string(name);
}

bool EndsWithAny(std::string_view s, std::initializer_list<std::string_view> suffixes) {
  for (std::string_view x : suffixes) {
    if (s.ends_with(x)) return true;
  }
  return false;
}

}  // namespace

struct Scanner::Context {
  FileReport* report;
  ResourceBudget* budget;
  uint64_t decompressed = 0;
  bool out_of_time = false;

  void AddFormat(std::string_view name) {
    auto& f = report->formats;
    if (std::find(f.begin(), f.end(), name) == f.end()) f.emplace_back(name);
  }
  void Add(Severity severity, std::string rule, std::string title, const std::string& location,
           uint64_t offset, std::string reason) {
    Finding f;
    f.severity = severity;
    f.rule_id = std::move(rule);
    f.title = std::move(title);
    f.location = location;
    f.offset = offset;
    f.reason = std::move(reason);
    report->findings.push_back(std::move(f));
  }
  // How much the next decompressed member may take: the per-file and
  // per-member decompression limits, and the memory budget.
  uint64_t Room(const ScanLimits& limits) const {
    uint64_t left =
        limits.max_decompressed_bytes - std::min(limits.max_decompressed_bytes, decompressed);
    return std::min({left, limits.max_member_bytes, budget->Available()});
  }
  // Why a decompression stopped short: the memory budget or a size limit.
  std::string LimitReason(const std::string& what) const {
    return budget->memory_exhausted() || budget->Available() == 0
               ? what + " does not fit in the memory budget (" + std::to_string(budget->limit()) +
                     " bytes, --max-memory); only its beginning was analysed"
               : what + " exceeds the decompression budget; only its beginning was analysed";
  }
};

bool Scanner::CheckBudget(Context& ctx, const std::string& location) const {
  if (ctx.out_of_time) return false;
  if (ctx.budget->Expired()) {
    ctx.out_of_time = true;
    ctx.Add(Severity::kInconclusive, "SCN300", "resource-limit", location, 0,
            "time budget for this file exhausted; the rest was not analysed");
    return false;
  }
  return true;
}

ResourceBudget::Clock::time_point Scanner::Deadline(ResourceBudget::Clock::time_point start) const {
  double seconds = std::clamp(limits_.max_seconds_per_file, 0.0, 1e9);
  return start + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

FileReport Scanner::ScanFile(const std::string& path) const {
  auto start = ResourceBudget::Clock::now();
  ResourceBudget budget(limits_.max_memory_bytes, Deadline(start));
  MappedFile file;
  std::string error;
  if (!file.Open(path, &budget, &error)) {
    FileReport report;
    report.path = path;
    report.error = error;
    report.error_rule = "SCN309";
    report.ComputeVerdict();
    return report;
  }
  FileReport report = Scan(file.bytes(), path, budget, start, file.incomplete());
  if (report.verdict == Verdict::kSkipped && HasModelExtension(path)) {
    // The name promises a model the loader would open; the content is none.
    report.error = "not a model file although the name says so: " + DescribeContent(file.bytes()) +
                   " (a failed or tampered download?)";
    report.error_rule = "SCN310";
    report.ComputeVerdict();
  }
  return report;
}

FileReport Scanner::ScanBytes(std::string_view bytes, const std::string& name) const {
  auto start = ResourceBudget::Clock::now();
  ResourceBudget budget(limits_.max_memory_bytes, Deadline(start));
  return Scan(bytes, name, budget, start, "");
}

FileReport Scanner::Scan(std::string_view bytes, const std::string& name, ResourceBudget& budget,
                         ResourceBudget::Clock::time_point start,
                         const std::string& incomplete) const {
  FileReport report;
  report.path = name;
  report.size = bytes.size();
  Context ctx;
  ctx.report = &report;
  ctx.budget = &budget;
  if (!incomplete.empty()) {
    ctx.Add(
        Severity::kInconclusive, "SCN300", "resource-limit", "", bytes.size(),
        incomplete + "; only the first " + std::to_string(bytes.size()) + " bytes were analysed");
  }
  ScanBlob(ctx, bytes, "", 0, false);
  report.seconds = std::chrono::duration<double>(ResourceBudget::Clock::now() - start).count();
  report.peak_memory = budget.peak();
  report.ComputeVerdict();
  return report;
}

void Scanner::ScanBlob(Context& ctx, std::string_view bytes, const std::string& location,
                       uint32_t depth, bool designated) const {
  if (!CheckBudget(ctx, location)) return;
  if (depth > limits_.max_nesting) {
    ctx.Add(Severity::kInconclusive, "SCN300", "resource-limit", location, 0,
            "nesting limit reached; this content was not analysed");
    return;
  }
  Format format = SniffFormat(bytes);
  switch (format) {
    case Format::kZip:
      return ScanZip(ctx, bytes, location, depth);
    case Format::kNpy:
      return ScanNpy(ctx, bytes, location, depth, designated);
    case Format::kSevenZip:
      return ScanArchive(ctx, bytes, location, depth, true);
    case Format::kTar:
      return ScanArchive(ctx, bytes, location, depth, false);
    case Format::kPickle:
    case Format::kPickleWeak:
      return ScanPickles(ctx, bytes, location, depth, designated, format == Format::kPickle);
    case Format::kUnknown:
      if (designated) {
        ctx.Add(Severity::kInconclusive, "SCN302", "unrecognised-content", location, 0,
                "content that a loader would unpickle is not a recognisable pickle");
      }
      return;
    default:
      return ScanCompressed(ctx, bytes, location, depth, static_cast<int>(format));
  }
}

void Scanner::ScanPickles(Context& ctx, std::string_view bytes, const std::string& location,
                          uint32_t depth, bool designated, bool strong) const {
  FileReport& report = *ctx.report;
  uint64_t pos = 0;
  bool legacy = false;
  bool resync = location.ends_with("storages") || location.ends_with("tensors");
  for (uint32_t index = 0; pos < bytes.size(); ++index) {
    if (index >= limits_.max_pickles_per_stream) {
      ctx.Add(Severity::kInconclusive, "SCN300", "resource-limit", location, pos,
              "too many stacked pickles; the rest was not analysed");
      return;
    }
    VmOptions options;
    options.nesting = depth;
    options.budget = ctx.budget;
    PickleResult r = SimulatePickle(bytes, pos, limits_, options);
    report.pickles++;
    report.opcodes += r.opcode_count;
    bool first = index == 0;
    // The first stream of a strong or designated blob, and the pickles torch's
    // legacy format is known to contain, are certainly unpickled by a loader.
    bool this_designated = first ? (designated || strong) : (legacy && index < 5);
    bool is_pickle = r.stopped || r.ReachedCode() || r.limit_hit;
    if (!is_pickle && !this_designated) {
      if (first) return;  // not a pickle at all
      if (resync) {
        // Legacy tar members interleave pickles with raw storage bytes whose
        // size only torch knows: look for the next protocol-2 header.
        size_t next = bytes.find(std::string_view("\x80\x02", 2), pos + 1);
        if (next != std::string_view::npos) {
          pos = next;
          continue;
        }
      }
      ctx.Add(Severity::kInfo, "PKL901", "trailing-data", location, pos,
              std::to_string(bytes.size() - pos) +
                  " bytes after the last pickle are not a pickle (loaders that read one "
                  "pickle ignore them)");
      return;
    }
    if (first) {
      report.recognised = true;
      ctx.AddFormat("pickle");
    }
    if (first && r.stopped && r.result_is_big_int && r.result_int_text == kLegacyTorchMagic) {
      legacy = true;
      ctx.AddFormat("pytorch-legacy");
    }
    if (r.used_joblib_arrays) ctx.AddFormat("joblib");
    if (!first && !legacy) {
      ctx.Add(Severity::kInfo, "PKL902", "stacked-pickle", location, pos,
              "another pickle follows the previous STOP (loaders that call load() repeatedly "
              "run it)");
    }
    PolicyContext pc{location, this_designated};
    policy_.Judge(r, pc, report.findings);
    for (const NestedPayload& n : r.nested) {
      ScanBlob(ctx, n.data, Child(location, n.loader + "@" + std::to_string(n.offset)), depth + 1,
               true);
    }
    if (!r.stopped) return;
    pos = r.end;
    if (legacy && index + 1 == 5) return;  // raw storage bytes follow
  }
  if (!designated && HasZipDirectory(bytes) && depth == 0) {
    ctx.Add(Severity::kInfo, "PKL903", "polyglot", location, 0,
            "the pickle is also a ZIP archive; scanning the archive too");
    ScanZip(ctx, bytes, location, depth);
  }
}

void Scanner::ScanNpy(Context& ctx, std::string_view bytes, const std::string& location,
                      uint32_t depth, bool designated) const {
  NpyHeader header;
  std::string error;
  ctx.AddFormat("npy");
  if (!ParseNpyHeader(bytes, &header, &error)) {
    ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", location, 0, error);
    return;
  }
  ctx.report->recognised = true;
  std::string body_location = Child(location, "npy-object-data");
  switch (header.body) {
    case NpyHeader::Body::kPlain:
      return;
    case NpyHeader::Body::kObject:
      // np.load(allow_pickle=True) unpickles the body of object arrays.
      ScanPickles(ctx, bytes.substr(header.data_offset), body_location, depth + 1, true, true);
      return;
    case NpyHeader::Body::kRefused:
      ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", location, 0,
              "numpy refuses this .npy header: " + header.why);
      break;
    case NpyHeader::Body::kUndecided:
      ctx.Add(Severity::kInconclusive, "SCN307", "undecidable-header", location, 0,
              "picket cannot tell whether numpy would unpickle this array: " + header.why);
      break;
  }
  // Whatever a pickle in the body holds still counts (malicious beats
  // inconclusive), though no loader is known to read it.
  ScanPickles(ctx, bytes.substr(header.data_offset), body_location, depth + 1, false, false);
}

void Scanner::ScanZip(Context& ctx, std::string_view bytes, const std::string& location,
                      uint32_t depth) const {
  std::vector<ZipDirectory> readings;
  std::string error;
  if (!ReadZipDirectories(bytes, limits_.max_members, &readings, &error)) {
    ctx.AddFormat("zip");
    ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", location, 0,
            "unreadable ZIP: " + error);
    return;
  }
  // Loaders that find different central directories load different members:
  // every reading is scanned, and the disagreement itself is suspicious.
  auto members = [](const ZipDirectory& d) {
    std::set<std::pair<std::string, uint64_t>> m;
    for (const ZipEntry& e : d.entries) m.emplace(e.name, e.data_offset);
    return m;
  };
  for (size_t i = 1; i < readings.size(); ++i) {
    if (members(readings[i]) == members(readings[0])) continue;
    ctx.Add(Severity::kSuspicious, "ZIP200", "zip-directories-disagree", location,
            readings[i].directory_offset,
            "two central directories: " + readings[0].reader + " reads " +
                std::to_string(readings[0].entries.size()) + " member(s) from offset " +
                std::to_string(readings[0].directory_offset) + ", " + readings[i].reader +
                " reads " + std::to_string(readings[i].entries.size()) + " from offset " +
                std::to_string(readings[i].directory_offset) + "; both were scanned");
  }
  std::set<std::pair<std::string, uint64_t>> scanned;
  for (const ZipDirectory& dir : readings)
    ScanZipReading(ctx, bytes, dir, location, depth, scanned);
}

void Scanner::ScanZipReading(Context& ctx, std::string_view bytes, const ZipDirectory& dir,
                             const std::string& location, uint32_t depth,
                             std::set<std::pair<std::string, uint64_t>>& scanned) const {
  // Duplicate names: which one a loader picks depends on its lookup (miniz
  // binary-searches a sorted index); overlapping data is never written by a
  // ZIP writer. Both are scanned, and suspicious.
  std::map<std::string, int> names;
  for (const ZipEntry& e : dir.entries) names[e.name]++;
  for (const auto& [name, n] : names) {
    if (n > 1) {
      ctx.Add(Severity::kSuspicious, "ZIP201", "zip-duplicate-member", Child(location, name), 0,
              std::to_string(n) +
                  " members have this name; loaders pick one of them, picket "
                  "scanned all");
    }
  }
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (const ZipEntry& e : dir.entries) {
    if (!e.data_missing) spans.emplace_back(e.header_offset, e.data_offset + e.data.size());
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first < spans[i - 1].second) {
      ctx.Add(Severity::kSuspicious, "ZIP202", "zip-overlapping-members", location, spans[i].first,
              "members share bytes (a local header at " + std::to_string(spans[i].first) +
                  " lies inside another member); every member was scanned");
      break;
    }
  }
  std::string torch_root;
  bool all_npy = !dir.entries.empty();
  for (const ZipEntry& e : dir.entries) {
    if (e.name.ends_with("data.pkl") && torch_root.empty()) {
      torch_root = e.name.substr(0, e.name.size() - 8);
    }
    if (!e.name.ends_with(".npy")) all_npy = false;
  }
  bool torch = !dir.entries.empty() && (!torch_root.empty() || [&] {
    for (const ZipEntry& e : dir.entries) {
      if (e.name.ends_with("/version") || e.name.ends_with(".data/version")) return true;
    }
    return false;
  }());
  ctx.AddFormat(torch ? "pytorch-zip" : all_npy ? "npz" : "zip");
  if (dir.entries.empty()) {
    ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", location, 0,
            "the ZIP archive holds no members");
    return;
  }
  if (torch) ctx.report->recognised = true;
  for (const std::string& a : dir.anomalies) {
    ctx.Add(Severity::kInfo, "ZIP900", "zip-anomaly", location, 0, a);
  }
  std::string storage_prefix = torch_root + "data/";
  for (const ZipEntry& e : dir.entries) {
    if (!CheckBudget(ctx, location)) return;
    if (!scanned.emplace(e.name, e.data_offset).second) continue;  // same member, other reading
    std::string member = Child(location, e.name);
    for (const std::string& a : e.anomalies) {
      ctx.Add(Severity::kInfo, "ZIP900", "zip-anomaly", member, e.header_offset, a);
    }
    if (e.name.ends_with("/") && e.compressed_size == 0) continue;  // directory
    if (e.data_missing) {
      ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", member, e.header_offset,
              "the member's data cannot be located (no local header where the directory says)");
      continue;
    }
    if (e.data_truncated) {
      ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", member, e.header_offset,
              "the member's data runs past the end of the archive; only the readable part was "
              "analysed");
    }
    bool storage = torch && e.name.starts_with(storage_prefix);
    bool designated = EndsWithAny(e.name, {".pkl", ".pickle", ".joblib"});
    // Peek first: tensor storage and numeric .npy members need no full read.
    std::string peek_storage, peek_error;
    std::string_view peek;
    DecompressStatus ps = ReadZipEntry(e, kPeekBytes, &peek, &peek_storage, &peek_error);
    if (ps == DecompressStatus::kError && peek.empty()) {
      ctx.Add(Severity::kInconclusive, "SCN304", "unreadable-member", member, e.header_offset,
              peek_error);
      continue;
    }
    Format format = SniffFormat(peek);
    if (storage && format != Format::kPickle) continue;  // raw tensor bytes
    if (format == Format::kUnknown && !designated) continue;
    if (format == Format::kNpy) {
      NpyHeader header;
      std::string npy_error;
      if (ParseNpyHeader(peek, &header, &npy_error) && header.body == NpyHeader::Body::kPlain) {
        ctx.AddFormat("npy");
        ctx.report->recognised = true;
        continue;
      }
    }
    std::string storage_bytes, read_error;
    std::string_view data;
    uint64_t room = ctx.Room(limits_);
    ChargedBytes charge(ctx.budget);
    DecompressStatus status = ReadZipEntry(e, room, &data, &storage_bytes, &read_error, &charge);
    if (e.method != 0) ctx.decompressed += data.size();
    if (status == DecompressStatus::kLimit) {
      ctx.Add(Severity::kInconclusive, "SCN300", "resource-limit", member, e.header_offset,
              ctx.LimitReason("the member"));
    } else if (status == DecompressStatus::kTimeout) {
      CheckBudget(ctx, member);
      return;
    } else if (status == DecompressStatus::kError) {
      ctx.Add(Severity::kInconclusive, "SCN304", "unreadable-member", member, e.header_offset,
              read_error + "; only the readable part was analysed");
    } else if (Crc32(data) != e.crc) {
      ctx.Add(Severity::kInfo, "ZIP901", "zip-crc-mismatch", member, e.header_offset,
              "CRC-32 does not match (PyTorch's reader does not check it)");
    }
    ScanBlob(ctx, data, member, depth + 1,
             designated || (torch && e.name == torch_root + "data.pkl"));
  }
}

void Scanner::ScanArchive(Context& ctx, std::string_view bytes, const std::string& location,
                          uint32_t depth, bool seven_zip) const {
  ctx.AddFormat(seven_zip ? "7z" : "tar");
  std::string error;
  std::vector<std::string> names;
  uint32_t entries = 0;
  bool ok = ForEachArchiveMember(
      bytes, seven_zip ? ArchiveKind::kSevenZip : ArchiveKind::kTar, ctx.Room(limits_),
      limits_.max_members,
      [&](const ArchiveMember& m) {
        std::string member = Child(location, m.name);
        names.push_back(m.name);
        ctx.decompressed += m.data.size();
        if (m.encrypted) {
          ctx.Add(Severity::kInconclusive, "SCN305", "encrypted-member", member, 0,
                  "encrypted member cannot be inspected");
          return;
        }
        if (m.truncated) {
          ctx.Add(Severity::kInconclusive, "SCN300", "resource-limit", member, 0,
                  ctx.LimitReason("the member"));
        }
        bool legacy_member = m.name == "pickle" || m.name == "storages" || m.name == "tensors";
        ScanBlob(ctx, m.data, member, depth + 1,
                 legacy_member || EndsWithAny(m.name, {".pkl", ".pickle", ".joblib"}));
      },
      &entries, &error, ctx.budget);
  bool has = [&](std::string_view n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  }("pickle");
  if (!seven_zip && has) {
    ctx.AddFormat("pytorch-legacy-tar");
    ctx.report->recognised = true;
  }
  if (!ok && ctx.budget->Expired()) {
    CheckBudget(ctx, location);
  } else if (!ok) {
    ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", location, 0, error);
  } else if (names.empty()) {
    // Nothing could be read: an empty archive is no evidence of a clean model.
    ctx.Add(Severity::kInconclusive, "SCN303", "malformed-container", location, 0,
            entries ? "the archive holds no member with data" : "the archive holds no members");
  }
}

void Scanner::ScanCompressed(Context& ctx, std::string_view bytes, const std::string& location,
                             uint32_t depth, int format_int) const {
  Format format = static_cast<Format>(format_int);
  Codec codec;
  std::string_view input = bytes;
  switch (format) {
    case Format::kGzip:
      codec = Codec::kGzip;
      break;
    case Format::kBzip2:
      codec = Codec::kBzip2;
      break;
    case Format::kXz:
      codec = Codec::kXz;
      break;
    case Format::kLzmaAlone:
      codec = Codec::kLzmaAlone;
      break;
    case Format::kLz4:
      codec = Codec::kLz4Frame;
      break;
    case Format::kZstd:
      codec = Codec::kZstd;
      break;
    case Format::kZlib:
      codec = Codec::kZlib;
      break;
    case Format::kJoblibZlibLegacy: {
      // "ZF" + padded hex length, then a zlib stream.
      codec = Codec::kZlib;
      size_t at = 2;
      while (at + 1 < bytes.size() && at < 64 &&
             !(static_cast<uint8_t>(bytes[at]) == 0x78 &&
               ((0x78 << 8) | static_cast<uint8_t>(bytes[at + 1])) % 31 == 0)) {
        ++at;
      }
      input = bytes.substr(std::min<size_t>(at, bytes.size()));
      break;
    }
    default:
      return;
  }
  std::string out, error;
  ChargedBytes charge(ctx.budget);
  DecompressStatus status = Decompress(codec, input, ctx.Room(limits_), &out, &error, &charge);
  ctx.decompressed += out.size();
  if (status == DecompressStatus::kTimeout) {
    CheckBudget(ctx, location);
    return;
  }
  ctx.AddFormat(FormatName(format));
  if (status == DecompressStatus::kError && out.empty()) {
    // Magic bytes alone prove nothing: a failing stream is not a model.
    if (format == Format::kZlib || format == Format::kLzmaAlone) return;
    ctx.Add(Severity::kInconclusive, "SCN304", "unreadable-member", location, 0,
            std::string(CodecName(codec)) + " data cannot be decompressed: " + error);
    return;
  }
  if (status == DecompressStatus::kLimit) {
    ctx.Add(Severity::kInconclusive, "SCN300", "resource-limit", location, 0,
            ctx.LimitReason("the decompressed " + std::string(CodecName(codec)) + " stream"));
  } else if (status == DecompressStatus::kError) {
    ctx.Add(Severity::kInconclusive, "SCN304", "unreadable-member", location, 0,
            std::string(CodecName(codec)) + " stream is damaged (" + error +
                "); the readable part was analysed");
  }
  ScanBlob(ctx, out, Child(location, "[" + std::string(CodecName(codec)) + "]"), depth + 1, false);
}

std::vector<std::string> Scanner::ExpandPaths(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::symlink_status(p, ec);
    if (!ec && fs::is_directory(st)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator
               it(p, fs::directory_options::skip_permission_denied, ec),
           end;
           !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (it->is_regular_file(ec2) && !it->is_symlink(ec2)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  return files;
}

}  // namespace picket::scan

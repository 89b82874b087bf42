// libarchive-backed reading of tar and 7z; see archive_reader.h.
#include "scan/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace picket::scan {

bool ForEachArchiveMember(std::string_view bytes, ArchiveKind kind, uint64_t member_limit,
                          uint32_t max_members,
                          const std::function<void(const ArchiveMember&)>& visit, uint32_t* entries,
                          std::string* error, ResourceBudget* budget) {
  *entries = 0;
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  if (!a) {
    *error = "libarchive: out of memory";
    return false;
  }
  archive_read_support_filter_all(a.get());
  if (kind == ArchiveKind::kTar) {
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
  } else {
    archive_read_support_format_7zip(a.get());
  }
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    *error = std::string("cannot open archive: ") + archive_error_string(a.get());
    return false;
  }
  uint32_t members = 0;
  std::string buffer;
  ChargedBytes charge(budget);
  uint64_t chunks = 0;
  while (true) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) return true;
    if (rc < ARCHIVE_WARN) {
      const char* why = archive_error_string(a.get());
      *error = std::string("archive is damaged: ") + (why ? why : "unknown error");
      return false;
    }
    if (++members > max_members) {
      *error = "archive has more members than the limit";
      return false;
    }
    ++*entries;
    // Only entries that certainly carry no data are passed over; an unknown
    // type (0) is extracted as a file by 7-Zip, py7zr and bsdtar alike.
    switch (archive_entry_filetype(entry)) {
      case AE_IFDIR:
      case AE_IFLNK:
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
      case AE_IFSOCK:
        continue;
      default:
        break;
    }
    if (archive_entry_hardlink(entry) != nullptr && archive_entry_size(entry) == 0) continue;
    ArchiveMember m;
    const char* name = archive_entry_pathname(entry);
    m.name = name ? name : "";
    m.encrypted = archive_entry_is_encrypted(entry);
    buffer.clear();
    char chunk[1 << 16];
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), chunk, sizeof chunk);
      if (n < 0) {
        const char* why = archive_error_string(a.get());
        *error = "cannot read member " + m.name + ": " + (why ? why : "unknown error");
        m.data = buffer;
        visit(m);
        return false;
      }
      if (n == 0) break;
      if (budget && (++chunks & 15) == 0 && budget->Expired()) {
        *error = "time budget exhausted while reading member " + m.name;
        return false;
      }
      uint64_t limit = member_limit;
      if (budget) limit = std::min<uint64_t>(limit, buffer.size() + budget->Available());
      uint64_t room = limit - std::min<uint64_t>(limit, buffer.size());
      bool fits = static_cast<uint64_t>(n) <= room;
      buffer.append(chunk, fits ? n : room);
      charge.GrowTo(buffer.capacity());
      if (!fits) {
        m.truncated = true;
        break;
      }
    }
    m.data = buffer;
    visit(m);
  }
}

}  // namespace picket::scan

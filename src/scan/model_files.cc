// See model_files.h.
#include "scan/model_files.h"

#include <algorithm>
#include <cctype>

namespace picket::scan {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

}  // namespace

bool HasModelExtension(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string name = Lower(slash == std::string_view::npos ? path : path.substr(slash + 1));
  static constexpr std::string_view kCompressed[] = {".gz",  ".bz2", ".xz", ".lzma",
                                                     ".zst", ".lz4", ".z"};
  for (std::string_view c : kCompressed) {
    if (EndsWith(name, c) && name.size() > c.size()) {
      name.resize(name.size() - c.size());
      break;
    }
  }
  static constexpr std::string_view kModel[] = {".pt",  ".pth",    ".bin",    ".ckpt",
                                                ".pkl", ".pickle", ".joblib", ".npy",
                                                ".npz", ".sav",    ".dill"};
  for (std::string_view ext : kModel) {
    if (EndsWith(name, ext) && name.size() > ext.size()) return true;
  }
  return false;
}

std::string DescribeContent(std::string_view b) {
  if (b.empty()) return "the file is empty";
  std::string_view t = b;
  if (t.starts_with("\xEF\xBB\xBF")) t.remove_prefix(3);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  std::string head = Lower(t.substr(0, 64));
  if (head.starts_with("<!doctype html") || head.starts_with("<html") ||
      head.starts_with("<head") || head.starts_with("<body")) {
    return "the content is an HTML page";
  }
  if (head.starts_with("<?xml") || head.starts_with("<")) return "the content is XML or markup";
  if (b.starts_with("\x89PNG")) return "the content is a PNG image";
  if (b.starts_with("\xFF\xD8\xFF")) return "the content is a JPEG image";
  if (b.starts_with("GIF8")) return "the content is a GIF image";
  if (b.starts_with("%PDF")) return "the content is a PDF document";
  if (b.starts_with("PK")) return "the content is a ZIP archive holding no model";
  if (head.starts_with("version https://git-lfs")) {
    return "the content is a Git LFS pointer, not the model it points to";
  }
  if (!head.empty() && (head[0] == '{' || head[0] == '[')) return "the content is JSON or text";
  size_t printable = 0, n = std::min<size_t>(b.size(), 4096);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = b[i];
    if (c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7F) || c >= 0x80) ++printable;
  }
  if (printable == n) return "the content is text";
  return "the content is no format picket recognises";
}

}  // namespace picket::scan

// NumPy .npy header parsing (format versions 1.0, 2.0 and 3.0).
// Contract: ParseNpyHeader() reads the magic, version and header dict. It
// reports the descr text, whether the dtype holds Python objects (then the
// array body is a pickle that np.load(allow_pickle=True) unpickles), and
// where the body starts. It never reads past `bytes`.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::scan {

struct NpyHeader {
  int major = 0, minor = 0;
  std::string descr;        // as written ('<f8', "[('a', '|O')]", ...)
  bool has_object = false;  // object dtype, or a structured dtype with object fields
  bool descr_understood = false;
  uint64_t data_offset = 0;
};

bool LooksLikeNpy(std::string_view bytes);
bool ParseNpyHeader(std::string_view bytes, NpyHeader* out, std::string* error);

}  // namespace picket::scan

// NumPy .npy headers, decided the way numpy.lib.format reads them.
//
// Contract: ParseNpyHeader() returns false only when the bytes do not hold a
// complete magic + version + header (not a .npy, or cut short). Otherwise it
// says what numpy.load would do with the body: kObject -- the dtype holds
// Python objects, so np.load(allow_pickle=True) unpickles the body; kPlain --
// raw array data; kRefused -- every numpy version refuses the header (wrong
// version, not a dict literal, wrong keys, bad shape/fortran_order, invalid
// dtype); kUndecided -- picket cannot be certain (header over the size budget,
// a spelling outside its tables). The header is decoded (latin-1 for versions
// 1.0 and 2.0, UTF-8 for 3.0) and evaluated as a Python literal with
// ast.literal_eval's rules (py_literal.h): duplicate keys keep the last value,
// escapes and implicit concatenation apply, and for 1.0/2.0 headers the
// Python 2 `L` suffix is dropped when the plain parse fails, as numpy's
// _filter_header fallback does. The dtype is decided by numpy_dtype.h. It
// never reads past `bytes`.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace picket::scan {

struct NpyHeader {
  enum class Body { kPlain, kObject, kRefused, kUndecided };
  int major = 0, minor = 0;
  uint64_t data_offset = 0;  // where the array body starts
  Body body = Body::kUndecided;
  std::string descr;  // repr of the header's descr value (for messages)
  std::string why;    // what decided kObject / kRefused / kUndecided
};

bool LooksLikeNpy(std::string_view bytes);
bool ParseNpyHeader(std::string_view bytes, NpyHeader* out, std::string* error,
                    uint64_t max_literal_nodes = 1'000'000);

}  // namespace picket::scan

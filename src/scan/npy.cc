// See npy.h. Follows numpy/lib/format.py: read_magic, _check_version,
// _read_array_header (with _filter_header) and descr_to_dtype.
#include "scan/npy.h"

#include "scan/numpy_dtype.h"
#include "scan/py_literal.h"

namespace picket::scan {
namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);

std::string Latin1ToUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Python's strict UTF-8 decoder: no overlongs, no surrogates, <= U+10FFFF.
bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = s[i + k];
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

bool LooksLikeNpy(std::string_view bytes) { return bytes.starts_with(kMagic); }

bool ParseNpyHeader(std::string_view bytes, NpyHeader* out, std::string* error,
                    uint64_t max_literal_nodes) {
  if (!LooksLikeNpy(bytes) || bytes.size() < 8) {
    *error = "not a .npy file";
    return false;
  }
  out->major = static_cast<uint8_t>(bytes[6]);
  out->minor = static_cast<uint8_t>(bytes[7]);
  auto refuse = [&](NpyHeader::Body body, std::string why) {
    out->body = body;
    out->why = std::move(why);
    return true;
  };
  bool known = out->minor == 0 && out->major >= 1 && out->major <= 3;
  if (!known) {
    out->data_offset = 8;
    return refuse(NpyHeader::Body::kRefused,
                  "numpy reads format versions 1.0, 2.0 and 3.0 only, not " +
                      std::to_string(out->major) + "." + std::to_string(out->minor));
  }
  size_t len_bytes = out->major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) {
    *error = ".npy header is truncated";
    return false;
  }
  uint64_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i) {
    header_len |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
  }
  uint64_t start = 8 + len_bytes;
  if (header_len > bytes.size() - start) {
    *error = ".npy header is truncated";
    return false;
  }
  out->data_offset = start + header_len;
  std::string_view raw = bytes.substr(start, header_len);
  std::string source;
  if (out->major == 3) {
    if (!ValidUtf8(raw)) return refuse(NpyHeader::Body::kRefused, "header is not valid UTF-8");
    source.assign(raw);
  } else {
    source = Latin1ToUtf8(raw);
  }
  LiteralOptions options;
  options.max_nodes = max_literal_nodes;
  LiteralResult r = ParsePythonLiteral(source, options);
  if (r.status == LiteralResult::kInvalid && out->major <= 2) {
    // numpy tries the header as written, then (for headers old numpy may
    // have written under Python 2) again without `L` long suffixes.
    options.strip_long_suffix = true;
    LiteralResult filtered = ParsePythonLiteral(source, options);
    if (filtered.status != LiteralResult::kInvalid) r = std::move(filtered);
  }
  // An \N{...} name picket could not decode might have been ASCII: then it
  // cannot say that numpy refuses the header.
  NpyHeader::Body refused = r.approximate ? NpyHeader::Body::kUndecided : NpyHeader::Body::kRefused;
  if (r.status == LiteralResult::kLimit) {
    return refuse(NpyHeader::Body::kUndecided, "header is too large to evaluate (" + r.error + ")");
  }
  if (r.status != LiteralResult::kOk) {
    return refuse(refused, "header is not a Python literal: " + r.error + " at byte " +
                               std::to_string(r.offset));
  }
  const PyValue& d = r.value;
  if (d.kind != PyValue::kDict) return refuse(refused, "header is not a dictionary");
  const PyValue* descr = d.Get("descr");
  const PyValue* fortran = d.Get("fortran_order");
  const PyValue* shape = d.Get("shape");
  if (d.size() != 3 || !descr || !fortran || !shape) {
    return refuse(refused, "header keys are not exactly descr, fortran_order and shape");
  }
  out->descr = PyRepr(*descr);
  bool shape_ok = shape->kind == PyValue::kTuple;
  for (const PyValue& x : shape->items) shape_ok = shape_ok && x.IsIntLike();
  if (!shape_ok) return refuse(refused, "shape is not a tuple of ints");
  if (fortran->kind != PyValue::kBool) return refuse(refused, "fortran_order is not a bool");
  DtypeInfo dtype = DtypeFromDescr(*descr);
  switch (dtype.status) {
    case DtypeInfo::kObject:
      return refuse(NpyHeader::Body::kObject, dtype.why);
    case DtypeInfo::kPlain:
      out->body = NpyHeader::Body::kPlain;
      return true;
    case DtypeInfo::kError:
      return refuse(refused, "numpy refuses dtype " + out->descr + ": " + dtype.why);
    case DtypeInfo::kUndecided:
      return refuse(NpyHeader::Body::kUndecided, "dtype " + out->descr + ": " + dtype.why);
  }
  return true;
}

}  // namespace picket::scan

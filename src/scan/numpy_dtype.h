// What numpy.dtype() makes of a dtype spelling: does it hold Python objects
// (then numpy.load and joblib.load unpickle the array body), and how wide is
// an element. Followed from numpy's _convert_from_str, _check_for_commastring,
// PyArray_TypestrConvert and _internal._commastring (numpy 1.24 as shipped by
// Debian, and numpy 2.x), and numpy.lib.format.descr_to_dtype.
//
// Contract: the answer is kObject when any numpy version would build a dtype
// with objects (`hasobject`: 'O', 'O8', 'O+8', 'object_', 'object0', 'f8,O',
// '(2,)O', a structured or subarray descr with an object field, numpy 2's 'T'
// StringDType); kPlain (with `itemsize` for fixed-size types) when every
// version builds one without; kError when numpy refuses it; kUndecided when
// picket cannot tell with certainty (spellings outside its tables, sets,
// characters picket could not decode). Callers must treat kError and
// kUndecided as "cannot vouch for this file", never as clean. Never throws;
// recursion is bounded.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/py_literal.h"

namespace picket::scan {

struct DtypeInfo {
  enum Status { kPlain, kObject, kError, kUndecided } status = kUndecided;
  int64_t itemsize = -1;  // kPlain fixed-size types; -1 when it depends (S/U/V, structured)
  bool flexible = false;  // S, U, V or structured: a pickled dtype takes elsize from its state
  // Certainly of type numpy.void without field names (V<n>, a subarray):
  // descr_to_dtype drops such a field when its name is '' (padding).
  bool unnamed_void = false;
  std::string why;  // for messages: what decided it
};

// numpy.dtype(s) for a str argument.
DtypeInfo DtypeFromString(std::string_view s);

// numpy.lib.format.descr_to_dtype(descr) for a value parsed from a .npy header.
DtypeInfo DtypeFromDescr(const PyValue& descr);

}  // namespace picket::scan

// numpy dtype spellings; see numpy_dtype.h. Each step names the numpy code it
// follows (numpy/_core/src/multiarray/descriptor.c unless said otherwise).
#include "scan/numpy_dtype.h"

#include <cctype>
#include <climits>
#include <cstring>

namespace picket::scan {
namespace {

constexpr int kMaxDepth = 64;

DtypeInfo Plain(int64_t itemsize, bool flexible = false) {
  DtypeInfo d;
  d.status = DtypeInfo::kPlain;
  d.itemsize = flexible ? -1 : itemsize;
  d.flexible = flexible;
  return d;
}
DtypeInfo Make(DtypeInfo::Status status, std::string why) {
  DtypeInfo d;
  d.status = status;
  d.why = std::move(why);
  return d;
}
DtypeInfo Object(std::string why) { return Make(DtypeInfo::kObject, std::move(why)); }
DtypeInfo Error(std::string why) { return Make(DtypeInfo::kError, std::move(why)); }
DtypeInfo Undecided(std::string why) { return Make(DtypeInfo::kUndecided, std::move(why)); }

// Several parts make one dtype (fields, commastring items), converted one
// after the other: a part numpy refuses makes the whole dtype fail, whatever
// the others hold; then doubt; then objects.
DtypeInfo Combine(const DtypeInfo& a, const DtypeInfo& b) {
  auto rank = [](DtypeInfo::Status s) {
    return s == DtypeInfo::kError       ? 3
           : s == DtypeInfo::kUndecided ? 2
           : s == DtypeInfo::kObject    ? 1
                                        : 0;
  };
  if (rank(a.status) >= rank(b.status) && a.status != DtypeInfo::kPlain) return a;
  if (b.status != DtypeInfo::kPlain) return b;
  DtypeInfo d = Plain(-1, true);  // structured: elsize is the sum, known from the state
  return d;
}

// numpy.sctypeDict names that numpy 1.24 accepts (numpy 2 accepts a subset of
// them plus the same object names). Element size, or 0 for flexible types.
struct TypeName {
  std::string_view name;
  int size;  // 0: flexible (S/U/V)
};
constexpr TypeName kPlainNames[] = {
    {"bool", 1},         {"bool8", 1},         {"bool_", 1},        {"b1", 1},
    {"byte", 1},         {"ubyte", 1},         {"short", 2},        {"ushort", 2},
    {"intc", 4},         {"uintc", 4},         {"int", 8},          {"uint", 8},
    {"int_", 8},         {"int0", 8},          {"uint0", 8},        {"intp", 8},
    {"uintp", 8},        {"long", 8},          {"ulong", 8},        {"longlong", 8},
    {"ulonglong", 8},    {"int8", 1},          {"int16", 2},        {"int32", 4},
    {"int64", 8},        {"uint8", 1},         {"uint16", 2},       {"uint32", 4},
    {"uint64", 8},       {"half", 2},          {"single", 4},       {"float", 8},
    {"double", 8},       {"float_", 8},        {"longdouble", 16},  {"longfloat", 16},
    {"float16", 2},      {"float32", 4},       {"float64", 8},      {"float128", 16},
    {"csingle", 8},      {"singlecomplex", 8}, {"complex", 16},     {"cfloat", 16},
    {"cdouble", 16},     {"complex_", 16},     {"clongdouble", 32}, {"clongfloat", 32},
    {"longcomplex", 32}, {"complex64", 8},     {"complex128", 16},  {"complex256", 32},
    {"datetime64", 8},   {"timedelta64", 8},   {"M8", 8},           {"m8", 8},
    {"str", 0},          {"str_", 0},          {"str0", 0},         {"unicode", 0},
    {"unicode_", 0},     {"bytes", 0},         {"bytes_", 0},       {"bytes0", 0},
    {"string_", 0},      {"void", 0},          {"void0", 0},
};
constexpr std::string_view kObjectNames[] = {"O", "object", "object_", "object0"};

// A one-character type code (PyArray_DescrFromType of the character). Its
// argument is a type number as well as a letter: characters 0-23 are the
// legacy type numbers (17 is NPY_OBJECT, so '\x11' spells an object array).
DtypeInfo FromTypeChar(char c) {
  static constexpr int kTypeNumberSize[] = {1, 1,  1, 2,  2,  4,  4, 8, 8, 8, 8, 4,
                                            8, 16, 8, 16, 32, -1, 0, 0, 0, 8, 8, 2};
  unsigned char u = static_cast<unsigned char>(c);
  if (u < 24) {
    if (u == 17) return Object("type number 17 (NPY_OBJECT) as a one-character dtype string");
    int size = kTypeNumberSize[u];
    return size == 0 ? Plain(0, true) : Plain(size);
  }
  if (u == 26) return Plain(1);  // legacy NPY_CHAR: 'S1'
  switch (c) {
    case 'O':
      return Object("type code 'O'");
    case 'T':  // numpy 2 StringDType: NPY_ITEM_REFCOUNT, i.e. hasobject
      return Object("type code 'T' (numpy 2 StringDType holds references)");
    case '?':
    case 'b':
    case 'B':
    case 'c':  // 'S1'
      return Plain(1);
    case 'h':
    case 'H':
    case 'e':
      return Plain(2);
    case 'i':
    case 'I':
    case 'f':
      return Plain(4);
    case 'l':
    case 'L':
    case 'q':
    case 'Q':
    case 'd':
    case 'F':
    case 'p':
    case 'P':
    case 'n':
    case 'N':
    case 'M':
    case 'm':
      return Plain(8);
    case 'g':
    case 'D':
      return Plain(16);
    case 'G':
      return Plain(32);
    case 'S':
    case 'U':
    case 'a':
      return Plain(0, true);
    case 'V': {
      DtypeInfo d = Plain(0, true);
      d.unnamed_void = true;
      return d;
    }
    default:
      return Error(std::string("unknown type code '") + c + "'");
  }
}

// PyArray_TypestrConvert (conversion_utils.c): kind letter + element size.
DtypeInfo FromKindSize(char kind, long size) {
  switch (kind) {
    case 'b':
      if (size == 1) return Plain(1);
      break;
    case 'i':
    case 'u':
      if (size == 1 || size == 2 || size == 4 || size == 8) return Plain(size);
      break;
    case 'f':
      if (size == 2 || size == 4 || size == 8 || size == 16) return Plain(size);
      break;
    case 'c':
      if (size == 8 || size == 16 || size == 32) return Plain(size);
      break;
    case 'O':
      if (size == 4 || size == 8) return Object("object type code 'O" + std::to_string(size) + "'");
      break;
    case 'M':
    case 'm':
      if (size == 8) return Plain(8);
      break;
  }
  return Error("no type '" + std::string(1, kind) + std::to_string(size) + "'");
}

DtypeInfo FromTypeDict(std::string_view whole) {
  for (std::string_view n : kObjectNames) {
    if (whole == n) return Object("object type name '" + std::string(whole) + "'");
  }
  for (const TypeName& t : kPlainNames) {
    if (whole == t.name) return Plain(t.size, t.size == 0);
  }
  return Error("numpy does not know the type name '" + std::string(whole) + "'");
}

bool IsOrder(char c) { return c == '<' || c == '>' || c == '|' || c == '='; }

// _check_for_commastring.
bool IsCommaString(std::string_view t) {
  size_t n = t.size();
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (digit(t[0]) || (n > 1 && IsOrder(t[0]) && digit(t[1]))) return true;
  if ((n > 1 && t[0] == '(' && t[1] == ')') ||
      (n > 3 && IsOrder(t[0]) && t[1] == '(' && t[2] == ')')) {
    return true;
  }
  int square = 0;
  for (char c : t) {
    if (c == ',' && square == 0) return true;
    if (c == '[') ++square;
    if (c == ']') --square;
  }
  return false;
}

DtypeInfo FromStringDepth(std::string_view s, int depth);
DtypeInfo FromDescrDepth(const PyValue& descr, int depth);

// numpy._core._internal._commastring: items of
//   [<>|=]? ( *[(]?[ ,0-9]*[)]? *) [<>|=]? ([A-Za-z0-9.?]*(\[[a-zA-Z0-9,.]+\])?)
// separated by \s*,\s* (trailing whitespace allowed); every item's dtype part
// is converted again.
DtypeInfo FromCommaString(std::string_view s, int depth) {
  auto in = [](char c, const char* set) { return c != '\0' && std::strchr(set, c) != nullptr; };
  auto is_alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  DtypeInfo result = Plain(-1, true);
  bool any = false;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t p = pos;
    char order1 = 0, order2 = 0;
    if (p < s.size() && IsOrder(s[p])) order1 = s[p++];
    size_t repeats_start = p;
    while (p < s.size() && s[p] == ' ') ++p;
    if (p < s.size() && s[p] == '(') ++p;
    while (p < s.size() && in(s[p], " ,0123456789")) ++p;
    if (p < s.size() && s[p] == ')') ++p;
    while (p < s.size() && s[p] == ' ') ++p;
    std::string_view repeats = s.substr(repeats_start, p - repeats_start);
    if (p < s.size() && IsOrder(s[p])) order2 = s[p++];
    size_t dtype_start = p;
    while (p < s.size() && (is_alnum(s[p]) || s[p] == '.' || s[p] == '?')) ++p;
    if (p < s.size() && s[p] == '[') {
      size_t q = p + 1;
      while (q < s.size() && (is_alnum(s[q]) || s[q] == ',' || s[q] == '.')) ++q;
      if (q > p + 1 && q < s.size() && s[q] == ']') p = q + 1;
    }
    std::string dtype(s.substr(dtype_start, p - dtype_start));
    pos = p;
    if (pos < s.size()) {
      size_t q = pos;
      while (q < s.size() && std::isspace(static_cast<unsigned char>(s[q]))) ++q;
      if (q == s.size()) {
        pos = q;
      } else if (s[q] == ',') {
        ++q;
        while (q < s.size() && std::isspace(static_cast<unsigned char>(s[q]))) ++q;
        pos = q;
      } else {
        return Error("format of '" + std::string(s) + "' is not recognized");
      }
    }
    // Byte order only changes the element's byte order, never what it is; an
    // inconsistent pair is an error.
    auto norm = [](char o) { return o == '=' ? '<' : o; };
    if (order1 && order2 && norm(order1) != norm(order2)) {
      return Error("inconsistent byte-order specification");
    }
    char order = order2 ? order2 : order1;
    // numpy 1.x drops a trailing empty item ("f8,", "3f8,=").
    if (dtype.empty() && repeats.empty() && any && pos >= s.size()) break;
    if (order == '>') dtype = ">" + dtype;
    DtypeInfo item = FromStringDepth(dtype, depth + 1);
    if (!repeats.empty()) {
      LiteralResult r = ParsePythonLiteral(repeats);
      bool shape_ok = r.status == LiteralResult::kOk && r.value.IsIntLike();
      if (r.status == LiteralResult::kOk && r.value.kind == PyValue::kTuple) {
        shape_ok = true;
        for (const PyValue& x : r.value.items) shape_ok = shape_ok && x.IsIntLike();
      }
      if (!shape_ok) item = Combine(item, Error("repeat count '" + std::string(repeats) + "'"));
    }
    bool subarray =
        !repeats.empty() && repeats.find_first_of("123456789") != std::string_view::npos;
    if (any) {
      result = Combine(result, item);
      result.unnamed_void = false;  // several items: a structured dtype with names
    } else {
      result = item;
      result.unnamed_void = subarray;
    }
    if (result.status == DtypeInfo::kPlain && (any || !repeats.empty())) {
      bool keep = result.unnamed_void;
      result = Plain(-1, true);
      result.unnamed_void = keep;
    }
    any = true;
  }
  if (!any) return Error("empty dtype string");
  return result;
}

DtypeInfo FromStringDepth(std::string_view s, int depth) {
  if (depth > kMaxDepth) return Undecided("dtype string nests too deeply");
  if (s.empty()) return Error("empty dtype string");
  for (unsigned char c : s) {
    // numpy only knows ASCII spellings; anything else is refused -- or was
    // a character picket could not decode, so it cannot vouch either way.
    if (c >= 0x80) return Undecided("non-ASCII character in dtype string");
  }
  if (IsCommaString(s)) return FromCommaString(s, depth);
  std::string_view t = s;
  if (IsOrder(t[0])) t.remove_prefix(1);
  if (t.empty()) return Error("dtype string is only a byte-order mark");
  // is_datetime_typestr: M8 / m8 / datetime64 / timedelta64, then [unit]
  // (_datetime.c parse_datetime_metadata: [<count>]<unit>).
  for (std::string_view dt : {"M8", "m8", "datetime64", "timedelta64"}) {
    if (!t.starts_with(dt) || (t.size() > dt.size() && t[dt.size()] != '[')) continue;
    if (t.size() == dt.size()) return Plain(8);
    std::string_view unit = t.substr(dt.size() + 1);
    if (!unit.ends_with(']')) return Error("datetime unit is not closed");
    unit.remove_suffix(1);
    while (!unit.empty() && unit[0] >= '0' && unit[0] <= '9') unit.remove_prefix(1);
    for (std::string_view u : {"Y", "M", "W", "D", "h", "m", "s", "ms", "us", "\xce\xbcs", "ns",
                               "ps", "fs", "as", "generic"}) {
      if (unit == u) return Plain(8);
    }
    return Error("unknown datetime unit");
  }
  if (t.size() == 1) return FromTypeChar(t[0]);
  // strtol(type + 1): C isspace, sign, digits; the whole rest must be used.
  std::string rest(t.substr(1));
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(rest.c_str(), &end, 10);
  bool consumed = errno == 0 && end != rest.c_str() && end == rest.c_str() + rest.size();
  if (!consumed && errno == 0 && end != rest.c_str() && *end == '\0') {
    return Error("NUL inside a dtype string");  // strtol stopped early; numpy fails
  }
  if (consumed) {
    switch (t[0]) {
      case 'S':
      case 'a':  // numpy 1.x's second spelling of 'S'
      case 'V':
      case 'U': {
        // numpy 1.24 accepts any size here (numpy 2 refuses negative or
        // huge ones); flexible types never hold objects either way.
        DtypeInfo d = Plain(0, true);
        d.unnamed_void = t[0] == 'V';
        return d;
      }
      default:
        if (value > 0 && value <= INT_MAX) {
          DtypeInfo d = FromKindSize(t[0], value);
          if (d.status != DtypeInfo::kError) return d;
        }
    }
  }
  // Everything else is looked up by the whole original string.
  return FromTypeDict(s);
}

DtypeInfo DtypeOfAny(const PyValue& x, int depth);

// numpy.dtype((base, x)) -- _convert_from_tuple. First x is tried as a dtype
// (_try_convert_from_inherit_tuple, the "(base_dtype, new_dtype)" form): the
// result takes the new dtype's flags in numpy 2 and over void bases in 1.24,
// so an object on either side may give objects (numpy refuses some of these
// combinations; picket does not rely on that). When x is no dtype, it is an
// itemsize, metadata or a shape, and the result holds what `base` holds.
DtypeInfo WithSecond(const DtypeInfo& base, const PyValue& x, int depth) {
  if (base.status == DtypeInfo::kError || base.status == DtypeInfo::kUndecided) return base;
  auto as_base = [&] { return base.status == DtypeInfo::kPlain ? Plain(-1, true) : base; };
  bool int_shape = x.IsIntLike();
  if (x.kind == PyValue::kTuple) {
    int_shape = true;
    for (const PyValue& d : x.items) int_shape = int_shape && d.IsIntLike();
  }
  if (int_shape) {
    // (base, ()) and the deprecated (base, 1) are base itself; any other
    // shape makes a subarray, whose type is numpy.void.
    DtypeInfo d = as_base();
    d.unnamed_void =
        x.kind == PyValue::kTuple ? !x.items.empty() : !(x.IsIntLike() && x.integer == 1);
    return d;
  }
  DtypeInfo conv = DtypeOfAny(x, depth + 1);
  if (conv.status == DtypeInfo::kUndecided) return conv;
  if (conv.status != DtypeInfo::kError) {
    if (conv.status == DtypeInfo::kObject || base.status == DtypeInfo::kObject) {
      return Object("object in a (base, new) dtype form");
    }
    return Plain(-1, true);
  }
  // Not a dtype: a shape given as any sequence of ints ('' and b'' are
  // empty sequences, bytes yield ints), an itemsize or a metadata dict.
  bool sequence_shape = x.kind == PyValue::kList || x.kind == PyValue::kBytes ||
                        (x.kind == PyValue::kStr && x.text.empty());
  for (const PyValue& d : x.items) sequence_shape = sequence_shape && d.IsIntLike();
  if (sequence_shape || x.kind == PyValue::kDict || x.kind == PyValue::kFloat) return as_base();
  return Error("second element of a dtype tuple is neither a dtype nor a shape");
}

// numpy.dtype(x) for a value that is not a str (the second slot of a tuple).
DtypeInfo DtypeOfAny(const PyValue& x, int depth) {
  if (depth > kMaxDepth) return Undecided("dtype nests too deeply");
  switch (x.kind) {
    case PyValue::kStr:
    case PyValue::kBytes:  // bytes are decoded as ASCII
      return FromStringDepth(x.text, depth + 1);
    case PyValue::kNone:
      return Plain(8);  // numpy.dtype(None) is float64
    case PyValue::kTuple:
      if (x.items.size() != 2)
        return Error("dtype tuple of size " + std::to_string(x.items.size()));
      return WithSecond(DtypeOfAny(x.items[0], depth + 1), x.items[1], depth);
    case PyValue::kList:
      return FromDescrDepth(x, depth + 1);
    case PyValue::kDict:
    case PyValue::kSet: {
      // {'names': ..., 'formats': ...} or {name: (format, offset)}: every
      // string inside may be a format; any object spelling counts.
      DtypeInfo result = Plain(-1, true);
      bool any_object = false, any_doubt = false;
      std::vector<const PyValue*> todo = {&x};
      while (!todo.empty()) {
        const PyValue* v = todo.back();
        todo.pop_back();
        if (v->kind == PyValue::kStr || v->kind == PyValue::kBytes) {
          DtypeInfo d = FromStringDepth(v->text, depth + 1);
          any_object |= d.status == DtypeInfo::kObject;
          any_doubt |= d.status == DtypeInfo::kUndecided;
        }
        for (const PyValue& c : v->items) todo.push_back(&c);
      }
      if (any_object) return Object("object format in a dict or set dtype");
      if (any_doubt) return Undecided("a dict or set dtype picket cannot decide");
      return result;
    }
    default:
      return Error("not a dtype");
  }
}

// Splits len(field) and the unpacking of a field the way Python iterates it.
bool FieldParts(const PyValue& field, std::vector<PyValue>& parts, DtypeInfo& why) {
  switch (field.kind) {
    case PyValue::kTuple:
    case PyValue::kList:
      parts = field.items;
      return true;
    case PyValue::kDict:
      for (size_t i = 0; i < field.items.size(); i += 2) parts.push_back(field.items[i]);
      return true;
    case PyValue::kStr: {
      // Iterating a str yields its characters (code points).
      const std::string& s = field.text;
      for (size_t i = 0; i < s.size();) {
        size_t n = 1;
        unsigned char c = s[i];
        if (c >= 0xF0)
          n = 4;
        else if (c >= 0xE0)
          n = 3;
        else if (c >= 0xC0)
          n = 2;
        PyValue ch;
        ch.kind = PyValue::kStr;
        ch.text = s.substr(i, n);
        parts.push_back(std::move(ch));
        i += n;
      }
      return true;
    }
    case PyValue::kBytes:
      for (unsigned char c : field.text) {
        PyValue v;
        v.kind = PyValue::kInt;
        v.integer = c;
        parts.push_back(v);
      }
      return true;
    case PyValue::kSet:
      parts = field.items;  // in an order only known at load time
      return true;
    default:
      why = Error("a dtype field is not a sequence");
      return false;
  }
}

DtypeInfo FromDescrDepth(const PyValue& descr, int depth) {
  if (depth > kMaxDepth) return Undecided("dtype descriptor nests too deeply");
  switch (descr.kind) {
    case PyValue::kStr:
      return FromStringDepth(descr.text, depth + 1);
    case PyValue::kTuple: {
      if (descr.items.empty()) return Error("empty tuple as dtype descriptor");
      DtypeInfo base = FromDescrDepth(descr.items[0], depth + 1);
      if (descr.items.size() < 2) return Error("one-element tuple descriptor");
      return WithSecond(base, descr.items[1], depth);
    }
    case PyValue::kSet:  // fields in any order: each field is decided alone
    case PyValue::kList:
    case PyValue::kDict:
    case PyValue::kBytes:
      break;
    default:
      return Error("descr is not a valid dtype descriptor");
  }
  // A structured descriptor: `for field in descr`, each unpacked into
  // (name, format) or (name, format, shape).
  std::vector<PyValue> fields;
  DtypeInfo why;
  if (!FieldParts(descr, fields, why)) return why;
  DtypeInfo result = Plain(-1, true);
  for (const PyValue& field : fields) {
    std::vector<PyValue> parts;
    DtypeInfo field_why;
    if (!FieldParts(field, parts, field_why)) {
      result = Combine(result, field_why);
      continue;
    }
    if (field.kind == PyValue::kSet && parts.size() >= 2) {
      // Which element becomes the format depends on the set's iteration
      // order; decidable only when every choice agrees.
      DtypeInfo first;
      bool agree = true;
      for (size_t i = 0; i < parts.size() && parts.size() == 2; ++i) {
        DtypeInfo d = FromDescrDepth(parts[1 - i], depth + 1);
        if (i == 0) first = d;
        agree = agree && d.status == first.status;
      }
      result = Combine(result, parts.size() == 2 && agree
                                   ? first
                                   : Undecided("a set as a dtype field (its order is chosen at "
                                               "load time)"));
    } else if (parts.size() == 2 || parts.size() == 3) {
      DtypeInfo dt = FromDescrDepth(parts[1], depth + 1);
      if (parts.size() == 3) dt = WithSecond(dt, parts[2], depth);
      // `name == '' and dt.type is numpy.void and dt.names is None`: padding,
      // dropped from the dtype (even a subarray of objects).
      if (parts[0].kind == PyValue::kStr && parts[0].text.empty() && dt.unnamed_void) continue;
      result = Combine(result, dt);
    } else {
      result = Combine(result,
                       Error("a dtype field is neither (name, format) nor (name, format, shape)"));
    }
  }
  if (result.status == DtypeInfo::kPlain) return Plain(-1, true);
  return result;
}

}  // namespace

DtypeInfo DtypeFromString(std::string_view s) { return FromStringDepth(s, 0); }

DtypeInfo DtypeFromDescr(const PyValue& descr) { return FromDescrDepth(descr, 0); }

}  // namespace picket::scan

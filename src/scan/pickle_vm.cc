// Pickle machine simulator; see pickle_vm.h for the contract.
//
// Values live in an arena owned by one simulation (raw pointers, no reference
// counting), so a stream that builds cycles (a list appended to itself) or
// expansion bombs (GET/DUP of one big object) costs O(opcodes) memory.
#include "scan/pickle_vm.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "scan/compat_names.h"
#include "scan/opcodes.h"
#include "scan/text_codec.h"

namespace picket::scan {

std::string DescribeUses(uint32_t uses) {
  std::string out;
  auto add = [&](uint32_t bit, const char* word) {
    if (!(uses & bit)) return;
    if (!out.empty()) out += ",";
    out += word;
  };
  add(kUseCalled, "called");
  add(kUseNewObj, "constructed");
  add(kUseBuilt, "built");
  add(kUseMutated, "mutated");
  add(kUseItemsAdded, "items-added");
  if (out.empty()) out = "referenced";
  return out;
}

bool IsNestedPickleLoader(std::string_view module, std::string_view name) {
  static constexpr std::string_view kLoaders[][2] = {
      {"pickle", "loads"},
      {"pickle", "_loads"},
      {"_pickle", "loads"},
      {"cPickle", "loads"},
      {"dill", "loads"},
      {"dill._dill", "loads"},
      {"cloudpickle", "loads"},
      {"joblib", "loads"},
      {"numpy", "loads"},
      {"numpy.core.numeric", "loads"},
      {"torch.storage", "_load_from_bytes"},
      {"torch.serialization", "_load_from_bytes"},
      {"pandas", "read_pickle"},
      {"marshal", "loads"},
  };
  for (const auto& l : kLoaders) {
    if (l[0] == module && l[1] == name) return true;
  }
  return false;
}

namespace {

struct Value {
  enum Kind : uint8_t {
    kNone,
    kBool,
    kInt,
    kFloat,
    kStr,
    kBytes,
    kTuple,
    kList,
    kDict,
    kSet,
    kFrozenSet,
    kGlobal,
    kObject,
    kPersistent,
    kBuffer,
    kUnknown,
  };
  Kind kind = kUnknown;
  bool computed = false;  // produced by a call at load time
  bool big_int = false;
  int64_t int_value = 0;
  std::string_view text;      // kStr (UTF-8) and kBytes; points into input or arena
  std::vector<Value*> items;  // containers; dict stores key, value, key, value...
  int32_t global = -1;        // kGlobal: index in globals; kObject: index of its class/callable
  Value* callee = nullptr;    // kObject: what was called
  Value* args = nullptr;      // kObject: argument tuple
  Value* state = nullptr;     // kObject: BUILD state
  uint64_t tree_size = 1;     // objects reachable counting shared ones repeatedly
};

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

bool IsIdentifierPath(std::string_view s) {
  if (s.empty()) return false;
  bool start = true;
  for (unsigned char c : s) {
    if (c == '.') {
      if (start) return false;
      start = true;
      continue;
    }
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && !start))) return false;
    start = false;
  }
  return !start;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

// Python's bytes escape decoding (used by the STRING opcode). False on a
// malformed escape, which CPython also rejects.
bool DecodeBytesEscape(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= in.size()) return false;  // trailing backslash
    char e = in[i];
    if (int simple = SimpleEscape(e); simple >= 0) {
      out += static_cast<char>(simple);
      continue;
    }
    switch (e) {
      case '\n':
        break;
      case 'x': {
        if (i + 2 >= in.size()) return false;
        int h = HexDigit(in[i + 1]), l = HexDigit(in[i + 2]);
        if (h < 0 || l < 0) return false;
        out += static_cast<char>(h * 16 + l);
        i += 2;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int k = 0; k < 2 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7'; ++k) {
            v = v * 8 + (in[++i] - '0');
          }
          out += static_cast<char>(v & 0xFF);
        } else {
          out += '\\';  // unknown escapes are kept verbatim
          out += e;
        }
    }
  }
  return true;
}

// raw-unicode-escape: only \uXXXX and \UXXXXXXXX are escapes; other bytes are
// Latin-1 code points.
bool DecodeRawUnicodeEscape(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char c = in[i];
    if (c == '\\' && i + 1 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
      int digits = in[i + 1] == 'u' ? 4 : 8;
      if (i + 1 + digits >= in.size()) return false;
      uint32_t cp = 0;
      for (int k = 0; k < digits; ++k) {
        int d = HexDigit(in[i + 2 + k]);
        if (d < 0) return false;
        cp = cp * 16 + d;
      }
      if (cp > 0x10FFFF) return false;
      AppendUtf8(out, cp);
      i += 1 + digits;
    } else {
      AppendUtf8(out, c);
    }
  }
  return true;
}

// Parses Python's int() of a decimal literal: optional whitespace, sign,
// digits with single underscores. Sets `big` when it does not fit in int64.
bool ParseDecimal(std::string_view s, int64_t& value, bool& big) {
  s = TrimSpace(s);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  __int128 v = 0;
  big = false;
  bool last_underscore = true;
  for (char c : s) {
    if (c == '_') {
      if (last_underscore) return false;
      last_underscore = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    last_underscore = false;
    if (!big) {
      v = v * 10 + (c - '0');
      if (v > static_cast<__int128>(INT64_MAX) + 1) big = true;
    }
  }
  if (last_underscore) return false;
  if (neg) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) big = true;
  value = big ? (neg ? INT64_MIN : INT64_MAX) : static_cast<int64_t>(v);
  return true;
}

class Machine {
 public:
  Machine(std::string_view data, uint64_t start, const ScanLimits& limits, const VmOptions& options,
          PickleResult& out)
      : data_(data), pos_(start), limits_(limits), options_(options), out_(out) {
    out_.start = start;
  }

  void Run();

 private:
  // Stops interpretation with a malformed-input error.
  bool Fail(std::string message) {
    if (out_.error.empty()) out_.error = std::move(message);
    return false;
  }
  bool FailLimit(std::string message) {
    out_.limit_hit = true;
    return Fail(std::move(message));
  }
  void Note(std::string message) { out_.anomalies.push_back({op_offset_, std::move(message)}); }

  Value* New(Value::Kind kind) {
    arena_.emplace_back();
    arena_.back().kind = kind;
    return &arena_.back();
  }
  Value* NewText(Value::Kind kind, std::string text) {
    strings_.push_back(std::move(text));
    Value* v = New(kind);
    v->text = strings_.back();
    return v;
  }

  bool Push(Value* v) {
    if (stack_.size() >= limits_.max_stack_depth) return FailLimit("stack depth limit reached");
    stack_.push_back(v);
    return true;
  }
  size_t Fence() const { return marks_.empty() ? 0 : marks_.back(); }
  bool Pop(Value*& v) {
    if (stack_.size() <= Fence()) return Fail("stack underflow");
    v = stack_.back();
    stack_.pop_back();
    return true;
  }
  bool Top(Value*& v) {
    if (stack_.size() <= Fence()) return Fail("stack underflow");
    v = stack_.back();
    return true;
  }
  // Pops everything above the topmost mark, and the mark.
  bool PopMark(std::vector<Value*>& items) {
    if (marks_.empty()) return Fail("could not find MARK");
    size_t m = marks_.back();
    marks_.pop_back();
    items.assign(stack_.begin() + m, stack_.end());
    stack_.resize(m);
    return true;
  }

  // Argument readers: each returns false (after Fail) when the data ends.
  bool Read(size_t n, std::string_view& out) {
    if (n > data_.size() - pos_) return Fail("pickle data was truncated");
    out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadLine(std::string_view& line) {
    size_t nl = data_.find('\n', pos_);
    if (nl == std::string_view::npos) return Fail("pickle data was truncated (no newline)");
    line = data_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return true;
  }
  bool ReadUint(size_t n, uint64_t& v) {
    std::string_view b;
    if (!Read(n, b)) return false;
    v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
    return true;
  }

  bool Step(uint8_t code);
  // Accounts for `items` being placed inside `container`; flags billion-laughs
  // style expansion (the loader's object graph is small, but anything that
  // walks it as a tree, like repr or copy, explodes).
  void Grow(Value* container, const Value* const* items, size_t n) {
    for (size_t i = 0; i < n; ++i)
      container->tree_size = SaturatingAdd(container->tree_size, items[i]->tree_size);
    if (container->tree_size > kExpansionLimit && !out_.expansion_bomb) {
      out_.expansion_bomb = true;
      Note("object graph expands to over " + std::to_string(kExpansionLimit) +
           " nodes when walked as a tree (expansion bomb)");
    }
  }
  static constexpr uint64_t kExpansionLimit = 1'000'000'000;
  bool ResolveGlobal(std::string_view module, std::string_view name, const char* opcode,
                     bool computed, int32_t& index);
  void MarkUse(Value* v, uint32_t use);
  bool Call(Value* callee, Value* args, uint32_t use, const char* opcode);
  bool MemoPut(uint64_t key, Value* v);
  bool MemoGet(uint64_t key);
  void CheckNested(Value* callee_global_value, Value* args);
  bool MaybeReadJoblibArray(Value* inst);
  std::string DescribeValue(const Value* v) const;
  const GlobalRecord* GlobalOf(const Value* v) const {
    return v && v->global >= 0 ? &out_.globals[v->global] : nullptr;
  }

  std::string_view data_;
  uint64_t pos_;
  uint64_t op_offset_ = 0;
  const ScanLimits& limits_;
  const VmOptions& options_;
  PickleResult& out_;
  int proto_ = 0;
  bool saw_proto_ = false;
  uint64_t frame_end_ = 0;  // 0: not inside a frame
  std::deque<Value> arena_;
  std::deque<std::string> strings_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
};

std::string Machine::DescribeValue(const Value* v) const {
  if (!v) return "nothing";
  switch (v->kind) {
    case Value::kGlobal: {
      const GlobalRecord* g = GlobalOf(v);
      return g ? g->module + "." + g->name : "global";
    }
    case Value::kObject: {
      std::string what = "the result of calling ";
      const GlobalRecord* g = v->callee ? GlobalOf(v->callee) : nullptr;
      return what + (g ? g->module + "." + g->name : DescribeValue(v->callee));
    }
    case Value::kPersistent:
      return "a persistent-load object";
    case Value::kBuffer:
      return "an out-of-band buffer";
    case Value::kStr:
      return "a str";
    case Value::kBytes:
      return "a bytes object";
    case Value::kNone:
      return "None";
    default:
      return "a plain value";
  }
}

bool Machine::ResolveGlobal(std::string_view module, std::string_view name, const char* opcode,
                            bool computed, int32_t& index) {
  GlobalRecord rec;
  rec.raw_module = std::string(module);
  rec.raw_name = std::string(name);
  rec.opcode = opcode;
  rec.offset = op_offset_;
  rec.protocol = static_cast<uint8_t>(proto_);
  rec.name_computed = computed;
  // CPython keeps a trailing '\r' (so such an import fails), but a lenient
  // loader might not: judge the trimmed name and note the irregularity.
  std::string_view m = TrimSpace(module), n = TrimSpace(name);
  if (m != module || n != name) rec.name_irregular = true;
  if (!computed && (!IsIdentifierPath(m) || !IsIdentifierPath(n))) rec.name_irregular = true;
  QualifiedName q{std::string(m), std::string(n)};
  if (proto_ < 3) {
    q = MapPython2Name(m, n);
    rec.compat_mapped = q.module != m || q.name != n;
  }
  rec.module = std::move(q.module);
  rec.name = std::move(q.name);
  out_.globals.push_back(std::move(rec));
  index = static_cast<int32_t>(out_.globals.size() - 1);
  return true;
}

void Machine::MarkUse(Value* v, uint32_t use) {
  if (!v || v->global < 0) return;
  GlobalRecord& g = out_.globals[v->global];
  g.uses |= use;
  if ((use & (kUseCalled | kUseNewObj)) && g.call_offset == 0) g.call_offset = op_offset_;
}

void Machine::CheckNested(Value* callee, Value* args) {
  const GlobalRecord* g = GlobalOf(callee);
  if (!g || !args) return;
  if (!IsNestedPickleLoader(g->module, g->name)) return;
  // The first bytes-like argument is the payload (directly, or wrapped in a tuple).
  // str counts too: protocol 0-2 streams spell bytes as STRING/BINSTRING,
  // which loaders using encoding="latin1" (torch, numpy) turn into str.
  for (Value* a : args->items) {
    if (a && (a->kind == Value::kBytes || a->kind == Value::kStr)) {
      out_.nested.push_back({op_offset_, g->module + "." + g->name, std::string(a->text)});
      return;
    }
  }
}

bool Machine::Call(Value* callee, Value* args, uint32_t use, const char* opcode) {
  if (callee->kind == Value::kGlobal) {
    MarkUse(callee, use);
  } else {
    out_.dynamic_calls.push_back({op_offset_, opcode, DescribeValue(callee)});
  }
  Value* result = New(Value::kObject);
  result->computed = true;
  result->callee = callee;
  result->args = args;
  result->global = callee->kind == Value::kGlobal ? callee->global : -1;
  if (callee->kind == Value::kGlobal && args) {
    CheckNested(callee, args);
    const GlobalRecord& g = out_.globals[callee->global];
    // copyreg's helpers construct the class passed as their first argument
    // (and _reconstructor calls base.__init__): account the use to that class.
    if (g.module == "copyreg" && !args->items.empty()) {
      if (g.name == "_reconstructor" || g.name == "__newobj__" || g.name == "__newobj_ex__") {
        MarkUse(args->items[0], kUseNewObj);
        result->global = args->items[0]->kind == Value::kGlobal ? args->items[0]->global : -1;
        if (g.name == "_reconstructor" && args->items.size() >= 2) {
          const GlobalRecord* base = GlobalOf(args->items[1]);
          if (!(base && base->module == "builtins" && base->name == "object")) {
            MarkUse(args->items[1], kUseCalled);
          }
        }
      }
    }
    // _codecs.encode(str, "latin1") is how protocol 2 spells a bytes object.
    if (g.module == "_codecs" && g.name == "encode" && !args->items.empty() &&
        args->items[0]->kind == Value::kStr) {
      std::string latin1;
      std::string_view s = args->items[0]->text;
      bool ok = true;
      for (size_t i = 0; i < s.size() && ok;) {
        unsigned char c = s[i];
        if (c < 0x80) {
          latin1 += static_cast<char>(c);
          i += 1;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
          uint32_t cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
          if (cp > 0xFF) ok = false;
          latin1 += static_cast<char>(cp);
          i += 2;
        } else {
          ok = false;
        }
      }
      if (ok) {
        strings_.push_back(std::move(latin1));
        result->kind = Value::kBytes;
        result->text = strings_.back();
      }
    }
  }
  return Push(result);
}

bool Machine::MemoPut(uint64_t key, Value* v) {
  // CPython's C unpickler sizes its memo table by the largest index, so a
  // huge index is a memory bomb for the loader even though a map copes.
  if (key > limits_.max_memo_entries * 4 + 1024) {
    return FailLimit("memo index " + std::to_string(key) + " is implausibly large");
  }
  if (memo_.size() >= limits_.max_memo_entries && !memo_.count(key)) {
    return FailLimit("memo size limit reached");
  }
  memo_[key] = v;
  return true;
}

bool Machine::MemoGet(uint64_t key) {
  auto it = memo_.find(key);
  if (it == memo_.end()) return Fail("memo key " + std::to_string(key) + " not found");
  return Push(it->second);
}

// joblib writes an array's raw bytes right after the BUILD of its
// NumpyArrayWrapper; NumpyUnpickler reads them from the stream at that point.
bool Machine::MaybeReadJoblibArray(Value* inst) {
  const GlobalRecord* cls = GlobalOf(inst);
  if (!cls || cls->name != "NumpyArrayWrapper" ||
      (cls->module != "joblib.numpy_pickle" &&
       cls->module != "sklearn.externals.joblib.numpy_pickle")) {
    return true;
  }
  Value* state = inst->state;
  if (!state || state->kind != Value::kDict) return Fail("NumpyArrayWrapper state is not a dict");
  Value *shape = nullptr, *dtype = nullptr, *alignment = nullptr;
  for (size_t i = 0; i + 1 < state->items.size(); i += 2) {
    Value* k = state->items[i];
    if (k->kind != Value::kStr) continue;
    if (k->text == "shape") shape = state->items[i + 1];
    if (k->text == "dtype") dtype = state->items[i + 1];
    if (k->text == "numpy_array_alignment_bytes") alignment = state->items[i + 1];
  }
  if (!shape || !dtype || dtype->kind != Value::kObject || !dtype->args ||
      dtype->args->items.empty() || dtype->args->items[0]->kind != Value::kStr) {
    return Fail("NumpyArrayWrapper without a readable shape/dtype");
  }
  out_.used_joblib_arrays = true;
  std::string_view descr = dtype->args->items[0]->text;
  if (!descr.empty() &&
      (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=')) {
    descr.remove_prefix(1);
  }
  if (!descr.empty() && descr[0] == 'O') {
    // Object arrays are a complete pickle embedded in the stream.
    if (options_.nesting + 1 > limits_.max_nesting)
      return FailLimit("pickle nesting limit reached");
    VmOptions nested = options_;
    nested.nesting++;
    PickleResult sub = SimulatePickle(data_, pos_, limits_, nested);
    for (auto& g : sub.globals) out_.globals.push_back(std::move(g));
    for (auto& d : sub.dynamic_calls) out_.dynamic_calls.push_back(std::move(d));
    for (auto& n : sub.nested) out_.nested.push_back(std::move(n));
    for (auto& a : sub.anomalies) out_.anomalies.push_back(std::move(a));
    out_.opcode_count += sub.opcode_count;
    if (!sub.error.empty()) {
      out_.limit_hit |= sub.limit_hit;
      return Fail("in joblib object array: " + sub.error);
    }
    pos_ = sub.end;
    return true;
  }
  // Item size: from the BUILD state's elsize when set, else the descriptor.
  uint64_t itemsize = 0;
  if (dtype->state && dtype->state->kind == Value::kTuple && dtype->state->items.size() >= 6 &&
      dtype->state->items[5]->kind == Value::kInt && dtype->state->items[5]->int_value > 0) {
    itemsize = dtype->state->items[5]->int_value;
  } else if (!descr.empty()) {
    char kind = descr[0];
    int64_t n = 0;
    bool big = false;
    if (descr.size() > 1 && ParseDecimal(descr.substr(1), n, big) && !big && n >= 0) {
      itemsize = kind == 'U' ? 4 * n : n;
    } else if (descr.size() == 1 && (kind == '?' || kind == 'b' || kind == 'B')) {
      itemsize = 1;
    }
  }
  if (itemsize == 0)
    return Fail("cannot determine joblib array item size for '" + std::string(descr) + "'");
  uint64_t count = 1;
  if (shape->kind == Value::kTuple) {
    for (Value* d : shape->items) {
      if (d->kind != Value::kInt || d->int_value < 0) return Fail("bad joblib array shape");
      if (d->int_value != 0 && count > UINT64_MAX / static_cast<uint64_t>(d->int_value)) {
        return Fail("joblib array size overflows");
      }
      count *= d->int_value;
    }
  } else if (shape->kind == Value::kInt && shape->int_value >= 0) {
    count = shape->int_value;
  } else {
    return Fail("bad joblib array shape");
  }
  if (count != 0 && itemsize > UINT64_MAX / count) return Fail("joblib array size overflows");
  uint64_t bytes = count * itemsize;
  if (alignment && alignment->kind == Value::kInt) {
    uint64_t pad = 0;
    if (!ReadUint(1, pad)) return false;
    std::string_view skip;
    if (!Read(pad, skip)) return false;
  }
  std::string_view skip;
  if (!Read(bytes, skip)) return Fail("joblib array data truncated");
  return true;
}

void Machine::Run() {
  while (true) {
    if (pos_ >= data_.size()) {
      Fail(out_.opcode_count == 0 ? "empty pickle" : "pickle data was truncated (no STOP)");
      break;
    }
    if (++out_.opcode_count > limits_.max_opcodes) {
      FailLimit("opcode limit reached");
      break;
    }
    op_offset_ = pos_;
    uint8_t code = static_cast<uint8_t>(data_[pos_++]);
    if (frame_end_ && pos_ > frame_end_) frame_end_ = 0;
    bool ok = Step(code);
    if (frame_end_ && pos_ > frame_end_) {
      Note("opcode crosses a FRAME boundary (CPython's C unpickler accepts, pickle.py rejects)");
      frame_end_ = 0;
    }
    if (!ok || out_.stopped) break;
  }
  out_.end = pos_;
  out_.protocol = proto_;
}

bool Machine::Step(uint8_t code) {
  const OpcodeInfo* info = LookupOpcode(code);
  if (!info) {
    char buf[64];
    snprintf(buf, sizeof buf, "invalid opcode 0x%02x", code);
    return Fail(buf);
  }
  switch (code) {
    case MARK:
      if (marks_.size() >= limits_.max_marks) return FailLimit("MARK nesting limit reached");
      marks_.push_back(stack_.size());
      return true;
    case STOP: {
      Value* v;
      if (!Pop(v)) return false;
      if (v->kind == Value::kInt) {
        out_.result_is_int = true;
        out_.result_is_big_int = v->big_int;
        out_.result_int_text =
            v->big_int && !v->text.empty() ? std::string(v->text) : std::to_string(v->int_value);
      }
      out_.stopped = true;
      return true;
    }
    case POP: {
      // CPython pops a mark when the object stack is empty above it.
      if (!marks_.empty() && marks_.back() == stack_.size()) {
        marks_.pop_back();
        return true;
      }
      Value* v;
      return Pop(v);
    }
    case POP_MARK: {
      std::vector<Value*> items;
      return PopMark(items);
    }
    case DUP: {
      Value* v;
      return Top(v) && Push(v);
    }
    case FLOAT: {
      std::string_view line;
      if (!ReadLine(line)) return false;
      std::string s(TrimSpace(line));
      char* end = nullptr;
      (void)strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return Fail("could not convert FLOAT argument");
      return Push(New(Value::kFloat));
    }
    case BINFLOAT: {
      std::string_view b;
      return Read(8, b) && Push(New(Value::kFloat));
    }
    case INT:
    case LONG: {
      std::string_view line;
      if (!ReadLine(line)) return false;
      if (code == INT && (line == "00" || line == "01")) {
        Value* v = New(Value::kBool);
        v->int_value = line == "01";
        return Push(v);
      }
      std::string_view digits = TrimSpace(line);
      if (code == LONG && !digits.empty() && (digits.back() == 'L' || digits.back() == 'l')) {
        digits.remove_suffix(1);
      }
      Value* v = New(Value::kInt);
      if (!ParseDecimal(digits, v->int_value, v->big_int)) {
        return Fail(std::string("invalid literal for ") + (code == INT ? "INT" : "LONG"));
      }
      return Push(v);
    }
    case BININT:
    case BININT1:
    case BININT2: {
      size_t n = code == BININT ? 4 : code == BININT2 ? 2 : 1;
      uint64_t u;
      if (!ReadUint(n, u)) return false;
      Value* v = New(Value::kInt);
      v->int_value = code == BININT ? static_cast<int32_t>(u) : static_cast<int64_t>(u);
      return Push(v);
    }
    case LONG1:
    case LONG4: {
      uint64_t n;
      if (!ReadUint(code == LONG1 ? 1 : 4, n)) return false;
      if (code == LONG4 && static_cast<int32_t>(n) < 0) return Fail("LONG4 with negative length");
      std::string_view b;
      if (!Read(n, b)) return false;
      Value* v = New(Value::kInt);
      if (n <= 8) {
        uint64_t u = 0;
        for (size_t i = 0; i < n; ++i)
          u |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
        if (n > 0 && n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80)) u |= ~0ull << (8 * n);
        v->int_value = static_cast<int64_t>(u);
        // Render as unsigned hex too so callers can compare magic numbers.
      } else {
        v->big_int = true;
        static const char* hex = "0123456789abcdef";
        std::string text = "0x";
        for (size_t i = n; i-- > 0;) {
          text += hex[static_cast<uint8_t>(b[i]) >> 4];
          text += hex[static_cast<uint8_t>(b[i]) & 15];
        }
        strings_.push_back(std::move(text));
        v->text = strings_.back();
      }
      return Push(v);
    }
    case NONE:
      return Push(New(Value::kNone));
    case NEWTRUE:
    case NEWFALSE: {
      Value* v = New(Value::kBool);
      v->int_value = code == NEWTRUE;
      return Push(v);
    }
    case STRING: {
      std::string_view line;
      if (!ReadLine(line)) return false;
      while (!line.empty() && static_cast<unsigned char>(line.back()) <= ' ') line.remove_suffix(1);
      if (line.size() < 2 || line.front() != line.back() || (line[0] != '\'' && line[0] != '"')) {
        return Fail("the STRING opcode argument must be quoted");
      }
      std::string decoded;
      if (!DecodeBytesEscape(line.substr(1, line.size() - 2), decoded)) {
        return Fail("invalid escape in STRING");
      }
      return Push(NewText(Value::kStr, std::move(decoded)));
    }
    case BINSTRING:
    case SHORT_BINSTRING:
    case BINUNICODE:
    case BINUNICODE8:
    case SHORT_BINUNICODE:
    case BINBYTES:
    case SHORT_BINBYTES:
    case BINBYTES8:
    case BYTEARRAY8: {
      size_t width = info->arg == ArgKind::kBytes1 ? 1 : info->arg == ArgKind::kBytes4 ? 4 : 8;
      uint64_t n;
      if (!ReadUint(width, n)) return false;
      if (code == BINSTRING && static_cast<int32_t>(n) < 0)
        return Fail("BINSTRING pickle has negative byte count");
      std::string_view b;
      if (!Read(n, b)) return false;
      bool is_bytes =
          code == BINBYTES || code == SHORT_BINBYTES || code == BINBYTES8 || code == BYTEARRAY8;
      Value* v = New(is_bytes ? Value::kBytes : Value::kStr);
      v->text = b;
      return Push(v);
    }
    case UNICODE: {
      std::string_view line;
      if (!ReadLine(line)) return false;
      std::string decoded;
      if (!DecodeRawUnicodeEscape(line, decoded))
        return Fail("invalid raw-unicode-escape in UNICODE");
      return Push(NewText(Value::kStr, std::move(decoded)));
    }
    case EMPTY_TUPLE:
      return Push(New(Value::kTuple));
    case EMPTY_LIST:
      return Push(New(Value::kList));
    case EMPTY_DICT:
      return Push(New(Value::kDict));
    case EMPTY_SET:
      return Push(New(Value::kSet));
    case TUPLE:
    case LIST:
    case FROZENSET: {
      Value* v = New(code == TUPLE  ? Value::kTuple
                     : code == LIST ? Value::kList
                                    : Value::kFrozenSet);
      if (!PopMark(v->items)) return false;
      Grow(v, v->items.data(), v->items.size());
      return Push(v);
    }
    case DICT: {
      Value* v = New(Value::kDict);
      if (!PopMark(v->items)) return false;
      if (v->items.size() % 2) return Fail("odd number of items for DICT");
      Grow(v, v->items.data(), v->items.size());
      return Push(v);
    }
    case TUPLE1:
    case TUPLE2:
    case TUPLE3: {
      size_t n = code - TUPLE1 + 1;
      if (stack_.size() < Fence() + n) return Fail("stack underflow");
      Value* v = New(Value::kTuple);
      v->items.assign(stack_.end() - n, stack_.end());
      stack_.resize(stack_.size() - n);
      Grow(v, v->items.data(), v->items.size());
      return Push(v);
    }
    case APPEND: {
      Value *item, *list;
      if (!Pop(item) || !Top(list)) return false;
      if (list->kind == Value::kList) {
        list->items.push_back(item);
        Grow(list, &item, 1);
      } else {
        MarkUse(list, kUseItemsAdded);
      }
      return true;
    }
    case APPENDS:
    case SETITEMS:
    case ADDITEMS: {
      std::vector<Value*> items;
      if (!PopMark(items)) return false;
      Value* target;
      if (!Top(target)) return false;
      if (code == SETITEMS && items.size() % 2) return Fail("odd number of items for SETITEMS");
      bool native = (code == APPENDS && target->kind == Value::kList) ||
                    (code == SETITEMS && target->kind == Value::kDict) ||
                    (code == ADDITEMS && target->kind == Value::kSet);
      if (native) {
        target->items.insert(target->items.end(), items.begin(), items.end());
        Grow(target, items.data(), items.size());
      } else if (!items.empty() || code == SETITEMS) {
        MarkUse(target, kUseItemsAdded);
      }
      return true;
    }
    case SETITEM: {
      Value *value, *key, *dict;
      if (!Pop(value) || !Pop(key) || !Top(dict)) return false;
      if (dict->kind == Value::kDict) {
        dict->items.push_back(key);
        dict->items.push_back(value);
        Value* kv[] = {key, value};
        Grow(dict, kv, 2);
      } else {
        MarkUse(dict, kUseItemsAdded);
      }
      return true;
    }
    case GET:
    case BINGET:
    case LONG_BINGET: {
      uint64_t key;
      if (code == GET) {
        std::string_view line;
        int64_t v;
        bool big;
        if (!ReadLine(line)) return false;
        if (!ParseDecimal(line, v, big) || big || v < 0) return Fail("invalid GET argument");
        key = v;
      } else if (!ReadUint(code == BINGET ? 1 : 4, key)) {
        return false;
      }
      return MemoGet(key);
    }
    case PUT:
    case BINPUT:
    case LONG_BINPUT: {
      uint64_t key;
      if (code == PUT) {
        std::string_view line;
        int64_t v;
        bool big;
        if (!ReadLine(line)) return false;
        if (!ParseDecimal(line, v, big) || big) return Fail("invalid PUT argument");
        if (v < 0) return Fail("negative PUT argument");
        key = v;
      } else if (!ReadUint(code == BINPUT ? 1 : 4, key)) {
        return false;
      }
      Value* v;
      return Top(v) && MemoPut(key, v);
    }
    case MEMOIZE: {
      Value* v;
      return Top(v) && MemoPut(memo_.size(), v);
    }
    case GLOBAL:
    case INST: {
      std::string_view module, name;
      if (!ReadLine(module) || !ReadLine(name)) return false;
      int32_t index;
      if (!ResolveGlobal(module, name, info->name.data(), false, index)) return false;
      Value* g = New(Value::kGlobal);
      g->global = index;
      if (code == GLOBAL) return Push(g);
      Value* args = New(Value::kTuple);
      if (!PopMark(args->items)) return false;
      return Call(g, args, kUseCalled, "INST");
    }
    case STACK_GLOBAL: {
      Value *name, *module;
      if (!Pop(name) || !Pop(module)) return false;
      // Operands whose value only exists at load time (a global's value, a
      // call result, a persistent object) make the callable unknowable.
      auto unknowable = [](const Value* v) {
        return v->computed || v->kind == Value::kGlobal || v->kind == Value::kObject ||
               v->kind == Value::kPersistent || v->kind == Value::kUnknown ||
               v->kind == Value::kBuffer;
      };
      bool computed = unknowable(module) || unknowable(name);
      if (!computed && (module->kind != Value::kStr || name->kind != Value::kStr)) {
        return Fail("STACK_GLOBAL requires str operands, got " + DescribeValue(module) + " and " +
                    DescribeValue(name));
      }
      std::string mod_text = module->kind == Value::kStr ? std::string(module->text)
                                                         : "<" + DescribeValue(module) + ">";
      std::string name_text =
          name->kind == Value::kStr ? std::string(name->text) : "<" + DescribeValue(name) + ">";
      int32_t index;
      if (!ResolveGlobal(mod_text, name_text, "STACK_GLOBAL", computed, index)) return false;
      Value* g = New(Value::kGlobal);
      g->global = index;
      return Push(g);
    }
    case REDUCE: {
      Value *args, *callee;
      if (!Pop(args) || !Pop(callee)) return false;
      return Call(callee, args, kUseCalled, "REDUCE");
    }
    case NEWOBJ: {
      Value *args, *cls;
      if (!Pop(args) || !Pop(cls)) return false;
      return Call(cls, args, kUseNewObj, "NEWOBJ");
    }
    case NEWOBJ_EX: {
      Value *kwargs, *args, *cls;
      if (!Pop(kwargs) || !Pop(args) || !Pop(cls)) return false;
      return Call(cls, args, kUseNewObj, "NEWOBJ_EX");
    }
    case OBJ: {
      std::vector<Value*> items;
      if (!PopMark(items)) return false;
      if (items.empty()) return Fail("OBJ without a class");
      Value* args = New(Value::kTuple);
      args->items.assign(items.begin() + 1, items.end());
      return Call(items[0], args, kUseCalled, "OBJ");
    }
    case BUILD: {
      Value *state, *inst;
      if (!Pop(state) || !Top(inst)) return false;
      if (inst->kind == Value::kGlobal) {
        MarkUse(inst, kUseMutated);
      } else if (inst->kind == Value::kObject) {
        MarkUse(inst, kUseBuilt);
        inst->state = state;
        if (options_.joblib_arrays && !MaybeReadJoblibArray(inst)) return false;
      } else if (inst->kind == Value::kPersistent || inst->kind == Value::kUnknown) {
        out_.dynamic_calls.push_back(
            {op_offset_, "BUILD", "__setstate__ of " + DescribeValue(inst)});
      }
      return true;
    }
    case PERSID: {
      std::string_view line;
      if (!ReadLine(line)) return false;
      return Push(New(Value::kPersistent));
    }
    case BINPERSID: {
      Value* pid;
      if (!Pop(pid)) return false;
      Value* v = New(Value::kPersistent);
      v->args = pid;
      return Push(v);
    }
    case EXT1:
    case EXT2:
    case EXT4: {
      uint64_t ext;
      if (!ReadUint(code == EXT1 ? 1 : code == EXT2 ? 2 : 4, ext)) return false;
      int32_t index;
      ResolveGlobal("<copyreg extension registry>", std::to_string(ext), info->name.data(), true,
                    index);
      Note(
          "extension-registry lookup: the callable depends on the loading process's copyreg state");
      Value* g = New(Value::kGlobal);
      g->global = index;
      return Push(g);
    }
    case PROTO: {
      uint64_t p;
      if (!ReadUint(1, p)) return false;
      if (saw_proto_) Note("duplicate PROTO opcode");
      if (op_offset_ != out_.start) Note("PROTO is not the first opcode");
      saw_proto_ = true;
      if (p > 5) return Fail("unsupported pickle protocol: " + std::to_string(p));
      proto_ = static_cast<int>(p);
      return true;
    }
    case FRAME: {
      uint64_t n;
      if (!ReadUint(8, n)) return false;
      if (frame_end_) Note("FRAME starts before the previous frame ended");
      if (n > data_.size() - pos_) {
        Note("FRAME length runs past the end of the data");
        frame_end_ = 0;
      } else {
        frame_end_ = n ? pos_ + n : 0;
      }
      return true;
    }
    case NEXT_BUFFER: {
      Note("NEXT_BUFFER needs out-of-band buffers; plain pickle.loads fails here");
      return Push(New(Value::kBuffer));
    }
    case READONLY_BUFFER: {
      Value* v;
      return Top(v);
    }
  }
  return Fail("unhandled opcode " + std::string(info->name));
}

}  // namespace

PickleResult SimulatePickle(std::string_view data, uint64_t start, const ScanLimits& limits,
                            const VmOptions& options) {
  PickleResult result;
  if (start > data.size()) start = data.size();
  Machine machine(data, start, limits, options, result);
  machine.Run();
  return result;
}

}  // namespace picket::scan

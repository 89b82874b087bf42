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
#include "scan/numpy_dtype.h"
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

// What numpy makes of a pickled numpy.dtype (see Machine::PickledDtype).
struct ArrayDtype {
  enum Status { kPlain, kObject, kError, kUndecided } status = kUndecided;
  bool object_type = false;  // the type itself is object (elsize 8)
  bool flexible = false;     // S/U/V or structured: elsize comes from the state
  int64_t itemsize = -1;
  std::string why;
};

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

  // Memory is charged to the file's budget as it is taken (values, decoded
  // strings, container slots, stack and memo growth); Run() stops at the next
  // opcode once the budget is gone.
  void Charge(uint64_t bytes) {
    charged_ += bytes;
    if (options_.budget && !options_.budget->Charge(bytes)) over_budget_ = true;
  }
  Value* New(Value::Kind kind) {
    Charge(sizeof(Value) + 16);
    arena_.emplace_back();
    arena_.back().kind = kind;
    return &arena_.back();
  }
  Value* NewText(Value::Kind kind, std::string text) {
    Charge(text.size() + 32);
    strings_.push_back(std::move(text));
    Value* v = New(kind);
    v->text = strings_.back();
    return v;
  }
  // None, True, False and () are immutable: one shared value each, so that a
  // flood of them costs no memory (as in CPython).
  Value* Constant(Value::Kind kind, int64_t value = 0) {
    Value*& slot = kind == Value::kNone    ? none_
                   : kind == Value::kTuple ? empty_tuple_
                   : value                 ? true_
                                           : false_;
    if (!slot) {
      slot = New(kind);
      slot->int_value = value;
    }
    return slot;
  }

  bool Push(Value* v) {
    if (stack_.size() >= limits_.max_stack_depth) return FailLimit("stack depth limit reached");
    if (stack_.size() == stack_.capacity()) Charge(8 * std::max<size_t>(stack_.capacity(), 16));
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

  // The reader's position, as the unpicklers move it. Inside a FRAME, reads
  // come from the frame's bytes [.., frame_end_); once it is exhausted, from
  // the file at file_pos_. The two only part ways when joblib reads array
  // bytes from the *file* while its pickle.py _Unpickler still holds the rest
  // of the frame (_Unframer): the array starts at the frame's end and the
  // frame's remaining opcodes run afterwards. Until then reading is linear,
  // which is also how CPython's C unpickler treats frames (an opcode may
  // cross a frame's end there); after it, crossing the frame's end is
  // pickle.py's "pickle exhausted before end of frame".
  bool EnterFileIfFrameDone() {
    if (in_frame_ && pos_ >= frame_end_) {
      in_frame_ = false;
      pos_ = file_pos_;
    }
    return true;
  }
  bool FrameCrossing(uint64_t end) {
    if (!in_frame_ || end <= frame_end_) return true;
    if (file_pos_ != frame_end_) return Fail("pickle exhausted before end of frame");
    Note("opcode crosses a FRAME boundary (CPython's C unpickler accepts, pickle.py rejects)");
    in_frame_ = false;
    return true;
  }
  // Argument readers: each returns false (after Fail) when the data ends.
  bool Read(size_t n, std::string_view& out) {
    if (n > 0) EnterFileIfFrameDone();
    if (n > data_.size() - pos_) return Fail("pickle data was truncated");
    if (!FrameCrossing(pos_ + n)) return false;
    out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadLine(std::string_view& line) {
    EnterFileIfFrameDone();
    size_t nl = data_.find('\n', pos_);
    if (nl == std::string_view::npos) return Fail("pickle data was truncated (no newline)");
    if (!FrameCrossing(nl + 1)) return false;
    line = data_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return true;
  }
  // Where the file (not the frame) is read next: joblib's array bytes.
  uint64_t FilePos() const { return in_frame_ ? file_pos_ : pos_; }
  void SetFilePos(uint64_t at) {
    if (in_frame_) {
      file_pos_ = at;
    } else {
      pos_ = at;
    }
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
    Charge(16 * n);  // the container's slots, with vector slack
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
  bool IsJoblibWrapper(const Value* v) const;
  void SetWrapperAttributesFromCall(Value* wrapper, const Value* args);
  bool MergeWrapperState(Value* wrapper, Value* state);
  Value* WrapperAttribute(Value* wrapper, std::string_view name);
  ArrayDtype PickledDtype(const Value* dtype, int depth);
  ArrayDtype ApplyDtypeState(const ArrayDtype& base, const Value* state, int depth);
  bool ReadJoblibArray(Value* inst);
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
  bool in_frame_ = false;
  uint64_t frame_end_ = 0;  // end of the current frame's bytes
  uint64_t file_pos_ = 0;   // where the file continues after the frame
  std::deque<Value> arena_;
  std::deque<std::string> strings_;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  // The memo as CPython keeps it (a table indexed by key); keys far beyond
  // the filled part go to a side map instead of a huge table.
  std::vector<Value*> memo_;
  std::unordered_map<uint64_t, Value*> sparse_memo_;
  uint64_t memo_count_ = 0;
  Value* none_ = nullptr;
  Value* true_ = nullptr;
  Value* false_ = nullptr;
  Value* empty_tuple_ = nullptr;
  uint64_t charged_ = 0;
  bool over_budget_ = false;

 public:
  ~Machine() {
    if (options_.budget) options_.budget->Release(charged_);
  }

 private:
  // joblib: attributes of NumpyArrayWrapper instances, BUILDs per dtype.
  std::unordered_map<const Value*, std::vector<std::pair<std::string, Value*>>> wrapper_attrs_;
  std::unordered_map<const Value*, uint32_t> dtype_builds_;
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
    if (use == kUseCalled && IsJoblibWrapper(callee)) SetWrapperAttributesFromCall(result, args);
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
  Value** slot;
  if (key < memo_.size() || key < 2 * memo_.size() + 1024) {
    if (key >= memo_.size()) {
      size_t grown = std::max<size_t>(key + 1, 2 * memo_.size());
      Charge(8 * (grown - memo_.size()));
      memo_.resize(grown, nullptr);
    }
    slot = &memo_[key];
    if (!*slot && !sparse_memo_.empty()) {
      if (auto it = sparse_memo_.find(key); it != sparse_memo_.end()) {
        *slot = it->second;  // the key was stored sparse before the table grew
        sparse_memo_.erase(it);
      }
    }
  } else {
    auto [it, inserted] = sparse_memo_.emplace(key, nullptr);
    if (inserted) Charge(64);
    slot = &it->second;
  }
  if (!*slot) {
    if (memo_count_ >= limits_.max_memo_entries) return FailLimit("memo size limit reached");
    ++memo_count_;
  }
  *slot = v;
  return true;
}

bool Machine::MemoGet(uint64_t key) {
  Value* v = nullptr;
  if (key < memo_.size()) v = memo_[key];
  if (!v) {
    if (auto it = sparse_memo_.find(key); it != sparse_memo_.end()) v = it->second;
  }
  if (!v) return Fail("memo key " + std::to_string(key) + " not found");
  return Push(v);
}

// ---- joblib arrays (joblib/numpy_pickle.py NumpyArrayWrapper.read_array)

namespace {

ArrayDtype FromInfo(const DtypeInfo& d) {
  ArrayDtype a;
  a.why = d.why;
  switch (d.status) {
    case DtypeInfo::kPlain:
      a.status = ArrayDtype::kPlain;
      break;
    case DtypeInfo::kObject:
      a.status = ArrayDtype::kObject;
      a.object_type = !d.flexible;
      break;
    case DtypeInfo::kError:
      a.status = ArrayDtype::kError;
      return a;
    case DtypeInfo::kUndecided:
      a.status = ArrayDtype::kUndecided;
      return a;
  }
  a.flexible = d.flexible;
  a.itemsize = a.object_type ? 8 : d.itemsize;
  return a;
}

// Python truthiness of a small value, or -1 when picket cannot tell.
int Truthy(const Value* v) {
  switch (v->kind) {
    case Value::kNone:
      return 0;
    case Value::kBool:
    case Value::kInt:
      return v->big_int || v->int_value != 0;
    case Value::kStr:
    case Value::kBytes:
      return !v->text.empty();
    case Value::kTuple:
    case Value::kList:
    case Value::kDict:
    case Value::kSet:
    case Value::kFrozenSet:
      return !v->items.empty();
    default:
      return -1;
  }
}

bool IntLike(const Value* v) {
  return (v->kind == Value::kInt && !v->big_int) || v->kind == Value::kBool;
}

}  // namespace

bool Machine::IsJoblibWrapper(const Value* v) const {
  const GlobalRecord* cls = GlobalOf(v);
  return cls && cls->name == "NumpyArrayWrapper" &&
         (cls->module == "joblib.numpy_pickle" ||
          cls->module == "sklearn.externals.joblib.numpy_pickle");
}

// NumpyArrayWrapper(subclass, shape, order, dtype, allow_mmap=False,
// numpy_array_alignment_bytes=16) called by REDUCE/INST/OBJ: __init__ sets
// the attributes from the positional arguments.
void Machine::SetWrapperAttributesFromCall(Value* wrapper, const Value* args) {
  static constexpr std::string_view kNames[] = {
      "subclass", "shape", "order", "dtype", "allow_mmap", "numpy_array_alignment_bytes"};
  auto& attrs = wrapper_attrs_[wrapper];
  attrs.clear();
  for (size_t i = 0; i < std::size(kNames); ++i) {
    Value* v = args && i < args->items.size() ? args->items[i] : nullptr;
    if (!v && i == 5) {
      v = New(Value::kInt);
      v->int_value = 16;
    }
    if (v) attrs.emplace_back(std::string(kNames[i]), v);
  }
}

// pickle.py's load_build on an object without __setstate__: a (state,
// slotstate) pair is split; a truthy state must be a dict merged into
// __dict__, a truthy slotstate is applied with setattr.
bool Machine::MergeWrapperState(Value* wrapper, Value* state) {
  auto& attrs = wrapper_attrs_[wrapper];

  auto merge = [&](const Value* dict, bool setattr) {
    if (Truthy(dict) == 0) return true;  // unknown truthiness counts as true
    if (dict->kind != Value::kDict) {
      return Fail("NumpyArrayWrapper state is not a dict (pickle.py's BUILD raises)");
    }
    for (size_t i = 0; i + 1 < dict->items.size(); i += 2) {
      const Value* k = dict->items[i];
      if (k->kind != Value::kStr) {
        if (setattr) return Fail("setattr with a non-str name");
        continue;  // lands in __dict__ but is no attribute
      }
      bool replaced = false;
      for (auto& [name, value] : attrs) {
        if (name == k->text) {
          value = dict->items[i + 1];
          replaced = true;
        }
      }
      if (!replaced) attrs.emplace_back(std::string(k->text), dict->items[i + 1]);
    }
    return true;
  };
  if (state->kind == Value::kTuple && state->items.size() == 2) {
    return merge(state->items[0], false) && merge(state->items[1], true);
  }
  return merge(state, false);
}

Value* Machine::WrapperAttribute(Value* wrapper, std::string_view name) {
  for (auto& [n, v] : wrapper_attrs_[wrapper]) {
    if (n == name) return v;
  }
  return nullptr;
}

// What numpy makes of numpy.dtype(*args) followed by __setstate__(state)
// (descriptor.c arraydescr_setstate): whether the array holds objects (then
// joblib unpickles its body) and its element size.
ArrayDtype Machine::PickledDtype(const Value* v, int depth) {
  ArrayDtype unknown;
  if (depth > 8) {
    unknown.why = "dtype nests too deeply";
    return unknown;
  }
  const GlobalRecord* g = v->kind == Value::kObject && v->callee ? GlobalOf(v->callee) : nullptr;
  if (!g || g->name != "dtype" ||
      (g->module != "numpy" && g->module != "numpy.core.multiarray" &&
       g->module != "numpy._core.multiarray")) {
    unknown.why = "the array's dtype is not a numpy.dtype(...) call";
    return unknown;
  }
  const Value* args = v->args;
  if (!args || args->kind != Value::kTuple || args->items.empty()) {
    unknown.why = "numpy.dtype() without arguments";
    return unknown;
  }
  const Value* spec = args->items[0];
  ArrayDtype base;
  if (spec->kind == Value::kStr || spec->kind == Value::kBytes) {
    base = FromInfo(DtypeFromString(spec->text));
  } else if (spec->kind == Value::kObject) {
    base = PickledDtype(spec, depth + 1);
  } else if (const GlobalRecord* type = GlobalOf(spec); type && spec->kind == Value::kGlobal) {
    // Python and numpy scalar types: numpy.dtype(object), numpy.dtype(numpy.float64).
    std::string name = type->name;
    if ((type->module == "builtins" && name == "object") ||
        (type->module == "numpy" && (name == "object_" || name == "object0"))) {
      base = FromInfo(DtypeFromString("O"));
    } else if (type->module == "numpy" || type->module == "builtins") {
      if (type->module == "builtins" && name == "bool") name = "bool_";
      DtypeInfo d = DtypeFromString(name);
      base = d.status == DtypeInfo::kError ? unknown : FromInfo(d);
    } else {
      base = unknown;
    }
    if (base.status == ArrayDtype::kUndecided && base.why.empty()) {
      base.why = "numpy.dtype() of " + type->module + "." + type->name;
    }
  } else {
    unknown.why = "numpy.dtype() of " + DescribeValue(spec);
    return unknown;
  }
  if (base.status == ArrayDtype::kError || base.status == ArrayDtype::kUndecided) return base;
  const Value* state = v->state;
  if (!state) return base;
  if (dtype_builds_[v] > 1) {
    unknown.why = "dtype state set more than once";
    return unknown;
  }
  int copy = args->items.size() >= 3 ? Truthy(args->items[2]) : 0;
  ArrayDtype applied = ApplyDtypeState(base, state, depth);
  if (copy == 1) return applied;
  // Without copy=True numpy may hand out its shared built-in descriptor,
  // whose __setstate__ does nothing: decidable only when both agree.
  if (applied.status == base.status && applied.itemsize == base.itemsize) return applied;
  unknown.why = "dtype made without copy=True and then given a state";
  return unknown;
}

ArrayDtype Machine::ApplyDtypeState(const ArrayDtype& base, const Value* state, int depth) {
  ArrayDtype error;
  error.status = ArrayDtype::kError;
  ArrayDtype unknown;
  if (state->kind != Value::kTuple || state->items.size() < 5 || state->items.size() > 9) {
    error.why = "invalid dtype state";
    return error;
  }
  const auto& it = state->items;
  size_t n = it.size();
  // Field positions by tuple size (n == 5 has no version: it is 0).
  size_t at_endian = n == 5 ? 0 : 1,
         at_fields = n == 5   ? 2
                     : n == 6 ? 3
                              : 4,
         at_elsize = n == 5   ? 3
                     : n == 6 ? 4
                              : 5;
  int64_t version = 0;
  if (n != 5) {
    if (!IntLike(it[0])) {
      error.why = "dtype state version is not an int";
      return error;
    }
    version = it[0]->int_value;
  }
  if (version < 0 || version > 4) {
    error.why = "can't handle version " + std::to_string(version) + " of numpy.dtype pickle";
    return error;
  }
  const Value* endian = it[at_endian];
  if ((endian->kind != Value::kStr && endian->kind != Value::kBytes) || endian->text.size() != 1) {
    error.why = "endian is not a 1-char string";
    return error;
  }
  if (!IntLike(it[at_elsize]) || !IntLike(it[at_elsize + 1])) {
    error.why = "dtype state elsize/alignment is not an int";
    return error;
  }
  int64_t flags = 0;
  if (n >= 8) {
    if (!IntLike(it[7])) {
      error.why = "dtype state flags are not an int";
      return error;
    }
    flags = it[7]->int_value;
  }
  const Value* fields = it[at_fields];
  if (fields->kind != Value::kNone && fields->kind != Value::kDict) {
    error.why = "non-dict fields in dtype state";
    return error;
  }
  if (n >= 7) {
    const Value* names = it[3];
    if ((fields->kind == Value::kNone) != (names->kind == Value::kNone) ||
        (names->kind != Value::kNone && names->kind != Value::kTuple)) {
      error.why = "inconsistent fields and names in dtype state";
      return error;
    }
  } else if (fields->kind != Value::kNone) {
    unknown.why = "version 0/1 dtype state with fields";
    return unknown;
  }
  ArrayDtype out = base;
  if (version >= 3) {
    // NPY_ITEM_HASOBJECT is bit 0 of the flags the state carries.
    out.status = (flags & 1) ? ArrayDtype::kObject : ArrayDtype::kPlain;
  } else {
    // _descr_find_object: flags, an object type, or an object field.
    bool object = flags != 0 || base.object_type;
    if (fields->kind == Value::kDict) {
      for (size_t i = 1; i < fields->items.size(); i += 2) {
        const Value* f = fields->items[i];
        if (f->kind != Value::kTuple || f->items.empty()) continue;
        ArrayDtype fd = PickledDtype(f->items[0], depth + 1);
        if (fd.status == ArrayDtype::kUndecided) return fd;
        object |= fd.status == ArrayDtype::kObject;
      }
    } else if (base.status == ArrayDtype::kObject) {
      object = true;  // fields built by the constructor stay
    }
    out.status = object ? ArrayDtype::kObject : ArrayDtype::kPlain;
  }
  // Flexible types (S, U, V, structured) take their element size from the
  // state; the others keep their own.
  if (base.flexible) out.itemsize = it[at_elsize]->int_value;
  return out;
}

// joblib writes an array's raw bytes right after the BUILD of its
// NumpyArrayWrapper; NumpyUnpickler.load_build then calls read_array, which
// reads from the *file*: object arrays with pickle.load (the C unpickler),
// others as an optional padding byte + padding, then count * itemsize bytes.
bool Machine::ReadJoblibArray(Value* inst) {
  out_.used_joblib_arrays = true;
  Value* shape = WrapperAttribute(inst, "shape");
  Value* dtype = WrapperAttribute(inst, "dtype");
  Value* alignment = WrapperAttribute(inst, "numpy_array_alignment_bytes");
  Value* subclass = WrapperAttribute(inst, "subclass");
  if (!shape || !dtype) return Fail("NumpyArrayWrapper without shape or dtype (joblib raises)");
  // A subclass other than ndarray/memmap is rebuilt with _reconstruct and
  // its __array_prepare__ is called.
  if (const GlobalRecord* sub = GlobalOf(subclass);
      sub && subclass->kind == Value::kGlobal &&
      !(sub->module == "numpy" && (sub->name == "ndarray" || sub->name == "memmap"))) {
    MarkUse(subclass, kUseNewObj);
  }
  // count = multiply.reduce([np.int64(x) for x in shape]), wrapping as int64.
  int64_t count = 1;
  if (shape->kind != Value::kTuple && shape->kind != Value::kList) {
    return Fail("NumpyArrayWrapper shape is " + DescribeValue(shape) + "; picket cannot follow it");
  }
  for (const Value* d : shape->items) {
    int64_t x;
    if (IntLike(d)) {
      x = d->int_value;
    } else {
      return Fail("NumpyArrayWrapper shape holds " + DescribeValue(d) +
                  "; picket cannot follow it");
    }
    count = static_cast<int64_t>(static_cast<uint64_t>(count) * static_cast<uint64_t>(x));
  }
  ArrayDtype facts = PickledDtype(dtype, 0);
  if (facts.status == ArrayDtype::kUndecided) {
    return Fail("cannot tell how joblib reads this array: " + facts.why);
  }
  if (facts.status == ArrayDtype::kError)
    return Fail("numpy refuses the array's dtype: " + facts.why);
  uint64_t at = FilePos();
  if (facts.status == ArrayDtype::kObject) {
    // An object array is a complete pickle read by pickle.load from the file.
    if (options_.nesting + 1 > limits_.max_nesting)
      return FailLimit("pickle nesting limit reached");
    VmOptions nested = options_;
    nested.nesting++;
    PickleResult sub = SimulatePickle(data_, at, limits_, nested);
    for (auto& g : sub.globals) out_.globals.push_back(std::move(g));
    for (auto& d : sub.dynamic_calls) out_.dynamic_calls.push_back(std::move(d));
    for (auto& n : sub.nested) out_.nested.push_back(std::move(n));
    for (auto& a : sub.anomalies) out_.anomalies.push_back(std::move(a));
    out_.opcode_count += sub.opcode_count;
    if (!sub.error.empty()) {
      out_.limit_hit |= sub.limit_hit;
      return Fail("in joblib object array: " + sub.error);
    }
    if (sub.frame_after_stop) {
      return Fail(
          "a FRAME in a joblib object array runs past its STOP; where joblib reads next "
          "depends on buffering");
    }
    SetFilePos(sub.end);
    return true;
  }
  // Padding is read whenever numpy_array_alignment_bytes is not None.
  if (alignment && alignment->kind != Value::kNone && at < data_.size()) {
    uint64_t pad = static_cast<uint8_t>(data_[at]);
    at = std::min<uint64_t>(at + 1 + pad, data_.size());
  }
  if (facts.itemsize <= 0)
    return Fail("joblib array with element size " + std::to_string(facts.itemsize));
  if (count < 0) return Fail("negative joblib array size (numpy.empty raises)");
  uint64_t ucount = static_cast<uint64_t>(count);
  if (ucount != 0 && static_cast<uint64_t>(facts.itemsize) > UINT64_MAX / ucount) {
    return Fail("joblib array size overflows");
  }
  uint64_t bytes = ucount * static_cast<uint64_t>(facts.itemsize);
  if (bytes > data_.size() - at) return Fail("joblib array data truncated");
  SetFilePos(at + bytes);
  return true;
}

void Machine::Run() {
  while (true) {
    EnterFileIfFrameDone();
    if (pos_ >= data_.size()) {
      Fail(out_.opcode_count == 0 ? "empty pickle" : "pickle data was truncated (no STOP)");
      break;
    }
    if (++out_.opcode_count > limits_.max_opcodes) {
      FailLimit("opcode limit reached");
      break;
    }
    if (options_.budget && (out_.opcode_count & 4095) == 0 && options_.budget->Expired()) {
      FailLimit("time budget for this file exhausted");
      break;
    }
    std::string_view opcode;
    op_offset_ = pos_;
    if (!Read(1, opcode)) break;
    bool ok = Step(static_cast<uint8_t>(opcode[0]));
    if (over_budget_) {
      FailLimit("memory budget exhausted (--max-memory)");
      break;
    }
    if (!ok || out_.stopped) break;
  }
  // A frame that the C unpickler read whole but that goes on after STOP
  // leaves the file position to the loader's buffering.
  if (out_.stopped && in_frame_ && frame_end_ > pos_) out_.frame_after_stop = true;
  out_.end = in_frame_ && file_pos_ > frame_end_ ? file_pos_ : pos_;
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
        return Push(Constant(Value::kBool, line == "01"));
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
      return Push(Constant(Value::kNone));
    case NEWTRUE:
    case NEWFALSE:
      return Push(Constant(Value::kBool, code == NEWTRUE));
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
      return Push(Constant(Value::kTuple));
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
      return Top(v) && MemoPut(memo_count_, v);
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
        if (dtype_builds_[inst]++ == 0) Charge(48);
        if (options_.joblib_arrays && IsJoblibWrapper(inst)) {
          if (!MergeWrapperState(inst, state) || !ReadJoblibArray(inst)) return false;
        }
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
      if (in_frame_ && pos_ < frame_end_) {
        // pickle.py refuses this; the C unpickler reads the new frame from
        // here on. Only the former applies once joblib moved the file.
        if (file_pos_ != frame_end_)
          return Fail("beginning of a new frame before end of current frame");
        Note("FRAME starts before the previous frame ended");
      }
      EnterFileIfFrameDone();
      if (n > data_.size() - pos_) {
        Note("FRAME length runs past the end of the data");
        n = data_.size() - pos_;
      }
      in_frame_ = true;
      frame_end_ = pos_ + n;
      file_pos_ = frame_end_;
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

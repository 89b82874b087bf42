// Opcode table; see opcodes.h.
#include "scan/opcodes.h"

#include <array>

namespace picket::scan {
namespace {

constexpr OpcodeInfo kOpcodes[] = {
    {MARK, "MARK", 0, ArgKind::kNone},
    {STOP, "STOP", 0, ArgKind::kNone},
    {POP, "POP", 0, ArgKind::kNone},
    {POP_MARK, "POP_MARK", 1, ArgKind::kNone},
    {DUP, "DUP", 0, ArgKind::kNone},
    {FLOAT, "FLOAT", 0, ArgKind::kLine},
    {INT, "INT", 0, ArgKind::kLine},
    {BININT, "BININT", 1, ArgKind::kInt4},
    {BININT1, "BININT1", 1, ArgKind::kUint1},
    {LONG, "LONG", 0, ArgKind::kLine},
    {BININT2, "BININT2", 1, ArgKind::kUint2},
    {NONE, "NONE", 0, ArgKind::kNone},
    {PERSID, "PERSID", 0, ArgKind::kLine},
    {BINPERSID, "BINPERSID", 1, ArgKind::kNone},
    {REDUCE, "REDUCE", 0, ArgKind::kNone},
    {STRING, "STRING", 0, ArgKind::kLine},
    {BINSTRING, "BINSTRING", 1, ArgKind::kBytes4},
    {SHORT_BINSTRING, "SHORT_BINSTRING", 1, ArgKind::kBytes1},
    {UNICODE, "UNICODE", 0, ArgKind::kLine},
    {BINUNICODE, "BINUNICODE", 1, ArgKind::kBytes4},
    {APPEND, "APPEND", 0, ArgKind::kNone},
    {BUILD, "BUILD", 0, ArgKind::kNone},
    {GLOBAL, "GLOBAL", 0, ArgKind::kTwoLines},
    {DICT, "DICT", 0, ArgKind::kNone},
    {EMPTY_DICT, "EMPTY_DICT", 1, ArgKind::kNone},
    {APPENDS, "APPENDS", 1, ArgKind::kNone},
    {GET, "GET", 0, ArgKind::kLine},
    {BINGET, "BINGET", 1, ArgKind::kUint1},
    {INST, "INST", 0, ArgKind::kTwoLines},
    {LONG_BINGET, "LONG_BINGET", 1, ArgKind::kUint4},
    {LIST, "LIST", 0, ArgKind::kNone},
    {EMPTY_LIST, "EMPTY_LIST", 1, ArgKind::kNone},
    {OBJ, "OBJ", 1, ArgKind::kNone},
    {PUT, "PUT", 0, ArgKind::kLine},
    {BINPUT, "BINPUT", 1, ArgKind::kUint1},
    {LONG_BINPUT, "LONG_BINPUT", 1, ArgKind::kUint4},
    {SETITEM, "SETITEM", 0, ArgKind::kNone},
    {TUPLE, "TUPLE", 0, ArgKind::kNone},
    {EMPTY_TUPLE, "EMPTY_TUPLE", 1, ArgKind::kNone},
    {SETITEMS, "SETITEMS", 1, ArgKind::kNone},
    {BINFLOAT, "BINFLOAT", 1, ArgKind::kFloat8},
    {PROTO, "PROTO", 2, ArgKind::kUint1},
    {NEWOBJ, "NEWOBJ", 2, ArgKind::kNone},
    {EXT1, "EXT1", 2, ArgKind::kUint1},
    {EXT2, "EXT2", 2, ArgKind::kUint2},
    {EXT4, "EXT4", 2, ArgKind::kInt4},
    {TUPLE1, "TUPLE1", 2, ArgKind::kNone},
    {TUPLE2, "TUPLE2", 2, ArgKind::kNone},
    {TUPLE3, "TUPLE3", 2, ArgKind::kNone},
    {NEWTRUE, "NEWTRUE", 2, ArgKind::kNone},
    {NEWFALSE, "NEWFALSE", 2, ArgKind::kNone},
    {LONG1, "LONG1", 2, ArgKind::kLong1},
    {LONG4, "LONG4", 2, ArgKind::kLong4},
    {BINBYTES, "BINBYTES", 3, ArgKind::kBytes4},
    {SHORT_BINBYTES, "SHORT_BINBYTES", 3, ArgKind::kBytes1},
    {SHORT_BINUNICODE, "SHORT_BINUNICODE", 4, ArgKind::kBytes1},
    {BINUNICODE8, "BINUNICODE8", 4, ArgKind::kBytes8},
    {BINBYTES8, "BINBYTES8", 4, ArgKind::kBytes8},
    {EMPTY_SET, "EMPTY_SET", 4, ArgKind::kNone},
    {ADDITEMS, "ADDITEMS", 4, ArgKind::kNone},
    {FROZENSET, "FROZENSET", 4, ArgKind::kNone},
    {NEWOBJ_EX, "NEWOBJ_EX", 4, ArgKind::kNone},
    {STACK_GLOBAL, "STACK_GLOBAL", 4, ArgKind::kNone},
    {MEMOIZE, "MEMOIZE", 4, ArgKind::kNone},
    {FRAME, "FRAME", 4, ArgKind::kUint8},
    {BYTEARRAY8, "BYTEARRAY8", 5, ArgKind::kBytes8},
    {NEXT_BUFFER, "NEXT_BUFFER", 5, ArgKind::kNone},
    {READONLY_BUFFER, "READONLY_BUFFER", 5, ArgKind::kNone},
};
static_assert(std::size(kOpcodes) == 68, "pickle protocols 0-5 define 68 opcodes");

// Dense byte -> entry index, built once.
struct Table {
  std::array<const OpcodeInfo*, 256> by_byte{};
  Table() {
    for (const OpcodeInfo& info : kOpcodes) by_byte[info.code] = &info;
  }
};

}  // namespace

const OpcodeInfo* LookupOpcode(uint8_t byte) {
  static const Table table;
  return table.by_byte[byte];
}

}  // namespace picket::scan

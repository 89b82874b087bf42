// The pickle opcode table of protocols 0-5 (68 opcodes), as defined by CPython
// Lib/pickletools.py. Contract: LookupOpcode(byte) returns the description of
// a valid opcode byte, or nullptr for every byte that CPython rejects.
#pragma once
#include <cstdint>
#include <string_view>

namespace picket::scan {

// How the argument bytes that follow an opcode are encoded.
enum class ArgKind : uint8_t {
  kNone,
  kUint1,     // 1 byte unsigned
  kUint2,     // 2 bytes little-endian
  kInt4,      // 4 bytes little-endian signed
  kUint4,     // 4 bytes little-endian unsigned
  kUint8,     // 8 bytes little-endian unsigned (FRAME)
  kFloat8,    // 8 bytes big-endian IEEE double
  kLine,      // text up to and including '\n'
  kTwoLines,  // "module\nname\n" (GLOBAL, INST)
  kBytes1,    // uint1 length + data
  kBytes4,    // uint4 length + data (signed int4 for BINSTRING)
  kBytes8,    // uint8 length + data
  kLong1,     // uint1 length + two's complement little-endian
  kLong4,     // int4 length + two's complement little-endian
};

enum Op : uint8_t {
  MARK = '(',
  STOP = '.',
  POP = '0',
  POP_MARK = '1',
  DUP = '2',
  FLOAT = 'F',
  INT = 'I',
  BININT = 'J',
  BININT1 = 'K',
  LONG = 'L',
  BININT2 = 'M',
  NONE = 'N',
  PERSID = 'P',
  BINPERSID = 'Q',
  REDUCE = 'R',
  STRING = 'S',
  BINSTRING = 'T',
  SHORT_BINSTRING = 'U',
  UNICODE = 'V',
  BINUNICODE = 'X',
  APPEND = 'a',
  BUILD = 'b',
  GLOBAL = 'c',
  DICT = 'd',
  EMPTY_DICT = '}',
  APPENDS = 'e',
  GET = 'g',
  BINGET = 'h',
  INST = 'i',
  LONG_BINGET = 'j',
  LIST = 'l',
  EMPTY_LIST = ']',
  OBJ = 'o',
  PUT = 'p',
  BINPUT = 'q',
  LONG_BINPUT = 'r',
  SETITEM = 's',
  TUPLE = 't',
  EMPTY_TUPLE = ')',
  SETITEMS = 'u',
  BINFLOAT = 'G',
  PROTO = 0x80,
  NEWOBJ = 0x81,
  EXT1 = 0x82,
  EXT2 = 0x83,
  EXT4 = 0x84,
  TUPLE1 = 0x85,
  TUPLE2 = 0x86,
  TUPLE3 = 0x87,
  NEWTRUE = 0x88,
  NEWFALSE = 0x89,
  LONG1 = 0x8a,
  LONG4 = 0x8b,
  BINBYTES = 'B',
  SHORT_BINBYTES = 'C',
  SHORT_BINUNICODE = 0x8c,
  BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e,
  EMPTY_SET = 0x8f,
  ADDITEMS = 0x90,
  FROZENSET = 0x91,
  NEWOBJ_EX = 0x92,
  STACK_GLOBAL = 0x93,
  MEMOIZE = 0x94,
  FRAME = 0x95,
  BYTEARRAY8 = 0x96,
  NEXT_BUFFER = 0x97,
  READONLY_BUFFER = 0x98,
};

struct OpcodeInfo {
  uint8_t code;
  std::string_view name;
  uint8_t protocol;  // protocol that introduced it
  ArgKind arg;
};

const OpcodeInfo* LookupOpcode(uint8_t byte);

}  // namespace picket::scan

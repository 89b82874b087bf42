#!/usr/bin/python3
"""Reference answers from the real Python / numpy code, for picket's differential tests.

picket re-implements, in C++, what a loader does with a header it parses: ast.literal_eval,
numpy.dtype(str) and numpy's .npy header reading. The tests ask this script what CPython and the
installed numpy answer for many generated inputs and compare. Nothing here loads a model file or
unpickles anything; inputs are short strings and .npy headers (no array data).

Usage (one JSON object per output line):
  oracle.py literal SEED COUNT   -> {"src": hex, "ok": bool, "canon": str}
  oracle.py dtype SEED COUNT     -> {"s": hex(utf-8), "status": "object"|"plain"|"error", "itemsize": n}
  oracle.py npy SEED COUNT       -> {"file": hex, "status": "object"|"plain"|"error"}
"""
import ast
import io
import json
import random
import sys
import warnings

warnings.simplefilter("ignore")


def canon(v):
    """A rendering the C++ test reproduces exactly (see py_literal_test.cc)."""
    if v is None:
        return "N"
    if v is Ellipsis:
        return "E"
    if isinstance(v, bool):
        return "B1" if v else "B0"
    if isinstance(v, int):
        return "I:big" if abs(v) >= 2 ** 63 else "I%d" % v
    if isinstance(v, float):
        return "F%.17g" % v
    if isinstance(v, complex):
        return "C%.17g,%.17g" % (v.real, v.imag)
    if isinstance(v, str):
        return "S" + v.encode("utf-8", "surrogatepass").hex()
    if isinstance(v, bytes):
        return "Y" + v.hex()
    if isinstance(v, tuple):
        return "T(" + ",".join(canon(x) for x in v) + ")"
    if isinstance(v, list):
        return "L(" + ",".join(canon(x) for x in v) + ")"
    if isinstance(v, set):
        return "Z(" + ",".join(sorted(canon(x) for x in v)) + ")"
    if isinstance(v, dict):
        return "D(" + ",".join(canon(k) + ":" + canon(x) for k, x in v.items()) + ")"
    raise TypeError(type(v))


LITERAL_SEEDS = [
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
    "{'descr': '|O', 'fortran_order': False, 'shape': (), }",
    "{'descr': [('a', '<i4'), ('b', '|O', (2, 3))], 'fortran_order': True, 'shape': (1, 2)}",
    "{'descr': '<f8', 'descr': '|O', 'fortran_order': False, 'shape': (3L,)}",
    "{'descr': '\\x7cO', \"fortran_order\": False, 'shape': (0x3, 0o7, 0b1, 1_000)}",
    "{'descr': '|' 'O', 'fortran_order': False, 'shape': (3,)}  # comment\n",
    "{'descr': u'\\u004f', 'fortran_order': 0, 'shape': [3]}",
    "{b'descr': r'|O', 'fortran_order': None, 'shape': {1, 2, 1}, 1: 1.0, True: -2j, 3: 1+2j}",
    "{'descr': '''|\nO''', 'fortran_order': ..., 'shape': set(), 'x': -1.5e-3, 'y': .5, 'z': 1.}",
    "(1, [2, (3,)], {'k': {'n': None}}), 'tail',",
    "{'descr': '\\N{LATIN CAPITAL LETTER O}', 'f': '\\N{vertical line}', 's': '\\101\\777'}",
]
ALPHABET = ["'", '"', "'''", "b", "r", "u", "f", "\\", "\\x7c", "\\u004f", "\\N{DIGIT ONE}", "L",
            "0", "1", "9", "0x", "_", ".", "e", "j", "-", "+", "(", ")", "[", "]", "{", "}", ",",
            ":", " ", "\t", "\n", "\r\n", "#c", "\\\n", "True", "None", "set()", "...", "O", "|",
            "descr"]


def mutate(rng, s):
    for _ in range(rng.randint(1, 4)):
        i = rng.randint(0, len(s))
        op = rng.random()
        if op < 0.4:
            s = s[:i] + rng.choice(ALPHABET) + s[i:]
        elif op < 0.8 and s:
            j = min(len(s), i + rng.randint(1, 4))
            s = s[:i] + s[j:]
        else:
            s = s[:i] + s[i:][::-1][: rng.randint(0, 6)][::-1] + s[i:]
    return s


def literal(seed, count):
    rng = random.Random(seed)
    cases = list(LITERAL_SEEDS)
    hand = ["\n1", "  \n  1", "1\n\n# c\n", "(\n1\n)", "1\\\n+2j", "'\\777'", "b'\\777'", "'a' b'b'",
            "-True", "- 1", "--1", "1 - -2j", "1j + 1", "(1)+2j", "...", "{1: 2, True: 3}", "01", "0_0",
            "1e", "\f1", "r'\\''", "'\\x4'", "'\\q'", "{**{}}", "f'x'", "Rb'x'", "Ur'x'", "(,)", "{,}",
            "'\\ud800'", "b'\xe9'", "'\xe9'", "1L", "1, 2", "1,", "[1,]", "{1,}", "{}", "(((((1)))))",
            "[" * 200 + "]" * 200, "[" * 201 + "]" * 201, "1 # c", "'a'\\\n'b'", "1 if 1 else 2"]
    cases += hand
    while len(cases) < count:
        cases.append(mutate(rng, rng.choice(LITERAL_SEEDS)))
    for src in cases[:count]:
        try:
            ok, c = True, canon(ast.literal_eval(src))
        except Exception:  # SyntaxError, ValueError, TypeError, MemoryError, RecursionError
            ok, c = False, ""
        print(json.dumps({"src": src.encode("utf-8", "surrogatepass").hex(), "ok": ok, "canon": c}))


def dtype_status(s):
    import numpy as np
    try:
        d = np.dtype(s)
    except Exception:
        return "error", 0
    return ("object" if d.hasobject else "plain"), d.itemsize


DTYPE_SEEDS = None


def dtype_seeds():
    import numpy as np
    names = sorted(k for k in np.sctypeDict if isinstance(k, str))
    seeds = set(names)
    for n in names:
        for order in "<>|=":
            seeds.add(order + n)
    for kind in "?bBhHiIlLqQefdgFDGOSUVamMcpP":
        for size in ("", "0", "1", "2", "4", "8", "10", "12", "16", "32", "+8", " 8", "\t4", "08", "-8",
                     "8 ", "99999999999"):
            seeds.add(kind + size)
    seeds.update(["M8[ns]", "m8[D]", "datetime64[s]", "timedelta64", "M8[", "(2,)O", "2O", "f8,O", "O,",
                  "O,f8", "(2)O", "f8, (3,)O", "(2,3)i4", "()O", "<(2,)f8", "3f8,O", "i4 , O8",
                  "O, ", "O ,", ",O", "f8,,O", "a5", "S0", "U3", "V16", "c", "object0", "Object0",
                  "O\x00", "O8\n", "", " ", "|", "<", "(,)O", "(2,)(3,)O", "[O]", "f8,(2)O", "2,O"])
    return sorted(seeds)


def dtypes(seed, count):
    rng = random.Random(seed)
    seeds = dtype_seeds()
    cases = list(seeds)
    chars = list("O8,()<>|= 0123456789fiuSUVMmbcdeg[]sD_.?") + ["object", "\t"]
    while len(cases) < count:
        s = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            i = rng.randint(0, len(s))
            if rng.random() < 0.6:
                s = s[:i] + rng.choice(chars) + s[i:]
            else:
                s = s[:i] + s[i + 1:]
        cases.append(s)
    for s in cases[:count]:
        status, size = dtype_status(s)
        print(json.dumps({"s": s.encode("utf-8", "surrogatepass").hex(), "status": status, "itemsize": size}))


NPY_DESCRS = [
    "'<f8'", "'|O'", "'O'", "'object'", "'object_'", "'object0'", "'O8'", "'|O8'", "'O+8'", "'\\x7cO'",
    "'\\u004f'", "'|' 'O'", "u'O'", "r'O'", "'f8,O'", "'(2,)O'", "'2O'", "[('a', '<f8'), ('b', '|O')]",
    "[('a', '<i4', (2,)), ('b', [('c', 'O')])]", "[(('t', 'a'), 'O')]", "[('', '|V8'), ('x', '<f4')]",
    "('|O', (2,))", "('<f8', (2,))", "('<i4', 'O')", "('O', '<i8')", "['aO']", "{'aO': 1}", "['af']",
    "[('a', 'O', 2)]", "[('a', 'f8', ())]", "[]", "['O']", "[('a',)]", "None", "3", "b'O'", "('O',)",
    "[['a', 'O']]", "[{'a': 1, 'O': 2}]", "[('a', '<U3'), ('b', '|S2'), ('c', '<M8[ns]')]",
    "'<f8', 'descr': '|O'", "'|O', 'descr': '<f8'", "'M8[D]'", "[('a', ('O', 2))]", "[('a', ('f8', 2))]",
]


def npy_header(descr, version, shape="(3,)", fortran="False", extra="", long_shape=False):
    shape_text = "(3L,)" if long_shape else shape
    text = "{'descr': %s, 'fortran_order': %s, 'shape': %s, %s}" % (descr, fortran, shape_text, extra)
    raw = text.encode("latin1" if version < 3 else "utf8", "surrogatepass")
    pre = 10 if version == 1 else 12
    pad = (64 - (pre + len(raw) + 1) % 64) % 64
    raw += b" " * pad + b"\n"
    length = len(raw).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + length + raw


def npy_status(data):
    import numpy as np
    from numpy.lib import format as fmt
    fp = io.BytesIO(data)
    try:
        version = fmt.read_magic(fp)
        fmt._check_version(version)
        _, _, d = fmt._read_array_header(fp, version, max_header_size=2 ** 64)
    except Exception:
        return "error"
    return "object" if d.hasobject else "plain"


def npys(seed, count):
    rng = random.Random(seed)
    cases = []
    for descr in NPY_DESCRS:
        for version in (1, 2, 3):
            cases.append(npy_header(descr, version))
        cases.append(npy_header(descr, 1, long_shape=True))
    cases.append(npy_header("'|O'", 1, fortran="0"))
    cases.append(npy_header("'|O'", 1, shape="[3]"))
    cases.append(npy_header("'|O'", 1, shape="(True,)"))
    cases.append(npy_header("'|O'", 1, extra="'extra': 1"))
    cases.append(npy_header("'|O'", 3, extra="# \u00e9\n"))
    while len(cases) < count:
        descr = mutate(rng, rng.choice(NPY_DESCRS))
        cases.append(npy_header(descr, rng.choice((1, 2, 3)), long_shape=rng.random() < 0.2))
    for data in cases[:count]:
        print(json.dumps({"file": data.hex(), "status": npy_status(data)}))


if __name__ == "__main__":
    kind, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    {"literal": literal, "dtype": dtypes, "npy": npys}[kind](seed, count)

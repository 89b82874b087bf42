#!/usr/bin/python3
"""`picket scan` against the real loaders (issues 15 and 16).

Contract: every malicious sample here is generated at test time with Debian's numpy, joblib,
torch and py7zr (or assembled from raw opcodes where the trick needs it) and is first *proven* to
run code under its real loader -- numpy.load, joblib.load, torch.load, pickle.load -- in a
throwaway subprocess whose only payload is creating a marker file in a temporary directory. Only
then is it scanned with `picket scan`, which must flag it (exit 1, or exit 2 where the issue asks
for inconclusive). Benign controls made by the same libraries must stay clean (exit 0), so that
each fix is shown not to flag legitimate files. picket itself only ever reads the bytes.

Environment: PICKET (the binary; default build/picket). Runs with /usr/bin/python3; a group whose
library is missing is skipped with the reason. Prints 'N passed, M failed'; exits non-zero on any
failure.
"""

import io
import json
import os
import pathlib
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PICKET = os.environ.get("PICKET") or str(ROOT / "build" / "picket")
PY = "/usr/bin/python3"


def have(module):
    return subprocess.run([PY, "-c", f"import {module}"], capture_output=True).returncode == 0


HAVE_NUMPY, HAVE_JOBLIB, HAVE_TORCH, HAVE_PY7ZR = (have(m) for m in ("numpy", "joblib", "torch", "py7zr"))
if HAVE_NUMPY:
    import numpy as np
if HAVE_JOBLIB:
    import joblib
if HAVE_TORCH:
    import torch

# ------------------------------------------------------------------ pickle assembly
# Malicious streams are written as opcodes; nothing dangerous is ever pickled live.


def sbu(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def bu(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def glob(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def marker_call(marker):
    """Opcodes that push exec("open(<marker>,'w').close()") -- the only payload used here."""
    return glob("builtins", "exec") + bu(f"open({str(marker)!r}, 'w').close()") + b"\x85R"


def marker_pickle(marker, proto=2):
    """A complete pickle whose only effect is creating the marker file."""
    return b"\x80" + bytes([proto]) + marker_call(marker) + b"."


# ------------------------------------------------------------------ loaders

LOADERS = {
    "pickle": "import pickle,sys\nwith open(sys.argv[1],'rb') as f: pickle.load(f)",
    "numpy": "import numpy,sys\nd=numpy.load(sys.argv[1], allow_pickle=True)\n"
             "if hasattr(d,'files'):\n  [d[k] for k in d.files]",
    "joblib": "import joblib,sys\njoblib.load(sys.argv[1])",
    "torch": "import torch,sys\ntorch.load(sys.argv[1])",
    "7z-torch": "import py7zr,sys,tempfile,pathlib,torch,pickle\n"
                "d=tempfile.mkdtemp()\npy7zr.SevenZipFile(sys.argv[1]).extractall(d)\n"
                "for p in sorted(pathlib.Path(d).rglob('*')):\n"
                "  if p.is_file():\n"
                "    try: torch.load(str(p))\n"
                "    except Exception: pickle.load(open(p,'rb'))",
}


def runs_code(loader, path, marker):
    """True if loading `path` with `loader` in a fresh interpreter created the marker."""
    if marker.exists():
        marker.unlink()
    subprocess.run([PY, "-W", "ignore", "-c", LOADERS[loader], str(path)], capture_output=True,
                   timeout=120, cwd=str(marker.parent))
    return marker.exists()


def scan(path, *options):
    r = subprocess.run([PICKET, "scan", "-f", "json", *options, str(path)], capture_output=True,
                       text=True, timeout=300)
    report = json.loads(r.stdout) if r.stdout.strip() else {"files": []}
    return r.returncode, report


def verdict(report):
    return report["files"][0]["verdict"] if report["files"] else None


class LoaderCase(unittest.TestCase):
    """Writes samples into a temporary directory; the marker lives there too."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = pathlib.Path(self._tmp.name)
        self.marker = self.dir / "MARKER"

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, name, data):
        p = self.dir / name
        p.write_bytes(data)
        return p

    def assert_runs_and_flagged(self, loader, path, expect_verdict="malicious", expect_exit=1):
        self.assertTrue(runs_code(loader, path, self.marker),
                        f"{path.name}: the sample does not run code under {loader}; the test is wrong")
        code, report = scan(path)
        self.assertEqual((code, verdict(report)), (expect_exit, expect_verdict),
                         f"{path.name}: {json.dumps(report)[:2000]}")

    def assert_clean(self, path, loader=None):
        if loader:  # a benign control must load without running anything
            self.assertFalse(runs_code(loader, path, self.marker))
        code, report = scan(path)
        self.assertEqual((code, verdict(report)), (0, "clean"), f"{path.name}: {json.dumps(report)[:2000]}")


def torch_zip_with(data_pkl):
    """A real torch.save zip whose data.pkl is replaced (every other record kept)."""
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            z.writestr(info.filename, data_pkl if info.filename.endswith("/data.pkl") else src.read(info))
    return out.getvalue()


# ------------------------------------------------------------------ issue 15 item 2


@unittest.skipUnless(HAVE_TORCH and HAVE_PY7ZR, "torch or py7zr not importable")
class SevenZipWithoutTypeBits(LoaderCase):
    def py7zr_archive(self, name, members):
        import py7zr
        path = self.dir / name
        with py7zr.SevenZipFile(path, "w") as z:
            for member_name, data in members.items():
                src = self.dir / ("src_" + member_name)
                src.write_bytes(data)
                z.write(src, member_name)
        return path

    def test_py7zr_torch_zip_is_flagged(self):
        path = self.py7zr_archive("model.7z", {"model.pt": torch_zip_with(marker_pickle(self.marker))})
        self.assert_runs_and_flagged("7z-torch", path)

    def test_py7zr_pickle_is_flagged(self):
        path = self.py7zr_archive("pickle.7z", {"data.pkl": marker_pickle(self.marker)})
        self.assert_runs_and_flagged("7z-torch", path)

    def test_truncated_and_empty_archives_are_inconclusive(self):
        whole = self.py7zr_archive("whole.7z", {"model.pt": torch_zip_with(marker_pickle(self.marker))}).read_bytes()
        for name, data in (("truncated.7z", whole[: len(whole) // 2]), ("header_only.7z", whole[:32])):
            code, report = scan(self.write(name, data))
            self.assertEqual((code, verdict(report)), (2, "inconclusive"), f"{name}: {report}")
        empty = self.py7zr_archive("empty.7z", {})
        code, report = scan(empty)
        self.assertEqual((code, verdict(report)), (2, "inconclusive"), f"empty: {report}")

    def test_benign_py7zr_torch_zip_is_clean(self):
        buf = io.BytesIO()
        torch.save({"w": torch.arange(4.0)}, buf)
        self.assert_clean(self.py7zr_archive("benign.7z", {"model.pt": buf.getvalue()}))


# ------------------------------------------------------------------ issue 16 item 1


def npy_bytes(header_text, body, version=1):
    raw = header_text.encode("latin1" if version < 3 else "utf8")
    pre = 10 if version == 1 else 12
    raw += b" " * ((64 - (pre + len(raw) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + len(raw).to_bytes(2 if version == 1 else 4, "little") + raw + body


def npz_bytes(members, compression=zipfile.ZIP_STORED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


# Headers numpy reads as object arrays (so np.load(allow_pickle=True) unpickles the body)
# that a substring parser misses; each as written in a hostile file.
NPY_OBJECT_HEADERS = {
    "duplicate_descr": "{'descr': '<f8', 'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
    "hex_escape": "{'descr': '\\x7cO', 'fortran_order': False, 'shape': (1,), }",
    "unicode_escape": "{'descr': '\\u004f', 'fortran_order': False, 'shape': (1,), }",
    "named_escape": "{'descr': '\\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }",
    "octal_escape": "{'descr': '\\174\\117', 'fortran_order': False, 'shape': (1,), }",
    "concatenation": "{'descr': '|' 'O', 'fortran_order': False, 'shape': (1,), }",
    "object_": "{'descr': 'object_', 'fortran_order': False, 'shape': (1,), }",
    "object0": "{'descr': 'object0', 'fortran_order': False, 'shape': (1,), }",
    "O_plus_8": "{'descr': 'O+8', 'fortran_order': False, 'shape': (1,), }",
    "type_number_17": "{'descr': '\\x11', 'fortran_order': False, 'shape': (1,), }",
    "commastring": "{'descr': 'f8,O', 'fortran_order': False, 'shape': (1,), }",
    "subarray_string": "{'descr': '(2,)O', 'fortran_order': False, 'shape': (1,), }",
    "structured": "{'descr': [('a', '<f8'), ('b', 'O')], 'fortran_order': False, 'shape': (1,), }",
    "nested_subarray": "{'descr': [('a', [('b', 'O', (2,))])], 'fortran_order': False, 'shape': (1,), }",
    "tuple_subarray": "{'descr': ('O', (2,)), 'fortran_order': False, 'shape': (1,), }",
    "two_char_field": "{'descr': ['aO'], 'fortran_order': False, 'shape': (1,), }",
    "dict_keys_as_fields": "{'descr': {'aO': 1}, 'fortran_order': False, 'shape': (1,), }",
    "zero_size_base": "{'descr': ('0<i4', 'O'), 'fortran_order': False, 'shape': (1,), }",
    "python2_long": "{'descr': '|O', 'fortran_order': False, 'shape': (1L,), }",
    "comment_and_newlines": "{'descr': # the dtype\n '|O',\n 'fortran_order': False, 'shape': (1,)}",
}


@unittest.skipUnless(HAVE_NUMPY, "numpy not importable")
class NpyHeaders(LoaderCase):
    def test_object_headers_are_flagged(self):
        for name, header in NPY_OBJECT_HEADERS.items():
            for version in (1, 3) if name != "python2_long" else (1,):
                with self.subTest(header=name, version=version):
                    path = self.write(f"{name}_v{version}.npy", npy_bytes(header, marker_pickle(self.marker), version))
                    self.assert_runs_and_flagged("numpy", path)

    def test_same_members_inside_npz(self):
        members = {f"{name}.npy": npy_bytes(h, marker_pickle(self.marker)) for name, h in NPY_OBJECT_HEADERS.items()}
        for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            for name, data in members.items():
                with self.subTest(member=name, compression=compression):
                    path = self.write("bundle.npz", npz_bytes({"x.npy": npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", bytes(8)),
                                                               name: data}, compression))
                    self.assert_runs_and_flagged("numpy", path)

    def test_headers_picket_cannot_decide_are_inconclusive(self):
        # A set's iteration order decides whether 'O' is the format; numpy may or may not unpickle.
        header = "{'descr': [{'a', 'O'}], 'fortran_order': False, 'shape': (1,), }"
        code, report = scan(self.write("set.npy", npy_bytes(header, b"\x80\x02N.")))
        self.assertEqual((code, verdict(report)), (2, "inconclusive"), report)

    def test_numpy_written_files_stay_clean(self):
        arrays = {"f8": np.arange(6.0).reshape(2, 3), "struct": np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8", (2,))]),
                  "str": np.array(["ab", "c"]), "dt": np.array(["2024-01-01"], dtype="M8[D]"),
                  "objects": np.array([1, "two", None], dtype=object)}
        for name, arr in arrays.items():
            for version in ((1, 0), (2, 0), (3, 0)):
                buf = io.BytesIO()
                np.lib.format.write_array(buf, arr, version=version)
                with self.subTest(array=name, version=version):
                    self.assert_clean(self.write(f"{name}.npy", buf.getvalue()), loader="numpy")
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        self.assert_clean(self.write("all.npz", buf.getvalue()), loader="numpy")


# ------------------------------------------------------------------ issue 16 item 2


def sg(mod, name):
    return sbu(mod) + sbu(name) + b"\x93"


def dtype_ops(spec_ops, state_ops):
    """numpy.dtype(<spec>, False, True) followed by BUILD(<state>), as numpy pickles dtypes."""
    return glob("numpy", "dtype") + b"(" + spec_ops + b"\x89\x88tR" + state_ops + b"b"


def state_ops(version, endian, names_ops, fields_ops, elsize, alignment, flags):
    def i(v):
        return b"J" + struct.pack("<i", v)
    return b"(" + i(version) + sbu(endian) + b"N" + names_ops + fields_ops + i(elsize) + i(alignment) + i(flags) + b"t"


F8 = dtype_ops(sbu("f8"), state_ops(3, "<", b"N", b"N", -1, -1, 0))
O8 = dtype_ops(sbu("O8"), state_ops(3, "|", b"N", b"N", -1, -1, 63))


def wrapper(dtype, shape=(1,), alignment=b"N"):
    """NumpyArrayWrapper.__new__ + BUILD of its attribute dict, as joblib writes it."""
    shape_ops = b"(" + b"".join(b"J" + struct.pack("<i", d) for d in shape) + b"t"
    attrs = (sbu("subclass") + glob("numpy", "ndarray") + sbu("shape") + shape_ops + sbu("order") + sbu("C") +
             sbu("dtype") + dtype + sbu("allow_mmap") + b"\x89" + sbu("numpy_array_alignment_bytes") + alignment)
    return glob("joblib.numpy_pickle", "NumpyArrayWrapper") + b")\x81}(" + attrs + b"ub"


@unittest.skipUnless(HAVE_NUMPY and HAVE_JOBLIB, "numpy or joblib not importable")
class JoblibArrays(LoaderCase):
    def test_object_dtype_spelled_object_with_elsize_8(self):
        # (a) numpy.dtype('object', False, True) + state elsize 8: hasobject, so joblib unpickles the body.
        dt = dtype_ops(sbu("object"), state_ops(3, "|", b"N", b"N", 8, 8, 63))
        data = b"\x80\x02" + wrapper(dt) + marker_pickle(self.marker) + b"."
        self.assert_runs_and_flagged("joblib", self.write("object_spelling.joblib", data))

    def test_void_dtype_with_object_field(self):
        # (b) 'V8' whose state gives it an object field: hasobject again.
        fields = b"}" + sbu("a") + b"(" + O8 + b"K\x00t" + b"s"
        dt = dtype_ops(sbu("V8"), state_ops(3, "|", b"(" + sbu("a") + b"t", fields, 8, 1, 27))
        data = b"\x80\x02" + wrapper(dt) + marker_pickle(self.marker) + b"."
        self.assert_runs_and_flagged("joblib", self.write("void_object_field.joblib", data))

    def test_flags_alone_make_an_object_array(self):
        # A float dtype whose (version 3) state sets NPY_ITEM_HASOBJECT.
        dt = dtype_ops(sbu("f8"), state_ops(3, "<", b"N", b"N", -1, -1, 1))
        data = b"\x80\x02" + wrapper(dt) + marker_pickle(self.marker) + b"."
        self.assert_runs_and_flagged("joblib", self.write("flags.joblib", data))

    def test_alignment_given_as_float_bool_or_str(self):
        # (c) joblib reads the padding whenever the attribute is not None. The padding hides a STOP
        # where a reader that skips no padding would stop; the payload follows the array bytes.
        for tag, alignment in (("float", b"G" + struct.pack(">d", 16.0)), ("true", b"\x88"), ("str", sbu("16"))):
            with self.subTest(alignment=tag):
                padding = bytes(7) + b"." + bytes(8)
                data = (b"\x80\x02" + wrapper(F8, alignment=alignment) + bytes([len(padding)]) + padding +
                        struct.pack("<d", 1.5) + marker_call(self.marker) + b"0.")
                self.assert_runs_and_flagged("joblib", self.write(f"alignment_{tag}.joblib", data))

    def test_frame_continuing_past_the_wrappers_build(self):
        # (d) joblib reads the array bytes from the file after the frame, then runs the rest of the
        # frame: 8 bytes that a reader skipping the array in place would never see.
        prelude = sbu("builtins") + b"q\x000" + sbu("exec") + b"q\x010" + sbu(f"open({str(self.marker)!r}, 'w').close()") + b"\x85q\x020"
        hidden = b"h\x00h\x01\x93h\x02R"
        assert len(hidden) == 8
        framed = prelude + wrapper(F8) + hidden + b"0."
        data = b"\x80\x04\x95" + struct.pack("<Q", len(framed)) + framed + struct.pack("<d", 2.5)
        self.assert_runs_and_flagged("joblib", self.write("frame.joblib", data))

    def test_joblib_written_files_stay_clean(self):
        arrays = [np.arange(5.0), np.zeros((2, 3), dtype=np.float16), np.array([1 + 2j]), np.array(["abc", "de"]),
                  np.array([b"xy"]), np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8", (2,))]),
                  np.array(["2024-01-01"], dtype="M8[ns]"), np.array([1, "x", None], dtype=object),
                  np.zeros(2, dtype=[("a", "<i4"), ("o", "O")]), np.asfortranarray(np.ones((3, 2))),
                  np.array(True), np.zeros(0)]
        for proto in (2, 4, 5):
            for compress in (0, 3):
                with self.subTest(protocol=proto, compress=compress):
                    path = self.dir / f"arrays_p{proto}_c{compress}.joblib"
                    joblib.dump({"arrays": arrays, "tail": "after"}, path, protocol=proto, compress=compress)
                    self.assert_clean(path, loader="joblib")


# ------------------------------------------------------------------ issue 16 item 3


def local_record(name, data):
    name = name.encode()
    crc = zlib.crc32(data)
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0) + name + data


def central_record(name, data, offset):
    name = name.encode()
    crc = zlib.crc32(data)
    return (struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, len(data), len(data), len(name),
                        0, 0, 0, 0, 0, offset) + name)


def two_directory_torch_zip(evil_pkl, benign_pkl, other_records):
    """Directory A (where the end record points) lists the evil data.pkl; directory B, ending where the
    end record starts, lists the benign one. miniz 2 (PyTorch < 2.1) follows A; Python's zipfile and
    miniz 3 follow B, whose offsets they shift by the bytes "in front" (B's start - A's start)."""
    body = b""
    a_members, b_members = [], []
    def add(name, data, into):
        nonlocal body
        into.append((name, data, len(body)))
        body += local_record(name, data)
    add("archive/data.pkl", evil_pkl, a_members)
    for name, data in other_records:
        add(name, data, a_members)
    body += b"\0" * 4096  # B's offsets are shifted by the directory size: keep its members after that
    add("archive/data.pkl", benign_pkl, b_members)
    for name, data in other_records:
        add(name, data, b_members)
    a_dir = b"".join(central_record(n, d, o) for n, d, o in a_members)
    b_len = len(b"".join(central_record(n, d, 0) for n, d, _ in b_members))
    size = max(len(a_dir), b_len)
    a_dir += b"\0" * (size - len(a_dir))
    a_at = len(body)
    shift = size  # B starts right after A, so zipfile shifts every offset by A's size
    b_dir = b"".join(central_record(n, d, o - shift) for n, d, o in b_members)
    b_dir += b"\0" * (size - len(b_dir))
    assert len(b_dir) == size
    count = len(a_members)
    assert count == len(b_members)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, a_at, 0)
    return body + a_dir + b_dir + eocd


@unittest.skipUnless(HAVE_TORCH, "torch not importable")
class TwoCentralDirectories(LoaderCase):
    def test_torch_follows_the_directory_the_end_record_points_at(self):
        benign = io.BytesIO()
        torch.save({"w": torch.zeros(2)}, benign)
        src = zipfile.ZipFile(io.BytesIO(benign.getvalue()))
        others = [(i.filename, src.read(i)) for i in src.infolist() if not i.filename.endswith("data.pkl")]
        benign_pkl = src.read([n for n in src.namelist() if n.endswith("data.pkl")][0])
        data = two_directory_torch_zip(marker_pickle(self.marker), benign_pkl, others)
        path = self.write("two_dirs.pt", data)
        # Python's zipfile (and so a scanner built on it) sees only the benign directory.
        self.assertEqual(zipfile.ZipFile(path).read("archive/data.pkl"), benign_pkl)
        self.assert_runs_and_flagged("torch", path)
        code, report = scan(path)
        rules = {f["rule_id"] for f in report["files"][0]["findings"]}
        self.assertIn("ZIP200", rules, report)

    def test_duplicate_member_names_are_suspicious(self):
        benign = io.BytesIO()
        torch.save({"w": torch.zeros(2)}, benign)
        src = zipfile.ZipFile(io.BytesIO(benign.getvalue()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for info in src.infolist():
                z.writestr(info.filename, src.read(info))
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                z.writestr([n for n in src.namelist() if n.endswith("data.pkl")][0], src.read([n for n in src.namelist() if n.endswith("data.pkl")][0]))
        code, report = scan(self.write("dup.pt", out.getvalue()))
        self.assertEqual((code, verdict(report)), (1, "suspicious"), report)


# ------------------------------------------------------------------ issue 16 item 4


@unittest.skipUnless(HAVE_NUMPY, "numpy not importable")
class DangerTable(LoaderCase):
    def test_numpy_distutils_exec_command_is_malicious(self):
        cmd = f"touch {self.marker}"
        data = b"\x80\x02" + glob("numpy.distutils.exec_command", "exec_command") + bu(cmd) + b"\x85R."
        self.assert_runs_and_flagged("pickle", self.write("exec_command.pkl", data))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

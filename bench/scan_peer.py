#!/usr/bin/python3
"""Benchmark helper for bench/scan_bench.cc.

  scan_peer.py generate DIR   writes the benchmark inputs into DIR:
      large/state_dict.pt  ~200 MB torch state dict (or a synthesized PyTorch
                           zip with the same layout when torch is missing)
      small/*.pkl          2000 small pickles (plain data, numpy, protocols 2-5)
  scan_peer.py time FILE...   the peer: a plain pickletools.genops pass over
      every pickle in each file (PyTorch zip members *.pkl via zipfile, raw
      files as stacked pickles), printing "files bytes seconds" measured inside
      the interpreter (start-up excluded).
"""
import io
import os
import pickle
import pickletools
import sys
import time
import zipfile


def generate(out):
    os.makedirs(os.path.join(out, "large"), exist_ok=True)
    os.makedirs(os.path.join(out, "small"), exist_ok=True)
    large = os.path.join(out, "large", "state_dict.pt")
    if not os.path.exists(large):
        try:
            import torch
            torch.manual_seed(0)
            sd = {}
            for i in range(50):  # 50 x 1M floats = 200 MB
                sd[f"layer{i}.weight"] = torch.randn(1000, 1000)
                sd[f"layer{i}.bias"] = torch.zeros(1000)
            torch.save(sd, large)
        except ImportError:
            buf = zipfile.ZipFile(large, "w", zipfile.ZIP_STORED)
            entries = b"".join(
                b"X" + len(f"layer{i}.weight").to_bytes(4, "little") + f"layer{i}.weight".encode() +
                b"ctorch._utils\n_rebuild_tensor_v2\n(((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX" +
                len(str(i)).to_bytes(4, "little") + str(i).encode() + b"X\x03\x00\x00\x00cpuJ\x40\x42\x0f\x00tQK\x00J\x40\x42\x0f\x00\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR"
                for i in range(50))
            buf.writestr("archive/data.pkl", b"\x80\x02ccollections\nOrderedDict\n)R(" + entries + b"u.")
            buf.writestr("archive/version", "3\n")
            for i in range(50):
                buf.writestr(f"archive/data/{i}", b"\0" * 4_000_000)
            buf.close()
    try:
        import numpy as np
    except ImportError:
        np = None
    for i in range(2000):
        path = os.path.join(out, "small", f"s{i:04d}.pkl")
        if os.path.exists(path):
            continue
        value = {"id": i, "name": f"item{i}", "values": list(range(i % 50)), "nested": {"a": [1.5, None, True]}}
        if np is not None and i % 2:
            value["array"] = np.arange(i % 100, dtype=np.float32)
        with open(path, "wb") as f:
            f.write(pickle.dumps(value, protocol=2 + i % 4))


def peer(files):
    total = 0
    start = time.perf_counter()
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        total += len(data)
        streams = []
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                streams = [z.read(n) for n in z.namelist() if n.endswith(".pkl")]
        else:
            streams = [data]
        for s in streams:
            pos = 0
            while pos < len(s):
                try:
                    end = pos
                    for op, arg, at in pickletools.genops(s[pos:]):
                        end = pos + at + 1
                    if end <= pos:
                        break
                    pos = end
                except Exception:
                    break
    print(len(files), total, time.perf_counter() - start)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "generate":
        generate(sys.argv[2])
    elif len(sys.argv) >= 2 and sys.argv[1] == "time":
        peer(sys.argv[2:])
    else:
        sys.exit(__doc__)

"""The safetensors format, parsed by hand (no safetensors package needed), and a durable writer."""
import json
import os
import struct

import torch

DTYPES = {"F32": torch.float32, "I32": torch.int32, "I64": torch.int64, "F64": torch.float64, "U8": torch.uint8}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    """({name: tensor}, metadata) in the file's order; every tensor is a private copy."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise ValueError(f"cannot read {path}: {err.strerror}") from None
    if len(raw) < 8:
        raise ValueError(f"{path}: {len(raw)} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} exceeds the file size {len(raw)}; the file is truncated or not safetensors")
    try:
        header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    except ValueError as err:
        raise ValueError(f"{path}: the header is not valid JSON ({err})") from None
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    out = {}
    for name, e in header.items():
        if e.get("dtype") not in DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {e.get('dtype')}; supported: {', '.join(DTYPES)}")
        s, t = e["data_offsets"]
        if not (0 <= s <= t <= len(raw) - base):
            raise ValueError(f"{path}: tensor {name} lies outside the file (offsets {s}..{t}); the file is truncated")
        buf = bytearray(raw[base + s : base + t])
        ten = torch.frombuffer(buf, dtype=DTYPES[e["dtype"]]) if buf else torch.empty(0, dtype=DTYPES[e["dtype"]])
        out[name] = ten.reshape(e["shape"]).clone()
    return out, meta


def encode_safetensors(tensors, meta=None):
    header = {}
    blobs = []
    off = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if meta:
        header["__metadata__"] = meta
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write_safetensors(path, tensors, meta=None):
    write_file_atomic(path, encode_safetensors(tensors, meta))


def write_file_atomic(path, data):
    """Write to a temporary file in the same folder, fsync it, rename over `path` and fsync the
    folder: a crash or power loss leaves the old file or the new one, never a partial one."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

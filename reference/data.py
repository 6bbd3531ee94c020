"""How a DataLoader cuts a dataset into batches, and the on-disk formats torchvision reads.

`num_batches` and `batch_bounds` follow `DataLoader(dataset, batch_size, drop_last)` without a
sampler of its own: consecutive slices of `batch_size` samples, the last one shorter unless
`drop_last` drops it. `idx_bytes`/`read_idx` are the IDX format of (Fashion-)MNIST: a big-endian
header (two zero bytes, a type code, the number of dims, then each dim as a 4-byte big-endian
int) followed by the elements in row-major order. `cifar_batch` is the dictionary CIFAR-10
pickles in each `data_batch_N`: images as rows of 3072 bytes, the red plane, then green, then
blue, each 32x32 row-major. The real files were written by Python 2 (`cPickle.dump(d, f, 2)`):
their keys and names are Python 2 byte strings, and the array's raw bytes are one too, so
Python 3 reads them only with `pickle.load(f, encoding="latin1")` (str keys, the bytes decoded
one to one; the default ASCII fails on the first byte over 127, `encoding="bytes"` leaves the
keys as bytes). `python2_pickle` writes a value that way, opcode by opcode.
"""

from __future__ import annotations

import pickle
import struct

import numpy as np

from reference.arguments import as_bool, as_int, as_int_list, is_int

IDX_TYPE_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(">i2"): 0x0B,
    np.dtype(">i4"): 0x0C,
    np.dtype(">f4"): 0x0D,
    np.dtype(">f8"): 0x0E,
}
CIFAR_SIDE = 32


def num_batches(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Batches in one epoch over `n` samples: ceil(n / batch_size), or floor with `drop_last`."""
    n = as_int(n, "n", minimum=0)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    drop_last = as_bool(drop_last, "drop_last")
    full, rest = divmod(n, batch_size)
    return full + (1 if rest and not drop_last else 0)


def batch_bounds(n: int, batch_size: int, drop_last: bool = False) -> list[tuple[int, int]]:
    """(start, stop) of each batch of an unshuffled epoch: the samples it holds, in order."""
    count = num_batches(n, batch_size, drop_last)
    n, batch_size = int(n), int(batch_size)
    return [(i * batch_size, min((i + 1) * batch_size, n)) for i in range(count)]


def idx_bytes(array: np.ndarray) -> bytes:
    """`array` (1 to 3 dims; uint8 for images and labels) encoded as an IDX file."""
    array = np.asarray(array)
    if not 1 <= array.ndim <= 3:
        raise ValueError(f"array has {array.ndim} dims; IDX files as torchvision reads hold 1 to 3")
    big_endian = array.dtype.newbyteorder(">")  # a 1-byte dtype has no byte order to change
    if big_endian not in IDX_TYPE_CODES:
        raise ValueError(f"array dtype {array.dtype} has no IDX type code")
    if any(side >= 2**32 for side in array.shape):
        raise ValueError(f"array has shape {array.shape}; IDX holds each dim in 4 bytes")
    header = bytes([0, 0, IDX_TYPE_CODES[big_endian], array.ndim])
    header += b"".join(struct.pack(">I", side) for side in array.shape)
    return header + np.ascontiguousarray(array, dtype=big_endian).tobytes()


def read_idx(data: bytes) -> np.ndarray:
    """The array an IDX file holds (native byte order)."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError("data does not start with an IDX magic number (two zero bytes)")
    codes = {code: dtype for dtype, code in IDX_TYPE_CODES.items()}
    if data[2] not in codes:
        raise ValueError(f"data has IDX type code {data[2]:#x}, not one of {sorted(codes)}")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"data ends inside its header: {ndim} dims need {4 + 4 * ndim} bytes")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    dtype = codes[data[2]]
    body = data[4 + 4 * ndim :]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise ValueError(
            f"data holds {len(body)} bytes after its header, shape {shape} needs {expected}"
        )
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def cifar_batch(images_hwc: np.ndarray, labels: list[int], name: str = "batch") -> dict:
    """The dictionary one CIFAR-10 batch file pickles, for N uint8 images of 32x32x3 (HWC), with
    Python 2's byte strings as bytes: keys b"batch_label", b"labels", b"data", b"filenames".
    `labels` is a list, a tuple or a 1-d integer array; the dictionary holds them as Python ints."""
    images_hwc = np.asarray(images_hwc)
    labels = as_int_list(labels, "labels")
    expected = (len(labels), CIFAR_SIDE, CIFAR_SIDE, 3)
    if images_hwc.dtype != np.uint8 or images_hwc.shape != expected:
        raise ValueError(
            f"images_hwc is {images_hwc.dtype} of shape {images_hwc.shape}; "
            f"CIFAR-10 needs uint8 of shape {expected} (one image per label)"
        )
    if not all(0 <= label < 10 for label in labels):
        raise ValueError(f"labels {labels} must be ints in 0..9")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {type(name).__name__}")
    rows = images_hwc.transpose(0, 3, 1, 2).reshape(len(labels), 3 * CIFAR_SIDE * CIFAR_SIDE)
    return {
        b"batch_label": name.encode("latin1"),
        b"labels": labels,
        b"data": np.ascontiguousarray(rows),
        b"filenames": [f"{name}_{index}.png".encode("latin1") for index in range(len(labels))],
    }


def python2_pickle(value: object) -> bytes:
    """`value` as Python 2's `cPickle.dumps(value, 2)` wrote it (without the memo, which changes
    nothing read back): bytes are Python 2 `str` (SHORT_BINSTRING, BINSTRING), and a 2-d uint8
    array is `numpy.core.multiarray._reconstruct` plus a state whose raw data is such a string.
    Takes dicts, lists, bytes under 2**31 long, ints in 0..2**31-1 (Python's or NumPy's), None
    and 2-d uint8 arrays."""
    out = bytearray(pickle.PROTO + bytes([2]))
    _save_python2(out, value)
    return bytes(out + pickle.STOP)


def _save_python2(out: bytearray, value: object) -> None:
    if value is None:
        out += pickle.NONE
    elif isinstance(value, (bool, np.bool_)):
        raise TypeError("value holds a bool; python2_pickle writes no bools")
    elif is_int(value) and not isinstance(value, np.ndarray) and 0 <= value < 2**31:
        value = int(value)
        if value < 256:
            out += pickle.BININT1 + bytes([value])
        else:
            out += pickle.BININT + struct.pack("<i", value)
    elif isinstance(value, bytes):
        if len(value) < 256:
            out += pickle.SHORT_BINSTRING + bytes([len(value)]) + value
        elif len(value) < 2**31:
            out += pickle.BINSTRING + struct.pack("<i", len(value)) + value
        else:
            raise ValueError(f"value holds {len(value)} bytes; a Python 2 string holds < 2**31")
    elif isinstance(value, list):
        out += pickle.EMPTY_LIST + pickle.MARK
        for item in value:
            _save_python2(out, item)
        out += pickle.APPENDS
    elif isinstance(value, dict):
        out += pickle.EMPTY_DICT + pickle.MARK
        for key, item in value.items():
            _save_python2(out, key)
            _save_python2(out, item)
        out += pickle.SETITEMS
    elif isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim == 2:
        # ndarray.__reduce__ as NumPy 1.x made it: _reconstruct(ndarray, (0,), "b"), then the
        # state (version 1, shape, dtype("u1"), not Fortran-ordered, the raw bytes).
        out += pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n"
        out += pickle.GLOBAL + b"numpy\nndarray\n"
        out += pickle.BININT1 + bytes([0]) + pickle.TUPLE1
        _save_python2(out, b"b")
        out += pickle.TUPLE3 + pickle.REDUCE + pickle.MARK
        _save_python2(out, 1)
        _save_python2(out, value.shape[0])
        _save_python2(out, value.shape[1])
        out += pickle.TUPLE2 + pickle.GLOBAL + b"numpy\ndtype\n"
        _save_python2(out, b"u1")
        out += pickle.BININT1 + bytes([0]) + pickle.BININT1 + bytes([1]) + pickle.TUPLE3
        out += pickle.REDUCE + pickle.MARK + pickle.BININT1 + bytes([3])
        _save_python2(out, b"|")
        out += pickle.NONE * 3 + (pickle.BININT + struct.pack("<i", -1)) * 2
        out += pickle.BININT1 + bytes([0]) + pickle.TUPLE + pickle.BUILD + pickle.NEWFALSE
        _save_python2(out, np.ascontiguousarray(value).tobytes())
        out += pickle.TUPLE + pickle.BUILD
    else:
        kind = type(value).__name__
        raise TypeError(f"value holds a {kind}, which python2_pickle does not write")

"""How a DataLoader cuts a dataset into batches, and the on-disk formats torchvision reads.

`num_batches` and `batch_bounds` follow `DataLoader(dataset, batch_size, drop_last)` without a
sampler of its own: consecutive slices of `batch_size` samples, the last one shorter unless
`drop_last` drops it. `idx_bytes`/`read_idx` are the IDX format of (Fashion-)MNIST: a big-endian
header (two zero bytes, a type code, the number of dims, then each dim as a 4-byte big-endian
int) followed by the elements in row-major order. `cifar_batch` is the dictionary CIFAR-10
pickles in each `data_batch_N`: images as rows of 3072 bytes, the red plane, then green, then
blue, each 32x32 row-major.
"""

from __future__ import annotations

import struct

import numpy as np

IDX_TYPE_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int8): 0x09,
    np.dtype(">i2"): 0x0B,
    np.dtype(">i4"): 0x0C,
    np.dtype(">f4"): 0x0D,
    np.dtype(">f8"): 0x0E,
}
CIFAR_SIDE = 32


def _check_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} {value} must be at least {minimum}")
    return int(value)


def num_batches(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Batches in one epoch over `n` samples: ceil(n / batch_size), or floor with `drop_last`."""
    n = _check_count("n", n, 0)
    batch_size = _check_count("batch_size", batch_size, 1)
    if not isinstance(drop_last, bool):
        raise TypeError(f"drop_last must be a bool, not {type(drop_last).__name__}")
    full, rest = divmod(n, batch_size)
    return full + (1 if rest and not drop_last else 0)


def batch_bounds(n: int, batch_size: int, drop_last: bool = False) -> list[tuple[int, int]]:
    """(start, stop) of each batch of an unshuffled epoch: the samples it holds, in order."""
    count = num_batches(n, batch_size, drop_last)
    return [(i * batch_size, min((i + 1) * batch_size, n)) for i in range(count)]


def idx_bytes(array: np.ndarray) -> bytes:
    """`array` (1 to 3 dims; uint8 for images and labels) encoded as an IDX file."""
    array = np.asarray(array)
    if not 1 <= array.ndim <= 3:
        raise ValueError(f"array has {array.ndim} dims; IDX files as torchvision reads hold 1 to 3")
    big_endian = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    if big_endian not in IDX_TYPE_CODES:
        raise ValueError(f"array dtype {array.dtype} has no IDX type code")
    header = struct.pack(">BBBB", 0, 0, IDX_TYPE_CODES[big_endian], array.ndim)
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
    """The dictionary one CIFAR-10 batch file pickles, for N uint8 images of 32x32x3 (HWC)."""
    images_hwc = np.asarray(images_hwc)
    expected = (len(labels), CIFAR_SIDE, CIFAR_SIDE, 3)
    if images_hwc.dtype != np.uint8 or images_hwc.shape != expected:
        raise ValueError(
            f"images_hwc is {images_hwc.dtype} of shape {images_hwc.shape}; "
            f"CIFAR-10 needs uint8 of shape {expected} (one image per label)"
        )
    if not all(isinstance(label, int) and 0 <= label < 10 for label in labels):
        raise ValueError(f"labels {labels} must be ints in 0..9")
    rows = images_hwc.transpose(0, 3, 1, 2).reshape(len(labels), 3 * CIFAR_SIDE * CIFAR_SIDE)
    return {
        "batch_label": name,
        "labels": list(labels),
        "data": np.ascontiguousarray(rows),
        "filenames": [f"{name}_{index}.png" for index in range(len(labels))],
    }

"""The data oracles checked without torch: batch counts by arithmetic, the IDX format against its
published header layout, CIFAR-10's row layout by hand, and NumPy counts and labels against
Python ones."""

from __future__ import annotations

import functools
import io
import math
import pickle
import pickletools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.data import (
    batch_bounds,
    cifar_batch,
    idx_bytes,
    num_batches,
    python2_pickle,
    read_idx,
)
from tests.meta.numpy_inputs import INT_SEQUENCE_CONVERTERS, numpy_ints


@given(n=st.integers(0, 10_000), batch_size=st.integers(1, 500), drop_last=st.booleans())
def test_num_batches_is_ceil_or_floor(n, batch_size, drop_last):
    rounding = math.floor if drop_last else math.ceil
    assert num_batches(n, batch_size, drop_last) == rounding(n / batch_size)


@given(n=st.integers(0, 200), batch_size=st.integers(1, 30), drop_last=st.booleans())
def test_batch_bounds_tile_the_samples_in_order(n, batch_size, drop_last):
    bounds = batch_bounds(n, batch_size, drop_last)
    assert len(bounds) == num_batches(n, batch_size, drop_last)
    covered = [i for start, stop in bounds for i in range(start, stop)]
    assert covered == list(range(len(covered)))
    assert all(stop - start == batch_size for start, stop in bounds[:-1])
    assert len(covered) == (n - n % batch_size if drop_last else n)


def test_known_batch_counts():
    assert num_batches(10, 3) == 4
    assert num_batches(10, 3, drop_last=True) == 3
    assert num_batches(9, 3) == num_batches(9, 3, drop_last=True) == 3
    assert num_batches(0, 5) == 0
    assert num_batches(2, 5, drop_last=True) == 0
    assert batch_bounds(5, 2) == [(0, 2), (2, 4), (4, 5)]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: num_batches(10, 0), ValueError, "batch_size must be a positive int, got 0"),
        (lambda: num_batches(-1, 2), ValueError, "n must be a non-negative int, got -1"),
        (lambda: num_batches(10, 2.0), TypeError, "batch_size must be an int, not float (2.0)"),
        (lambda: num_batches("10", 2), TypeError, "n must be an int, not str ('10')"),
        (
            lambda: num_batches(10, 2, drop_last=1),
            TypeError,
            "drop_last must be a bool, not int (1)",
        ),
        (lambda: batch_bounds(10, 0), ValueError, "batch_size must be a positive int, got 0"),
    ],
)
def test_num_batches_refuses_bad_arguments(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_an_empty_dataset_has_no_batches_but_one_sample_has_one():
    assert num_batches(0, 1) == num_batches(0, 1, drop_last=True) == 0
    assert batch_bounds(0, 3) == []
    assert num_batches(1, 1) == num_batches(1, 1, drop_last=True) == 1
    assert batch_bounds(1, 1) == [(0, 1)]
    assert batch_bounds(7, 3, drop_last=True) == [(0, 3), (3, 6)]
    assert batch_bounds(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert batch_bounds(7, 10) == [(0, 7)]


def test_idx_header_is_the_published_layout():
    # MNIST's train-images-idx3-ubyte starts 0x00000803 (uint8, 3 dims), then 60000, 28, 28.
    data = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    assert data[:4] == bytes([0, 0, 0x08, 3])
    assert data[4:16] == (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    assert len(data) == 16 + 2 * 28 * 28
    labels = idx_bytes(np.array([7, 2], np.uint8))
    assert labels == bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 2])


IDX_DTYPES = ["u1", "i1", "<i2", ">i2", "<i4", ">i4", "<f4", ">f4", "<f8", ">f8"]


@given(
    array=st.sampled_from(IDX_DTYPES).flatmap(
        lambda dtype: npst.arrays(
            dtype,
            npst.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
            elements={"allow_nan": False} if "f" in dtype else None,
        )
    )
)
def test_idx_round_trips(array):
    read = read_idx(idx_bytes(array))
    assert read.dtype.isnative
    assert read.dtype.str[1:] == array.dtype.str[1:]
    assert np.array_equal(read, array)


def _assert_refuses(call, error, message):
    """`call()` raises `error` with the whole of `message`."""
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


NO_MAGIC = "data does not start with an IDX magic number (two zero bytes)"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: idx_bytes(np.zeros((1, 1, 1, 1), np.uint8)),
            "array has 4 dims; IDX files as torchvision reads hold 1 to 3",
        ),
        (
            lambda: idx_bytes(np.zeros((), np.uint8)),
            "array has 0 dims; IDX files as torchvision reads hold 1 to 3",
        ),
        (lambda: idx_bytes(np.zeros(3, np.uint64)), "array dtype uint64 has no IDX type code"),
        (lambda: idx_bytes(np.zeros(3, np.float16)), "array dtype float16 has no IDX type code"),
        (lambda: idx_bytes(np.zeros(3, ">u2")), "array dtype >u2 has no IDX type code"),
        (lambda: idx_bytes(np.zeros(3, np.bool_)), "array dtype bool has no IDX type code"),
        (lambda: read_idx(b"\x01\x00\x08\x01"), NO_MAGIC),
        (lambda: read_idx(b"\x00\x01\x08\x01"), NO_MAGIC),
        (lambda: read_idx(b"\x00\x00\x08"), NO_MAGIC),
        (lambda: read_idx(b""), NO_MAGIC),
        (
            lambda: read_idx(bytes([0, 0, 0x0A, 1])),
            "data has IDX type code 0xa, not one of [8, 9, 11, 12, 13, 14]",
        ),
        (
            lambda: read_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2])),
            "data holds 2 bytes after its header, shape (3,) needs 3",
        ),
        (
            lambda: read_idx(bytes([0, 0, 0x0B, 1, 0, 0, 0, 3, 1, 2, 3, 4])),
            "data holds 4 bytes after its header, shape (3,) needs 6",
        ),
        (
            lambda: read_idx(bytes([0, 0, 0x0E, 2, 0, 0, 0, 1, 0, 0, 0, 1])),
            "data holds 0 bytes after its header, shape (1, 1) needs 8",
        ),
        (
            lambda: read_idx(bytes([0, 0, 8, 0])),
            "data holds 0 bytes after its header, shape () needs 1",
        ),
        (
            lambda: read_idx(bytes([0, 0, 8, 3, 0, 0, 0, 1])),
            "data ends inside its header: 3 dims need 16 bytes",
        ),
        (
            lambda: read_idx(bytes([0, 0, 8, 1, 0, 0, 0])),
            "data ends inside its header: 1 dims need 8 bytes",
        ),
    ],
)
def test_idx_refuses_what_it_cannot_encode(call, message):
    _assert_refuses(call, ValueError, message)


# Each element type by hand: big-endian bytes as the IDX page lays them out (two's complement for
# the signed ints, IEEE 754 for the floats: 1.0 is 0x3F800000 in 4 bytes, 0x3FF0000000000000 in 8).
IDX_BY_HAND = [
    (np.array([0, 200], np.uint8), [0x08, 1, 0, 0, 0, 2], [0x00, 0xC8]),
    (np.array([-1, 5], np.int8), [0x09, 1, 0, 0, 0, 2], [0xFF, 0x05]),
    (np.array([[258, -2]], np.int16), [0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2], [1, 2, 0xFF, 0xFE]),
    (np.array([65_536 + 3], np.int32), [0x0C, 1, 0, 0, 0, 1], [0, 1, 0, 3]),
    (np.array([-1.0], np.float32), [0x0D, 1, 0, 0, 0, 1], [0xBF, 0x80, 0, 0]),
    (np.array([1.0], np.float64), [0x0E, 1, 0, 0, 0, 1], [0x3F, 0xF0, 0, 0, 0, 0, 0, 0]),
    (np.zeros((1, 300, 0), np.uint8), [0x08, 3, 0, 0, 0, 1, 0, 0, 1, 44, 0, 0, 0, 0], []),
]


@pytest.mark.parametrize(("array", "header", "body"), IDX_BY_HAND)
@pytest.mark.parametrize("byte_order", ["=", ">"])
def test_idx_writes_and_reads_each_element_type_big_endian(array, header, body, byte_order):
    array = array.astype(array.dtype.newbyteorder(byte_order))
    data = bytes([0, 0, *header, *body])
    assert idx_bytes(array) == data
    read = read_idx(data)
    assert read.dtype.isnative
    assert read.dtype.str[1:] == array.dtype.str[1:]
    assert read.shape == array.shape
    assert read.tolist() == array.tolist()


def test_idx_writes_and_reads_dims_of_up_to_4_bytes():
    # A dim of 2**31 (0x80000000) or 2**32 - 1 still fits IDX's 4 unsigned bytes: a size-0 array
    # can have one without the memory.
    for side in (2**31, 2**32 - 1):
        data = idx_bytes(np.zeros((0, side), np.uint8))
        assert data == bytes([0, 0, 8, 2, 0, 0, 0, 0]) + side.to_bytes(4, "big")
        assert read_idx(data).shape == (0, side)
    _assert_refuses(
        lambda: idx_bytes(np.zeros((2, 2**32, 0), np.uint8)),
        ValueError,
        "array has shape (2, 4294967296, 0); IDX holds each dim in 4 bytes",
    )


def test_idx_reads_a_header_of_no_dims_as_one_element():
    read = read_idx(bytes([0, 0, 8, 0, 5]))
    assert read.shape == ()
    assert read.tolist() == 5


def test_cifar_rows_are_red_then_green_then_blue_planes():
    image = np.zeros((1, 32, 32, 3), np.uint8)
    image[0, 0, 1] = (10, 20, 30)  # pixel at row 0, column 1
    row = cifar_batch(image, [4])[b"data"][0]
    assert row.shape == (3072,)
    assert (row[1], row[1024 + 1], row[2048 + 1]) == (10, 20, 30)
    assert np.count_nonzero(row) == 3


@pytest.mark.parametrize(
    ("images", "labels", "expected"),
    [
        (np.zeros((1, 28, 28, 3), np.uint8), [0], (1, 28, 28, 3)),
        (np.zeros((1, 32, 32, 4), np.uint8), [0], (1, 32, 32, 4)),
        (np.zeros((1, 32, 32), np.uint8), [0], (1, 32, 32)),
        (np.zeros((2, 32, 32, 3), np.uint8), [0], (2, 32, 32, 3)),
        (np.zeros((1, 32, 32, 3), np.uint8), [0, 1], (1, 32, 32, 3)),
    ],
)
def test_cifar_batch_refuses_images_of_another_shape(images, labels, expected):
    _assert_refuses(
        lambda: cifar_batch(images, labels),
        ValueError,
        (
            f"images_hwc is uint8 of shape {expected}; "
            f"CIFAR-10 needs uint8 of shape ({len(labels)}, 32, 32, 3) (one image per label)"
        ),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint16])
def test_cifar_batch_refuses_images_of_another_dtype(dtype):
    _assert_refuses(
        lambda: cifar_batch(np.zeros((1, 32, 32, 3), dtype), [0]),
        ValueError,
        (
            f"images_hwc is {np.dtype(dtype)} of shape (1, 32, 32, 3); "
            "CIFAR-10 needs uint8 of shape (1, 32, 32, 3) (one image per label)"
        ),
    )


@pytest.mark.parametrize("labels", [[10], [-1], [0, 9, 10], [-1, 0]])
def test_cifar_batch_refuses_labels_outside_0_to_9(labels):
    images = np.zeros((len(labels), 32, 32, 3), np.uint8)
    _assert_refuses(
        lambda: cifar_batch(images, labels), ValueError, f"labels {labels} must be ints in 0..9"
    )


def test_cifar_batch_takes_labels_0_to_9_and_names_its_files():
    images = np.zeros((10, 32, 32, 3), np.uint8)
    batch = cifar_batch(images, list(range(10)), "data_batch_2")
    assert batch[b"labels"] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert batch[b"batch_label"] == b"data_batch_2"
    assert batch[b"filenames"] == [b"data_batch_2_%d.png" % index for index in range(10)]
    assert list(batch) == [b"batch_label", b"labels", b"data", b"filenames"]
    assert cifar_batch(images[:1], [3])[b"batch_label"] == b"batch"
    assert cifar_batch(images[:1], [3])[b"filenames"] == [b"batch_0.png"]


def test_cifar_batch_writes_its_name_as_latin1():
    batch = cifar_batch(np.zeros((1, 32, 32, 3), np.uint8), [0], "caf\xe9")
    assert batch[b"batch_label"] == bytes([0x63, 0x61, 0x66, 0xE9])
    assert batch[b"filenames"] == [bytes([0x63, 0x61, 0x66, 0xE9]) + b"_0.png"]


def test_cifar_batch_of_no_images_has_no_rows():
    batch = cifar_batch(np.zeros((0, 32, 32, 3), np.uint8), [])
    assert batch[b"data"].shape == (0, 3072)
    assert batch[b"labels"] == batch[b"filenames"] == []


def test_cifar_rows_hold_each_pixel_at_channel_row_column():
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    data = cifar_batch(images, [3, 8])[b"data"]
    assert data.dtype == np.uint8
    assert data.shape == (2, 3072)
    assert data.flags.c_contiguous
    pixels = images.tolist()
    rows = data.tolist()
    for n, image in enumerate(pixels):
        for y in range(32):
            for x in range(32):
                for c in range(3):
                    assert rows[n][c * 1024 + y * 32 + x] == image[y][x][c]


def test_cifar_batch_refuses_a_name_that_is_not_a_str():
    with pytest.raises(TypeError) as raised:
        cifar_batch(np.zeros((1, 32, 32, 3), np.uint8), [0], name=b"data_batch_1")
    assert str(raised.value) == "name must be a str, not bytes"


def test_python2_pickle_writes_python_2_strings_that_need_latin1():
    image = np.zeros((1, 32, 32, 3), np.uint8)
    image[0, 0, 0] = (255, 128, 0)
    data = python2_pickle(cifar_batch(image, [7], "data_batch_1"))
    assert data[:2] == b"\x80\x02"  # protocol 2, as cPickle.dump(d, f, 2)
    opcodes = {op.name for op, _, _ in pickletools.genops(data)}
    assert {"SHORT_BINSTRING", "BINSTRING"} <= opcodes
    assert not opcodes & {"BINUNICODE", "SHORT_BINUNICODE", "BINBYTES", "SHORT_BINBYTES"}
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in data  # the global NumPy 1.x named
    batch = pickle.loads(data, encoding="latin1")  # as torchvision reads it
    assert sorted(batch) == ["batch_label", "data", "filenames", "labels"]
    assert batch["labels"] == [7]
    assert batch["filenames"] == ["data_batch_1_0.png"]
    assert batch["data"].dtype == np.uint8
    assert batch["data"].shape == (1, 3072)
    assert (batch["data"][0, 0], batch["data"][0, 1024], batch["data"][0, 2048]) == (255, 128, 0)
    assert sorted(pickle.loads(data, encoding="bytes")) == [
        b"batch_label",
        b"data",
        b"filenames",
        b"labels",
    ]
    with pytest.raises(UnicodeDecodeError):  # the raw bytes 255 and 128 are not ASCII
        pickle.loads(data)


NO_BOOLS = "value holds a bool; python2_pickle writes no bools"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"label_names": []}, "value holds a str, which python2_pickle does not write"),
        ([0.5], "value holds a float, which python2_pickle does not write"),
        ([True], NO_BOOLS),
        ({b"key": False}, NO_BOOLS),
        (2**31, "value holds a int, which python2_pickle does not write"),
        (-1, "value holds a int, which python2_pickle does not write"),
        (np.array(3), "value holds a ndarray, which python2_pickle does not write"),
        (np.zeros(3, np.uint8), "value holds a ndarray, which python2_pickle does not write"),
        (
            np.zeros((1, 1, 1), np.uint8),
            "value holds a ndarray, which python2_pickle does not write",
        ),
        (np.zeros((2, 2), np.int8), "value holds a ndarray, which python2_pickle does not write"),
        (bytearray(b"a"), "value holds a bytearray, which python2_pickle does not write"),
        ((1, 2), "value holds a tuple, which python2_pickle does not write"),
    ],
)
def test_python2_pickle_refuses_what_python_2_files_do_not_hold(value, message):
    with pytest.raises(TypeError) as raised:
        python2_pickle(value)
    assert str(raised.value) == message


# Protocol 2 by hand, from pickletools' opcode table: PROTO 2 is 0x80 0x02 and STOP is ".";
# N is None; K one unsigned byte, J a 4-byte little-endian int; U a string of under 256 bytes
# after its 1-byte length, T one after a 4-byte length; "]" or "}" an empty list or dict, "("
# a mark, "e" appends and "u" sets the items pushed since the mark.
@pytest.mark.parametrize(
    ("value", "body"),
    [
        (None, b"N"),
        (0, b"K\x00"),
        (255, b"K\xff"),
        (256, b"J\x00\x01\x00\x00"),
        (2**31 - 1, b"J\xff\xff\xff\x7f"),
        (np.uint16(258), b"J\x02\x01\x00\x00"),
        (b"", b"U\x00"),
        (b"ab", b"U\x02ab"),
        (b"x" * 255, b"U\xff" + b"x" * 255),
        (b"x" * 256, b"T\x00\x01\x00\x00" + b"x" * 256),
        ([], b"](e"),
        ([1, b"a", None], b"](K\x01U\x01aNe"),
        ({}, b"}(u"),
        ({b"k": [2]}, b"}(U\x01k](K\x02eu"),
    ],
)
def test_python2_pickle_writes_protocol_2_opcodes(value, body):
    assert python2_pickle(value) == b"\x80\x02" + body + b"."


class _Reported(bytes):
    """A bytes whose len() says 2**31 (or `length`): what a 2 GiB string reports, without the
    2 GiB."""

    length = 2**31

    def __len__(self):
        return self.length


@pytest.mark.parametrize("length", [2**31, 2**32])
def test_python2_pickle_refuses_a_string_python_2_cannot_hold(length):
    # BINSTRING's 4-byte length is signed: 2**31 - 1 bytes at most.
    value = type("Reported", (_Reported,), {"length": length})(b"x")
    _assert_refuses(
        lambda: python2_pickle([value]),
        ValueError,
        f"value holds {length} bytes; a Python 2 string holds < 2**31",
    )


class _Called:
    """A global the pickle names, called with `args`, and the state BUILD gave it."""

    def __init__(self, name, *args):
        self.name, self.args, self.state = name, args, None

    def __setstate__(self, state):
        self.state = state

    def plain(self):
        return (self.name, self.args, _plain(self.state))


def _plain(value):
    if isinstance(value, _Called):
        return value.plain()
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


class _RecordingUnpickler(pickle.Unpickler):
    """Reads the globals as names and their calls as `_Called`s, not as NumPy's objects."""

    def find_class(self, module, name):
        if (module, name) == ("numpy", "ndarray"):
            return "numpy.ndarray"
        return functools.partial(_Called, f"{module}.{name}")


@pytest.mark.parametrize("shape", [(1, 3072), (2, 3), (0, 300), (300, 1)])
def test_python2_pickle_writes_an_array_as_numpy_reduces_it(shape):
    array = np.arange(math.prod(shape), dtype=np.int64).reshape(shape).astype(np.uint8)
    function, arguments, state = array.__reduce__()
    dtype_class, dtype_arguments, dtype_state = array.dtype.__reduce__()
    assert (function.__name__, arguments[0], dtype_class) == ("_reconstruct", np.ndarray, np.dtype)
    expected = (
        "numpy.core.multiarray._reconstruct",
        ("numpy.ndarray", arguments[1], arguments[2].decode("latin1")),
        (
            state[0],
            state[1],
            ("numpy.dtype", dtype_arguments, dtype_state),
            state[3],
            state[4].decode("latin1"),
        ),
    )
    data = python2_pickle(array)
    called = _RecordingUnpickler(io.BytesIO(data), encoding="latin1").load()
    assert called.plain() == expected
    assert [type(item) for item in called.plain()[2][2][1]] == [str, int, int]
    read = pickle.loads(data, encoding="latin1")
    assert read.dtype == np.uint8
    assert np.array_equal(read, array)


# NumPy inputs -------------------------------------------------------------------------------


@given(
    n=numpy_ints(st.integers(0, 2000)),
    batch_size=numpy_ints(st.integers(1, 300)),
    drop_last=st.booleans().map(np.bool_),
)
def test_numpy_counts_give_the_batches_of_python_ints(n, batch_size, drop_last):
    python = (int(n), int(batch_size), bool(drop_last))
    assert num_batches(n, batch_size, drop_last) == num_batches(*python)
    bounds = batch_bounds(n, batch_size, drop_last)
    assert bounds == batch_bounds(*python)
    assert all(type(bound) is int for pair in bounds for bound in pair)


@pytest.mark.parametrize("convert", [*INT_SEQUENCE_CONVERTERS, lambda v: np.array(v, np.uint8)])
def test_cifar_batch_takes_numpy_labels_and_pickles_them_as_python_ints(convert):
    images = np.zeros((3, 32, 32, 3), np.uint8)
    batch = cifar_batch(images, convert([7, 0, 9]), "data_batch_1")
    assert batch[b"labels"] == [7, 0, 9]
    assert all(type(label) is int for label in batch[b"labels"])
    assert python2_pickle(batch) == python2_pickle(cifar_batch(images, [7, 0, 9], "data_batch_1"))


def test_python2_pickle_writes_numpy_ints_as_ints():
    assert python2_pickle([np.int64(3), np.uint8(200), np.int32(70_000)]) == python2_pickle(
        [3, 200, 70_000]
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: num_batches(True, 2), TypeError, r"^n must be an int, not bool \(True\)$"),
        (
            lambda: num_batches(10, np.float64(2.0)),
            TypeError,
            r"^batch_size must be an int, not numpy\.float64 \(2\.0\)$",
        ),
        (
            lambda: num_batches(np.int64(10), np.int32(0)),
            ValueError,
            r"^batch_size must be a positive int, got 0$",
        ),
        (
            lambda: batch_bounds(np.int64(-3), 2),
            ValueError,
            r"^n must be a non-negative int, got -3$",
        ),
        (
            lambda: num_batches(10, 2, drop_last=np.int64(1)),
            TypeError,
            r"^drop_last must be a bool, not numpy\.int64 \(1\)$",
        ),
        (
            lambda: cifar_batch(np.zeros((1, 32, 32, 3), np.uint8), np.array([0.0])),
            TypeError,
            r"^labels must hold ints, not an array of float64$",
        ),
        (
            lambda: cifar_batch(np.zeros((1, 32, 32, 3), np.uint8), [np.True_]),
            TypeError,
            r"^labels must hold ints, not numpy\.bool_ \(True\) at index 0$",
        ),
        (
            lambda: cifar_batch(np.zeros((1, 32, 32, 3), np.uint8), np.array([10])),
            ValueError,
            r"^labels \[10\] must be ints in 0\.\.9$",
        ),
        (
            lambda: python2_pickle([np.True_]),
            TypeError,
            r"^value holds a bool; python2_pickle writes no bools$",
        ),
        (
            lambda: python2_pickle([np.int64(-1)]),
            TypeError,
            r"^value holds a int64, which python2_pickle does not write$",
        ),
        (
            lambda: python2_pickle([np.int64(2**31)]),
            TypeError,
            r"^value holds a int64, which python2_pickle does not write$",
        ),
    ],
)
def test_numpy_values_that_are_wrong_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()

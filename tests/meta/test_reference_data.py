"""The data oracles checked without torch: batch counts by arithmetic, the IDX format against its
published header layout, CIFAR-10's row layout by hand, and NumPy counts and labels against
Python ones."""

from __future__ import annotations

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


def test_num_batches_refuses_bad_arguments():
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        num_batches(10, 0)
    with pytest.raises(ValueError, match="n must be a non-negative int, got -1"):
        num_batches(-1, 2)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        num_batches(10, 2.0)
    with pytest.raises(TypeError, match="drop_last must be a bool"):
        num_batches(10, 2, drop_last=1)


def test_idx_header_is_the_published_layout():
    # MNIST's train-images-idx3-ubyte starts 0x00000803 (uint8, 3 dims), then 60000, 28, 28.
    data = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    assert data[:4] == bytes([0, 0, 0x08, 3])
    assert data[4:16] == (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    assert len(data) == 16 + 2 * 28 * 28
    labels = idx_bytes(np.array([7, 2], np.uint8))
    assert labels == bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 2])


@given(array=npst.arrays(np.uint8, npst.array_shapes(min_dims=1, max_dims=3, max_side=5)))
def test_idx_round_trips(array):
    assert np.array_equal(read_idx(idx_bytes(array)), array)


def test_idx_refuses_what_it_cannot_encode():
    with pytest.raises(ValueError, match="4 dims"):
        idx_bytes(np.zeros((1, 1, 1, 1), np.uint8))
    with pytest.raises(ValueError, match="no IDX type code"):
        idx_bytes(np.zeros(3, np.uint64))
    with pytest.raises(ValueError, match="magic number"):
        read_idx(b"\x01\x00\x08\x01")
    with pytest.raises(ValueError, match="needs 3"):
        read_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2]))
    with pytest.raises(ValueError, match="ends inside its header"):
        read_idx(bytes([0, 0, 8, 3, 0, 0, 0, 1]))


def test_cifar_rows_are_red_then_green_then_blue_planes():
    image = np.zeros((1, 32, 32, 3), np.uint8)
    image[0, 0, 1] = (10, 20, 30)  # pixel at row 0, column 1
    row = cifar_batch(image, [4])[b"data"][0]
    assert row.shape == (3072,)
    assert (row[1], row[1024 + 1], row[2048 + 1]) == (10, 20, 30)
    assert np.count_nonzero(row) == 3


def test_cifar_batch_refuses_bad_images_and_labels():
    with pytest.raises(ValueError, match=r"images_hwc is uint8 of shape \(1, 28, 28, 3\)"):
        cifar_batch(np.zeros((1, 28, 28, 3), np.uint8), [0])
    with pytest.raises(ValueError, match=r"labels \[10\] must be ints in 0\.\.9"):
        cifar_batch(np.zeros((1, 32, 32, 3), np.uint8), [10])
    with pytest.raises(TypeError, match="name must be a str"):
        cifar_batch(np.zeros((1, 32, 32, 3), np.uint8), [0], name=b"data_batch_1")


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


def test_python2_pickle_refuses_what_python_2_files_do_not_hold():
    with pytest.raises(TypeError, match="value holds a str"):
        python2_pickle({"label_names": []})
    with pytest.raises(TypeError, match="value holds a float"):
        python2_pickle([0.5])
    with pytest.raises(TypeError, match="value holds a bool"):
        python2_pickle([True])


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
        (lambda: python2_pickle([np.True_]), TypeError, r"^value holds a bool"),
        (lambda: python2_pickle([np.int64(-1)]), TypeError, r"^value holds a int64"),
    ],
)
def test_numpy_values_that_are_wrong_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()

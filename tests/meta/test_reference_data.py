"""The data oracles checked without torch: batch counts by arithmetic, the IDX format against its
published header layout, and CIFAR-10's row layout by hand."""

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
    with pytest.raises(ValueError, match="batch_size 0 must be at least 1"):
        num_batches(10, 0)
    with pytest.raises(ValueError, match="n -1 must be at least 0"):
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

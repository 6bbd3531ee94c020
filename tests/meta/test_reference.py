"""The reference oracles checked on their own, against NumPy and against plain arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference.dtypes import SHARED_DTYPE_NAMES, default_integer_dtype, torch_dtype_name
from reference.memory import Buffer, buffer_of, shares_memory
from tests.harness.strategies import arrays, shapes


@st.composite
def numpy_views(draw, base: np.ndarray) -> np.ndarray:
    """Any view of `base`: slices with either sign of step, a transpose, perhaps bytes."""
    index = []
    for side in base.shape:
        step = draw(st.integers(1, 3)) * draw(st.sampled_from([1, -1]))
        start = draw(st.integers(0, side))
        index.append(slice(start, None, step))
    view = base[tuple(index)].transpose(draw(st.permutations(range(base.ndim))))
    if view.ndim and view.strides[-1] == view.itemsize and draw(st.booleans()):
        view = view.view(np.uint8)  # reinterpret: another itemsize over the same bytes
    return view


@given(base=arrays(shape=shapes(min_dims=1, max_dims=3, max_side=6)), data=st.data())
def test_shares_memory_agrees_with_numpy_on_views_of_one_array(base, data):
    first = data.draw(numpy_views(base), label="first")
    second = data.draw(numpy_views(base), label="second")
    assert shares_memory(first, second) == np.shares_memory(first, second), (
        f"strides {first.strides} and {second.strides}, offsets "
        f"{buffer_of(first).address - buffer_of(base).address} and "
        f"{buffer_of(second).address - buffer_of(base).address}"
    )


@given(first=arrays(), second=arrays())
def test_separate_arrays_share_nothing(first, second):
    assert not shares_memory(first, second)


def test_interleaved_views_do_not_share_though_their_extents_overlap():
    base = np.arange(10)
    evens, odds = base[::2], base[1::2]
    assert buffer_of(evens).extent()[0] < buffer_of(odds).extent()[1]
    assert not shares_memory(evens, odds)
    assert shares_memory(base[2:5], base[4:8])


def test_extent_covers_negative_strides():
    base = np.arange(4, dtype=np.int32)
    reversed_view = base[::-1]
    start = buffer_of(base).address
    assert buffer_of(reversed_view).extent() == (start, start + 16)


def test_empty_buffers_share_nothing():
    base = np.arange(4)
    assert not shares_memory(base[:0], base)
    assert Buffer(address=100, shape=(0, 3), strides=(24, 8), itemsize=8).is_empty


def test_tensors_are_read_from_their_addresses():
    t = torch.arange(10)
    assert shares_memory(t[2:5], t[4:8])
    assert not shares_memory(t[::2], t[1::2])
    assert not shares_memory(t, t.clone())
    assert buffer_of(t[3:]).address == buffer_of(t).address + 3 * t.element_size()


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"a must be a numpy\.ndarray or a torch\.Tensor, not list"):
        shares_memory([1, 2], np.arange(2))
    with pytest.raises(TypeError, match="b must be"):
        shares_memory(np.arange(2), 3)
    with pytest.raises(ValueError, match="b is a tensor on meta"):
        shares_memory(torch.arange(2), torch.empty(2, device="meta"))


@pytest.mark.parametrize(
    ("numpy_version", "system", "pointer_bits", "expected"),
    [
        ((1, 26), "Windows", 64, "int32"),  # C long is 32 bits on Win64 (LLP64)
        ((1, 26), "Linux", 64, "int64"),
        ((1, 26), "Darwin", 64, "int64"),
        ((1, 26), "Linux", 32, "int32"),
        ((2, 0), "Windows", 64, "int64"),  # NumPy 2: intp everywhere
        ((2, 1), "Windows", 32, "int32"),
    ],
)
def test_default_integer_dtype(numpy_version, system, pointer_bits, expected):
    assert default_integer_dtype(numpy_version, system, pointer_bits) == expected


def test_default_integer_dtype_assumes_a_64_bit_machine_and_reads_the_major_version():
    assert default_integer_dtype((1, 26), "Linux") == "int64"
    assert default_integer_dtype((1, 26, 4), "Windows") == "int32"
    assert default_integer_dtype((2, 0, 0), "Windows") == "int64"


def test_torch_dtype_name_names_the_type_it_refuses():
    with pytest.raises(TypeError) as raised:
        torch_dtype_name(3)
    assert str(raised.value) == "numpy_dtype_name must be a str, not int"


def test_default_integer_dtype_rejects_bad_arguments():
    with pytest.raises(TypeError, match="numpy_version"):
        default_integer_dtype("2.0", "Linux")
    with pytest.raises(TypeError, match="system"):
        default_integer_dtype((2, 0), "")
    with pytest.raises(ValueError, match="pointer_bits must be 32 or 64, not 16"):
        default_integer_dtype((2, 0), "Linux", 16)


@pytest.mark.parametrize("convert", [np.int64, np.int32, np.intp])
def test_default_integer_dtype_takes_numpy_ints(convert):
    for numpy_version, system, pointer_bits, expected in [
        ((1, 26), "Windows", 64, "int32"),
        ((2, 0), "Windows", 64, "int64"),
        ((1, 26), "Linux", 32, "int32"),
    ]:
        version = tuple(convert(part) for part in numpy_version)
        assert default_integer_dtype(version, system, convert(pointer_bits)) == expected


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (
            ((2, 0.5), "Linux"),
            TypeError,
            r"^numpy_version must be a \(major, minor\) tuple of ints",
        ),
        (
            ((2, True), "Linux"),
            TypeError,
            r"^numpy_version must be a \(major, minor\) tuple of ints",
        ),
        (((2, 0), "Linux", 64.0), TypeError, r"^pointer_bits must be an int, not float \(64\.0\)$"),
        (((2, 0), "Linux", np.True_), TypeError, r"^pointer_bits must be an int, not numpy\.bool"),
        (((2, 0), "Linux", np.int64(16)), ValueError, r"^pointer_bits must be 32 or 64, not 16$"),
    ],
)
def test_default_integer_dtype_refuses_numpy_values_that_are_wrong(arguments, error, message):
    with pytest.raises(error, match=message):
        default_integer_dtype(*arguments)


def test_torch_dtype_name_matches_numpy_names_and_rejects_the_rest():
    assert torch_dtype_name("float32") == "torch.float32"
    assert all(torch_dtype_name(name) == f"torch.{name}" for name in SHARED_DTYPE_NAMES)
    with pytest.raises(ValueError, match="'float128' has no torch counterpart"):
        torch_dtype_name("float128")
    with pytest.raises(TypeError, match="numpy_dtype_name must be a str"):
        torch_dtype_name(np.float32)

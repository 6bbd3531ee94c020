"""The reference oracles checked on their own, against NumPy and against plain arithmetic."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import as_strided

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


@st.composite
def buffers(draw) -> Buffer:
    """Any small buffer: strides of either sign or zero, not necessarily a multiple of itemsize."""
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    strides = tuple(draw(st.lists(st.integers(-20, 20), min_size=len(shape), max_size=len(shape))))
    return Buffer(
        address=draw(st.integers(0, 2**40)),
        shape=shape,
        strides=strides,
        itemsize=draw(st.sampled_from([1, 2, 4, 8])),
    )


@given(buffer=buffers())
@example(buffer=Buffer(address=100, shape=(3,), strides=(8,), itemsize=8))
@example(buffer=Buffer(address=100, shape=(3, 2), strides=(-8, 24), itemsize=4))
@example(buffer=Buffer(address=100, shape=(1, 4), strides=(5, 0), itemsize=2))
@example(buffer=Buffer(address=100, shape=(), strides=(), itemsize=1))
@example(buffer=Buffer(address=100, shape=(2, 0), strides=(8, 8), itemsize=8))
def test_byte_addresses_and_extent_are_those_of_a_walk_over_every_element(buffer):
    walked = {
        buffer.address + sum(i * s for i, s in zip(index, buffer.strides, strict=True)) + byte
        for index in itertools.product(*(range(side) for side in buffer.shape))
        for byte in range(buffer.itemsize)
    }
    addresses = buffer.byte_addresses()
    assert addresses.dtype == np.int64
    assert addresses.tolist() == sorted(walked)
    assert buffer.is_empty == (not walked)
    if walked:
        assert buffer.extent() == (min(walked), max(walked) + 1)


def test_byte_addresses_past_int64_are_refused_not_rounded():
    with pytest.raises(OverflowError):
        Buffer(address=2**63, shape=(2,), strides=(1,), itemsize=1).byte_addresses()


def test_views_too_large_to_list_are_decided_by_extent_when_apart_or_empty():
    # 2**62 bytes' worth of elements, all on one byte (stride 0, as torch's expand makes):
    # listing their bytes would need an array NumPy cannot allocate, so only the extents can
    # tell that it misses the bytes just after it, and an empty view needs no listing at all.
    base = np.zeros(16, dtype=np.uint8)
    huge = as_strided(base[7:8], shape=(2**62,), strides=(0,))
    after = base[8:]
    empty = as_strided(base[7:8], shape=(0,), strides=(1,))  # NumPy's base[7:7] starts at base[0]
    start = buffer_of(after).address
    assert buffer_of(huge).extent() == (start - 1, start)
    assert buffer_of(empty).address == start - 1  # its extent, then, meets huge's
    assert not shares_memory(huge, after)
    assert not shares_memory(after, huge)
    assert not shares_memory(huge, empty)
    assert not shares_memory(empty, huge)


class Tensor:
    """Named like torch's tensor, but not torch's."""


class NotATensor:
    """From module "torch", but not named Tensor."""


NotATensor.__module__ = "torch"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: Buffer(address=0, shape=(2, 3), strides=(8,), itemsize=8),
            ValueError,
            "strides must give one stride per dimension of shape (2, 3), got (8,)",
        ),
        (
            lambda: buffer_of([1, 2]),
            TypeError,
            "obj must be a numpy.ndarray or a torch.Tensor, not list",
        ),
        (
            lambda: shares_memory(Tensor(), np.arange(2)),
            TypeError,
            "a must be a numpy.ndarray or a torch.Tensor, not Tensor",
        ),
        (
            lambda: shares_memory(np.arange(2), NotATensor()),
            TypeError,
            "b must be a numpy.ndarray or a torch.Tensor, not NotATensor",
        ),
        (
            lambda: shares_memory(torch.arange(2), torch.empty(2, device="meta")),
            ValueError,
            "b is a tensor on meta: only host (cpu) buffers share an address space with NumPy, "
            "so only they can be compared",
        ),
    ],
)
def test_memory_refuses_with_its_whole_message(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


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

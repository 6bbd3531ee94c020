"""The shape and reduction oracles checked without torch: against NumPy's own shape rules, and
against the arithmetic their docstrings state."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.reductions import argmax, reduce_shape, sum_dtype
from reference.shapes import (
    broadcast_shape,
    cat_shape,
    chunk_sizes,
    flatten_shape,
    reshape_shape,
    split_sizes,
    squeeze_shape,
    stack_shape,
    unsqueeze_shape,
    viewable_as_flat,
)
from tests.harness.strategies import arrays, broadcastable_shapes, dims, shapes, view_recipes


def numpy_outcome(call):
    try:
        return call()
    except ValueError:
        return ValueError


@given(shape_pair=broadcastable_shapes())
def test_broadcast_shape_is_numpys(shape_pair):
    assert broadcast_shape(*shape_pair) == np.broadcast_shapes(*shape_pair)


@given(a=shapes(max_dims=3, max_side=3), b=shapes(max_dims=3, max_side=3))
def test_broadcast_shape_refuses_what_numpy_refuses(a, b):
    assert numpy_outcome(lambda: broadcast_shape(a, b)) == numpy_outcome(
        lambda: np.broadcast_shapes(a, b)
    )


@given(shape=shapes(min_side=1), target=st.lists(st.integers(-1, 6), max_size=4).map(tuple))
def test_reshape_shape_is_numpys_for_non_empty_shapes(shape, target):
    assert numpy_outcome(lambda: reshape_shape(shape, target)) == numpy_outcome(
        lambda: np.zeros(shape).reshape(target).shape
    )


def test_reshape_shape_refuses_an_ambiguous_minus_one():
    with pytest.raises(ValueError, match="ambiguous"):
        reshape_shape((0, 3), (-1, 0))
    with pytest.raises(ValueError, match="more than one -1"):
        reshape_shape((6,), (-1, -1))


@given(shape=st.lists(st.sampled_from([0, 1, 2]), max_size=5).map(tuple), data=st.data())
def test_squeeze_and_unsqueeze_shapes_are_numpys(shape, data):
    assert squeeze_shape(shape) == np.zeros(shape).squeeze().shape
    dim = data.draw(dims(len(shape), extra=1), label="dim")
    assert unsqueeze_shape(shape, dim) == np.expand_dims(np.zeros(shape), dim).shape
    if shape:
        ones = [index for index, size in enumerate(shape) if size == 1]
        assert squeeze_shape(shape, tuple(ones)) == np.zeros(shape).squeeze(tuple(ones)).shape


@given(shape=shapes(min_dims=1), data=st.data())
def test_flatten_shape_multiplies_the_merged_sizes(shape, data):
    start = data.draw(dims(len(shape)), label="start") % len(shape)
    end = data.draw(st.integers(start, len(shape) - 1), label="end")
    got = flatten_shape(shape, start, end)
    assert math.prod(got) == math.prod(shape)
    assert len(got) == len(shape) - (end - start)
    if 0 not in shape:  # NumPy cannot infer -1 beside a 0
        assert got == np.zeros(shape).reshape(*shape[:start], -1, *shape[end + 1 :]).shape


@given(shape=shapes(min_dims=1, max_dims=3, max_side=3), count=st.integers(1, 4), data=st.data())
def test_cat_and_stack_shapes_are_numpys(shape, count, data):
    dim = data.draw(dims(len(shape)), label="dim")
    assert cat_shape([shape] * count, dim) == np.concatenate([np.zeros(shape)] * count, dim).shape
    new_dim = data.draw(dims(len(shape), extra=1), label="new_dim")
    assert (
        stack_shape([shape] * count, new_dim) == np.stack([np.zeros(shape)] * count, new_dim).shape
    )


@given(length=st.integers(0, 60), chunks=st.integers(1, 15))
def test_chunk_sizes_add_up_with_one_size_and_a_shorter_last(length, chunks):
    sizes = chunk_sizes(length, chunks)
    assert sum(sizes) == length
    assert len(sizes) <= chunks
    assert len(set(sizes[:-1])) <= 1
    assert sizes[-1] <= sizes[0]
    assert sizes[0] == math.ceil(length / chunks)


@given(length=st.integers(0, 60), size=st.integers(1, 15))
def test_split_sizes_add_up_with_one_size_and_a_shorter_last(length, size):
    sizes = split_sizes(length, size)
    assert sum(sizes) == length
    assert all(piece == size for piece in sizes[:-1])
    assert 0 < sizes[-1] <= size or length == 0


@given(shape=shapes(), keepdim=st.booleans(), data=st.data())
def test_reduce_shape_is_numpys(shape, keepdim, data):
    dim = data.draw(dims(len(shape)), label="dim") if shape else None
    assert reduce_shape(shape, dim, keepdim) == np.zeros(shape).sum(dim, keepdims=keepdim).shape


@given(
    array=arrays(dtype=np.float64, shape=shapes(min_side=1))
    | arrays(dtype=np.int64, shape=shapes(min_side=1)).map(lambda a: a % 3),
    data=st.data(),
)
def test_argmax_is_numpys(array, data):
    assert argmax(array) == np.argmax(array)
    if array.ndim:
        dim = data.draw(dims(array.ndim), label="dim")
        assert argmax(array, dim) == np.argmax(array, axis=dim).tolist()


def test_argmax_counts_nan_as_the_largest_value():
    assert argmax([1.0, float("nan"), 5.0, float("nan")]) == 1 == np.argmax([1, np.nan, 5, np.nan])


def flattens_in_place(array: np.ndarray) -> bool:
    """Whether NumPy can give `array` the shape `(-1,)` without copying: assigning to `.shape` (of
    a new view, so the array itself is untouched) raises AttributeError where a copy would be
    needed. It is the same test as `np.reshape(array, -1, copy=False)` (NumPy 2.1+) makes, and it
    works on every NumPy the suite supports."""
    flat = array.view()
    try:
        flat.shape = (-1,)
    except AttributeError:
        return False
    assert np.shares_memory(flat, array) or array.size == 0
    return True


@given(data=st.data(), base_shape=shapes(min_dims=1, max_dims=4, min_side=1))
def test_viewable_as_flat_is_when_numpy_can_reshape_without_copying(data, base_shape):
    view = data.draw(view_recipes(base_shape), label="recipe").apply(np.zeros(base_shape))
    can_view = flattens_in_place(view)
    assert viewable_as_flat(view.shape, [stride // view.itemsize for stride in view.strides]) == (
        can_view
    )


def test_sum_dtype_counts_in_int64():
    assert sum_dtype("bool") == sum_dtype("int8") == sum_dtype("uint64") == "int64"
    assert sum_dtype("float16") == "float16"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: broadcast_shape((2,), "3"), TypeError, r"shapes\[1\] must be a sequence"),
        (lambda: reshape_shape((6,), (-2, 3)), ValueError, "new_shape"),
        (lambda: squeeze_shape((2, 3), 2), ValueError, "dim 2 is out of range"),
        (lambda: unsqueeze_shape((2,), 1.0), TypeError, "dim must be an int"),
        (lambda: flatten_shape((2, 3), 1, 0), ValueError, "start_dim 1 comes after end_dim 0"),
        (lambda: cat_shape([], 0), ValueError, "non-empty list"),
        (lambda: cat_shape([(), ()], 0), ValueError, "0-d"),
        (lambda: stack_shape([(2,), (3,)], 0), ValueError, r"shapes\[1\]"),
        (lambda: chunk_sizes(5, 0), ValueError, "chunks must be an int greater than 0"),
        (lambda: split_sizes(5, [2, 2]), ValueError, "adds up to 4, not length 5"),
        (lambda: split_sizes(5, 0), ValueError, "split_size_or_sections 0"),
        (lambda: reduce_shape((2, 3), (0, -2)), ValueError, "more than once"),
        (lambda: reduce_shape((2, 3), 0, keepdim=1), TypeError, "keepdim must be a bool"),
        (lambda: argmax([]), ValueError, "values is empty"),
        (lambda: argmax(["a"]), TypeError, "values must be real numbers"),
        (lambda: sum_dtype("float128"), ValueError, "float128"),
        (lambda: viewable_as_flat((2, 3), (1,)), ValueError, "strides"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()

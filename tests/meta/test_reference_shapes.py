"""The shape and reduction oracles checked without torch: against NumPy's own shape rules,
against the arithmetic their docstrings state, and with NumPy shapes and dims against Python
ones."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from reference.reductions import argmax, reduce_shape, sum_dtype
from reference.shapes import (
    broadcast_shape,
    cat_shape,
    chunk_sizes,
    flatten_shape,
    normalize_dim,
    reshape_shape,
    split_sizes,
    squeeze_shape,
    stack_shape,
    unsqueeze_shape,
    viewable_as_flat,
)
from tests.harness.strategies import arrays, broadcastable_shapes, dims, shapes, view_recipes
from tests.meta.numpy_inputs import numpy_int_sequences, numpy_ints, outcome


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


@pytest.mark.parametrize(
    "dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]
)
def test_sum_dtype_counts_bools_and_integers_in_int64(dtype):
    assert sum_dtype(dtype) == "int64"


@pytest.mark.parametrize(
    "dtype", ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
)
def test_sum_dtype_keeps_a_floating_or_complex_dtype(dtype):
    assert sum_dtype(dtype) == dtype


@pytest.mark.parametrize(
    ("values", "dim", "expected"),
    [
        (np.array([False, True, True]), None, 1),
        (np.array([3, 7, 7], dtype=np.int8), None, 1),
        (np.array([3, 200, 7], dtype=np.uint8), None, 1),
        (np.array([[0.5, -1.0], [2.0, 2.0]], dtype=np.float16), 1, [0, 0]),
        (np.array(4.0), 0, 0),  # a 0-d array has one value, at index 0 of "its" dim
        (np.array(4.0), -1, 0),
    ],
)
def test_argmax_takes_bools_integers_and_floats_and_0_d_arrays(values, dim, expected):
    assert argmax(values, dim) == expected


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: reduce_shape((2, -1)),
            ValueError,
            "shape must hold non-negative ints, got -1 at index 1",
        ),
        (lambda: sum_dtype(8), TypeError, "dtype must be a dtype name such as 'int8', not int"),
        (
            lambda: argmax([]),
            ValueError,
            "values is empty: an empty sequence has no largest value",
        ),
        (
            lambda: argmax(np.zeros((2, 0)), 1),
            ValueError,
            "dim 1 of values has size 0: an empty row has no largest value",
        ),
        (
            lambda: argmax(np.array([1j])),
            TypeError,
            "values must be real numbers or booleans, not complex128",
        ),
    ],
)
def test_the_reductions_refuse_with_their_whole_message(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


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
        (lambda: chunk_sizes(5, 0), ValueError, "chunks must be a positive int, got 0"),
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


# NumPy inputs -------------------------------------------------------------------------------


def python_ints_only(value) -> bool:
    """Whether `value` is built of Python ints alone (in tuples and lists)."""
    if isinstance(value, tuple | list):
        return all(python_ints_only(item) for item in value)
    return type(value) is int


@given(shape=shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_numpy_shapes_and_dims_give_what_python_ones_give(shape, data):
    """Each function, with its shape an integer array or a tuple of NumPy ints and its dims
    NumPy ints, gives the shape (or the refusal) that Python tuples and ints give, built of
    Python ints."""
    as_shape = data.draw(numpy_int_sequences(st.just(list(shape))), label="shape as")
    dim = data.draw(dims(len(shape)), label="dim")
    as_dim = data.draw(numpy_ints(st.just(dim)), label="dim as")
    end = data.draw(dims(len(shape)), label="end")
    as_end = data.draw(numpy_ints(st.just(end)), label="end as")
    strides = data.draw(st.lists(st.integers(-20, 20), min_size=len(shape), max_size=len(shape)))
    as_strides = data.draw(numpy_int_sequences(st.just(strides)), label="strides as")
    length, size = data.draw(st.integers(0, 30), label="length"), data.draw(st.integers(0, 8))
    pairs = [
        (lambda: broadcast_shape(as_shape, (1,)), lambda: broadcast_shape(shape, (1,))),
        (
            lambda: reshape_shape(as_shape, as_shape[::-1]),
            lambda: reshape_shape(shape, shape[::-1]),
        ),
        (lambda: reshape_shape(shape, (np.int64(-1),)), lambda: reshape_shape(shape, (-1,))),
        (lambda: viewable_as_flat(as_shape, as_strides), lambda: viewable_as_flat(shape, strides)),
        (lambda: squeeze_shape(as_shape, as_dim), lambda: squeeze_shape(shape, dim)),
        (lambda: squeeze_shape(as_shape, [as_dim]), lambda: squeeze_shape(shape, (dim,))),
        (lambda: unsqueeze_shape(as_shape, as_dim), lambda: unsqueeze_shape(shape, dim)),
        (lambda: flatten_shape(as_shape, as_dim, as_end), lambda: flatten_shape(shape, dim, end)),
        (lambda: cat_shape([as_shape, shape], as_dim), lambda: cat_shape([shape, shape], dim)),
        (lambda: stack_shape([as_shape] * 2, as_dim), lambda: stack_shape([shape] * 2, dim)),
        (
            lambda: chunk_sizes(np.int64(length), np.int32(size)),
            lambda: chunk_sizes(length, size),
        ),
        (
            lambda: split_sizes(np.int64(length), np.intp(size)),
            lambda: split_sizes(length, size),
        ),
        (
            lambda: split_sizes(sum(as_shape), as_shape),
            lambda: split_sizes(sum(shape), list(shape)),
        ),
        (lambda: reduce_shape(as_shape, as_dim), lambda: reduce_shape(shape, dim)),
        (
            lambda: reduce_shape(as_shape, [as_dim], np.True_),
            lambda: reduce_shape(shape, (dim,), True),
        ),
    ]
    for numpy_call, python_call in pairs:
        got = outcome(numpy_call)
        assert got == outcome(python_call)
        assert isinstance(got, bool) or python_ints_only(got) or got[0] in (TypeError, ValueError)


def test_shapes_may_be_a_2d_array_of_shapes():
    assert cat_shape(np.array([[2, 3], [4, 3]]), np.int64(0)) == (6, 3)
    assert stack_shape(np.array([[2, 3], [2, 3]]), -1) == (2, 3, 2)


def test_an_empty_list_of_dims_reduces_every_dim_as_an_empty_tuple_does():
    assert reduce_shape((2, 3), []) == reduce_shape((2, 3), ()) == ()
    assert reduce_shape((2, 3), np.array([], dtype=np.int64), keepdim=True) == (1, 1)


@given(array=arrays(dtype=np.float64, shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_argmax_takes_a_numpy_dim(array, data):
    dim = data.draw(dims(array.ndim), label="dim")
    assert argmax(array, data.draw(numpy_ints(st.just(dim)), label="as")) == argmax(array, dim)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: broadcast_shape((2.0, 3)),
            TypeError,
            r"^shapes\[0\] must hold ints, not float \(2\.0\) at index 0$",
        ),
        (
            lambda: broadcast_shape((2,), np.array([3.0])),
            TypeError,
            r"^shapes\[1\] must hold ints, not an array of float64$",
        ),
        (
            lambda: reshape_shape((6,), (True, 6)),
            TypeError,
            r"^new_shape must hold ints, not bool \(True\) at index 0$",
        ),
        (
            lambda: reshape_shape(np.array([2, -1]), (2,)),
            ValueError,
            r"^shape must hold non-negative ints, got -1 at index 1$",
        ),
        (
            lambda: reshape_shape(np.zeros((1, 2), np.int64), (2,)),
            ValueError,
            r"^shape must be 1-d, not an array of shape \(1, 2\)$",
        ),
        (
            lambda: squeeze_shape((1, 2), np.float64(0)),
            TypeError,
            r"^dim must be an int or a sequence of ints, not numpy\.float64 \(0\.0\)$",
        ),
        (
            lambda: unsqueeze_shape((2,), True),
            TypeError,
            r"^dim must be an int, not bool \(True\)$",
        ),
        (
            lambda: flatten_shape((2, 3), np.int64(0), 1.0),
            TypeError,
            r"^end_dim must be an int, not float \(1\.0\)$",
        ),
        (
            lambda: viewable_as_flat((2,), (1.0,)),
            TypeError,
            r"^strides must hold ints, not float \(1\.0\) at index 0$",
        ),
        (
            lambda: chunk_sizes(5, np.float64(2)),
            TypeError,
            r"^chunks must be an int, not numpy\.float64 \(2\.0\)$",
        ),
        (
            lambda: chunk_sizes(np.True_, 2),
            TypeError,
            r"^length must be an int, not numpy\.bool_ \(True\)$",
        ),
        (
            lambda: split_sizes(5, [2.0, 3]),
            TypeError,
            r"^split_size_or_sections must hold ints, not float \(2\.0\) at index 0$",
        ),
        (
            lambda: split_sizes(5, np.array([2, -1, 4])),
            ValueError,
            r"^split_size_or_sections \[2, -1, 4\] must hold non-negative ints$",
        ),
        (
            lambda: cat_shape("ab", 0),
            TypeError,
            r"^shapes must be a non-empty list of shapes, not str$",
        ),
        (
            lambda: cat_shape(np.array([[2, 3], [2, 4]]), 0),
            ValueError,
            r"^shapes\[1\] \(2, 4\) does not match shapes\[0\] \(2, 3\) outside dim 0$",
        ),
        (
            lambda: reduce_shape((2, 3), 0, keepdim=np.int64(1)),
            TypeError,
            r"^keepdim must be a bool, not numpy\.int64 \(1\)$",
        ),
        (
            lambda: split_sizes(5, 2.5),
            TypeError,
            r"^split_size_or_sections must be an int or a sequence of ints, not float \(2\.5\)$",
        ),
        (
            lambda: reduce_shape((2, 3), np.float64(1)),
            TypeError,
            r"^dim must be an int or a sequence of ints, not numpy\.float64 \(1\.0\)$",
        ),
        (
            lambda: reduce_shape((2, 3), [0.0]),
            TypeError,
            r"^dim must hold ints, not float \(0\.0\) at index 0$",
        ),
        (
            lambda: argmax([1.0, 2.0], np.float32(0)),
            TypeError,
            r"^dim must be an int, not numpy\.float32 \(0\.0\)$",
        ),
    ],
)
def test_numpy_values_that_are_wrong_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# Cases beyond equal shapes and a lone -1 ----------------------------------------------------


def test_broadcast_shape_of_no_shapes_is_numpys():
    assert broadcast_shape() == np.broadcast_shapes() == ()


@st.composite
def inferable_reshapes(draw):
    """A shape, a target with one size written as -1, and the target itself: the shape holds the
    target's sizes in another order, so the -1 can stand only for the size it replaced."""
    target = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple))
    shape = tuple(draw(st.permutations(target)))
    position = draw(st.integers(0, len(target) - 1))
    return shape, (*target[:position], -1, *target[position + 1 :]), target


@given(case=inferable_reshapes())
@example(case=((2, 3, 4), (4, -1, 3), (4, 2, 3)))
@example(case=((3, 0), (0, -1), (0, 3)))
@example(case=((3, 0), (-1, 3), (0, 3)))
@example(case=((0, 3), (-1, 0), (3, 0)))  # the -1 cannot be inferred beside a 0
def test_reshape_shape_infers_the_size_that_minus_one_replaced(case):
    shape, new_shape, target = case
    if 0 in new_shape:
        with pytest.raises(ValueError, match="ambiguous"):
            reshape_shape(shape, new_shape)
    else:
        got = reshape_shape(shape, new_shape)
        assert got == target
        assert python_ints_only(got)


def c_order_offsets(shape, strides):
    """The element offsets of a strided tensor, in the order `view(-1)` lays its elements."""
    return [
        sum(index * stride for index, stride in zip(indices, strides, strict=True))
        for indices in itertools.product(*(range(size) for size in shape))
    ]


@given(shape=shapes(max_dims=4, max_side=4), data=st.data())
@example(shape=(2, 0, 3), data=None)
@example(shape=(2, 1, 3), data=None)
def test_viewable_as_flat_is_when_the_offsets_step_evenly(shape, data):
    """A flat view has one stride, so its offsets step evenly; any strides, negative and zero
    ones included."""
    if data is None:
        strides = [7] * len(shape)
    else:
        strides = data.draw(st.lists(st.integers(-6, 6), min_size=len(shape), max_size=len(shape)))
    offsets = c_order_offsets(shape, strides)
    steps = {after - before for before, after in itertools.pairwise(offsets)}
    assert viewable_as_flat(shape, strides) == (len(steps) <= 1)


@st.composite
def cat_inputs(draw):
    """Shapes to concatenate along a dim of the first: most agree outside it, some not."""
    first = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    dim = draw(dims(len(first)))
    position = dim % len(first)
    resized = st.integers(0, 3).map(lambda n: (*first[:position], n, *first[position + 1 :]))
    others = draw(st.lists(resized | shapes(max_dims=3, max_side=3), max_size=3))
    return [first, *others], dim


@given(inputs=cat_inputs())
@example(inputs=([(2, 1), (2, 4), (2, 0)], -1))
@example(inputs=([(2, 3, 4), (2, 5, 4)], 0))
@example(inputs=([(2, 3, 4), (3, 3, 5)], 1))
@example(inputs=([(2, 3), (2,)], 1))
@example(inputs=([(2, 3), (2, 3, 1)], 0))
def test_cat_shape_adds_sizes_along_dim_as_numpy_does(inputs):
    shape_list, dim = inputs
    assert numpy_outcome(lambda: cat_shape(shape_list, dim)) == numpy_outcome(
        lambda: np.concatenate([np.zeros(shape) for shape in shape_list], dim).shape
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: flatten_shape((2, 3, 4)), (24,)),
        (lambda: flatten_shape((2, 3, 4), 1), (2, 12)),
        (lambda: flatten_shape(()), (1,)),
        (lambda: flatten_shape((), -1, 0), (1,)),
        (lambda: squeeze_shape((), 0), ()),
        (lambda: squeeze_shape((1,), -1), ()),
        (lambda: chunk_sizes(0, 3), [0, 0, 0]),
        (lambda: split_sizes(0, 0), [0]),
        (lambda: split_sizes(0, 4), [0]),
        (lambda: split_sizes(3, [0, 3, 0]), [0, 3, 0]),
    ],
)
def test_defaults_0_d_shapes_and_empty_pieces(call, expected):
    assert call() == expected


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: broadcast_shape((2, 3), (4, 3)),
            ValueError,
            "shapes [(2, 3), (4, 3)] do not broadcast: sizes [2, 4] meet at dim -2",
        ),
        (
            lambda: reshape_shape((6,), (-2, 3)),
            ValueError,
            "new_shape (-2, 3) may hold only sizes >= 0 and one -1",
        ),
        (
            lambda: reshape_shape((6,), (-1, -1)),
            ValueError,
            "new_shape (-1, -1) has more than one -1: only one can be inferred",
        ),
        (
            lambda: reshape_shape((0, 3), (-1, 0)),
            ValueError,
            "new_shape (-1, 0) leaves -1 ambiguous: the other sizes multiply to 0",
        ),
        (
            lambda: reshape_shape((6,), (4, -1)),
            ValueError,
            "new_shape (4, -1) is invalid for 6 elements",
        ),
        (lambda: reshape_shape((6,), (4,)), ValueError, "new_shape (4,) is invalid for 6 elements"),
        (
            lambda: viewable_as_flat((2, 3), (1,)),
            ValueError,
            "strides (1,) must have one entry per dim of (2, 3)",
        ),
        (lambda: squeeze_shape((1,), 1), ValueError, "dim 1 is out of range [-1, 0]"),
        (lambda: unsqueeze_shape((2,), -3), ValueError, "dim -3 is out of range [-2, 1]"),
        (lambda: flatten_shape((2, 3), 2), ValueError, "start_dim 2 is out of range [-2, 1]"),
        (lambda: flatten_shape((2, 3), 0, -3), ValueError, "end_dim -3 is out of range [-2, 1]"),
        (lambda: flatten_shape((), 1), ValueError, "start_dim 1 is out of range [-1, 0]"),
        (lambda: flatten_shape((), 0, -2), ValueError, "end_dim -2 is out of range [-1, 0]"),
        (lambda: flatten_shape((), 0.0), TypeError, "start_dim must be an int, not float (0.0)"),
        (
            lambda: flatten_shape((), 0, None),
            TypeError,
            "end_dim must be an int, not NoneType (None)",
        ),
        (
            lambda: flatten_shape((2, 3), 1, 0),
            ValueError,
            "start_dim 1 comes after end_dim 0 in (2, 3)",
        ),
        (lambda: cat_shape([], 0), ValueError, "shapes must be a non-empty list of shapes"),
        (
            lambda: cat_shape([(), ()], 0),
            ValueError,
            "shapes must not be 0-d: a 0-d tensor cannot be concatenated",
        ),
        (lambda: cat_shape([(2,), (3,)], 1), ValueError, "dim 1 is out of range [-1, 0]"),
        (
            lambda: cat_shape([(2,), "3"], 0),
            TypeError,
            "shapes[1] must be a sequence of ints, not str ('3')",
        ),
        (
            lambda: stack_shape([(2,), (3,)], 0),
            ValueError,
            "shapes[1] (3,) differs from shapes[0] (2,)",
        ),
        (lambda: stack_shape([(2,), (2,)], 2), ValueError, "dim 2 is out of range [-2, 1]"),
        (lambda: chunk_sizes(-1, 2), ValueError, "length must be a non-negative int, got -1"),
        (lambda: chunk_sizes(-1, 0), ValueError, "length must be a non-negative int, got -1"),
        (lambda: split_sizes(-1, 2), ValueError, "length must be a non-negative int, got -1"),
        (
            lambda: split_sizes(1, 0),
            ValueError,
            "split_size_or_sections 0 must be positive (0 only for an empty dim)",
        ),
        (
            lambda: split_sizes(0, -1),
            ValueError,
            "split_size_or_sections -1 must be positive (0 only for an empty dim)",
        ),
        (
            lambda: split_sizes(5, [2, 2]),
            ValueError,
            "split_size_or_sections [2, 2] adds up to 4, not length 5",
        ),
        (lambda: normalize_dim(0, -1), ValueError, "ndim must be a non-negative int, got -1"),
        (lambda: normalize_dim(0, 1.0), TypeError, "ndim must be an int, not float (1.0)"),
        (lambda: normalize_dim(2, 2, "axis"), ValueError, "axis 2 is out of range [-2, 1]"),
    ],
)
def test_the_shape_functions_refuse_with_their_whole_message(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "call",
    [
        lambda shape: reshape_shape(shape, (6,)),
        lambda shape: viewable_as_flat(shape, (3, 1)),
        lambda shape: squeeze_shape(shape),
        lambda shape: unsqueeze_shape(shape, 0),
        lambda shape: flatten_shape(shape),
    ],
)
def test_a_negative_size_is_refused_by_the_name_shape(call):
    with pytest.raises(ValueError, match=r"^shape must hold non-negative ints, got -1 at index 1$"):
        call((2, -1))

"""The shared strategies keep the promises their docstrings make, whatever they draw."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import find, given
from hypothesis import strategies as st

from tests.harness.dtypes import SHARED_DTYPES, STORABLE, TORCH_ONLY, WIDE_FLOATING, dtype_name
from tests.harness.strategies import (
    arrays,
    broadcastable_shapes,
    dims,
    numpy_dtypes,
    shapes,
    small_values,
    strided_views,
    tensors,
    torch_dtypes,
    view_recipes,
)

NOT_BOOL = tuple(dtype for dtype in SHARED_DTYPES if dtype != np.bool_)


def cast(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`astype`, taking the real part on the way to a real dtype (the drawn imaginary part is 0)."""
    return (array.real if array.dtype.kind == "c" and dtype.kind != "c" else array).astype(dtype)


@given(array=arrays())
def test_an_array_is_c_contiguous_and_holds_small_values(array):
    assert array.dtype in SHARED_DTYPES, f"arrays() drew {array.dtype}"
    assert array.flags.c_contiguous, f"arrays() drew strides {array.strides}"
    if array.dtype != np.bool_:
        assert ((array >= 0) & (array <= 100)).all(), f"arrays() drew {array.tolist()}"


@given(max_value=st.integers(0, 100), data=st.data())
def test_values_stay_at_most_the_bound_asked_for(max_value, data):
    array = data.draw(arrays(dtype=np.int64, max_value=max_value), label="array")
    assert (array <= max_value).all(), f"arrays(max_value={max_value}) drew {array.tolist()}"


@pytest.mark.parametrize("max_value", [-1, 101])
def test_a_bound_that_some_dtype_would_not_hold_is_refused(max_value):
    with pytest.raises(ValueError, match=f"max_value must be in 0..100, .* not {max_value}"):
        small_values(np.int64, max_value)


@given(dtype=numpy_dtypes(), data=st.data())
def test_every_small_value_survives_every_cast_but_one_to_bool(dtype, data):
    value = data.draw(small_values(dtype), label="value")
    original = np.array([value], dtype=dtype)
    for other in SHARED_DTYPES if dtype == np.bool_ else NOT_BOOL:
        round_trip = cast(cast(original, other), dtype)
        assert np.array_equal(round_trip, original), f"{value!r} as {other} and back"


@given(shape=shapes(min_dims=1, min_side=1), data=st.data())
def test_a_view_is_never_empty_and_never_has_a_negative_stride(shape, data):
    recipe = data.draw(view_recipes(shape), label="recipe")
    base = np.zeros(shape)
    view, tensor_view = recipe.apply(base), recipe.apply(torch.zeros(shape))
    assert view.size > 0, f"{recipe} of {shape} is empty"
    assert all(stride >= 0 for stride in view.strides), f"{recipe} gave strides {view.strides}"
    assert view.shape == tuple(tensor_view.shape), f"{recipe} cut NumPy and torch alike"
    assert np.shares_memory(view, base), f"{recipe} copied"


@given(view=strided_views())
def test_a_strided_view_lies_inside_its_base(view):
    assert view.base is not None, "strided_views() drew an array of its own"
    assert view.size > 0, "strided_views() drew an empty view"
    assert min(view.strides) >= 0, f"strided_views() drew strides {view.strides}"


@given(ndim=st.integers(0, 4), extra=st.integers(0, 1), data=st.data())
def test_a_dim_is_valid_for_its_shape(ndim, extra, data):
    dim = data.draw(dims(ndim, extra), label="dim")
    extent = max(ndim + extra, 1)
    assert -extent <= dim < extent, f"dims({ndim}, {extra}) drew {dim}"
    torch.zeros((1,) * ndim).unsqueeze(dim) if extra else torch.zeros((1,) * ndim).sum(dim)


@given(shapes_=broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast(shapes_):
    np.broadcast_shapes(*shapes_)
    torch.broadcast_shapes(*shapes_)


@given(dtype=torch_dtypes(), data=st.data())
def test_a_tensor_has_the_dtype_asked_for_and_small_values(dtype, data):
    tensor = data.draw(tensors(dtype=dtype, shape=shapes(max_dims=2)), label="tensor")
    assert tensor.dtype == dtype, f"tensors(dtype={dtype}) drew {tensor.dtype}"
    assert tensor.is_contiguous(), f"tensors(dtype={dtype}) drew strides {tensor.stride()}"
    if dtype != torch.bool:
        values = (torch.view_as_real(tensor)[..., 0] if tensor.is_complex() else tensor).double()
        assert ((values >= 0) & (values <= 100) & (values == values.round())).all(), tensor


@pytest.mark.parametrize("dtype", STORABLE, ids=dtype_name)
def test_torch_dtypes_draws_every_member_of_its_group(dtype):
    assert find(torch_dtypes(), lambda drawn: drawn == dtype) == dtype


@given(dtype=torch_dtypes(WIDE_FLOATING))
def test_torch_dtypes_draws_only_from_its_group(dtype):
    assert dtype in WIDE_FLOATING


@pytest.mark.parametrize("dtype", [d for d in TORCH_ONLY if d != torch.bfloat16], ids=dtype_name)
@given(data=st.data())
def test_a_tensor_of_a_dtype_whose_values_would_not_be_exact_is_refused(dtype, data):
    with pytest.raises(ValueError, match=f"not {dtype_name(dtype)}"):
        data.draw(tensors(dtype=dtype))

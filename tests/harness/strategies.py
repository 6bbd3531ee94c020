"""Hypothesis strategies shared by the suite: dtypes, shapes, dims, arrays, views, tensors.

Data comes from hypothesis, never from `torch.rand`, so that every failure shrinks and replays.
Values default to small non-negative integers (0..100), which every dtype holds exactly and
every cast between dtypes keeps (but one to bool), so a test can compare values across dtypes
without tolerances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from tests.harness.dtypes import SHARED_DTYPES, STORABLE, dtype_name


def numpy_dtypes(group: tuple[np.dtype, ...] = SHARED_DTYPES) -> st.SearchStrategy[np.dtype]:
    """A NumPy dtype of `group` (see tests.harness.dtypes)."""
    return st.sampled_from(group)


def torch_dtypes(group: tuple[torch.dtype, ...] = STORABLE) -> st.SearchStrategy[torch.dtype]:
    """A torch dtype of `group`, which may hold dtypes NumPy lacks (bfloat16 in the default)."""
    return st.sampled_from(group)


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0, max_side: int = 5):
    return npst.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(num_shapes: int = 2, max_dims: int = 4, max_side: int = 4):
    """A tuple of `num_shapes` shapes that broadcast together: missing dims, sizes of 1 and
    empty sizes included."""
    return npst.mutually_broadcastable_shapes(
        num_shapes=num_shapes, max_dims=max_dims, min_side=0, max_side=max_side
    ).map(lambda drawn: drawn.input_shapes)


def dims(ndim: int, extra: int = 0) -> st.SearchStrategy[int]:
    """A valid dim of an `ndim`-d shape, counted from the front or (negative) from the end.

    `extra=1` is for ops that insert a dim (`unsqueeze`, `stack`). A 0-d shape takes -1 and 0.
    """
    extent = max(ndim + extra, 1)
    return st.integers(min_value=-extent, max_value=extent - 1)


def small_values(dtype, max_value: int = 100) -> st.SearchStrategy:
    """Elements that every shared dtype and bfloat16 hold exactly: booleans, or integers
    0..`max_value` (100 by default; 50 keeps the sum of two within 100).

    `dtype` is a NumPy or a torch dtype."""
    if not 0 <= max_value <= 100:
        raise ValueError(f"max_value must be in 0..100, which every dtype holds, not {max_value}")
    name = dtype_name(dtype) if isinstance(dtype, torch.dtype) else np.dtype(dtype).name
    if name == "bool":
        return st.booleans()
    return st.integers(min_value=0, max_value=max_value)


@st.composite
def arrays(draw, dtype=None, shape=None, max_value: int = 100) -> np.ndarray:
    """A C-contiguous array of small values (see `small_values`, which takes `max_value`);
    `dtype` and `shape` may be values or strategies."""
    dtype = draw(numpy_dtypes()) if dtype is None else dtype
    dtype = draw(dtype) if isinstance(dtype, st.SearchStrategy) else np.dtype(dtype)
    shape = draw(shapes()) if shape is None else shape
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    return draw(npst.arrays(dtype, shape, elements=small_values(dtype, max_value)))


@dataclass(frozen=True)
class ViewRecipe:
    """How to cut a view out of an array or a tensor: positive-step slices, then an axis order."""

    index: tuple[slice, ...]
    axes: tuple[int, ...]

    def apply(self, base):
        view = base[self.index]
        return (
            view.permute(self.axes) if isinstance(view, torch.Tensor) else view.transpose(self.axes)
        )


@st.composite
def view_recipes(draw, shape: tuple[int, ...]) -> ViewRecipe:
    """A non-empty view of a non-empty `shape`: often non-contiguous, never a negative stride."""
    index = tuple(
        slice(draw(st.integers(0, side - 1)), None, draw(st.integers(1, 3))) for side in shape
    )
    return ViewRecipe(index, tuple(draw(st.permutations(range(len(shape))))))


@st.composite
def strided_views(draw, dtype=None) -> np.ndarray:
    """A view into a drawn non-empty array (see `view_recipes`)."""
    base = draw(arrays(dtype=dtype, shape=shapes(min_dims=1, min_side=1)))
    return draw(view_recipes(base.shape)).apply(base)


@st.composite
def tensors(
    draw, device: str = "cpu", dtype=None, shape=None, max_value: int = 100
) -> torch.Tensor:
    """A tensor on `device` holding drawn small values (see `small_values`, which takes
    `max_value`), C-contiguous.

    `dtype` is a NumPy or a torch dtype (bfloat16 too: `torch_dtypes()` draws it), or a strategy
    of either; by default a shared dtype. The tensor is a copy: `torch.tensor` never shares.
    """
    dtype = draw(numpy_dtypes()) if dtype is None else dtype
    dtype = draw(dtype) if isinstance(dtype, st.SearchStrategy) else dtype
    if isinstance(dtype, torch.dtype) and dtype == torch.bfloat16:  # not in NumPy: cast int64
        values = draw(arrays(dtype=np.int64, shape=shape, max_value=max_value))
        return torch.tensor(values, device=device).to(dtype)
    if isinstance(dtype, torch.dtype):
        name = dtype_name(dtype)
    else:  # a name, a NumPy dtype or a scalar type such as np.float32 (whose str is no name)
        name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    if name not in {shared.name for shared in SHARED_DTYPES}:
        raise ValueError(f"tensors draws shared dtypes and bfloat16, not {name}")
    dtype = np.dtype(name)
    return torch.tensor(draw(arrays(dtype=dtype, shape=shape, max_value=max_value)), device=device)

"""What a reduction keeps of a shape, and where the first maximum lies.

`reduce_shape` follows `sum`/`mean`/`max`/`argmax`: `dim=None` (or an empty tuple, for `sum` and
`mean`) reduces every dim. `argmax` is written in plain Python over nested lists, with NaN counted
as the largest value (as NumPy and torch count it) and ties resolved to the first occurrence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from reference.arguments import as_bool, as_int_or_int_tuple, as_int_tuple
from reference.shapes import normalize_dim


def reduce_shape(
    shape: Sequence[int], dim: int | Sequence[int] | None = None, keepdim: bool = False
) -> tuple[int, ...]:
    """The shape left after reducing `dim` (one dim, several, or all with None): each reduced
    dim is dropped, or kept with size 1 when `keepdim`. Shapes and dims may be Python or NumPy
    ints (a shape a tuple, a list or a 1-d integer array), `keepdim` a Python or NumPy bool."""
    shape = as_int_tuple(shape, "shape", minimum=0)
    keepdim = as_bool(keepdim, "keepdim")
    dims = () if dim is None else as_int_or_int_tuple(dim, "dim")
    dims = (dims,) if isinstance(dims, int) else dims
    if not dims:  # None or an empty sequence: every dim
        reduced = set(range(len(shape)))
    else:
        reduced = {normalize_dim(d, len(shape)) for d in dims}
        if len(reduced) != len(dims):
            raise ValueError(f"dim {dim} names a dim of {shape} more than once")
    if keepdim:
        return tuple(1 if index in reduced else size for index, size in enumerate(shape))
    return tuple(size for index, size in enumerate(shape) if index not in reduced)


def sum_dtype(dtype: str) -> str:
    """The dtype of `t.sum()` for a tensor of `dtype`: bool and every integer dtype add up in
    int64 (so a count of `True`s cannot overflow a small type); other dtypes keep their own."""
    if not isinstance(dtype, str):
        raise TypeError(f"dtype must be a dtype name such as 'int8', not {type(dtype).__name__}")
    if dtype in ("bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"):
        return "int64"
    if dtype in ("float16", "bfloat16", "float32", "float64", "complex64", "complex128"):
        return dtype
    raise ValueError(f"dtype {dtype!r} is not a dtype this reference knows")


def argmax(values, dim: int | None = None):
    """The index of the first largest value: in the flattened values when `dim` is None (an
    int), else along `dim` (nested lists of the shape without `dim`)."""
    array = np.asarray(values)
    kinds = (np.bool_, np.integer, np.floating)
    if not any(np.issubdtype(array.dtype, kind) for kind in kinds):
        raise TypeError(f"values must be real numbers or booleans, not {array.dtype}")
    if dim is None:
        if array.size == 0:
            raise ValueError("values is empty: an empty sequence has no largest value")
        return _first_largest(array.ravel().tolist())
    axis = normalize_dim(dim, array.ndim)
    if array.ndim == 0:
        return 0
    if array.shape[axis] == 0:
        raise ValueError(f"dim {dim} of values has size 0: an empty row has no largest value")
    rest = array.shape[:axis] + array.shape[axis + 1 :]
    rows = np.moveaxis(array, axis, -1).reshape(math.prod(rest), array.shape[axis]).tolist()
    return np.array([_first_largest(row) for row in rows]).reshape(rest).tolist()


def _first_largest(row: list) -> int:
    best = 0
    for index, value in enumerate(row):
        if _is_nan(row[best]):
            break
        if _is_nan(value) or value > row[best]:
            best = index
    return best


def _is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)

"""The shapes that torch's shape functions produce, computed from shapes alone.

Each function takes shapes as tuples of non-negative ints and dims as ints that may count from
the end (`-1` is the last dim), and raises `ValueError` naming the argument where torch would
refuse the input. A 0-d shape `()` accepts the dims -1 and 0, as torch does. A shape may be a
tuple (a `torch.Size` is one), a list or a 1-d integer array, and any int a Python or a NumPy one
(`arr.shape`, `np.array([2, 3])`, `np.int64(-1)`); a wrong type (a float or a bool where an int
is meant) raises `TypeError`. Shapes come back as tuples of Python ints.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from reference.arguments import as_int, as_int_or_int_tuple, as_int_tuple, type_name


def broadcast_shape(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape of `a + b + ...`: align the shapes at their last dim; each column of sizes
    must be equal or 1 (missing sizes count as 1), and the result takes the size that is not 1."""
    shapes = [_as_shape(shape, f"shapes[{index}]") for index, shape in enumerate(shapes)]
    ndim = max((len(shape) for shape in shapes), default=0)
    padded = [(1,) * (ndim - len(shape)) + shape for shape in shapes]
    result = []
    for position, sizes in enumerate(zip(*padded, strict=True)):
        not_one = {size for size in sizes if size != 1}
        if len(not_one) > 1:
            raise ValueError(
                f"shapes {shapes} do not broadcast: "
                f"sizes {sorted(not_one)} meet at dim {position - ndim}"
            )
        result.append(not_one.pop() if not_one else 1)
    return tuple(result)


def reshape_shape(shape: Sequence[int], new_shape: Sequence[int]) -> tuple[int, ...]:
    """`new_shape` with its one `-1` (if any) replaced by the size that keeps the element count."""
    shape = _as_shape(shape, "shape")
    new_shape = as_int_tuple(new_shape, "new_shape")
    if not all(size >= -1 for size in new_shape):
        raise ValueError(f"new_shape {new_shape} may hold only sizes >= 0 and one -1")
    if new_shape.count(-1) > 1:
        raise ValueError(f"new_shape {new_shape} has more than one -1: only one can be inferred")
    numel = math.prod(shape)
    known = math.prod(size for size in new_shape if size != -1)
    if -1 in new_shape:
        if known == 0:
            raise ValueError(
                f"new_shape {new_shape} leaves -1 ambiguous: the other sizes multiply to 0"
            )
        if numel % known:
            raise ValueError(f"new_shape {new_shape} is invalid for {numel} elements")
        return tuple(numel // known if size == -1 else size for size in new_shape)
    if known != numel:
        raise ValueError(f"new_shape {new_shape} is invalid for {numel} elements")
    return new_shape


def viewable_as_flat(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """Whether `view(-1)` can lay a tensor of `shape` and element `strides` out flat without
    copying: every dim of size > 1 must step over exactly the next such dim
    (`strides[i] == strides[j] * shape[j]`). Size-1 dims never move the pointer, so they do not
    count; an empty tensor has no elements to place."""
    shape = _as_shape(shape, "shape")
    strides = as_int_tuple(strides, "strides")
    if len(strides) != len(shape):
        raise ValueError(f"strides {strides} must have one entry per dim of {shape}")
    if 0 in shape:
        return True
    steps = [(size, stride) for size, stride in zip(shape, strides, strict=True) if size != 1]
    return all(
        outer_stride == inner_stride * inner_size
        for (_, outer_stride), (inner_size, inner_stride) in itertools.pairwise(steps)
    )


def squeeze_shape(shape: Sequence[int], dim: int | Sequence[int] | None = None) -> tuple[int, ...]:
    """`shape` without its size-1 dims: all of them, or those among `dim` (others stay)."""
    shape = _as_shape(shape, "shape")
    if dim is None:
        dims = set(range(len(shape)))
    else:
        dims = {normalize_dim(d, len(shape)) for d in _as_dims(dim)}
    return tuple(size for index, size in enumerate(shape) if not (index in dims and size == 1))


def unsqueeze_shape(shape: Sequence[int], dim: int) -> tuple[int, ...]:
    """`shape` with a size-1 dim inserted so that it lands at `dim` of the result."""
    shape = _as_shape(shape, "shape")
    position = normalize_dim(dim, len(shape) + 1)
    return (*shape[:position], 1, *shape[position:])


def flatten_shape(shape: Sequence[int], start_dim: int = 0, end_dim: int = -1) -> tuple[int, ...]:
    """`shape` with dims `start_dim..end_dim` (both included) merged into one dim.

    A 0-d shape `()` takes the dims -1 and 0, and its one element becomes `(1,)`: the product
    of no sizes is 1.
    """
    shape = _as_shape(shape, "shape")
    start = normalize_dim(start_dim, len(shape), "start_dim")
    end = normalize_dim(end_dim, len(shape), "end_dim")
    if start > end:
        raise ValueError(f"start_dim {start_dim} comes after end_dim {end_dim} in {shape}")
    return (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])


def cat_shape(shapes: Sequence[Sequence[int]], dim: int) -> tuple[int, ...]:
    """The shape of `torch.cat(tensors, dim)`: sizes along `dim` add, every other size must agree.

    (torch also lets 1-d empty tensors of shape `(0,)` through, whatever the others' shape, for
    backward compatibility; that exception is not modelled.)
    """
    shapes = _as_shape_list(shapes)
    first = shapes[0]
    if not first:
        raise ValueError("shapes must not be 0-d: a 0-d tensor cannot be concatenated")
    position = normalize_dim(dim, len(first))
    for index, shape in enumerate(shapes):
        others, first_others = _without(shape, position), _without(first, position)
        if len(shape) != len(first) or others != first_others:
            raise ValueError(
                f"shapes[{index}] {shape} does not match shapes[0] {first} outside dim {dim}"
            )
    total = sum(shape[position] for shape in shapes)
    return (*first[:position], total, *first[position + 1 :])


def stack_shape(shapes: Sequence[Sequence[int]], dim: int) -> tuple[int, ...]:
    """The shape of `torch.stack(tensors, dim)`: equal shapes, and a new dim of their count."""
    shapes = _as_shape_list(shapes)
    first = shapes[0]
    for index, shape in enumerate(shapes):
        if shape != first:
            raise ValueError(f"shapes[{index}] {shape} differs from shapes[0] {first}")
    position = normalize_dim(dim, len(first) + 1)
    return (*first[:position], len(shapes), *first[position:])


def chunk_sizes(length: int, chunks: int) -> list[int]:
    """The lengths of `torch.chunk(t, chunks)` along a dim of `length`.

    Every chunk has `ceil(length / chunks)` elements except a shorter last one, so there are
    `ceil(length / ceil(length / chunks))` chunks: fewer than asked when the rounded-up size
    uses the length up early (6 in 4 chunks: sizes [2, 2, 2]). An empty dim gives `chunks`
    empty chunks.
    """
    length = as_int(length, "length", minimum=0)
    chunks = as_int(chunks, "chunks", minimum=1)
    if length == 0:
        return [0] * chunks
    return split_sizes(length, math.ceil(length / chunks))


def split_sizes(length: int, split_size_or_sections: int | Sequence[int]) -> list[int]:
    """The lengths of `torch.split(t, split_size_or_sections)` along a dim of `length`: pieces of
    one size with a shorter last one, or exactly the listed sections (which must add up)."""
    length = as_int(length, "length", minimum=0)
    split = as_int_or_int_tuple(split_size_or_sections, "split_size_or_sections")
    if isinstance(split, int):
        size = split
        if size < 0 or (size == 0 and length > 0):
            raise ValueError(
                f"split_size_or_sections {size} must be positive (0 only for an empty dim)"
            )
        if length == 0:
            return [0]
        return [min(size, length - start) for start in range(0, length, size)]
    sections = list(split)
    if any(size < 0 for size in sections):
        raise ValueError(f"split_size_or_sections {sections} must hold non-negative ints")
    if sum(sections) != length:
        raise ValueError(
            f"split_size_or_sections {sections} adds up to {sum(sections)}, not length {length}"
        )
    return sections


def normalize_dim(dim: int, ndim: int, name: str = "dim") -> int:
    """`dim` counted from the front, for a shape of `ndim` dims (a 0-d shape takes -1 and 0)."""
    dim = as_int(dim, name)
    ndim = as_int(ndim, "ndim", minimum=0)
    extent = max(ndim, 1)
    if not -extent <= dim < extent:
        raise ValueError(f"{name} {dim} is out of range [{-extent}, {extent - 1}]")
    return dim % extent


def _as_dims(dim: int | Sequence[int]) -> tuple[int, ...]:
    dims = as_int_or_int_tuple(dim, "dim")
    return (dims,) if isinstance(dims, int) else dims


def _without(shape: tuple[int, ...], position: int) -> tuple[int, ...]:
    return shape[:position] + shape[position + 1 :]


def _as_shape_list(shapes: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """`shapes` (a non-empty list or tuple of shapes, or a 2-d integer array) as a list of
    tuples of ints."""
    if isinstance(shapes, np.ndarray) and shapes.ndim == 2:
        shapes = list(shapes)
    if isinstance(shapes, str | bytes) or not isinstance(shapes, Sequence):
        raise TypeError(f"shapes must be a non-empty list of shapes, not {type_name(shapes)}")
    if not shapes:
        raise ValueError("shapes must be a non-empty list of shapes")
    return [_as_shape(shape, f"shapes[{index}]") for index, shape in enumerate(shapes)]


def _as_shape(shape: Sequence[int], name: str) -> tuple[int, ...]:
    """`shape` as a tuple of non-negative Python ints."""
    return as_int_tuple(shape, name, minimum=0)

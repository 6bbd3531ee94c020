"""The dtype of `a op b` for mixed operands, and which results an in-place op can store.

Every dtype belongs to a category, ordered bool < integer < floating. The rules, written down in
`torch.result_type`'s documentation and proposed in pytorch/pytorch#9515, are:

- Two tensors of one category give the smallest dtype of that category that holds both
  (`uint8` with `int8` needs `int16`; `float16` with `bfloat16` needs `float32`).
- A tensor of a higher category wins and keeps its own dtype: `int64` with `float16` is `float16`.
- A Python number takes part only through its category: if that category is higher than the
  tensor's, the result is the tensor's dtype promoted with the category's default dtype
  (`int64` for ints, the default float dtype for floats); otherwise the tensor's dtype stands,
  even if the number does not fit (`int8_tensor + 1000` is `int8`).

Only the dtypes of those three categories are modelled (complex, and uint16/32/64, which torch
refuses to promote with other types, are rejected). A NumPy integer or floating scalar
(`np.int64(3)`, `np.float32(0.5)`) takes part as the Python number of its category, as torch
takes it; a NumPy bool is refused (torch does not treat it as a Python bool: see `_operand`).
"""

from __future__ import annotations

import numpy as np

from reference.arguments import is_int, type_name

CATEGORIES = ("bool", "integer", "floating")
INTEGER_BITS = {"uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64}
FLOATING_BITS = {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64}
DTYPES = ("bool", *INTEGER_BITS, *FLOATING_BITS)
DEFAULT_INTEGER = "int64"


def category(dtype: str) -> str:
    """`"bool"`, `"integer"` or `"floating"`."""
    _check_dtype(dtype, "dtype")
    if dtype == "bool":
        return "bool"
    return "integer" if dtype in INTEGER_BITS else "floating"


def promote_types(a: str, b: str) -> str:
    """The dtype of an operation between two tensors of dtypes `a` and `b` (with dimensions)."""
    _check_dtype(a, "a")
    _check_dtype(b, "b")
    rank_a, rank_b = CATEGORIES.index(category(a)), CATEGORIES.index(category(b))
    if rank_a > rank_b:
        return a
    if rank_b > rank_a:
        return b
    if category(a) == "bool":
        return "bool"
    if category(a) == "integer":
        return _promote_integers(a, b)
    return _promote_floats(a, b)


def result_type(
    a: str | bool | int | float, b: str | bool | int | float, *, default_float: str = "float32"
) -> str:
    """The dtype of `a op b` for `+ - *` (and comparisons' common type), where each operand is
    a dtype name (a tensor with at least one dimension) or a Python bool, int or float (or a
    NumPy integer or floating scalar, which counts as an int or a float)."""
    if not isinstance(default_float, str):
        raise TypeError(
            f"default_float must be a floating dtype name such as 'float32', "
            f"not {type(default_float).__name__}"
        )
    if default_float not in FLOATING_BITS:
        raise ValueError(f"default_float must be a floating dtype name, not {default_float!r}")
    operands = [_operand(a, "a"), _operand(b, "b")]
    tensors = [dtype for kind, dtype in operands if kind == "tensor"]
    if not tensors:
        raise TypeError("at least one of a and b must be a tensor's dtype name, not two numbers")
    dtype = tensors[0] if len(tensors) == 1 else promote_types(*tensors)
    for kind, number_category in operands:  # a bool never outranks a tensor: bool is the lowest
        if kind == "number" and _rank(number_category) > _rank(category(dtype)):
            default = {"integer": DEFAULT_INTEGER, "floating": default_float}
            dtype = promote_types(dtype, default[number_category])
    return dtype


def true_division_type(
    a: str | bool | int | float, b: str | bool | int | float, *, default_float: str = "float32"
) -> str:
    """The dtype of `a / b`: true division, so bool and integer results become `default_float`."""
    dtype = result_type(a, b, default_float=default_float)
    return dtype if category(dtype) == "floating" else default_float


def can_cast(from_dtype: str, to_dtype: str) -> bool:
    """Whether an in-place op may store a `from_dtype` result into a `to_dtype` tensor: only
    never into a lower category (float into int, int into bool)."""
    _check_dtype(from_dtype, "from_dtype")
    _check_dtype(to_dtype, "to_dtype")
    return _rank(category(from_dtype)) <= _rank(category(to_dtype))


def _promote_integers(a: str, b: str) -> str:
    signed = [dtype for dtype in (a, b) if dtype != "uint8"]
    if not signed:
        return "uint8"
    bits = max(INTEGER_BITS[dtype] for dtype in signed)
    if len(signed) < 2 and bits == 8:
        bits = 16  # uint8 with int8: neither holds the other's range
    return f"int{bits}"


def _promote_floats(a: str, b: str) -> str:
    if {a, b} == {"float16", "bfloat16"}:
        return "float32"  # neither holds the other: float16 has more precision, bfloat16 range
    return max(a, b, key=FLOATING_BITS.__getitem__)


def _rank(category_name: str) -> int:
    return CATEGORIES.index(category_name)


def _operand(value: object, name: str) -> tuple[str, str]:
    """("tensor", dtype name) or ("number", category)."""
    if isinstance(value, str):
        _check_dtype(value, name)
        return "tensor", value
    if isinstance(value, bool):
        return "number", "bool"
    if isinstance(value, np.bool_):
        # torch (2.15 at least) counts a NumPy bool as a float, not as a bool: an int8 tensor
        # plus np.True_ is float32. These rules do not model that: refuse it rather than guess.
        raise TypeError(
            f"{name} is a numpy.bool_, which torch does not count as a bool: pass bool({name})"
        )
    if is_int(value) and not isinstance(value, np.ndarray):
        return "number", "integer"
    if isinstance(value, float | np.floating):
        return "number", "floating"
    raise TypeError(
        f"{name} must be a dtype name or a Python bool, int or float, not {type_name(value)}"
    )


def _check_dtype(dtype: object, name: str) -> None:
    if not isinstance(dtype, str):
        raise TypeError(f"{name} must be a dtype name such as 'int32', not {type(dtype).__name__}")
    if dtype not in DTYPES:
        raise ValueError(f"{name} {dtype!r} is not one of the modelled dtypes {DTYPES}")

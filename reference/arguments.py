"""The arguments every oracle takes, checked one way: what a user would naturally pass is
accepted, what is really wrong is refused with a message that names the argument and the rule.

- An **int** is a Python int or a NumPy integer (`np.int64(3)`, `np.intp(3)`, a 0-d integer
  array): what `len(x)`, `x.shape[0]`, `arr.argmax()` and `int(...)` give. A bool (Python's or
  NumPy's) is not an int here, nor is a float, even an integral one (`3.0`): torch refuses both
  where it wants a size.
- A **real number** is an int as above, a Python float, a NumPy floating scalar (`np.float32`) or
  a 0-d real array; never a bool, a complex or a string, and never NaN.
- A **bool** is a Python bool or a NumPy bool (`np.bool_`), never `0`/`1`.
- A **sequence of ints** is a list, a tuple (a `torch.Size` is one) or a 1-d integer array.
- A **real array** is anything `np.asarray` turns into integer or floating values.

Each function returns plain Python values (`int`, `float`, `bool`, a tuple or list of ints), so
the oracle that calls it computes with Python's arithmetic, not NumPy's fixed-width one. A wrong
type raises `TypeError`, a value outside the rule `ValueError`; `name` is the argument's name in
the message: `kernel_size must be a positive int, got 0`.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_bool",
    "as_float",
    "as_int",
    "as_int_list",
    "as_int_or_int_tuple",
    "as_int_tuple",
    "as_real_array",
    "is_int",
    "type_name",
]

_short = reprlib.Repr()
_short.maxstring = _short.maxother = 40


def type_name(value: object) -> str:
    """The type of `value` as a message names it: `float`, `str`, `numpy.float64`, `numpy.bool_`
    (NumPy's types carry their module; NumPy's bool is `numpy.bool_`, its name on every NumPy,
    though NumPy 2 calls it plain `bool`)."""
    kind = type(value)
    if kind is np.bool_:
        return "numpy.bool_"
    return f"numpy.{kind.__name__}" if kind.__module__ == "numpy" else kind.__name__


def _described(value: object) -> str:
    """`float (2.5)`, `numpy.bool_ (True)`: the type and a short repr, for a TypeError."""
    shown = value.item() if isinstance(value, np.generic) else value
    return f"{type_name(value)} ({_short.repr(shown)})"


def _int_rule(minimum: int, *, plural: bool = False) -> str:
    """`a positive int`, or `positive ints`: the rule a minimum sets."""
    if minimum in (0, 1):
        kind = "non-negative" if minimum == 0 else "positive"
        return f"{kind} ints" if plural else f"a {kind} int"
    return f"ints of at least {minimum}" if plural else f"an int of at least {minimum}"


def _holds_ints(array: np.ndarray) -> bool:
    return np.issubdtype(array.dtype, np.integer)  # NumPy's bool is not one of its integers


def _holds_reals(array: np.ndarray) -> bool:
    return _holds_ints(array) or np.issubdtype(array.dtype, np.floating)


def is_int(value: object) -> bool:
    """Whether `value` is an int as this module means it (not a bool, not a float)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (numbers.Integral, np.integer)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and _holds_ints(value)


def as_int(value: object, name: str, *, minimum: int | None = None) -> int:
    """`value` as a Python int; at least `minimum` when one is given."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int, not {_described(value)}")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be {_int_rule(minimum)}, got {number}")
    return number


def as_int_tuple(values: object, name: str, *, minimum: int | None = None) -> tuple[int, ...]:
    """`values` (a list, a tuple or a 1-d integer array) as a tuple of Python ints, each at
    least `minimum` when one is given."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{name} must be 1-d, not an array of shape {values.shape}")
        if not _holds_ints(values):
            raise TypeError(f"{name} must hold ints, not an array of {values.dtype}")
        items = values.tolist()
    elif isinstance(values, Sequence) and not isinstance(values, (str, bytes, bytearray)):
        items = list(values)
    else:
        raise TypeError(f"{name} must be a sequence of ints, not {_described(values)}")
    result = []
    for index, item in enumerate(items):
        if not is_int(item):
            raise TypeError(f"{name} must hold ints, not {_described(item)} at index {index}")
        number = int(item)
        if minimum is not None and number < minimum:
            raise ValueError(
                f"{name} must hold {_int_rule(minimum, plural=True)}, got {number} at index {index}"
            )
        result.append(number)
    return tuple(result)


def as_int_list(values: object, name: str, *, minimum: int | None = None) -> list[int]:
    """`as_int_tuple`, as a list."""
    return list(as_int_tuple(values, name, minimum=minimum))


def as_int_or_int_tuple(
    value: object, name: str, *, minimum: int | None = None
) -> int | tuple[int, ...]:
    """For an argument that is one int or several (a dim or dims, a size or a pair of sizes):
    an int as a Python int, a sequence or 1-d array as a tuple of Python ints."""
    if is_int(value):
        return as_int(value, name, minimum=minimum)
    if isinstance(value, np.ndarray | Sequence) and not isinstance(value, str | bytes | bytearray):
        return as_int_tuple(value, name, minimum=minimum)
    raise TypeError(f"{name} must be an int or a sequence of ints, not {_described(value)}")


def as_float(value: object, name: str) -> float:
    """`value` (an int or a real number, not NaN; infinity is allowed) as a Python float."""
    is_real = isinstance(value, (numbers.Real, np.integer, np.floating)) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and _holds_reals(value)
    )
    if isinstance(value, (bool, np.bool_)) or not is_real:
        raise TypeError(f"{name} must be a real number, not {_described(value)}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"{name} must not be NaN")
    return number


def as_bool(value: object, name: str) -> bool:
    """`value` (a Python or NumPy bool) as a Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, not {_described(value)}")
    return bool(value)


def as_real_array(value: object, name: str) -> np.ndarray:
    """`np.asarray(value)`, which must hold integers or floats (not bools, complex numbers,
    strings or objects); its dtype is kept."""
    try:
        array = np.asarray(value)
    except ValueError as error:  # a ragged nesting of lists
        raise ValueError(f"{name} must be an array of real numbers: {error}") from None
    if not _holds_reals(array):
        raise TypeError(f"{name} must hold real numbers, not {array.dtype}")
    return array

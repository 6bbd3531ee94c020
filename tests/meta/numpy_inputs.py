"""What users pass in place of Python numbers and lists: NumPy scalars, 0-d arrays, 1-d arrays
and tuples of NumPy ints. The oracles' self-checks feed them in and expect the answer the Python
values give (`value.item()`, `array.tolist()`), and draw them with hypothesis."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import strategies as st


def zero_d(value):
    """A 0-d array holding `value`: what `arr.sum(keepdims=False)` of a 0-d array gives."""
    return np.array(value)


# Each holds every int in [-2**15, 2**15) unchanged.
INT_CONVERTERS: tuple[Callable, ...] = (np.int64, np.int32, np.int16, np.intp, zero_d)
# Each gives a value whose `.item()` is the Python float the oracle must treat it as.
FLOAT_CONVERTERS: tuple[Callable, ...] = (np.float64, np.float32, np.float16, zero_d)


def int64_array(values: Sequence[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def int32_array(values: Sequence[int]) -> np.ndarray:
    return np.array(values, dtype=np.int32)


def intp_array(values: Sequence[int]) -> np.ndarray:
    return np.array(values, dtype=np.intp)


def tuple_of_int64(values: Sequence[int]) -> tuple:
    return tuple(np.int64(value) for value in values)


def list_of_int32(values: Sequence[int]) -> list:
    return [np.int32(value) for value in values]


# Each turns a list of ints in [-2**15, 2**15) into something an oracle takes for that list.
INT_SEQUENCE_CONVERTERS: tuple[Callable, ...] = (
    int64_array,
    int32_array,
    intp_array,
    tuple_of_int64,
    list_of_int32,
)


def as_python(value):
    """The Python value a NumPy one stands for (lists and tuples converted item by item)."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, list | tuple):
        return type(value)(as_python(item) for item in value)
    return value


def numpy_ints(values: st.SearchStrategy[int]) -> st.SearchStrategy:
    """`values` (in [-2**15, 2**15)) as one of the NumPy ints."""
    return st.tuples(values, st.sampled_from(INT_CONVERTERS)).map(lambda pair: pair[1](pair[0]))


def numpy_floats(values: st.SearchStrategy[float]) -> st.SearchStrategy:
    """`values` as one of the NumPy floats (float32 and float16 round them)."""
    return st.tuples(values, st.sampled_from(FLOAT_CONVERTERS)).map(lambda pair: pair[1](pair[0]))


def numpy_int_sequences(values: st.SearchStrategy[Sequence[int]]) -> st.SearchStrategy:
    """`values` (lists of ints in [-2**15, 2**15)) as an integer array or a tuple of NumPy ints."""
    return st.tuples(values, st.sampled_from(INT_SEQUENCE_CONVERTERS)).map(
        lambda pair: pair[1](pair[0])
    )


def outcome(call: Callable):
    """What `call()` gives: its value, or the type and message of the error it raises, so that
    two calls can be compared on both."""
    try:
        return call()
    except (TypeError, ValueError) as error:
        return type(error), str(error)

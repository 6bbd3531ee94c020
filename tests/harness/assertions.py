"""Assertions whose failure messages say what was called, on what, and how to reproduce it.

Each hides itself from tracebacks (`__tracebackhide__`): a failure points at the test's line.
"""

from __future__ import annotations

import numpy as np
import torch

from reference.memory import shares_memory


def describe(obj: object) -> str:
    """A line that rebuilds `obj`'s values, with the layout that matters for memory claims."""
    if isinstance(obj, np.ndarray):
        return (
            f"np.array({obj.tolist()!r}, dtype=np.{obj.dtype.name})"
            f"  # shape {obj.shape}, byte strides {obj.strides}"
        )
    if isinstance(obj, torch.Tensor):
        values = obj.tolist() if obj.device.type != "meta" else "..."
        return (
            f"torch.tensor({values!r}, dtype={obj.dtype}, device='{obj.device}')"
            f"  # shape {tuple(obj.shape)}, element strides {obj.stride()}"
        )
    return repr(obj)


def assert_shares(source: object, result: object, expression: str) -> None:
    """`result`, made from `source` by `expression`, lies in `source`'s memory."""
    __tracebackhide__ = True
    assert shares_memory(source, result), (
        f"{expression} was expected to share memory with its input but copied it.\n"
        f"  input:  {describe(source)}\n  result: {describe(result)}"
    )


def assert_copies(source: object, result: object, expression: str) -> None:
    """`result`, made from `source` by `expression`, has memory of its own."""
    __tracebackhide__ = True
    assert not shares_memory(source, result), (
        f"{expression} was expected to copy its input but shares its memory.\n"
        f"  input:  {describe(source)}\n  result: {describe(result)}"
    )


def assert_same_values(actual: object, expected: object, expression: str) -> None:
    """Equal element by element, compared as Python values (so across devices and dtypes)."""
    __tracebackhide__ = True
    got = actual.tolist() if hasattr(actual, "tolist") else actual
    want = expected.tolist() if hasattr(expected, "tolist") else expected
    assert got == want, f"{expression} gave {got!r}, expected {want!r}"


def changed(array: np.ndarray) -> np.ndarray:
    """Values of the same dtype that differ from `array`'s in every element (0..100 -> 1..101)."""
    return np.logical_not(array) if array.dtype == np.bool_ else array + array.dtype.type(1)

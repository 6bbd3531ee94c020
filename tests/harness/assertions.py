"""Assertions whose failure messages say what was called, on what, and how to reproduce it.

Each hides itself from tracebacks (`__tracebackhide__`): a failure points at the test's line.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from reference.memory import shares_memory
from tests.harness.tolerances import tolerance


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


def assert_close(
    actual: torch.Tensor,
    expected: object,
    call: str,
    kind: str,
    inputs: Mapping[str, object] | None = None,
    dtype: torch.dtype | None = None,
) -> None:
    """`actual`, what torch gave for `call`, equals `expected` (a reference's float64 values, as
    an array, a tensor or a number) within the policy's tolerance for the `kind` of computation,
    in `dtype` (by default actual's) on actual's device (see tests.harness.tolerances).

    The message names the call, the tolerance and, one per line, the `inputs` it was given.
    """
    __tracebackhide__ = True
    dtype = dtype or actual.dtype
    allowed = tolerance(kind, dtype, actual.device)
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().cpu().double()
    else:
        expected = torch.from_numpy(np.asarray(expected, dtype=np.float64))
    shown = "".join(f"\n  {name} = {describe(value)}" for name, value in (inputs or {}).items())

    def message(mismatch: str) -> str:
        return (
            f"{call} differs from the reference by more than the {kind} tolerance of {dtype} "
            f"on {actual.device.type} (rtol {allowed.rtol:g}, atol {allowed.atol:g}){shown}\n"
            f"{mismatch}"
        )

    torch.testing.assert_close(
        actual.detach().cpu().double(), expected, **allowed.as_kwargs(), equal_nan=True, msg=message
    )


def changed(array: np.ndarray) -> np.ndarray:
    """Values of the same dtype that differ from `array`'s in every element (0..100 -> 1..101)."""
    return np.logical_not(array) if array.dtype == np.bool_ else array + array.dtype.type(1)

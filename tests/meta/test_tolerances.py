"""The tolerance policy, the comparison helper that applies it, and example budgets."""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import settings

from tests.harness.assertions import assert_close
from tests.harness.dtypes import dtype_name
from tests.harness.profiles import examples
from tests.harness.tolerances import (
    EVERY_DEVICE,
    KINDS,
    POLICY,
    ROUNDED_ONCE,
    SUMMED,
    tolerance,
)

ENTRIES = pytest.mark.parametrize(
    ("kind", "on", "dtype"), list(POLICY), ids=lambda part: str(part).removeprefix("torch.")
)


@ENTRIES
def test_every_entry_is_of_a_known_kind_and_device(kind, on, dtype):
    assert kind in KINDS
    assert on in (EVERY_DEVICE, "cpu", "cuda")


@ENTRIES
def test_every_tolerance_admits_one_rounding_of_its_dtype(kind, on, dtype):
    allowed = POLICY[kind, on, dtype]
    assert allowed.rtol >= torch.finfo(dtype).eps, f"{kind} {dtype} on {on}: {allowed}"
    assert allowed.atol > 0, f"{kind} {dtype} on {on}: {allowed}"


def test_a_device_of_its_own_wins_over_every_device():
    assert tolerance(SUMMED, torch.float32, "cuda") == POLICY[SUMMED, "cuda", torch.float32]
    assert tolerance(SUMMED, torch.float64, "cuda") == POLICY[SUMMED, EVERY_DEVICE, torch.float64]
    assert tolerance(ROUNDED_ONCE, torch.float32, torch.device("cuda", 0)) == tolerance(
        ROUNDED_ONCE, torch.float32, "cpu"
    )


def test_cuda_is_never_held_to_less_than_the_cpu():
    for kind, device, dtype in POLICY:
        if device == "cuda":
            cpu, cuda = tolerance(kind, dtype, "cpu"), tolerance(kind, dtype, "cuda")
            assert (cuda.rtol, cuda.atol) >= (cpu.rtol, cpu.atol), (kind, dtype)


def test_an_unknown_kind_or_a_missing_entry_is_refused_by_name():
    with pytest.raises(ValueError, match=r"kind must be one of .*, not 'approximate'"):
        tolerance("approximate", torch.float32)
    with pytest.raises(LookupError, match=r"no entry for summed torch\.float16 on cpu"):
        tolerance(SUMMED, torch.float16)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=dtype_name)
def test_one_rounding_passes_and_a_real_difference_fails_naming_call_and_inputs(dtype):
    x = torch.tensor([0.1, 2.0, -3.5], dtype=dtype)
    exact = [0.1 + 1, 3.0, -2.5]  # float64 sums, one rounding away from x + 1
    assert_close(x + 1, exact, "x + 1", ROUNDED_ONCE, inputs={"x": x})
    expected_message = (
        f"x + 1.001 differs from the reference by more than the rounded once tolerance of {dtype} "
        f"on cpu (rtol {tolerance(ROUNDED_ONCE, dtype).rtol:g}, "
        f"atol {tolerance(ROUNDED_ONCE, dtype).atol:g})\n  x = torch.tensor("
    )
    with pytest.raises(AssertionError, match=re.escape(expected_message)):
        assert_close(x + 1.001, exact, "x + 1.001", ROUNDED_ONCE, inputs={"x": x})


def test_the_tolerance_of_another_dtype_may_be_asked_for():
    computed_in_float16 = torch.tensor([1 + 2**-10], dtype=torch.float64)
    with pytest.raises(AssertionError):
        assert_close(computed_in_float16, [1.0], "a float16 value", ROUNDED_ONCE)
    assert_close(computed_in_float16, [1.0], "a float16 value", ROUNDED_ONCE, dtype=torch.float16)


def test_a_budget_is_a_share_of_the_active_profiles_examples():
    profile = settings.default.max_examples
    assert examples(1) == profile
    assert examples(1 / 4) == max(2, round(profile / 4))
    assert examples(1e-9) == 2
    for share in (0, -1):
        with pytest.raises(ValueError, match="share must be positive"):
            examples(share)

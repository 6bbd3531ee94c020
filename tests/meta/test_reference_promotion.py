"""reference/promotion.py checked on its own, without torch: its rules against the ranges and
precisions of the dtypes (NumPy's iinfo and finfo; bfloat16 from its bit layout)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.promotion import (
    CATEGORIES,
    DTYPES,
    can_cast,
    category,
    promote_types,
    result_type,
    true_division_type,
)

NAMES = st.sampled_from(DTYPES)
FLOAT_NAMES = ("float16", "bfloat16", "float32", "float64")
NUMBERS = st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
OPERANDS = NAMES | NUMBERS


@dataclass(frozen=True)
class FloatFormat:
    """What a floating dtype holds: the largest finite value, the smallest normal one, and the
    number of significand bits after the leading 1."""

    largest: float
    smallest_normal: float
    mantissa_bits: int

    @classmethod
    def from_bits(cls, exponent_bits: int, mantissa_bits: int) -> FloatFormat:
        """An IEEE-754-style binary format: bias 2**(e-1) - 1, the top exponent for inf/NaN."""
        bias = 2 ** (exponent_bits - 1) - 1
        largest = (2 - 2.0**-mantissa_bits) * 2.0**bias
        return cls(largest, 2.0 ** (1 - bias), mantissa_bits)

    def holds(self, other: FloatFormat) -> bool:
        return (
            self.largest >= other.largest
            and self.smallest_normal <= other.smallest_normal
            and self.mantissa_bits >= other.mantissa_bits
        )


def numpy_format(name: str) -> FloatFormat:
    info = np.finfo(name)
    return FloatFormat(float(info.max), float(info.smallest_normal), int(info.nmant))


# bfloat16 is float32 with the low 16 bits cut off: 8 exponent bits, 7 mantissa bits.
FLOAT_FORMATS = {
    "float16": numpy_format("float16"),
    "bfloat16": FloatFormat.from_bits(exponent_bits=8, mantissa_bits=7),
    "float32": numpy_format("float32"),
    "float64": numpy_format("float64"),
}


def integer_range(name: str) -> tuple[int, int]:
    if name == "bool":
        return 0, 1
    info = np.iinfo(name)
    return int(info.min), int(info.max)


def covers(wider: str, narrower: str) -> bool:
    """Every value of `narrower` is a value of `wider` (both of one category)."""
    if category(wider) == "floating":
        return FLOAT_FORMATS[wider].holds(FLOAT_FORMATS[narrower])
    low, high = integer_range(wider)
    other_low, other_high = integer_range(narrower)
    return low <= other_low and other_high <= high


def number_category(number: bool | int | float) -> str:
    if isinstance(number, bool):  # before int: a bool is an int to Python
        return "bool"
    return "integer" if isinstance(number, int) else "floating"


def rank(name: str) -> int:
    return CATEGORIES.index(category(name))


def bits(name: str) -> int:
    return 1 if name == "bool" else np.dtype(name if name != "bfloat16" else "float16").itemsize * 8


# The formats themselves ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "exponent_bits", "mantissa_bits"),
    [
        ("float16", 5, 10),
        ("float32", 8, 23),
        ("float64", 11, 52),
    ],
)
def test_the_bit_layout_formula_agrees_with_numpy(name, exponent_bits, mantissa_bits):
    assert FloatFormat.from_bits(exponent_bits, mantissa_bits) == numpy_format(name)


def test_bfloat16_has_float32s_range_and_less_precision_than_float16():
    bfloat16 = FLOAT_FORMATS["bfloat16"]
    assert bfloat16.largest == pytest.approx(3.3895313892515355e38)
    assert bfloat16.smallest_normal == FLOAT_FORMATS["float32"].smallest_normal
    assert not FLOAT_FORMATS["float16"].holds(bfloat16)
    assert not bfloat16.holds(FLOAT_FORMATS["float16"])


# promote_types -----------------------------------------------------------------------------------


@given(a=NAMES, b=NAMES)
def test_promote_types_is_symmetric(a, b):
    assert promote_types(a, b) == promote_types(b, a)


@given(a=NAMES)
def test_promote_types_of_a_dtype_with_itself_is_itself(a):
    assert promote_types(a, a) == a


@given(a=NAMES, b=NAMES, c=NAMES)
def test_promote_types_is_associative(a, b, c):
    assert promote_types(promote_types(a, b), c) == promote_types(a, promote_types(b, c))


@given(a=NAMES, b=NAMES)
def test_the_result_has_the_higher_category(a, b):
    result = promote_types(a, b)
    assert rank(result) == max(rank(a), rank(b)), f"promote_types({a!r}, {b!r}) = {result!r}"


@given(a=NAMES, b=NAMES)
def test_a_higher_category_keeps_its_own_dtype(a, b):
    if rank(a) > rank(b):
        assert promote_types(a, b) == a


@given(a=NAMES, b=NAMES)
def test_within_a_category_the_result_holds_both_and_is_the_smallest_that_does(a, b):
    if category(a) != category(b):
        return
    result = promote_types(a, b)
    assert covers(result, a), f"promote_types({a!r}, {b!r}) = {result!r} does not hold {a}"
    assert covers(result, b), f"promote_types({a!r}, {b!r}) = {result!r} does not hold {b}"
    candidates = [d for d in DTYPES if category(d) == category(a) and covers(d, a) and covers(d, b)]
    smallest = min(bits(d) for d in candidates)
    assert bits(result) == smallest, f"promote_types({a!r}, {b!r}) = {result!r}, {candidates}"


def test_the_pairs_the_rules_single_out():
    assert promote_types("uint8", "int8") == "int16"
    assert promote_types("float16", "bfloat16") == "float32"
    assert promote_types("int64", "float16") == "float16"
    assert promote_types("bool", "uint8") == "uint8"


# result_type and true_division_type ---------------------------------------------------------------


@given(a=NAMES, b=NAMES, default=st.sampled_from(FLOAT_NAMES))
def test_result_type_of_two_tensors_is_promote_types(a, b, default):
    assert result_type(a, b, default_float=default) == promote_types(a, b)


@given(tensor=NAMES, number=NUMBERS, default=st.sampled_from(FLOAT_NAMES), swap=st.booleans())
def test_a_number_counts_only_through_its_category(tensor, number, default, swap):
    operands = (number, tensor) if swap else (tensor, number)
    result = result_type(*operands, default_float=default)
    kind = number_category(number)
    if CATEGORIES.index(kind) <= rank(tensor):
        assert result == tensor, f"result_type{operands} = {result!r}"
    else:
        standing = {"integer": "int64", "floating": default}[kind]
        assert result == promote_types(tensor, standing), f"result_type{operands} = {result!r}"
    assert result_type(*operands, default_float=default) == result_type(
        *reversed(operands), default_float=default
    )


@given(a=OPERANDS, b=OPERANDS, default=st.sampled_from(FLOAT_NAMES))
def test_true_division_is_always_floating(a, b, default):
    if not (isinstance(a, str) or isinstance(b, str)):
        return
    result = true_division_type(a, b, default_float=default)
    assert category(result) == "floating"
    promoted = result_type(a, b, default_float=default)
    assert result == (promoted if category(promoted) == "floating" else default)


# NumPy scalars only: a 0-d array takes part as an array (int8 tensor + np.array(1000) is int64).
NUMPY_NUMBERS = st.builds(
    lambda value, convert: convert(value),
    st.integers(-(2**15), 2**15 - 1),
    st.sampled_from([np.int64, np.int32, np.int16, np.intp]),
) | st.builds(
    lambda value, convert: convert(value),
    st.floats(-1e4, 1e4),
    st.sampled_from([np.float64, np.float32, np.float16]),
)


@given(tensor=NAMES, number=NUMPY_NUMBERS, default=st.sampled_from(FLOAT_NAMES), swap=st.booleans())
def test_a_numpy_number_counts_as_the_python_number_it_holds(tensor, number, default, swap):
    """`int8_tensor + np.int64(1000)` is int8, as with 1000; a NumPy float is a float."""
    operands, python_operands = (tensor, number), (tensor, number.item())
    if swap:
        operands, python_operands = operands[::-1], python_operands[::-1]
    assert result_type(*operands, default_float=default) == result_type(
        *python_operands, default_float=default
    )
    assert true_division_type(*operands, default_float=default) == true_division_type(
        *python_operands, default_float=default
    )


@pytest.mark.parametrize(
    ("number", "category_name"),
    [(np.uint64(2**64 - 1), "integer"), (np.int8(-1), "integer"), (np.float16(0.5), "floating")],
)
def test_numpy_numbers_of_every_width_count_through_their_category(number, category_name):
    expected = {"integer": "int8", "floating": "float32"}[category_name]
    assert result_type("int8", number) == expected


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: result_type("int8", np.True_),
            r"^b is a numpy\.bool_, which torch does not count ",
        ),
        (lambda: result_type(np.bool_(False), "float16"), r"^a is a numpy\.bool_, "),
        (lambda: result_type("int8", np.complex64(1)), r"^b must be .* not numpy\.complex64$"),
        (lambda: result_type(np.array(1), "int8"), r"^a must be .* not numpy\.ndarray$"),
    ],
)
def test_numpy_values_that_are_no_python_number_are_refused_by_name(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# can_cast ----------------------------------------------------------------------------------------


@given(a=NAMES, b=NAMES)
def test_can_cast_never_into_a_lower_category(a, b):
    assert can_cast(a, b) == (rank(a) <= rank(b))
    assert can_cast(a, a)


@given(a=NAMES, b=NAMES)
def test_both_operands_can_be_stored_into_their_promoted_dtype(a, b):
    promoted = promote_types(a, b)
    assert can_cast(a, promoted), f"{a} into promote_types({a!r}, {b!r}) = {promoted!r}"
    assert can_cast(b, promoted), f"{b} into promote_types({a!r}, {b!r}) = {promoted!r}"


# Bad arguments -----------------------------------------------------------------------------------


NOT_MODELLED = f"is not one of the modelled dtypes {DTYPES}"
NOT_A_NAME = "must be a dtype name such as 'int32', not"
NOT_AN_OPERAND = "must be a dtype name or a Python bool, int or float, not"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: category("int33"), ValueError, f"dtype 'int33' {NOT_MODELLED}"),
        (lambda: category(32), TypeError, f"dtype {NOT_A_NAME} int"),
        (lambda: promote_types("complex64", "int8"), ValueError, f"a 'complex64' {NOT_MODELLED}"),
        (lambda: promote_types("int8", "uint16"), ValueError, f"b 'uint16' {NOT_MODELLED}"),
        (lambda: promote_types("int8", None), TypeError, f"b {NOT_A_NAME} NoneType"),
        (
            lambda: result_type(1, 2.0),
            TypeError,
            "at least one of a and b must be a tensor's dtype name, not two numbers",
        ),
        (lambda: result_type("int8", [1]), TypeError, f"b {NOT_AN_OPERAND} list"),
        (lambda: result_type(1j, "int8"), TypeError, f"a {NOT_AN_OPERAND} complex"),
        (lambda: result_type("int8", "float128"), ValueError, f"b 'float128' {NOT_MODELLED}"),
        (
            lambda: result_type("int8", 1, default_float="int32"),
            ValueError,
            "default_float must be a floating dtype name, not 'int32'",
        ),
        (
            lambda: result_type("int8", 1, default_float=np.float32),
            TypeError,
            "default_float must be a floating dtype name such as 'float32', not type",
        ),
        (
            lambda: true_division_type("int8", 1, default_float="double"),
            ValueError,
            "default_float must be a floating dtype name, not 'double'",
        ),
        (lambda: can_cast("int8", "half"), ValueError, f"to_dtype 'half' {NOT_MODELLED}"),
        (lambda: can_cast(1, "int8"), TypeError, f"from_dtype {NOT_A_NAME} int"),
    ],
)
def test_bad_arguments_are_rejected_with_a_message_naming_them(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_the_default_float_dtype_is_float32_as_torch_starts():
    assert result_type("int8", 1.5) == "float32"
    assert true_division_type("int8", 2) == "float32"


def test_the_reference_does_not_import_torch():
    check = "import sys, reference.promotion; sys.exit('torch' in sys.modules)"
    repo = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", check], cwd=repo, check=False).returncode == 0

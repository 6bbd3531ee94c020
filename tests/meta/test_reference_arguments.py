"""reference/arguments.py checked on its own: every kind of int, float and bool a user passes is
taken and comes back as the plain Python value, and what is wrong is refused with the argument's
name and the rule."""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.arguments import (
    as_bool,
    as_float,
    as_int,
    as_int_list,
    as_int_or_int_tuple,
    as_int_tuple,
    as_real_array,
    is_int,
    type_name,
)
from tests.meta.numpy_inputs import (
    FLOAT_CONVERTERS,
    INT_CONVERTERS,
    INT_SEQUENCE_CONVERTERS,
    numpy_floats,
    numpy_int_sequences,
    numpy_ints,
)

SMALL_INTS = st.integers(-(2**15), 2**15 - 1)
NOT_INTS = [True, False, np.True_, np.bool_(False), 2.0, np.float64(2.0), np.float32(2.5), 1j]
NOT_INTS += ["2", b"2", None, [2], (2,), np.array([2]), np.array(2.0), np.array(True)]


# Ints ---------------------------------------------------------------------------------------


@given(value=SMALL_INTS, convert=st.sampled_from((int, *INT_CONVERTERS)))
def test_as_int_takes_python_and_numpy_ints_and_gives_a_python_int(value, convert):
    got = as_int(convert(value), "n")
    assert type(got) is int
    assert got == value
    assert is_int(convert(value))


@pytest.mark.parametrize("value", [np.uint8(200), np.uint64(2**64 - 1), np.int8(-128), 2**100])
def test_as_int_takes_every_width_and_signedness(value):
    assert as_int(value, "n") == int(value)


@pytest.mark.parametrize("value", NOT_INTS, ids=repr)
def test_as_int_refuses_bools_floats_and_the_rest_naming_the_argument(value):
    assert not is_int(value)
    with pytest.raises(TypeError, match=rf"^kernel_size must be an int, not {type_name(value)} "):
        as_int(value, "kernel_size")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, r"^n must be an int, not bool \(True\)$"),
        (np.True_, r"^n must be an int, not numpy\.bool_ \(True\)$"),
        (2.0, r"^n must be an int, not float \(2\.0\)$"),
        (np.float64(2.0), r"^n must be an int, not numpy\.float64 \(2\.0\)$"),
        ("2", r"^n must be an int, not str \('2'\)$"),
    ],
)
def test_the_type_error_shows_the_type_and_the_value(value, message):
    with pytest.raises(TypeError, match=message):
        as_int(value, "n")


@pytest.mark.parametrize(
    ("minimum", "value", "message"),
    [
        (0, -1, r"^padding must be a non-negative int, got -1$"),
        (1, 0, r"^padding must be a positive int, got 0$"),
        (2, np.int64(1), r"^padding must be an int of at least 2, got 1$"),
        (-1, np.int32(-2), r"^padding must be an int of at least -1, got -2$"),
    ],
)
def test_as_int_refuses_a_value_below_its_minimum_with_the_rule(minimum, value, message):
    with pytest.raises(ValueError, match=message):
        as_int(value, "padding", minimum=minimum)
    assert as_int(minimum, "padding", minimum=minimum) == minimum


# Sequences of ints --------------------------------------------------------------------------


@given(values=st.lists(SMALL_INTS, max_size=6), data=st.data())
def test_as_int_tuple_takes_lists_tuples_and_integer_arrays(values, data):
    convert = data.draw(st.sampled_from((list, tuple, *INT_SEQUENCE_CONVERTERS)), label="as")
    got = as_int_tuple(convert(values), "shape")
    assert got == tuple(values)
    assert all(type(item) is int for item in got)
    assert as_int_list(convert(values), "shape") == values


@given(values=numpy_int_sequences(st.lists(st.integers(0, 9), max_size=4)))
def test_as_int_list_of_numpy_ints_is_a_list_of_python_ints(values):
    got = as_int_list(values, "labels", minimum=0)
    assert all(type(item) is int for item in got)
    assert got == [int(value) for value in values]


def test_an_empty_array_of_any_dtype_but_an_integer_one_is_refused():
    assert as_int_tuple(np.array([], dtype=np.int64), "shape") == ()
    assert as_int_tuple([], "shape") == ()
    with pytest.raises(TypeError, match=r"^shape must hold ints, not an array of float64$"):
        as_int_tuple(np.array([]), "shape")


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ("23", TypeError, r"^shape must be a sequence of ints, not str \('23'\)$"),
        (3, TypeError, r"^shape must be a sequence of ints, not int \(3\)$"),
        ({2, 3}, TypeError, r"^shape must be a sequence of ints, not set"),
        (None, TypeError, r"^shape must be a sequence of ints, not NoneType"),
        ([2, 3.0], TypeError, r"^shape must hold ints, not float \(3\.0\) at index 1$"),
        ([True], TypeError, r"^shape must hold ints, not bool \(True\) at index 0$"),
        ((np.int64(2), np.True_), TypeError, r"^shape must hold ints, not numpy\.bool_ \(True\) "),
        ([[2, 3]], TypeError, r"^shape must hold ints, not list \(\[2, 3\]\) at index 0$"),
        (np.array([2.0, 3.0]), TypeError, r"^shape must hold ints, not an array of float64$"),
        (np.array([True]), TypeError, r"^shape must hold ints, not an array of bool$"),
        (np.zeros((2, 2), int), ValueError, r"^shape must be 1-d, not an array of shape \(2, 2\)$"),
        (np.array(3), ValueError, r"^shape must be 1-d, not an array of shape \(\)$"),
        ([2, -1], ValueError, r"^shape must hold non-negative ints, got -1 at index 1$"),
        (np.array([-3]), ValueError, r"^shape must hold non-negative ints, got -3 at index 0$"),
    ],
)
def test_as_int_tuple_refuses_what_is_not_a_sequence_of_ints(values, error, message):
    with pytest.raises(error, match=message):
        as_int_tuple(values, "shape", minimum=0)
    with pytest.raises(error, match=message.replace("^shape", "^labels")):
        as_int_list(values, "labels", minimum=0)


@pytest.mark.parametrize(
    ("minimum", "message"),
    [
        (1, r"^shape must hold positive ints, got 0 at index 1$"),
        (2, r"^shape must hold ints of at least 2, got 0 at index 1$"),
    ],
)
def test_a_minimum_of_a_sequence_is_named_in_its_message(minimum, message):
    with pytest.raises(ValueError, match=message):
        as_int_tuple([3, 0], "shape", minimum=minimum)


@given(value=numpy_ints(SMALL_INTS) | numpy_int_sequences(st.lists(SMALL_INTS, max_size=3)))
def test_as_int_or_int_tuple_gives_an_int_for_an_int_and_a_tuple_for_several(value):
    got = as_int_or_int_tuple(value, "dim")
    if np.ndim(value) == 0:
        assert type(got) is int
        assert got == int(value)
    else:
        assert got == tuple(int(item) for item in value)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (1.0, TypeError, r"^dim must be an int or a sequence of ints, not float \(1\.0\)$"),
        (np.True_, TypeError, r"^dim must be an int or a sequence of ints, not numpy\.bool"),
        ("01", TypeError, r"^dim must be an int or a sequence of ints, not str \('01'\)$"),
        ([0, 1.0], TypeError, r"^dim must hold ints, not float \(1\.0\) at index 1$"),
        (-1, ValueError, r"^dim must be a non-negative int, got -1$"),
        ([0, -1], ValueError, r"^dim must hold non-negative ints, got -1 at index 1$"),
    ],
)
def test_as_int_or_int_tuple_refuses_what_is_neither(value, error, message):
    with pytest.raises(error, match=message):
        as_int_or_int_tuple(value, "dim", minimum=0)


# Real numbers and bools ---------------------------------------------------------------------


@given(value=st.floats(allow_nan=False) | SMALL_INTS, data=st.data())
def test_as_float_takes_python_and_numpy_numbers_and_gives_a_python_float(value, data):
    convert = data.draw(st.sampled_from((float, *FLOAT_CONVERTERS)), label="as")
    with np.errstate(over="ignore"):  # float16 and float32 overflow to inf: still a number
        number = convert(value)
    got = as_float(number, "lr")
    assert type(got) is float
    assert got == float(number)


@given(value=numpy_ints(SMALL_INTS) | numpy_floats(st.floats(-1e4, 1e4)))
def test_as_float_takes_numpy_ints_and_floats_alike(value):
    assert as_float(value, "lr") == value.item()


def test_as_float_takes_ints_fractions_and_infinity():
    assert as_float(3, "lr") == 3.0
    assert as_float(Fraction(1, 4), "lr") == 0.25
    assert as_float(-math.inf, "lr") == -math.inf


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (True, TypeError, r"^lr must be a real number, not bool \(True\)$"),
        (np.False_, TypeError, r"^lr must be a real number, not numpy\.bool_ \(False\)$"),
        (1j, TypeError, r"^lr must be a real number, not complex \(1j\)$"),
        (np.complex128(1), TypeError, r"^lr must be a real number, not numpy\.complex128"),
        ("0.1", TypeError, r"^lr must be a real number, not str \('0\.1'\)$"),
        (None, TypeError, r"^lr must be a real number, not NoneType \(None\)$"),
        (np.array([0.1]), TypeError, r"^lr must be a real number, not numpy\.ndarray"),
        (math.nan, ValueError, r"^lr must not be NaN$"),
        (np.float32("nan"), ValueError, r"^lr must not be NaN$"),
    ],
)
def test_as_float_refuses_what_is_not_a_real_number(value, error, message):
    with pytest.raises(error, match=message):
        as_float(value, "lr")


@pytest.mark.parametrize("value", [True, False, np.True_, np.False_])
def test_as_bool_takes_python_and_numpy_bools(value):
    got = as_bool(value, "keepdim")
    assert type(got) is bool
    assert got == bool(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, r"^keepdim must be a bool, not int \(1\)$"),
        (np.int64(0), r"^keepdim must be a bool, not numpy\.int64 \(0\)$"),
        ("True", r"^keepdim must be a bool, not str \('True'\)$"),
        (None, r"^keepdim must be a bool, not NoneType \(None\)$"),
    ],
)
def test_as_bool_refuses_ints_and_the_rest(value, message):
    with pytest.raises(TypeError, match=message):
        as_bool(value, "keepdim")


# Real arrays --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [[1.0, 2.0], [[1, 2]], 3, np.float32(2.5), np.arange(3, dtype=np.uint8), np.zeros((2, 0))],
    ids=repr,
)
def test_as_real_array_keeps_the_values_and_their_dtype(value):
    got = as_real_array(value, "x")
    assert np.array_equal(got, np.asarray(value))
    assert got.dtype == np.asarray(value).dtype


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ([True, False], TypeError, r"^x must hold real numbers, not bool$"),
        ([1j], TypeError, r"^x must hold real numbers, not complex128$"),
        (["a"], TypeError, r"^x must hold real numbers, not <U1$"),
        (None, TypeError, r"^x must hold real numbers, not object$"),
        ([[1.0], [1.0, 2.0]], ValueError, r"^x must be an array of real numbers: "),
    ],
)
def test_as_real_array_refuses_what_is_not_real(value, error, message):
    with pytest.raises(error, match=message):
        as_real_array(value, "x")


def test_type_names_say_which_are_numpys():
    assert type_name(1.0) == "float"
    assert type_name(np.float64(1.0)) == "numpy.float64"
    assert type_name(np.True_) == "numpy.bool_"
    assert type_name(np.zeros(1)) == "numpy.ndarray"


def test_the_helpers_import_neither_torch_nor_pytest():
    check = (
        "import sys, reference.arguments; sys.exit(bool({'torch', 'pytest'} & sys.modules.keys()))"
    )
    repo = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", check], cwd=repo, check=False).returncode == 0

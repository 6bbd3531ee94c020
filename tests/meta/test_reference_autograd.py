"""The finite-difference oracle checked without torch: against derivatives worked out by hand,
against the identities that tie `vjp` and `jvp` to the Jacobian, and on bad arguments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.autograd import jvp, numerical_jacobian, vjp
from tests.harness.profiles import examples
from tests.meta.numpy_inputs import numpy_floats

small = st.floats(-2, 2, allow_nan=False, width=32)


def test_jacobian_of_a_linear_map_is_its_matrix():
    matrix = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    jacobian = numerical_jacobian(lambda x: matrix @ x, np.array([0.3, -1.0, 2.0]))
    np.testing.assert_allclose(jacobian, matrix, rtol=0, atol=1e-9)


def test_notes_003_appendix_by_hand():
    # Q = 3x^2 - y^2 with y fixed at [2, 3]: dQ/dx = diag(6x), J^T [1, 1] = [6, 12]
    x = np.array([1.0, 2.0])
    q = lambda a: 3 * a**2 - np.array([2.0, 3.0]) ** 2  # noqa: E731
    np.testing.assert_allclose(numerical_jacobian(q, x), np.diag([6.0, 12.0]), atol=1e-8)
    np.testing.assert_allclose(vjp(q, x, [1.0, 1.0]), [6.0, 12.0], atol=1e-8)
    np.testing.assert_allclose(vjp(lambda b: 3 * x**2 - b**2, [2.0, 3.0], [1.0, 1.0]), [-4, -6])


def test_notes_002_mean_of_squares_by_hand():
    out = lambda x: np.mean(3 * (x + 2) ** 2)  # noqa: E731
    np.testing.assert_allclose(vjp(out, np.ones((2, 2)), 1.0), np.full((2, 2), 4.5), atol=1e-8)


def test_shapes_of_the_results():
    f = lambda x: np.sin(x).sum(axis=1)  # noqa: E731  (3, 2) -> (3,)
    x = np.zeros((3, 2))
    assert numerical_jacobian(f, x).shape == (3, 6)
    assert vjp(f, x, np.ones(3)).shape == (3, 2)
    assert jvp(f, x, np.ones((3, 2))).shape == (3,)


@given(
    x=npst.arrays(np.float64, (2, 3), elements=small),
    u=npst.arrays(np.float64, (2, 3), elements=small),
    w=npst.arrays(np.float64, (2, 2), elements=small),
)
@settings(max_examples=examples(3 / 4))  # each example differences a Jacobian
def test_vjp_and_jvp_are_adjoint(x, u, w):
    """<w, J u> == <J^T w, u>: both products come from the same Jacobian."""
    f = lambda a: np.tanh(a @ np.array([[1.0, 0.5], [-1.0, 2.0], [0.25, 0.0]]))  # noqa: E731
    left = float(np.sum(w * jvp(f, x, u)))
    right = float(np.sum(vjp(f, x, w) * u))
    assert left == pytest.approx(right, rel=1e-9, abs=1e-9)


@given(x=npst.arrays(np.float64, st.integers(1, 5), elements=small))
@settings(max_examples=examples(3 / 4))  # each example differences a Jacobian
def test_derivative_of_sin_is_cos(x):
    np.testing.assert_allclose(numerical_jacobian(np.sin, x), np.diag(np.cos(x)), atol=1e-9)


def test_bad_arguments_name_the_argument():
    with pytest.raises(TypeError, match="f must be callable"):
        numerical_jacobian("sin", [1.0])
    with pytest.raises(TypeError, match="x must hold real numbers"):
        numerical_jacobian(np.sin, ["a"])
    with pytest.raises(ValueError, match="x must be finite"):
        numerical_jacobian(np.sin, [np.nan])
    with pytest.raises(ValueError, match="eps 0 must lie strictly between 0 and 1"):
        numerical_jacobian(np.sin, [1.0], eps=0)
    with pytest.raises(TypeError, match=r"eps must be a real number, not str \('small'\)"):
        numerical_jacobian(np.sin, [1.0], eps="small")
    with pytest.raises(ValueError, match=r"v has shape \(3,\); it must have f\(x\)'s shape \(2,\)"):
        vjp(np.sin, [1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"v has shape \(1,\); it must have x's shape \(2,\)"):
        jvp(np.sin, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="f returned"):
        numerical_jacobian(lambda a: np.ones(2 if a[0] == 0 else 3), [0.0])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: vjp("sin", [1.0], [1.0]), TypeError, "f must be callable, not str"),
        (lambda: vjp(np.sin, [1j], [1.0]), TypeError, "x must hold real numbers, not complex128"),
        (lambda: vjp(np.sin, [1.0], ["a"]), TypeError, "v must hold real numbers, not <U1"),
        (lambda: jvp(np.sin, [np.inf], [1.0]), ValueError, "x must be finite, got [inf]"),
        (lambda: jvp(np.sin, [1.0], [np.nan]), ValueError, "v must be finite, got [nan]"),
        (
            lambda: numerical_jacobian(lambda a: np.array([np.nan]), [1.0]),
            ValueError,
            "f(x) must be finite, got [nan]",
        ),
        (
            lambda: numerical_jacobian(lambda a: np.sqrt(1e-7 - a), [0.0], eps=1e-6),
            ValueError,
            "f(x + eps) must be finite, got [nan]",
        ),
        (
            lambda: numerical_jacobian(lambda a: np.sqrt(a + 1e-7), [0.0], eps=1e-6),
            ValueError,
            "f(x - eps) must be finite, got [nan]",
        ),
        (
            lambda: numerical_jacobian(lambda a: np.ones(1 if a[0] > 0 else 2), [0.0]),
            ValueError,
            "f returned 1 and 2 values, not 2",
        ),
        (
            lambda: numerical_jacobian(np.sin, [1.0], eps=1),
            ValueError,
            "eps 1 must lie strictly between 0 and 1",
        ),
    ],
)
def test_each_refusal_names_what_it_refuses(call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the square roots of negatives
        with pytest.raises(error) as raised:
            call()
    assert str(raised.value) == message


def test_the_products_difference_with_the_eps_they_are_given():
    cube = lambda a: a**3  # noqa: E731  (a central difference of x^3 is off by eps^2)
    x, v = np.array([1.0, 2.0]), np.array([1.0, 1.0])
    coarse = numerical_jacobian(cube, x, 0.5)
    assert np.allclose(np.diag(coarse), 3 * x**2 + 0.25)
    assert np.allclose(vjp(cube, x, v, 0.5), coarse.T @ v)
    assert np.allclose(jvp(cube, x, v, 0.5), coarse @ v)
    assert not np.allclose(vjp(cube, x, v), coarse.T @ v)
    assert not np.allclose(jvp(cube, x, v), coarse @ v)


def test_the_jacobian_is_float64_whatever_x_holds():
    jacobian = numerical_jacobian(lambda a: a * 2, np.array([1, 2], dtype=np.int8))
    assert jacobian.dtype == np.float64
    assert np.allclose(jacobian, 2 * np.eye(2))
    assert numerical_jacobian(np.sin, np.array([True])).dtype == np.float64


@given(eps=numpy_floats(st.floats(1e-7, 1e-3)))
@settings(max_examples=examples(3 / 4))  # each example differences a Jacobian
def test_a_numpy_eps_steps_as_its_python_float(eps):
    x = np.array([0.5, -1.0])
    assert np.array_equal(
        numerical_jacobian(np.sin, x, eps), numerical_jacobian(np.sin, x, eps.item())
    )


@pytest.mark.parametrize(
    ("eps", "error", "message"),
    [
        (np.True_, TypeError, r"^eps must be a real number, not numpy\.bool_ \(True\)$"),
        (1e-6j, TypeError, r"^eps must be a real number, not complex"),
        (np.float64("nan"), ValueError, r"^eps must not be NaN$"),
        (np.float32(2), ValueError, r"^eps 2\.0 must lie strictly between 0 and 1$"),
    ],
)
def test_a_numpy_eps_that_is_wrong_is_refused_by_name(eps, error, message):
    with pytest.raises(error, match=message):
        numerical_jacobian(np.sin, [1.0], eps)

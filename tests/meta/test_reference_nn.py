"""reference/nn.py checked without torch: small cases worked out by hand, the identities its
docstrings state, NumPy dims and numbers against Python ones, and the messages of bad
arguments."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.nn import (
    cross_entropy,
    default_init_bound,
    linear,
    log_softmax,
    mse_loss,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from tests.harness.strategies import dims, shapes
from tests.meta.numpy_inputs import INT_SEQUENCE_CONVERTERS, numpy_floats, numpy_ints

LN3 = math.log(3)


def float_arrays(bound: float = 50.0, min_dims: int = 1):
    return npst.arrays(
        np.float64,
        shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4),
        elements=st.floats(-bound, bound),
    )


# Cases by hand ------------------------------------------------------------------------------


def test_linear_by_hand():
    x = [[1.0, 2.0], [3.0, 4.0]]
    weight = [[1.0, 1.0], [0.0, 1.0], [2.0, -1.0]]  # out 3, in 2
    assert linear(x, weight).tolist() == [[3.0, 2.0, 0.0], [7.0, 4.0, 2.0]]
    assert linear(x, weight, [1.0, -1.0, 0.5]).tolist() == [[4.0, 1.0, 0.5], [8.0, 3.0, 2.5]]
    assert linear([1.0, 2.0], weight).tolist() == [3.0, 2.0, 0.0]  # 1-d input: 1-d output


def test_activations_by_hand():
    assert relu([-2.0, -0.5, 0.0, 3.0]).tolist() == [0.0, 0.0, 0.0, 3.0]
    # sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4; tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 3/5
    assert np.allclose(sigmoid([0.0, LN3, -LN3]), [0.5, 0.75, 0.25], rtol=1e-15)
    assert np.allclose(tanh([0.0, math.log(2)]), [0.0, 0.6], rtol=1e-15)
    # softplus(ln 3) = ln(1 + 3) = ln 4; with beta = 2: ln(1 + e^(2 ln 3)) / 2 = ln(10) / 2
    assert np.allclose(softplus([0.0, LN3]), [math.log(2), math.log(4)], rtol=1e-15)
    assert np.isclose(softplus(LN3, beta=2), math.log(10) / 2, rtol=1e-15)
    assert softplus(25.0).item() == 25.0
    assert softplus(3.0, threshold=2).item() == 3.0


def test_softmax_by_hand():
    # e^0 : e^(ln 3) = 1 : 3
    assert np.allclose(softmax([0.0, LN3], 0), [0.25, 0.75], rtol=1e-15)
    assert np.allclose(softmax([[0.0, LN3], [5.0, 5.0]], 1), [[0.25, 0.75], [0.5, 0.5]])
    assert np.allclose(log_softmax([0.0, LN3], 0), [math.log(0.25), math.log(0.75)])
    assert softmax([1000.0, 1000.0], -1).tolist() == [0.5, 0.5]  # no overflow
    assert softmax(7.0, 0).item() == 1.0
    assert log_softmax(7.0, -1).item() == 0.0


def test_cross_entropy_by_hand():
    # softmax([0, ln 3]) = [1/4, 3/4]: the loss of class 1 is ln(4/3), of class 0 is ln 4
    logits = [[0.0, LN3], [0.0, LN3]]
    assert math.isclose(cross_entropy(logits, [1, 0]), (math.log(4 / 3) + math.log(4)) / 2)
    assert math.isclose(cross_entropy([0.0, LN3], 1), math.log(4 / 3))  # (C,) and a 0-d target
    one_hot = [[0.0, 1.0], [1.0, 0.0]]
    assert math.isclose(cross_entropy(logits, one_hot), cross_entropy(logits, [1, 0]))
    halves = [[0.5, 0.5], [0.5, 0.5]]
    assert math.isclose(cross_entropy(logits, halves), (math.log(4) + math.log(4 / 3)) / 2)
    for dtype in (np.float16, np.float32):  # probabilities in any floating dtype, halves exact
        narrow = np.array(halves, dtype=dtype)
        assert math.isclose(cross_entropy(logits, narrow), cross_entropy(logits, halves)), dtype
    # (N, C, d): class dim 1, mean over N and d
    spatial = np.array(logits).reshape(1, 2, 2)  # sample 0, classes x positions
    assert math.isclose(cross_entropy(spatial, [[0, 1]]), (math.log(2) + math.log(2)) / 2)


def test_mse_loss_by_hand():
    assert mse_loss([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 0.0]]) == 29 / 4
    assert math.isnan(mse_loss(np.zeros((0, 3)), np.zeros((0, 3))))


def test_dtypes_follow_the_inputs():
    half = np.array([1.0, -1.0], dtype=np.float16)
    single = np.array([[1.0, -1.0]], dtype=np.float32)
    assert sigmoid(half).dtype == np.float16
    assert softmax(single, 1).dtype == np.float32
    assert relu([1, -1]).dtype == np.float64  # integers compute in float64
    assert linear(single, single.astype(np.float64)).dtype == np.float64
    assert isinstance(cross_entropy(single, [0]), float)


def test_dtypes_of_every_function_follow_its_floating_inputs():
    half, single = np.float16, np.float32
    x = np.array([[-1.0, 0.5]], dtype=single)
    assert relu(x).dtype == single
    assert tanh(x).dtype == single
    assert softplus(x.astype(half)).dtype == half
    assert log_softmax(x, 1).dtype == single
    assert linear(x, x).dtype == single
    assert linear(x.astype(half), x.astype(half)).dtype == half
    assert linear(x.astype(half), x.astype(half), np.ones(1, dtype=single)).dtype == single
    assert linear(x, x, np.ones(1)).dtype == np.float64


def test_relu_keeps_nan_negative_zero_and_infinity():
    y = relu([math.nan, -0.0, 0.0, math.inf, -math.inf, -1e-300])
    assert math.isnan(y[0])
    assert y[1] == 0
    assert np.signbit(y[1]), "-0.0 is not below 0: it stays -0.0"
    assert y[2] == 0
    assert not np.signbit(y[2])
    assert y[3:].tolist() == [math.inf, 0.0, 0.0]
    assert not np.signbit(y[4:]).any(), "a negative becomes +0.0"


def test_softplus_is_x_itself_only_strictly_above_the_threshold():
    # the default threshold is 20: 20.5 is above it, 20 is not (log1p(e^-20) ~ 2e-9 is kept)
    assert softplus(20.5).item() == 20.5
    assert softplus(20.0).item() > 20.0
    assert np.isclose(softplus(20.0).item(), 20.0 + math.exp(-20.0), rtol=1e-15)
    # at the threshold itself: the formula, log(1 + e^3)
    assert np.isclose(softplus(3.0, threshold=3).item(), math.log(1 + math.exp(3)), rtol=1e-15)
    assert softplus(1.5, beta=2, threshold=3).item() > 1.5


def test_softplus_overflows_silently_to_x_itself():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # beta * x overflowing to inf would warn
        assert softplus([1e308], beta=10).tolist() == [1e308]


def test_softmax_subtracts_the_maximum_of_each_slice_along_dim():
    # one row near -1000 and one near 1000: a single maximum for both would underflow the first
    x = [[-1000.0, -1000.0 + LN3], [1000.0, 1000.0]]
    assert np.allclose(softmax(x, 1), [[0.25, 0.75], [0.5, 0.5]], rtol=1e-12)
    assert np.allclose(log_softmax(x, 1), [[math.log(0.25), math.log(0.75)], [-math.log(2)] * 2])
    assert np.allclose(log_softmax([1000.0, 1000.0], 0), [-math.log(2)] * 2, rtol=1e-15)
    assert np.allclose(softmax(np.array(x).T, 0), [[0.25, 0.5], [0.75, 0.5]], rtol=1e-12)


def test_softmax_of_extreme_values_is_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, invalid or divide warning escapes
        # -1e308 - 1e308 overflows to -inf: its exp is 0
        assert softmax([1e308, -1e308], 0).tolist() == [1.0, 0.0]
        assert log_softmax([1e308, -1e308], 0).tolist() == [0.0, -math.inf]
        # inf - inf is NaN, and so is the sum it goes into
        assert np.isnan(softmax([math.inf, 1.0], 0)).all()
        assert np.isnan(log_softmax([math.inf, 1.0], 0)[0])
        # an empty dim: nothing to take the maximum of, and the log of an empty sum
        assert softmax(np.zeros((2, 0)), 1).shape == (2, 0)
        assert log_softmax(np.zeros((2, 0)), 1).shape == (2, 0)
        assert log_softmax(np.zeros((0, 3)), 0).shape == (0, 3)


def test_softmax_of_a_0d_x_is_0d():
    assert softmax(np.float32(7.0), 0).shape == ()
    assert log_softmax(np.float32(7.0), -1).shape == ()
    assert softmax(np.float32(7.0), 0).dtype == np.float32


def test_cross_entropy_over_positions_picks_each_positions_class():
    # logits [N=1, C=2, d=2]: position 0 scores (0, ln 3), position 1 scores (0, 0)
    logits = np.array([[[0.0, 0.0], [LN3, 0.0]]])
    # class 1 at position 0: ln(4/3); class 0 at position 1: ln 2
    assert math.isclose(cross_entropy(logits, [[1, 0]]), (math.log(4 / 3) + math.log(2)) / 2)
    assert math.isclose(cross_entropy(logits, [[0, 1]]), (math.log(4) + math.log(2)) / 2)
    assert math.isnan(cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=np.int64)))


# Identities ---------------------------------------------------------------------------------


@given(x=float_arrays(bound=1000.0))  # exp(|x|) overflows float64 from 709.8
def test_sigmoid_is_symmetric_and_never_overflows(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would warn
        s = sigmoid(x)
    assert ((s >= 0) & (s <= 1)).all()
    assert np.allclose(sigmoid(-x), 1 - s, rtol=0, atol=1e-15)


@given(x=float_arrays(), beta=st.floats(0.1, 10), threshold=st.floats(1, 40))
@example(x=np.array([28.42013669]), beta=1.1875, threshold=34.0)  # log1p(exp(bx)) rounds to bx
def test_softplus_is_between_relu_and_relu_plus_log2_over_beta(x, beta, threshold):
    y = softplus(x, beta, threshold)
    # Near the threshold log1p(exp(bx)) rounds to bx, and dividing by b may then land 1 ulp low.
    assert (y >= relu(x) - np.spacing(relu(x))).all()
    assert (y <= relu(x) + math.log(2) / beta + 1e-12).all()
    above = beta * x > threshold
    assert np.array_equal(y[above], x[above])
    below = ~above
    naive = np.log1p(np.exp(beta * x[below])) / beta
    assert np.allclose(y[below], naive, rtol=1e-12, atol=1e-300)


@given(x=float_arrays(), data=st.data())
def test_softmax_sums_to_one_and_ignores_shifts(x, data):
    dim = data.draw(dims(x.ndim))
    p = softmax(x, dim)
    assert np.allclose(p.sum(axis=dim), 1.0, rtol=1e-12)
    assert np.allclose(softmax(x + 123.0, dim), p, rtol=1e-9, atol=1e-300)
    assert np.allclose(np.exp(log_softmax(x, dim)), p, rtol=1e-9, atol=1e-300)


@given(x=float_arrays(), out_features=st.integers(1, 4), data=st.data())
def test_linear_is_x_times_w_transposed_over_leading_dims(x, out_features, data):
    weight = data.draw(
        npst.arrays(np.float64, (out_features, x.shape[-1]), elements=st.floats(-5, 5))
    )
    bias = data.draw(npst.arrays(np.float64, (out_features,), elements=st.floats(-5, 5)))
    y = linear(x, weight, bias)
    assert y.shape == (*x.shape[:-1], out_features)
    assert np.allclose(y, np.einsum("...i,oi->...o", x, weight) + bias, rtol=1e-12, atol=1e-9)


@given(
    logits=npst.arrays(np.float64, (3, 4), elements=st.floats(-30, 30)),
    labels=npst.arrays(np.int64, (3,), elements=st.integers(0, 3)),
)
def test_cross_entropy_is_the_mean_of_minus_log_softmax_at_the_label(logits, labels):
    expected = -np.mean(log_softmax(logits, 1)[np.arange(3), labels])
    assert math.isclose(cross_entropy(logits, labels), expected, rel_tol=1e-12, abs_tol=1e-15)
    assert cross_entropy(logits, labels) >= 0


# Bad arguments ------------------------------------------------------------------------------


# Every message whole: the argument it names, the rule, and what it was given.
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: linear([[1.0, 2.0]], [[1.0, 2.0, 3.0]]),
            ValueError,
            "x's last dim 2 must equal weight's in_features 3 (x (1, 2), weight (1, 3))",
        ),
        (
            lambda: linear(np.zeros((2, 3, 4)), np.zeros((5, 6))),
            ValueError,
            "x's last dim 4 must equal weight's in_features 6 (x (2, 3, 4), weight (5, 6))",
        ),
        (
            lambda: linear([1.0], [1.0]),
            ValueError,
            "weight must be 2-d [out_features, in_features], not (1,)",
        ),
        (
            lambda: linear(1.0, [[1.0]]),
            ValueError,
            "x must have at least 1 dim (its last dim is in_features), not 0",
        ),
        (
            lambda: linear([1.0], [[1.0]], [1.0, 2.0]),
            ValueError,
            "bias must have shape (1,) to match weight's out_features, not (2,)",
        ),
        (lambda: linear(["a"], [[1.0]]), TypeError, "x must hold real numbers, not <U1"),
        (lambda: linear([1.0], [["a"]]), TypeError, "weight must hold real numbers, not <U1"),
        (lambda: linear([1.0], [[1.0]], ["a"]), TypeError, "bias must hold real numbers, not <U1"),
        (lambda: relu(["a"]), TypeError, "x must hold real numbers, not <U1"),
        (lambda: sigmoid(["a"]), TypeError, "x must hold real numbers, not <U1"),
        (lambda: tanh(["a"]), TypeError, "x must hold real numbers, not <U1"),
        (lambda: softplus(["a"]), TypeError, "x must hold real numbers, not <U1"),
        (lambda: softmax(["a"], 0), TypeError, "x must hold real numbers, not <U1"),
        (lambda: log_softmax(["a"], 0), TypeError, "x must hold real numbers, not <U1"),
        (lambda: softplus([1.0], beta=0), ValueError, "beta must be positive, not 0"),
        (lambda: softplus([1.0], beta=-1.5), ValueError, "beta must be positive, not -1.5"),
        (lambda: softplus([1.0], beta="1"), TypeError, "beta must be a real number, not str ('1')"),
        (lambda: softplus([1.0], threshold=math.nan), ValueError, "threshold must not be NaN"),
        (lambda: softmax([[1.0]], 2), ValueError, "dim 2 is out of range [-2, 1]"),
        (lambda: log_softmax([1.0], 0.5), TypeError, "dim must be an int, not float (0.5)"),
        (
            lambda: cross_entropy([[1.0, 2.0]], [2]),
            ValueError,
            "target index 2 is out of range [0, 1]",
        ),
        (
            lambda: cross_entropy([[1.0, 2.0]], [-1]),
            ValueError,
            "target index -1 is out of range [0, 1]",
        ),
        # both ends out of range: the low one is named; only the high one: it is named
        (
            lambda: cross_entropy([[1.0, 2.0, 3.0]] * 2, [-1, 3]),
            ValueError,
            "target index -1 is out of range [0, 2]",
        ),
        (
            lambda: cross_entropy([[1.0, 2.0, 3.0]] * 2, [0, 3]),
            ValueError,
            "target index 3 is out of range [0, 2]",
        ),
        (
            lambda: cross_entropy([[1.0, 2.0]], [0, 1]),
            ValueError,
            "target of class indices must have shape (1,) (logits (1, 2) without its class dim "
            "1), not (2,)",
        ),
        (
            lambda: cross_entropy([[1.0, 2.0]], [[1.0]]),
            ValueError,
            "target of class probabilities must have the logits' shape (1, 2), not (1, 1)",
        ),
        (
            lambda: cross_entropy([[1.0, 2.0]], [True]),
            TypeError,
            "target must hold integer class indices or floating probabilities, not bool",
        ),
        (
            lambda: cross_entropy(1.0, 0),
            ValueError,
            "logits must have at least 1 dim (the classes), not 0",
        ),
        (lambda: cross_entropy(["a"], 0), TypeError, "logits must hold real numbers, not <U1"),
        (
            lambda: cross_entropy(np.zeros((2, 0)), [0, 0]),
            ValueError,
            "logits (2, 0) has no classes: dim 1 has size 0",
        ),
        (
            lambda: mse_loss([1.0, 2.0], [[1.0, 2.0]]),
            ValueError,
            "a (2,) and b (1, 2) must have the same shape",
        ),
        (lambda: mse_loss(["a"], [1.0]), TypeError, "a must hold real numbers, not <U1"),
        (lambda: mse_loss([1.0], ["a"]), TypeError, "b must hold real numbers, not <U1"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


# NumPy inputs -------------------------------------------------------------------------------


@given(x=float_arrays(), data=st.data())
def test_numpy_dims_give_what_python_dims_give(x, data):
    dim = data.draw(dims(x.ndim), label="dim")
    as_numpy = data.draw(numpy_ints(st.just(dim)), label="as")
    assert np.array_equal(softmax(x, as_numpy), softmax(x, dim))
    assert np.array_equal(log_softmax(x, as_numpy), log_softmax(x, dim))


@given(
    x=float_arrays(),
    beta=numpy_floats(st.floats(0.1, 10)) | numpy_ints(st.integers(1, 5)),
    threshold=numpy_floats(st.floats(1, 40)) | numpy_ints(st.integers(1, 40)),
)
def test_numpy_beta_and_threshold_give_what_their_python_numbers_give(x, beta, threshold):
    assert np.array_equal(softplus(x, beta, threshold), softplus(x, beta.item(), threshold.item()))


@pytest.mark.parametrize("convert", INT_SEQUENCE_CONVERTERS)
def test_cross_entropy_takes_numpy_class_indices(convert):
    logits = np.array([[0.0, LN3], [2.0, -1.0], [0.5, 0.5]])
    assert cross_entropy(logits, convert([1, 0, 1])) == cross_entropy(logits, [1, 0, 1])
    assert cross_entropy(logits[0], np.int64(1)) == cross_entropy(logits[0], 1)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: softmax([1.0, 2.0], np.float64(0)),
            TypeError,
            r"^dim must be an int, not numpy\.float64 \(0\.0\)$",
        ),
        (lambda: log_softmax([1.0], True), TypeError, r"^dim must be an int, not bool \(True\)$"),
        (
            lambda: softmax([[1.0]], np.int64(-3)),
            ValueError,
            r"^dim -3 is out of range \[-2, 1\]$",
        ),
        (
            lambda: softplus([1.0], beta=np.True_),
            TypeError,
            r"^beta must be a real number, not numpy\.bool_ \(True\)$",
        ),
        (
            lambda: softplus([1.0], threshold=np.float32("nan")),
            ValueError,
            r"^threshold must not be NaN$",
        ),
        (
            lambda: softplus([1.0], beta=1j),
            TypeError,
            r"^beta must be a real number, not complex \(1j\)$",
        ),
        (
            lambda: softplus([1.0], beta=np.float32(-0.5)),
            ValueError,
            r"^beta must be positive, not -0\.5$",
        ),
        (
            lambda: linear(np.array([[True]]), [[1.0]]),
            TypeError,
            r"^x must hold real numbers, not bool$",
        ),
        (
            lambda: mse_loss(np.array([1j]), [1.0]),
            TypeError,
            r"^a must hold real numbers, not complex128$",
        ),
    ],
)
def test_numpy_values_that_are_wrong_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


# default_init_bound ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight_shape", "bound"),
    [
        ((3, 4), 0.5),  # notes 004's Linear(4, 3): 1 / sqrt(4)
        ((120, 192), 1 / math.sqrt(192)),  # notes 004's fc1
        ((6, 1, 5, 5), 0.2),  # notes 004's conv1: 1 / sqrt(1 * 5 * 5)
        ((12, 2, 3, 5), 1 / math.sqrt(30)),  # Conv2d(6, 12, (3, 5), groups=3)
        ([2048, 64], 0.125),
        (np.array([7, 1]), 1.0),
        ((5, 0), 0.0),  # no inputs: Linear(0, 5)'s zero bias
        ((0, 9), 1 / 3),  # no outputs, nine inputs each
    ],
)
def test_default_init_bound_is_one_over_the_root_of_the_fan_in(weight_shape, bound):
    assert default_init_bound(weight_shape) == bound


@given(shape=shapes(min_dims=2, max_dims=5, min_side=1, max_side=6))
def test_default_init_bound_squared_is_one_over_the_product_of_the_inputs(shape):
    bound = default_init_bound(shape)
    assert math.isclose(bound**2 * math.prod(shape[1:]), 1.0, rel_tol=1e-12)
    assert default_init_bound((1, *shape[1:])) == bound, "the outputs do not count"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: default_init_bound((4,)),
            ValueError,
            r"^weight_shape must have at least 2 dims \(\[out, in, \*kernel\]\), not 1$",
        ),
        (
            lambda: default_init_bound((3, -1)),
            ValueError,
            r"^weight_shape must hold non-negative ints, got -1 at index 1$",
        ),
        (
            lambda: default_init_bound((3, 4.0)),
            TypeError,
            r"^weight_shape must hold ints, not float \(4\.0\) at index 1$",
        ),
        (
            lambda: default_init_bound(4),
            TypeError,
            r"^weight_shape must be a sequence of ints, not int \(4\)$",
        ),
    ],
)
def test_default_init_bound_refuses_what_is_not_a_weight_shape(call, error, message):
    with pytest.raises(error, match=message):
        call()

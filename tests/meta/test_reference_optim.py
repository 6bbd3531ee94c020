"""The optimiser oracles checked without torch: steps worked out by hand, the special cases in
which a rule reduces to a simpler one, NumPy hyperparameters against Python ones, and the
messages of bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.optim import adagrad_step, adam_step, rmsprop_step, sgd_step
from tests.meta.numpy_inputs import as_python, numpy_floats, numpy_ints

VECTORS = npst.arrays(
    np.float64, st.integers(1, 5), elements=st.floats(-10, 10).filter(lambda v: abs(v) > 1e-3)
)


def test_plain_sgd_subtracts_lr_times_the_gradient():
    params, state = sgd_step([1.0, 2.0], [0.5, -1.0], {}, lr=0.1)
    assert params.tolist() == [1.0 - 0.05, 2.0 + 0.1]
    assert state == {}


def test_sgd_momentum_by_hand():
    # Step 1: b = g = 1, p = 0 - 0.1 * 1. Step 2: b = 0.9 * 1 + (1 - 0.5) * 2 = 1.9.
    params, state = sgd_step([0.0], [1.0], {}, lr=0.1, momentum=0.9, dampening=0.5)
    assert params.tolist() == pytest.approx([-0.1])
    params, state = sgd_step(params, [2.0], state, lr=0.1, momentum=0.9, dampening=0.5)
    assert state["momentum_buffer"].tolist() == pytest.approx([1.9])
    assert params.tolist() == pytest.approx([-0.1 - 0.19])
    # Nesterov's step is g + momentum * b: 2 + 0.9 * (0.9 * 1 + 2) = 4.61 on the second step.
    params, state = sgd_step([0.0], [1.0], {}, lr=1.0, momentum=0.9, nesterov=True)
    assert params.tolist() == pytest.approx([-1.9])
    params, state = sgd_step([0.0], [2.0], state, lr=1.0, momentum=0.9, nesterov=True)
    assert params.tolist() == pytest.approx([-4.61])


def test_weight_decay_adds_to_the_gradient():
    params, _ = sgd_step([2.0], [0.0], {}, lr=0.5, weight_decay=0.1)
    assert params.tolist() == pytest.approx([2.0 - 0.5 * 0.2])


@given(grads=VECTORS)
def test_maximize_is_descent_on_the_negated_gradient(grads):
    # maximize negates the gradient first; the weight decay is added after, so it still pulls
    # the parameters towards 0: one plain SGD step from p = 1 with lr 0.5, weight_decay 0.1.
    ones = np.ones_like(grads)
    params, _ = sgd_step(ones, grads, {}, lr=0.5, weight_decay=0.1, maximize=True)
    np.testing.assert_allclose(params, ones - 0.5 * (-grads + 0.1), rtol=1e-12)
    for step in (sgd_step, adagrad_step, rmsprop_step, adam_step):
        up, _ = step(ones, grads, {}, maximize=True)
        down, _ = step(ones, -grads, {})
        np.testing.assert_array_equal(up, down, err_msg=step.__name__)


@given(grads=VECTORS)
def test_first_steps_of_the_adaptive_rules_ignore_the_gradients_size(grads):
    zeros = np.zeros_like(grads)
    adagrad, _ = adagrad_step(zeros, grads, {}, lr=0.1, eps=0.0)
    np.testing.assert_allclose(adagrad, -0.1 * np.sign(grads), rtol=1e-12)
    adam, _ = adam_step(zeros, grads, {}, lr=0.1, eps=0.0)
    np.testing.assert_allclose(adam, -0.1 * np.sign(grads), rtol=1e-12)
    rmsprop, _ = rmsprop_step(zeros, grads, {}, lr=0.1, alpha=0.99, eps=0.0)
    np.testing.assert_allclose(rmsprop, -0.1 / math.sqrt(0.01) * np.sign(grads), rtol=1e-12)


@given(grads=st.lists(VECTORS.map(lambda a: a[:1]), min_size=1, max_size=5))
def test_adam_without_memory_is_sign_descent(grads):
    params, state = np.zeros(1), {}
    for grad in grads:
        params, state = adam_step(params, grad, state, lr=0.1, betas=(0.0, 0.0), eps=0.0)
    expected = -0.1 * sum(np.sign(g) for g in grads)
    np.testing.assert_allclose(params, expected, rtol=1e-12, atol=1e-12)


def test_amsgrad_keeps_the_largest_second_moment():
    state = {}
    params, state = adam_step([0.0], [10.0], state, betas=(0.0, 0.5), amsgrad=True)
    params, state = adam_step(params, [1.0], state, betas=(0.0, 0.5), amsgrad=True)
    assert state["max_exp_avg_sq"].tolist() == [50.0]  # 0.5 * 100, not 0.5 * 50 + 0.5 * 1
    assert state["exp_avg_sq"].tolist() == [25.5]


def test_adagrad_decays_its_rate_and_sums_squares():
    params, state = adagrad_step([0.0], [3.0], {}, lr=1.0, lr_decay=1.0, eps=0.0)
    params, state = adagrad_step(params, [4.0], state, lr=1.0, lr_decay=1.0, eps=0.0)
    assert state["sum"].tolist() == [25.0]
    assert params.tolist() == pytest.approx([-1.0 - 0.5 * 4 / 5])


def test_centered_rmsprop_divides_by_the_variance():
    # One step: v = (1 - a) g**2, m = (1 - a) g, v - m**2 = a (1 - a) g**2.
    params, _ = rmsprop_step([0.0], [2.0], {}, lr=1.0, alpha=0.75, eps=0.0, centered=True)
    assert params.tolist() == pytest.approx([-2.0 / math.sqrt(0.75 * 0.25 * 4)])


def test_the_inputs_are_not_changed():
    params, grads, state = np.array([1.0]), np.array([1.0]), {}
    _, state = adam_step(params, grads, state)
    before = {key: np.copy(value) for key, value in state.items()}
    adam_step(params, grads, state)
    assert params.tolist() == [1.0]
    assert all(np.array_equal(state[key], before[key]) for key in before)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: sgd_step([0.0], [0.0], {}, lr=-1.0), ValueError, "lr -1.0 is outside"),
        (lambda: sgd_step([0.0], [0.0, 1.0], {}), ValueError, r"grads shape \(2,\) differs"),
        (
            lambda: sgd_step([0.0], [0.0], {}, nesterov=True),
            ValueError,
            "nesterov needs momentum > 0",
        ),
        (lambda: sgd_step([0.0], [0.0], None), TypeError, "state must be a dict"),
        (lambda: adam_step([0.0], [0.0], {}, betas=(1.0, 0.9)), ValueError, r"betas\[0\] 1.0"),
        (lambda: adam_step([0.0], [0.0], {}, betas=0.9), TypeError, "betas must be a pair"),
        (lambda: adagrad_step([0.0], [0.0], {}, eps=-1), ValueError, "eps -1 is outside"),
        (
            lambda: rmsprop_step([0.0], [0.0], {}, alpha="x"),
            TypeError,
            "alpha must be a real number, not str",
        ),
        (lambda: adam_step([0.0], [0.0], {}, maximize=1), TypeError, "maximize must be a bool"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# NumPy inputs -------------------------------------------------------------------------------

RATES = numpy_floats(st.floats(0.0, 0.5)) | numpy_ints(st.integers(0, 1))
FRACTIONS = numpy_floats(st.floats(0.0, 0.99))


@given(
    grads=VECTORS,
    lr=RATES,
    momentum=FRACTIONS,
    dampening=FRACTIONS,
    weight_decay=numpy_floats(st.floats(0.0, 0.1)),
    maximize=st.booleans().map(np.bool_),
)
def test_numpy_hyperparameters_give_the_steps_of_their_python_numbers(
    grads, lr, momentum, dampening, weight_decay, maximize
):
    """Two steps of each rule, so that the state's use of them counts too."""
    params = np.ones_like(grads)
    rules = {
        sgd_step: {"lr": lr, "momentum": momentum, "dampening": dampening},
        adagrad_step: {"lr": lr, "lr_decay": momentum, "eps": np.float32(1e-10)},
        rmsprop_step: {"lr": lr, "alpha": momentum, "momentum": momentum},
        adam_step: {"lr": lr, "betas": (momentum, np.float64(0.9)), "amsgrad": np.True_},
    }
    for step, options in rules.items():
        options = {**options, "weight_decay": weight_decay, "maximize": maximize}
        python = {name: as_python(value) for name, value in options.items()}
        got, state = step(params, grads, {}, **options)
        got, _ = step(got, grads, state, **options)
        expected, state = step(params, grads, {}, **python)
        expected, _ = step(expected, grads, state, **python)
        np.testing.assert_array_equal(got, expected, err_msg=step.__name__)


@pytest.mark.parametrize(
    "betas", [np.array([0.5, 0.75]), (np.float32(0.5), np.float32(0.75)), [0.5, np.float16(0.75)]]
)
def test_adam_takes_betas_as_an_array_or_a_tuple_of_numpy_floats(betas):
    got, _ = adam_step([1.0, -1.0], [0.5, 2.0], {}, betas=betas)
    expected, _ = adam_step([1.0, -1.0], [0.5, 2.0], {}, betas=(0.5, 0.75))
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("step", "flag"), [(sgd_step, "nesterov"), (rmsprop_step, "centered"), (adam_step, "amsgrad")]
)
def test_flags_take_numpy_bools(step, flag):
    options = {"momentum": 0.9} if step is sgd_step else {}
    for value in (True, False):
        got, _ = step([1.0], [2.0], {}, **options, **{flag: np.bool_(value)})
        expected, _ = step([1.0], [2.0], {}, **options, **{flag: value})
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: sgd_step([0.0], [0.0], {}, lr=np.True_),
            TypeError,
            r"^lr must be a real number, not numpy\.bool_ \(True\)$",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, momentum="0.9"),
            TypeError,
            r"^momentum must be a real number, not str \('0\.9'\)$",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, lr=np.float64("nan")),
            ValueError,
            r"^lr must not be NaN$",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, lr=np.float32(-0.5)),
            ValueError,
            r"^lr -0\.5 is outside \[0\.0, inf\]$",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, momentum=0.9, nesterov=1),
            TypeError,
            r"^nesterov must be a bool, not int \(1\)$",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, amsgrad=np.int64(0)),
            TypeError,
            r"^amsgrad must be a bool, not numpy\.int64 \(0\)$",
        ),
        (
            lambda: rmsprop_step([0.0], [0.0], {}, centered=None),
            TypeError,
            r"^centered must be a bool, not NoneType \(None\)$",
        ),
        (
            lambda: adagrad_step([0.0], [0.0], {}, weight_decay=-0.1),
            ValueError,
            r"^weight_decay -0\.1 is outside \[0\.0, inf\]$",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, weight_decay=np.True_),
            TypeError,
            r"^weight_decay must be a real number, not numpy\.bool_ \(True\)$",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=np.array([[0.9, 0.99]])),
            TypeError,
            r"^betas must be a pair \(beta1, beta2\), not array\(\[\[0\.9 *, 0\.99\]\]\)$",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=(np.float32(0.9), True)),
            TypeError,
            r"^betas\[1\] must be a real number, not bool \(True\)$",
        ),
        (
            lambda: sgd_step(["a"], [0.0], {}),
            TypeError,
            r"^params must hold real numbers, not <U1$",
        ),
        (
            lambda: sgd_step([0.0], np.array([True]), {}),
            TypeError,
            r"^grads must hold real numbers, not bool$",
        ),
    ],
)
def test_numpy_values_that_are_wrong_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()

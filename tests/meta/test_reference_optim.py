"""The optimiser oracles checked without torch: steps worked out by hand, the special cases in
which a rule reduces to a simpler one, NumPy hyperparameters against Python ones, and the
messages of bad arguments."""

from __future__ import annotations

import math
import re

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


NON_NEGATIVE = [  # each rule's hyperparameters that must be in [0, inf)
    (sgd_step, "lr"),
    (sgd_step, "momentum"),
    (sgd_step, "weight_decay"),
    (adagrad_step, "lr"),
    (adagrad_step, "eps"),
    (adagrad_step, "lr_decay"),
    (adagrad_step, "initial_accumulator_value"),
    (rmsprop_step, "lr"),
    (rmsprop_step, "alpha"),
    (rmsprop_step, "eps"),
    (rmsprop_step, "momentum"),
    (adam_step, "lr"),
    (adam_step, "eps"),
]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: sgd_step([0.0], [0.0, 1.0], {}),
            ValueError,
            "grads shape (2,) differs from params shape (1,)",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, nesterov=True),
            ValueError,
            "nesterov needs momentum > 0 and dampening == 0, got momentum 0.0 and dampening 0.0",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, momentum=0.9, dampening=0.5, nesterov=True),
            ValueError,
            "nesterov needs momentum > 0 and dampening == 0, got momentum 0.9 and dampening 0.5",
        ),
        (
            lambda: sgd_step([0.0], [0.0], None),
            TypeError,
            "state must be a dict ({} before the first step), not <class 'NoneType'>",
        ),
        (
            lambda: adam_step([0.0], [0.0], [{}]),
            TypeError,
            "state must be a dict ({} before the first step), not <class 'list'>",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, dampening=1.5),
            ValueError,
            "dampening 1.5 is outside [0.0, 1.0]",
        ),
        (
            lambda: sgd_step([0.0], [0.0], {}, dampening=-0.5),
            ValueError,
            "dampening -0.5 is outside [0.0, 1.0]",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=(1.0, 0.9)),
            ValueError,
            "betas[0] 1.0 is outside [0.0, 1.0)",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=(0.9, 1.0)),
            ValueError,
            "betas[1] 1.0 is outside [0.0, 1.0)",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=(-0.5, 0.9)),
            ValueError,
            "betas[0] -0.5 is outside [0.0, 1.0)",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=(0.9, -0.5)),
            ValueError,
            "betas[1] -0.5 is outside [0.0, 1.0)",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=0.9),
            TypeError,
            "betas must be a pair (beta1, beta2), not 0.9",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=(0.9,)),
            TypeError,
            "betas must be a pair (beta1, beta2), not (0.9,)",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, betas=[0.9, 0.99, 0.999]),
            TypeError,
            "betas must be a pair (beta1, beta2), not [0.9, 0.99, 0.999]",
        ),
        (
            lambda: adam_step([0.0], [0.0], {}, maximize=1),
            TypeError,
            "maximize must be a bool, not int (1)",
        ),
        (
            lambda: rmsprop_step([0.0], [0.0], {}, alpha="x"),
            TypeError,
            "alpha must be a real number, not str ('x')",
        ),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("step", "name"), NON_NEGATIVE, ids=lambda value: getattr(value, "__name__", value)
)
def test_a_negative_hyperparameter_is_refused_by_name(step, name):
    with pytest.raises(ValueError, match=f"^{re.escape(name)} -1 is outside \\[0.0, inf\\]$"):
        step([0.0], [0.0], {}, **{name: -1})


def test_the_ends_of_each_range_are_allowed():
    # lr 0 leaves the parameters where they are, whatever the rule.
    for step in (sgd_step, adagrad_step, rmsprop_step, adam_step):
        params, _ = step([1.0, -2.0], [3.0, 4.0], {}, lr=0.0)
        assert params.tolist() == [1.0, -2.0], step.__name__
    # dampening 1: the buffer only decays after the first step: b = 2, then 0.5 * 2 + 0 * 4.
    params, state = sgd_step([0.0], [2.0], {}, lr=1.0, momentum=0.5, dampening=1.0)
    params, state = sgd_step(params, [4.0], state, lr=1.0, momentum=0.5, dampening=1.0)
    assert state["momentum_buffer"].tolist() == [1.0]
    assert params.tolist() == [-3.0]
    # betas of 0 and alpha 0: no memory; eps, weight_decay, lr_decay and the accumulator 0.
    zeros = {"eps": 0.0, "weight_decay": 0.0}
    params, _ = adam_step([0.0], [-3.0], {}, lr=1.0, betas=(0.0, 0.0), **zeros)
    assert params.tolist() == [1.0]
    params, _ = rmsprop_step([0.0], [-3.0], {}, lr=1.0, alpha=0.0, momentum=0.0, **zeros)
    assert params.tolist() == [1.0]
    params, _ = adagrad_step(
        [0.0], [-3.0], {}, lr=1.0, lr_decay=0.0, initial_accumulator_value=0.0, **zeros
    )
    assert params.tolist() == [1.0]


# The defaults torch.optim documents, each next to values that make it matter (a momentum for
# dampening and nesterov, two steps for the memories and lr_decay, a falling second moment for
# amsgrad); omitting one must take the same two steps as passing torch's default for it.
DEFAULTS = {
    sgd_step: (
        {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
        {"lr": 0.1, "momentum": 0.5, "dampening": 0.0, "weight_decay": 0.25, "nesterov": False},
    ),
    adagrad_step: (
        {
            "lr": 1e-2,
            "lr_decay": 0.0,
            "weight_decay": 0.0,
            "initial_accumulator_value": 0.0,
            "eps": 1e-10,
        },
        {
            "lr": 0.1,
            "lr_decay": 0.5,
            "weight_decay": 0.25,
            "initial_accumulator_value": 0.5,
            "eps": 0.125,
        },
    ),
    rmsprop_step: (
        {
            "lr": 1e-2,
            "alpha": 0.99,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "momentum": 0.0,
            "centered": False,
        },
        {
            "lr": 0.1,
            "alpha": 0.5,
            "eps": 0.125,
            "weight_decay": 0.25,
            "momentum": 0.5,
            "centered": True,
        },
    ),
    adam_step: (
        {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
        {"lr": 0.1, "betas": (0.5, 0.75), "eps": 0.125, "weight_decay": 0.25, "amsgrad": True},
    ),
}


@pytest.mark.parametrize("step", list(DEFAULTS), ids=lambda step: step.__name__)
def test_each_default_is_torchs(step):
    defaults, context = DEFAULTS[step]
    defaults, context = {**defaults, "maximize": False}, {**context, "maximize": True}

    def two_steps(**options):
        params, state = step([1.0, -2.0], [4.0, -3.0], {}, **options)
        return step(params, [0.5, 0.25], state, **options)[0]

    for name, default in defaults.items():
        others = {key: value for key, value in context.items() if key != name}
        np.testing.assert_array_equal(
            two_steps(**others), two_steps(**others, **{name: default}), err_msg=name
        )


def test_sgd_momentum_by_hand_with_a_buffer_other_than_1():
    # lr 1, momentum 0.5, dampening 0.25, g = 2, 4, 1: b = 2, then 0.5 * 2 + 0.75 * 4 = 4, then
    # 0.5 * 4 + 0.75 * 1 = 2.75; p falls by each b.
    options = {"lr": 1.0, "momentum": 0.5, "dampening": 0.25}
    params, state, buffers, path = np.array([0.0]), {}, [], []
    for grad in (2.0, 4.0, 1.0):
        params, state = sgd_step(params, [grad], state, **options)
        buffers.append(state["momentum_buffer"].item())
        path.append(params.item())
    assert buffers == [2.0, 4.0, 2.75]
    assert path == [-2.0, -6.0, -8.75]
    # Nesterov, momentum 0.5: b = 2, step 2 + 0.5 * 2 = 3; then b = 0.5 * 2 + 4 = 5, step
    # 4 + 0.5 * 5 = 6.5.
    params, state = sgd_step([0.0], [2.0], {}, lr=1.0, momentum=0.5, nesterov=True)
    assert params.tolist() == [-3.0]
    params, state = sgd_step(params, [4.0], state, lr=1.0, momentum=0.5, nesterov=True)
    assert state["momentum_buffer"].tolist() == [5.0]
    assert params.tolist() == [-9.5]
    # Momentum 1 keeps the whole buffer: b = 2, then 2 + 4 = 6.
    params, state = sgd_step([0.0], [2.0], {}, lr=1.0, momentum=1.0)
    params, state = sgd_step(params, [4.0], state, lr=1.0, momentum=1.0)
    assert state["momentum_buffer"].tolist() == [6.0]
    assert params.tolist() == [-8.0]


def test_adagrad_by_hand_with_an_accumulator_and_eps():
    # s = 7 + 3**2 = 16, p = 0 - 3 / (4 + 1); then s = 16 + 9 = 25 and the rate
    # 1 / (1 + 1 * 0.5), p falls by (2 / 3) * 3 / (5 + 1).
    options = {"lr": 1.0, "lr_decay": 0.5, "initial_accumulator_value": 7.0, "eps": 1.0}
    params, state = adagrad_step([0.0], [3.0], {}, **options)
    assert state["step"] == 1
    assert state["sum"].tolist() == [16.0]
    assert params.tolist() == pytest.approx([-0.6])
    params, state = adagrad_step(params, [3.0], state, **options)
    assert state["step"] == 2
    assert state["sum"].tolist() == [25.0]
    assert params.tolist() == pytest.approx([-0.6 - 1 / 3])


def test_rmsprop_by_hand_with_momentum_and_eps():
    # alpha 0.75, eps 2, momentum 0.5, lr 0.5. g = 12: v = 0.25 * 144 = 36, step 12 / (6 + 2)
    # = 1.5 = b. g = 6: v = 0.75 * 36 + 0.25 * 36 = 36, step 6 / 8 = 0.75, b = 0.75 + 0.75.
    options = {"lr": 0.5, "alpha": 0.75, "eps": 2.0, "momentum": 0.5}
    params, state = rmsprop_step([0.0], [12.0], {}, **options)
    assert state["square_avg"].tolist() == [36.0]
    assert state["momentum_buffer"].tolist() == [1.5]
    assert params.tolist() == [-0.75]
    params, state = rmsprop_step(params, [6.0], state, **options)
    assert state["square_avg"].tolist() == [36.0]
    assert state["momentum_buffer"].tolist() == [1.5]
    assert params.tolist() == [-1.5]


def test_centered_rmsprop_by_hand_over_two_steps():
    # alpha 0.5, eps 2. g = 4: v = 8, m = 2, v - m**2 = 4, step 4 / (2 + 2) = 1.
    # g = 2: v = 4 + 2 = 6, m = 1 + 1 = 2, v - m**2 = 2, step 2 / (sqrt(2) + 2).
    options = {"lr": 1.0, "alpha": 0.5, "eps": 2.0, "centered": True}
    params, state = rmsprop_step([0.0], [4.0], {}, **options)
    assert params.tolist() == [-1.0]
    params, state = rmsprop_step(params, [2.0], state, **options)
    assert state["square_avg"].tolist() == [6.0]
    assert state["grad_avg"].tolist() == [2.0]
    assert params.tolist() == pytest.approx([-1.0 - 2 / (math.sqrt(2) + 2)])


def test_adam_by_hand_over_two_steps():
    # betas (0.5, 0.75), eps 4. g = 4: m = 2, v = 4, m_hat = 2 / 0.5 = 4, v_hat = 4 / 0.25 = 16,
    # p = -4 / (4 + 4). g = 2: m = 1 + 1 = 2, v = 3 + 1 = 4, m_hat = 2 / (1 - 0.25),
    # v_hat = 4 / (1 - 0.5625) = 64 / 7.
    options = {"lr": 1.0, "betas": (0.5, 0.75), "eps": 4.0}
    params, state = adam_step([0.0], [4.0], {}, **options)
    assert params.tolist() == [-0.5]
    params, state = adam_step(params, [2.0], state, **options)
    assert state["step"] == 2
    assert state["exp_avg"].tolist() == [2.0]
    assert state["exp_avg_sq"].tolist() == [4.0]
    assert params.tolist() == pytest.approx([-0.5 - (8 / 3) / (8 / math.sqrt(7) + 4)])


@pytest.mark.parametrize(
    ("step", "options", "keys"),
    [
        (sgd_step, {}, set()),
        (sgd_step, {"momentum": 0.5}, {"momentum_buffer"}),
        (adagrad_step, {}, {"step", "sum"}),
        (rmsprop_step, {}, {"square_avg"}),
        (rmsprop_step, {"centered": True}, {"square_avg", "grad_avg"}),
        (rmsprop_step, {"momentum": 0.5}, {"square_avg", "momentum_buffer"}),
        (adam_step, {}, {"step", "exp_avg", "exp_avg_sq"}),
        (adam_step, {"amsgrad": True}, {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
    ],
)
def test_the_state_holds_what_the_rule_remembers_and_nothing_else(step, options, keys):
    _, state = step([1.0], [2.0], {}, **options)
    _, state = step([1.0], [2.0], state, **options)
    assert set(state) == keys


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

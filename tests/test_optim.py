"""spec/optim.md: each torch.optim step equals its textbook update rule; SGD's default lr."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.optim import adagrad_step, adam_step, rmsprop_step, sgd_step
from tests.harness.assertions import assert_close
from tests.harness.profiles import examples
from tests.harness.strategies import shapes
from tests.harness.tolerances import ITERATED, REORDERED
from tests.harness.versions import torch_version

# float64 throughout: torch orders each step's arithmetic differently from the reference, a few
# ulps a step (the policy's ITERATED tolerance).
STEPS = st.integers(1, 5)
# None is the default implementation: for-loop on cpu, foreach on cuda.
FOREACH = st.sampled_from([None, False, True])
# Zero, or a magnitude from 1e-3 to 10: no subnormals, whose squares underflow differently.
ELEMENTS = st.one_of(st.just(0.0), st.floats(1e-3, 10.0), st.floats(-10.0, -1e-3))


@st.composite
def trajectories(draw) -> tuple[np.ndarray, list[np.ndarray]]:
    """A float64 parameter array and the gradients of 1 to 5 steps, all of one shape."""
    shape = draw(shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    params = draw(npst.arrays(np.float64, shape, elements=ELEMENTS))
    grads = [draw(npst.arrays(np.float64, shape, elements=ELEMENTS)) for _ in range(draw(STEPS))]
    return params, grads


def rates():
    return st.floats(1e-4, 1.0)


def run_torch(optimizer_class, params, grads, device, **hyper) -> list[torch.Tensor]:
    """The parameter after each step of `optimizer_class`, fed `grads` one step at a time."""
    parameter = torch.tensor(params, dtype=torch.float64, device=device, requires_grad=True)
    optimizer = optimizer_class([parameter], **hyper)
    history = []
    for grad in grads:
        parameter.grad = torch.tensor(grad, dtype=torch.float64, device=device)
        optimizer.step()
        history.append(parameter.detach().clone())
    return history


def run_reference(step, params, grads, **hyper) -> list[np.ndarray]:
    history, state = [], {}
    for grad in grads:
        params, state = step(params, grad, state, **hyper)
        history.append(params)
    return history


def assert_same_trajectory(name, device, params, grads, torch_class, reference_step, **hyper):
    foreach = hyper.pop("foreach")
    got = run_torch(torch_class, params, grads, device, foreach=foreach, **hyper)
    want = run_reference(reference_step, params, grads, **hyper)
    inputs = {"params": params, **{f"grads[{i}]": grad for i, grad in enumerate(grads)}}
    for step, (actual, expected) in enumerate(zip(got, want, strict=True), start=1):
        call = f"torch.optim.{name}({hyper}, foreach={foreach}) after step {step} of {len(grads)}"
        assert_close(actual, expected, call, ITERATED, inputs)


@pytest.mark.claim("optim.sgd.update-rule")
@settings(max_examples=examples(5 / 4))
@given(
    trajectory=trajectories(),
    lr=rates(),
    momentum=st.sampled_from([0.0, 0.5, 0.9]) | st.floats(0.0, 0.99),
    dampening=st.sampled_from([0.0, 0.0, 0.5]) | st.floats(0.0, 1.0),
    weight_decay=st.sampled_from([0.0, 1e-2]) | st.floats(0.0, 0.1),
    nesterov=st.booleans(),
    maximize=st.booleans(),
    foreach=FOREACH,
)
def test_sgd_step_is_the_textbook_rule(
    device, trajectory, lr, momentum, dampening, weight_decay, nesterov, maximize, foreach
):
    if nesterov and (momentum == 0 or dampening != 0):
        dampening, momentum = 0.0, max(momentum, 0.5)  # nesterov's own condition (tested below)
    assert_same_trajectory(
        "SGD",
        device,
        *trajectory,
        torch.optim.SGD,
        sgd_step,
        lr=lr,
        momentum=momentum,
        dampening=dampening,
        weight_decay=weight_decay,
        nesterov=nesterov,
        maximize=maximize,
        foreach=foreach,
    )


@pytest.mark.claim("optim.sgd.update-rule")
def test_plain_sgd_subtracts_lr_times_the_gradient():
    parameter = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    parameter.grad = torch.tensor([0.5, 4.0], dtype=torch.float64)
    torch.optim.SGD([parameter], lr=0.25).step()
    assert parameter.tolist() == [1.0 - 0.125, -2.0 - 1.0]  # notes 000: p <- p - lr * grad


@pytest.mark.claim("optim.sgd.update-rule")
def test_notes_001_sgd_with_momentum_0_9_steps_through_its_buffer(device):
    params, grads = np.array([1.0, -2.0]), [np.array([0.5, 4.0]), np.array([-1.0, 2.0])]
    got = run_torch(torch.optim.SGD, params, grads, device, lr=0.1, momentum=0.9)
    want = run_reference(sgd_step, params, grads, lr=0.1, momentum=0.9)
    # b = g1 = [0.5, 4], p = [0.95, -2.4]; b = 0.9 * b + g2 = [-0.55, 5.6], p = [1.005, -2.96]
    for step, by_hand in enumerate([[0.95, -2.4], [1.005, -2.96]]):
        call = f"torch.optim.SGD([p], lr=0.1, momentum=0.9) after step {step + 1} of 2"
        assert_close(got[step], want[step], call, REORDERED)
        assert_close(got[step], by_hand, call, REORDERED)


@pytest.mark.claim("optim.sgd.update-rule")
@pytest.mark.parametrize(("momentum", "dampening"), [(0.0, 0.0), (0.9, 0.1)])
def test_nesterov_needs_momentum_and_no_dampening(momentum, dampening):
    parameter = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"[Nn]esterov momentum requires a momentum"):
        torch.optim.SGD([parameter], lr=0.1, momentum=momentum, dampening=dampening, nesterov=True)
    with pytest.raises(ValueError, match="nesterov needs momentum > 0 and dampening == 0"):
        sgd_step([0.0], [0.0], {}, momentum=momentum, dampening=dampening, nesterov=True)


@pytest.mark.claim("optim.sgd.default-lr")
def test_sgd_has_a_default_learning_rate_since_2_2():
    parameter = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    if torch_version() >= (2, 2):
        optimizer = torch.optim.SGD([parameter])
        assert optimizer.param_groups[0]["lr"] == 1e-3
        assert optimizer.defaults["lr"] == 1e-3
        parameter.grad = torch.ones(3, dtype=torch.float64)
        optimizer.step()
        assert parameter.tolist() == [-1e-3] * 3
    else:
        with pytest.raises(
            ValueError,
            match=r"^parameter group didn't specify a value of required optimization parameter lr$",
        ):
            torch.optim.SGD([parameter])
        assert torch.optim.SGD([parameter], lr=0.5).param_groups[0]["lr"] == 0.5


@pytest.mark.claim("optim.sgd.default-lr")
@pytest.mark.parametrize(
    ("optimizer_class", "reference_step"),
    [
        (torch.optim.SGD, sgd_step),
        (torch.optim.Adagrad, adagrad_step),
        (torch.optim.RMSprop, rmsprop_step),
        (torch.optim.Adam, adam_step),
    ],
)
def test_every_default_is_the_references(optimizer_class, reference_step):
    """lr (1e-3 for SGD and Adam, 1e-2 for Adagrad and RMSprop) and every other hyperparameter
    default the reference states (momentum, eps, alpha, betas, ...) are torch's."""
    hyper = inspect.signature(reference_step).parameters
    names = [name for name, p in hyper.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert "lr" in names
    if optimizer_class is torch.optim.SGD and torch_version() < (2, 2):
        # lr had no default: its default is the `required` marker, so pass lr, compare the rest
        from torch.optim.optimizer import required

        lr = inspect.signature(optimizer_class.__init__).parameters["lr"].default
        assert lr is required, f"SGD's lr defaults to {lr!r} before torch 2.2"
        names.remove("lr")
        defaults = optimizer_class([torch.zeros(1, requires_grad=True)], lr=0.5).defaults
        assert defaults["lr"] == 0.5
    else:
        defaults = optimizer_class([torch.zeros(1, requires_grad=True)]).defaults
    for name in names:
        want = hyper[name].default
        got = defaults[name]
        got = tuple(got) if isinstance(want, tuple) else got
        assert got == want, f"{optimizer_class.__name__}'s default {name} is {got}, expected {want}"


@pytest.mark.claim("optim.adagrad.update-rule")
@settings(max_examples=examples(5 / 4))
@given(
    trajectory=trajectories(),
    lr=rates(),
    lr_decay=st.sampled_from([0.0]) | st.floats(0.0, 0.5),
    weight_decay=st.sampled_from([0.0]) | st.floats(0.0, 0.1),
    initial_accumulator_value=st.sampled_from([0.0]) | st.floats(0.0, 1.0),
    eps=st.sampled_from([1e-10, 1e-8, 1e-3]),
    maximize=st.booleans(),
    foreach=FOREACH,
)
def test_adagrad_step_is_the_textbook_rule(
    device,
    trajectory,
    lr,
    lr_decay,
    weight_decay,
    initial_accumulator_value,
    eps,
    maximize,
    foreach,
):
    assert_same_trajectory(
        "Adagrad",
        device,
        *trajectory,
        torch.optim.Adagrad,
        adagrad_step,
        lr=lr,
        lr_decay=lr_decay,
        weight_decay=weight_decay,
        initial_accumulator_value=initial_accumulator_value,
        eps=eps,
        maximize=maximize,
        foreach=foreach,
    )


@pytest.mark.claim("optim.adagrad.update-rule")
def test_adagrads_first_step_with_its_defaults_moves_every_weight_by_about_lr(device):
    params, grads = np.zeros(2), [np.array([1e-3, -50.0])]
    (got,) = run_torch(torch.optim.Adagrad, params, grads, device, lr=0.1)
    (want,) = run_reference(adagrad_step, params, grads, lr=0.1)
    call = f"Adagrad([p], lr=0.1).step() from zeros with grad {grads[0].tolist()}"
    assert_close(got, want, call, REORDERED)
    # s = g**2, so the step is lr * g / (|g| + eps) with eps = 1e-10: lr, less 1e-7 of it at most
    assert_close(got, [-0.1 / (1 + 1e-10 / 1e-3), 0.1 / (1 + 1e-10 / 50)], call, REORDERED)


@pytest.mark.claim("optim.rmsprop.update-rule")
@settings(max_examples=examples(5 / 4))
@given(
    trajectory=trajectories(),
    lr=rates(),
    alpha=st.sampled_from([0.99, 0.9]) | st.floats(0.5, 0.999),
    eps=st.sampled_from([1e-8, 1e-6, 1e-2]),
    weight_decay=st.sampled_from([0.0]) | st.floats(0.0, 0.1),
    momentum=st.sampled_from([0.0, 0.9]) | st.floats(0.0, 0.99),
    centered=st.booleans(),
    maximize=st.booleans(),
    foreach=FOREACH,
)
def test_rmsprop_step_is_the_textbook_rule(
    device, trajectory, lr, alpha, eps, weight_decay, momentum, centered, maximize, foreach
):
    assert_same_trajectory(
        "RMSprop",
        device,
        *trajectory,
        torch.optim.RMSprop,
        rmsprop_step,
        lr=lr,
        alpha=alpha,
        eps=eps,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
        maximize=maximize,
        foreach=foreach,
    )


@pytest.mark.claim("optim.rmsprop.update-rule")
def test_rmsprops_first_step_with_its_defaults_is_lr_over_root_one_minus_alpha(device):
    params, grads = np.zeros(1), [np.array([3.0])]
    (got,) = run_torch(torch.optim.RMSprop, params, grads, device, lr=0.01)
    (want,) = run_reference(rmsprop_step, params, grads, lr=0.01)
    call = "RMSprop([p], lr=0.01).step() from [0.] with grad [3.]"
    assert_close(got, want, call, REORDERED)
    # v = (1 - 0.99) * 9 = 0.09: the step is 0.01 * 3 / (0.3 + 1e-8), ten times lr, less eps's part
    assert_close(got, [-0.1 / (1 + 1e-8 / 0.3)], call, REORDERED)


@pytest.mark.claim("optim.adam.update-rule")
@settings(max_examples=examples(5 / 4))
@given(
    trajectory=trajectories(),
    lr=rates(),
    beta1=st.sampled_from([0.9, 0.0]) | st.floats(0.0, 0.99),
    beta2=st.sampled_from([0.999]) | st.floats(0.5, 0.9999),
    eps=st.sampled_from([1e-8, 1e-6, 1e-2]),
    weight_decay=st.sampled_from([0.0]) | st.floats(0.0, 0.1),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    foreach=FOREACH,
)
def test_adam_step_is_the_textbook_rule(
    device, trajectory, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, foreach
):
    assert_same_trajectory(
        "Adam",
        device,
        *trajectory,
        torch.optim.Adam,
        adam_step,
        lr=lr,
        betas=(beta1, beta2),
        eps=eps,
        weight_decay=weight_decay,
        amsgrad=amsgrad,
        maximize=maximize,
        foreach=foreach,
    )


@pytest.mark.claim("optim.adam.update-rule")
def test_adams_first_step_moves_every_weight_by_about_lr():
    """m_hat = g and v_hat = g**2 after one step, so each weight moves by lr * g / (|g| + eps)."""
    grads = torch.tensor([1e-3, -5.0, 200.0], dtype=torch.float64)
    parameter = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    parameter.grad = grads
    torch.optim.Adam([parameter], lr=0.01, eps=0.0).step()
    call = f"Adam(lr=0.01, eps=0).step() from zeros with grad {grads.tolist()}"
    assert_close(parameter, [-0.01, 0.01, -0.01], call, REORDERED)


@pytest.mark.claim("optim.adam.update-rule")
def test_notes_001_adam_with_lr_0_01_and_its_defaults_is_the_reference(device):
    params, grads = np.zeros(3), [np.array([1e-3, -5.0, 200.0])]
    (got,) = run_torch(torch.optim.Adam, params, grads, device, lr=0.01)
    (want,) = run_reference(adam_step, params, grads, lr=0.01)
    call = f"Adam([p], lr=0.01).step() from zeros with grad {grads[0].tolist()}"
    assert_close(got, want, call, REORDERED)
    # lr * g / (|g| + eps) with eps = 1e-8
    by_hand = [-0.01 / (1 + 1e-8 / 1e-3), 0.01 / (1 + 1e-8 / 5), -0.01 / (1 + 1e-8 / 200)]
    assert_close(got, by_hand, call, REORDERED)

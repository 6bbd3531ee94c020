"""One step of SGD, Adagrad, RMSprop and Adam, written from the textbook update rules (as the
torch.optim documentation states them in pseudo-code), in NumPy.

Each `*_step(params, grads, state, ...)` takes one parameter array, its gradient, and the state
the previous step returned (`{}` before the first step), and returns `(new_params, new_state)`
without changing its inputs. Hyperparameters are keyword arguments with torch's defaults;
`maximize=True` negates the gradient before anything else, as the documentation's SGD and Adam
pseudo-code shows (and as Adagrad's and RMSprop's `maximize` argument is documented). The
state holds what the rule remembers between steps: a step count and running averages.
`params` and `grads` are anything `np.asarray` takes; hyperparameters Python or NumPy numbers
(`np.float32(0.1)`), flags Python or NumPy bools.
"""

from __future__ import annotations

import math

import numpy as np

from reference.arguments import as_bool, as_float, as_real_array


def _inputs(params, grads, state) -> tuple[np.ndarray, np.ndarray, dict]:
    """float64 copies of `params` and `grads` (of one shape) and a copy of `state`."""
    params = as_real_array(params, "params").astype(np.float64)
    grads = as_real_array(grads, "grads").astype(np.float64)
    if params.shape != grads.shape:
        raise ValueError(f"grads shape {grads.shape} differs from params shape {params.shape}")
    if not isinstance(state, dict):
        raise TypeError(f"state must be a dict ({{}} before the first step), not {type(state)}")
    return params, grads, dict(state)


def _check(
    name: str, value: float, low: float, high: float = math.inf, *, open_high=False
) -> float:
    """`value` as a Python float, checked to lie in [low, high] (or [low, high))."""
    number = as_float(value, name)
    too_high = number >= high if open_high else number > high
    if not number >= low or too_high:
        bracket = ")" if open_high else "]"
        raise ValueError(f"{name} {value} is outside [{low}, {high}{bracket}")
    return number


def _gradient(params, grads, maximize, weight_decay) -> np.ndarray:
    """The g every rule starts from: the gradient (negated first when maximize is set), plus
    weight_decay * params."""
    maximize = as_bool(maximize, "maximize")
    weight_decay = _check("weight_decay", weight_decay, 0.0)
    return (-grads if maximize else grads) + weight_decay * params


def sgd_step(
    params,
    grads,
    state,
    *,
    lr: float = 1e-3,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
):
    """g = grad (-grad with maximize) + weight_decay * p; with momentum, the buffer b is g on the
    first step and momentum * b + (1 - dampening) * g after; the step direction is b, or
    g + momentum * b with nesterov; p <- p - lr * direction. Nesterov needs momentum > 0 and
    dampening == 0."""
    params, grads, state = _inputs(params, grads, state)
    lr = _check("lr", lr, 0.0)
    momentum = _check("momentum", momentum, 0.0)
    dampening = _check("dampening", dampening, 0.0, 1.0)
    nesterov = as_bool(nesterov, "nesterov")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            f"nesterov needs momentum > 0 and dampening == 0, got momentum {momentum} "
            f"and dampening {dampening}"
        )
    g = _gradient(params, grads, maximize, weight_decay)
    if momentum != 0:
        if "momentum_buffer" in state:
            buffer = momentum * state["momentum_buffer"] + (1 - dampening) * g
        else:
            buffer = g.copy()
        state["momentum_buffer"] = buffer
        g = g + momentum * buffer if nesterov else buffer
    return params - lr * g, state


def adagrad_step(
    params,
    grads,
    state,
    *,
    lr: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
):
    """At step t (from 1): the rate is lr / (1 + (t - 1) * lr_decay); g = grad (-grad with
    maximize) + weight_decay * p;
    the sum of squares s (starting at initial_accumulator_value) grows by g**2;
    p <- p - rate * g / (sqrt(s) + eps)."""
    params, grads, state = _inputs(params, grads, state)
    lr = _check("lr", lr, 0.0)
    lr_decay = _check("lr_decay", lr_decay, 0.0)
    initial_accumulator_value = _check("initial_accumulator_value", initial_accumulator_value, 0.0)
    eps = _check("eps", eps, 0.0)
    step = state.get("step", 0) + 1
    rate = lr / (1 + (step - 1) * lr_decay)
    g = _gradient(params, grads, maximize, weight_decay)
    total = state.get("sum", np.full_like(params, initial_accumulator_value)) + g * g
    state.update(step=step, sum=total)
    return params - rate * g / (np.sqrt(total) + eps), state


def rmsprop_step(
    params,
    grads,
    state,
    *,
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
):
    """g = grad (-grad with maximize) + weight_decay * p; v <- alpha * v + (1 - alpha) * g**2
    (v starts at 0); when centered, the mean m <- alpha * m + (1 - alpha) * g and v - m**2
    replaces v below; the step is g / (sqrt(v) + eps), taken directly (p <- p - lr * step) or
    through a buffer b <- momentum * b + step (p <- p - lr * b) when momentum > 0."""
    params, grads, state = _inputs(params, grads, state)
    lr = _check("lr", lr, 0.0)
    alpha = _check("alpha", alpha, 0.0)
    eps = _check("eps", eps, 0.0)
    momentum = _check("momentum", momentum, 0.0)
    centered = as_bool(centered, "centered")
    zeros = np.zeros_like(params)
    g = _gradient(params, grads, maximize, weight_decay)
    square_avg = alpha * state.get("square_avg", zeros) + (1 - alpha) * g * g
    state["square_avg"] = square_avg
    variance = square_avg
    if centered:
        grad_avg = alpha * state.get("grad_avg", zeros) + (1 - alpha) * g
        state["grad_avg"] = grad_avg
        variance = square_avg - grad_avg * grad_avg
    direction = g / (np.sqrt(variance) + eps)
    if momentum > 0:
        direction = momentum * state.get("momentum_buffer", zeros) + direction
        state["momentum_buffer"] = direction
    return params - lr * direction, state


def adam_step(
    params,
    grads,
    state,
    *,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
):
    """At step t (from 1): g = grad (-grad with maximize) + weight_decay * p;
    m <- b1 * m + (1 - b1) * g and v <- b2 * v + (1 - b2) * g**2 (both start at 0); with
    amsgrad v_max <- max(v_max, v) is used in place of v; bias-corrected m_hat = m / (1 - b1**t),
    v_hat = v / (1 - b2**t); p <- p - lr * m_hat / (sqrt(v_hat) + eps)."""
    params, grads, state = _inputs(params, grads, state)
    lr = _check("lr", lr, 0.0)
    pair = betas.tolist() if isinstance(betas, np.ndarray) and betas.ndim == 1 else betas
    if not (isinstance(pair, tuple | list) and len(pair) == 2):
        raise TypeError(f"betas must be a pair (beta1, beta2), not {betas!r}")
    beta1 = _check("betas[0]", pair[0], 0.0, 1.0, open_high=True)
    beta2 = _check("betas[1]", pair[1], 0.0, 1.0, open_high=True)
    eps = _check("eps", eps, 0.0)
    amsgrad = as_bool(amsgrad, "amsgrad")
    zeros = np.zeros_like(params)
    step = state.get("step", 0) + 1
    g = _gradient(params, grads, maximize, weight_decay)
    exp_avg = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    exp_avg_sq = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
    state.update(step=step, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    second = exp_avg_sq
    if amsgrad:
        second = np.maximum(state.get("max_exp_avg_sq", zeros), exp_avg_sq)
        state["max_exp_avg_sq"] = second
    m_hat = exp_avg / (1 - beta1**step)
    v_hat = second / (1 - beta2**step)
    return params - lr * m_hat / (np.sqrt(v_hat) + eps), state

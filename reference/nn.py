"""Linear layers, activations, softmax and losses, written from their formulas with NumPy.

Every function computes in float64 and returns an array of the inputs' floating dtype (float16,
float32 or float64; integer inputs give float64), so a result compares directly with torch's.
Losses return a Python float. The formulas:

- `linear`: `y = x W^T + b`, `x` of shape `[..., in]`, `weight` `[out, in]`, `bias` `[out]`.
- `relu(x) = max(x, 0)` (a negative becomes 0; NaN and `-0.0` stay as they are, as torch's do);
  `sigmoid(x) = 1 / (1 + exp(-x))`; `tanh(x)`;
  `softplus(x) = log(1 + exp(beta * x)) / beta`, and `x` itself where `beta * x > threshold`.
- `softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m)` along `dim`, `m` the maximum there (any `m`
  gives the same value; the maximum keeps every `exp` at most 1), and
  `log_softmax(x)_i = x_i - m - log(sum_j exp(x_j - m))`.
- `cross_entropy(logits, target)`: logits `[N, C]` (or `[C]`, or `[N, C, d1, ...]`); target the
  class indices `[N]` (`[]`, `[N, d1, ...]`), loss `-log_softmax(logits)[target]`, or class
  probabilities of the logits' shape, loss `-sum_c p_c log_softmax(logits)_c`; the mean over the
  batch (and the extra dims `d1, ...`).
- `mse_loss(a, b) = mean((a - b)^2)` over all elements.
- `default_init_bound(weight_shape) = 1 / sqrt(fan_in)`, `fan_in` the product of the weight's
  sizes after its first (`in_features`; `in_channels / groups * kh * kw`): the bound of the
  uniform distribution `nn.Linear` and `nn.Conv2d` draw their initial weight and bias from.

Arrays are anything `np.asarray` takes (lists, NumPy arrays and scalars), numbers Python or
NumPy ones. Bad arguments raise `ValueError` or `TypeError` naming the argument and the rule.
"""

from __future__ import annotations

import math

import numpy as np

from reference.arguments import as_float, as_int_tuple, as_real_array
from reference.shapes import normalize_dim

__all__ = [
    "cross_entropy",
    "default_init_bound",
    "linear",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]


def linear(x, weight, bias=None) -> np.ndarray:
    """`x @ weight.T + bias` over any leading shape of `x`: `[..., in] -> [..., out]`."""
    x_array, w_array = as_real_array(x, "x"), as_real_array(weight, "weight")
    if w_array.ndim != 2:
        raise ValueError(f"weight must be 2-d [out_features, in_features], not {w_array.shape}")
    if x_array.ndim < 1:
        raise ValueError("x must have at least 1 dim (its last dim is in_features), not 0")
    out_features, in_features = w_array.shape
    if x_array.shape[-1] != in_features:
        raise ValueError(
            f"x's last dim {x_array.shape[-1]} must equal weight's in_features {in_features} "
            f"(x {x_array.shape}, weight {w_array.shape})"
        )
    arrays = [x_array, w_array]
    y = x_array.astype(np.float64) @ w_array.astype(np.float64).T
    if bias is not None:
        b_array = as_real_array(bias, "bias")
        if b_array.shape != (out_features,):
            raise ValueError(
                f"bias must have shape ({out_features},) to match weight's out_features, "
                f"not {b_array.shape}"
            )
        arrays.append(b_array)
        y = y + b_array.astype(np.float64)
    return _cast(y, *arrays)


def relu(x) -> np.ndarray:
    """`max(x, 0)` elementwise: each negative becomes 0; NaN stays NaN and `-0.0` stays `-0.0`
    (neither is below 0), as torch's relu keeps them."""
    array = as_real_array(x, "x")
    values = array.astype(np.float64)
    return _cast(np.where(values < 0, 0.0, values), array)


def sigmoid(x) -> np.ndarray:
    """`1 / (1 + exp(-x))`, written as `exp(x) / (1 + exp(x))` for negative `x` so that no
    `exp` overflows."""
    array = as_real_array(x, "x")
    values = array.astype(np.float64)
    e = np.exp(-np.abs(values))  # in [0, 1]: never overflows
    return _cast(np.where(values >= 0, 1.0 / (1.0 + e), e / (1.0 + e)), array)


def tanh(x) -> np.ndarray:
    """`(exp(x) - exp(-x)) / (exp(x) + exp(-x))`, via NumPy's `tanh`."""
    array = as_real_array(x, "x")
    return _cast(np.tanh(array.astype(np.float64)), array)


def softplus(x, beta=1, threshold=20) -> np.ndarray:
    """`log(1 + exp(beta * x)) / beta`; where `beta * x > threshold`, `x` itself (as torch
    does: there the two differ by less than `exp(-threshold) / beta`)."""
    array = as_real_array(x, "x")
    beta, threshold = as_float(beta, "beta"), as_float(threshold, "threshold")
    if not beta > 0:
        raise ValueError(f"beta must be positive, not {beta:g}")
    values = array.astype(np.float64)
    with np.errstate(over="ignore"):  # beta * x may overflow to inf: above threshold, x itself
        scaled = beta * values
    # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), finite for every finite z
    smooth = (np.maximum(scaled, 0.0) + np.log1p(np.exp(-np.abs(scaled)))) / beta
    return _cast(np.where(scaled > threshold, values, smooth), array)


def softmax(x, dim) -> np.ndarray:
    """`exp(x - max) / sum(exp(x - max))` along `dim`: non-negative, summing to 1 along `dim`."""
    array = as_real_array(x, "x")
    axis = normalize_dim(dim, array.ndim)
    values = np.atleast_1d(array.astype(np.float64))  # a 0-d x: one value along its dim
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = np.exp(values - np.max(values, axis=axis, keepdims=True, initial=-np.inf))
        y = shifted / np.sum(shifted, axis=axis, keepdims=True)
    return _cast(y.reshape(array.shape), array)


def log_softmax(x, dim) -> np.ndarray:
    """`x - max - log(sum(exp(x - max)))` along `dim`: the log of `softmax`, without ever
    taking the log of an underflowed 0."""
    array = as_real_array(x, "x")
    axis = normalize_dim(dim, array.ndim)
    values = np.atleast_1d(array.astype(np.float64))  # a 0-d x: one value along its dim
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        shifted = values - np.max(values, axis=axis, keepdims=True, initial=-np.inf)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return _cast(y.reshape(array.shape), array)


def cross_entropy(logits, target) -> float:
    """The mean cross-entropy of raw scores `logits` (class dim 1, or 0 for 1-d logits) against
    `target`: integer class indices (one per sample and position), or floating class
    probabilities of the logits' own shape. An empty batch gives NaN, as a mean of nothing."""
    scores = as_real_array(logits, "logits")
    if scores.ndim < 1:
        raise ValueError("logits must have at least 1 dim (the classes), not 0")
    class_dim = 0 if scores.ndim == 1 else 1
    classes = scores.shape[class_dim]
    if classes == 0:
        raise ValueError(f"logits {scores.shape} has no classes: dim {class_dim} has size 0")
    labels = np.asarray(target)
    log_p = log_softmax(scores.astype(np.float64), class_dim)
    if np.issubdtype(labels.dtype, np.integer):
        expected = scores.shape[:class_dim] + scores.shape[class_dim + 1 :]
        if labels.shape != expected:
            raise ValueError(
                f"target of class indices must have shape {expected} (logits {scores.shape} "
                f"without its class dim {class_dim}), not {labels.shape}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            bad = labels.min() if labels.min() < 0 else labels.max()
            raise ValueError(f"target index {bad} is out of range [0, {classes - 1}]")
        picked = np.take_along_axis(log_p, np.expand_dims(labels, class_dim), axis=class_dim)
        losses = -picked
    elif np.issubdtype(labels.dtype, np.floating):
        if labels.shape != scores.shape:
            raise ValueError(
                f"target of class probabilities must have the logits' shape {scores.shape}, "
                f"not {labels.shape}"
            )
        losses = -np.sum(labels.astype(np.float64) * log_p, axis=class_dim)
    else:
        raise TypeError(
            f"target must hold integer class indices or floating probabilities, not {labels.dtype}"
        )
    return _mean(losses)


def mse_loss(a, b) -> float:
    """`mean((a - b) ** 2)` over all elements; `a` and `b` must have the same shape."""
    first, second = as_real_array(a, "a"), as_real_array(b, "b")
    if first.shape != second.shape:
        raise ValueError(f"a {first.shape} and b {second.shape} must have the same shape")
    return _mean((first.astype(np.float64) - second.astype(np.float64)) ** 2)


def _mean(values: np.ndarray) -> float:
    if values.size == 0:
        return math.nan
    return float(np.mean(values))


def _cast(values: np.ndarray, *inputs: np.ndarray) -> np.ndarray:
    """`values` in the floating dtype the inputs promote to (float64 for integer inputs)."""
    floats = [array.dtype for array in inputs if array.dtype.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.float64
    return np.asarray(values, dtype=dtype)


def default_init_bound(weight_shape) -> float:
    """`1 / sqrt(fan_in)` for a weight of `weight_shape` (`[out, in, *kernel]`, at least 2 dims),
    where `fan_in` is the product of every size after the first: the inputs each output sums
    over. 0.0 where `fan_in` is 0 (an empty weight has no inputs to scale by)."""
    sizes = as_int_tuple(weight_shape, "weight_shape", minimum=0)
    if len(sizes) < 2:
        raise ValueError(
            f"weight_shape must have at least 2 dims ([out, in, *kernel]), not {len(sizes)}"
        )
    fan_in = math.prod(sizes[1:])
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0

"""Derivatives without autograd: the Jacobian by central differences, and the products with it.

`numerical_jacobian(f, x)` perturbs one element of `x` at a time by `eps` either way and divides
the change of `f` by `2 * eps`, in float64: for a smooth `f` the error is of order `eps**2`
(truncation) plus `|f| * 1e-16 / eps` (rounding), about 1e-10 for `eps=1e-6` and values near 1.
Row `i` of the Jacobian is output element `i` (flattened), column `j` input element `j`, so

    vjp(f, x, v) = J^T v   (what `out.backward(gradient=v)` leaves in `x.grad`)
    jvp(f, x, v) = J v     (the change of `f(x)` along `v`, what forward-mode AD computes)

with `v` shaped like `f(x)` for `vjp` and like `x` for `jvp`; the result is shaped like `x` and
like `f(x)` respectively. `f` takes and returns NumPy arrays (or anything `np.asarray` accepts);
`eps` is a Python or NumPy real number.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from reference.arguments import as_float

Function = Callable[[np.ndarray], object]


def _as_float64(value: object, name: str) -> np.ndarray:
    array = np.asarray(value)
    if not any(np.issubdtype(array.dtype, kind) for kind in (np.bool_, np.integer, np.floating)):
        raise TypeError(f"{name} must hold real numbers, not {array.dtype}")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {array.tolist()!r}")
    return array


def _checked_function(f: object) -> Function:
    if not callable(f):
        raise TypeError(f"f must be callable, not {type(f).__name__}")
    return f


def numerical_jacobian(f: Function, x: object, eps: float = 1e-6) -> np.ndarray:
    """The Jacobian of `f` at `x`, shape `(f(x).size, x.size)`, by central differences."""
    f = _checked_function(f)
    x = _as_float64(x, "x")
    step_size = as_float(eps, "eps")
    if not (0 < step_size < 1):
        raise ValueError(f"eps {eps} must lie strictly between 0 and 1")
    eps = step_size
    outputs = _as_float64(f(x.copy()), "f(x)").size
    jacobian = np.zeros((outputs, x.size))  # NumPy's zeros are float64
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = eps
        step = step.reshape(x.shape)
        above = _as_float64(f(x + step), "f(x + eps)").ravel()
        below = _as_float64(f(x - step), "f(x - eps)").ravel()
        if above.size != outputs or below.size != outputs:
            raise ValueError(f"f returned {above.size} and {below.size} values, not {outputs}")
        jacobian[:, j] = (above - below) / (2 * eps)
    return jacobian


def vjp(f: Function, x: object, v: object, eps: float = 1e-6) -> np.ndarray:
    """`J^T v`, shaped like `x`: the gradient of `sum(v * f(x))` with respect to `x`."""
    f = _checked_function(f)
    x = _as_float64(x, "x")
    v = _as_float64(v, "v")
    out_shape = np.shape(np.asarray(f(x.copy())))
    if v.shape != out_shape:
        raise ValueError(f"v has shape {v.shape}; it must have f(x)'s shape {out_shape}")
    return (numerical_jacobian(f, x, eps).T @ v.ravel()).reshape(x.shape)


def jvp(f: Function, x: object, v: object, eps: float = 1e-6) -> np.ndarray:
    """`J v`, shaped like `f(x)`: the directional derivative of `f` at `x` along `v`."""
    f = _checked_function(f)
    x = _as_float64(x, "x")
    v = _as_float64(v, "v")
    if v.shape != x.shape:
        raise ValueError(f"v has shape {v.shape}; it must have x's shape {x.shape}")
    out_shape = np.shape(np.asarray(f(x.copy())))
    return (numerical_jacobian(f, x, eps) @ v.ravel()).reshape(out_shape)

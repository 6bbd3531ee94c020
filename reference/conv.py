"""Convolution and pooling, computed the slow and obvious way with NumPy.

The size functions work on one spatial dim at a time (height and width are independent: call
them once for each). `conv2d` and `max_pool2d` take arrays laid out as torch lays them out,
`x` of shape `[N, C, H, W]` and `weight` of shape `[out_channels, in_channels / groups, kh, kw]`,
and loop over output positions, so that each output element is visibly "the window times the
kernel, summed" or "the window's maximum". Sizes given as an int apply to both dims; a pair is
`(height, width)`. A size is a Python or NumPy int, a pair a tuple, a list or a 1-d integer
array (see `reference.arguments`). Bad arguments raise `ValueError` naming the argument and the
rule, or `TypeError` for a wrong type (a float or a bool where an int is meant).
"""

from __future__ import annotations

import numpy as np

from reference.arguments import as_bool, as_int, as_int_or_int_tuple


def conv_output_size(
    n: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """The output length of a convolution along one dim of length `n`:
    `floor((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1`.

    The kernel, spread by `dilation`, covers `dilation * (kernel_size - 1) + 1` elements; it
    starts at offsets 0, stride, 2 * stride, ... of the padded input and must fit inside it.
    With `dilation=1` this is the tutorial formula `(n - f + 2p) / s + 1`, divided with floor.
    """
    n, kernel_size, stride, padding, dilation = _sizes(n, kernel_size, stride, padding, dilation)
    span = dilation * (kernel_size - 1) + 1
    padded = n + 2 * padding
    if span > padded:
        raise ValueError(
            f"kernel_size {kernel_size} (spanning {span} with dilation {dilation}) is larger "
            f"than padded input {padded}"
        )
    return (padded - span) // stride + 1


def pool_output_size(
    n: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """The output length of a pooling along one dim of length `n`, as torch computes it.

    `stride` defaults to `kernel_size`. `padding` may be at most `kernel_size // 2` (whatever
    the dilation). Without `ceil_mode` the length is the convolution's; with it the division
    rounds up, so a last, partial window counts, except that the last window must start inside
    the input or its left padding: a window that would start in the right padding alone is
    dropped.
    """
    stride = kernel_size if stride is None else stride
    n, kernel_size, stride, padding, dilation = _sizes(n, kernel_size, stride, padding, dilation)
    ceil_mode = as_bool(ceil_mode, "ceil_mode")
    span = dilation * (kernel_size - 1) + 1
    if padding > kernel_size // 2:
        raise ValueError(f"padding {padding} is more than half of kernel_size {kernel_size}")
    room = n + 2 * padding - span
    windows = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (windows - 1) * stride >= n + padding:
        windows -= 1  # that window would start in the right padding
    if windows < 1:
        raise ValueError(
            f"kernel_size {kernel_size} (spanning {span}) is larger than padded input "
            f"{n + 2 * padding}: no window fits"
        )
    return windows


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> np.ndarray:
    """`out[b, o, i, j] = bias[o] + sum over c, u, v of
    window[b, c, i * sh + u * dh, j * sw + v * dw] * weight[o, c, u, v]`,
    where `c` runs over the input channels of output channel `o`'s group (all input channels
    when `groups=1`): every output channel sums over every input channel it sees.
    (Like torch, this is cross-correlation: the kernel is not flipped.)
    """
    x, weight = np.asarray(x), np.asarray(weight)
    if x.ndim != 4:
        raise ValueError(f"x must have 4 dims [N, C, H, W], got shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"weight must have 4 dims [out, in/groups, kh, kw], got {weight.shape}")
    groups = as_int(groups, "groups", minimum=1)
    batch, channels, height, width = x.shape
    out_channels, group_channels, kh, kw = weight.shape
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"groups {groups} must divide in_channels {channels} and out_channels {out_channels}"
        )
    if group_channels != channels // groups:
        raise ValueError(
            f"weight {weight.shape} needs in_channels / groups = {channels // groups} "
            f"in its dim 1, got {group_channels}"
        )
    (sh, sw), (ph, pw) = _pair(stride, "stride"), _pair(padding, "padding")
    dh, dw = _pair(dilation, "dilation")
    out_h = conv_output_size(height, kh, sh, ph, dh)
    out_w = conv_output_size(width, kw, sw, pw, dw)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    result_dtype = np.result_type(x, weight)
    out = np.zeros((batch, out_channels, out_h, out_w), dtype=result_dtype)
    per_group = out_channels // groups
    for o in range(out_channels):
        first = (o // per_group) * group_channels
        seen = padded[:, first : first + group_channels]
        for i in range(out_h):
            for j in range(out_w):
                window = seen[:, :, i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                              j * sw : j * sw + dw * (kw - 1) + 1 : dw]  # fmt: skip
                out[:, o, i, j] = np.einsum("bcuv,cuv->b", window, weight[o])
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (out_channels,):
            raise ValueError(f"bias must have shape ({out_channels},), got {bias.shape}")
        out += bias.reshape(1, out_channels, 1, 1)
    return out


def max_pool2d(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """`out[..., i, j]` is the maximum of the window of `x` starting at `(i * sh - ph, j * sw -
    pw)`, of size `kernel_size`; padding counts as minus infinity, so it never wins. `x` is
    `[C, H, W]` or `[N, C, H, W]`; `stride` defaults to `kernel_size`. NaN wins, as in torch."""
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"x must have 3 or 4 dims ([N,] C, H, W), got shape {x.shape}")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, "stride")
    ph, pw = _pair(padding, "padding")
    height, width = x.shape[-2:]
    out_h = pool_output_size(height, kh, sh, ph)
    out_w = pool_output_size(width, kw, sw, pw)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    pad = [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]
    padded = np.pad(x, pad, constant_values=fill)
    out = np.empty((*x.shape[:-2], out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = padded[..., i * sh : i * sh + kh, j * sw : j * sw + kw]
            out[..., i, j] = np.max(window, axis=(-2, -1))  # np.max propagates NaN
    return out


def avg_pool2d(
    x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
) -> np.ndarray:
    """`out[..., i, j]` is the mean of the window of `x` starting at `(i * sh, j * sw)`, of size
    `kernel_size` (no padding); `stride` defaults to `kernel_size`. `x` is `[C, H, W]` or
    `[N, C, H, W]`."""
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"x must have 3 or 4 dims ([N,] C, H, W), got shape {x.shape}")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, "stride")
    out_h = pool_output_size(x.shape[-2], kh, sh)
    out_w = pool_output_size(x.shape[-1], kw, sw)
    out = np.empty((*x.shape[:-2], out_h, out_w), dtype=np.result_type(x, np.float32))
    for i in range(out_h):
        for j in range(out_w):
            out[..., i, j] = x[..., i * sh : i * sh + kh, j * sw : j * sw + kw].mean(axis=(-2, -1))
    return out


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    try:
        pair = as_int_or_int_tuple(value, name)
    except TypeError:
        raise TypeError(f"{name} must be an int or a pair (height, width), got {value!r}") from None
    if isinstance(pair, int):
        return pair, pair
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair (height, width), got {value}")
    return pair


def _sizes(
    n: int, kernel_size: int, stride: int, padding: int, dilation: int
) -> tuple[int, int, int, int, int]:
    """The arguments of one dim as Python ints, once checked: the length, kernel size, stride
    and dilation positive, the padding non-negative."""
    return (
        as_int(n, "n", minimum=1),
        as_int(kernel_size, "kernel_size", minimum=1),
        as_int(stride, "stride", minimum=1),
        as_int(padding, "padding", minimum=0),
        as_int(dilation, "dilation", minimum=1),
    )


__all__ = ["avg_pool2d", "conv2d", "conv_output_size", "max_pool2d", "pool_output_size"]

"""What `ToTensor` and `Normalize` compute, in NumPy.

`to_tensor` moves the channel axis of an HWC uint8 image to the front (CHW, notes 001's
`image.transpose((2, 0, 1))`) and divides by 255 in float32, so 0..255 lands on [0, 1]; a 2-d
(grayscale) image gains a channel axis of size 1. `normalize` subtracts each channel's mean and
divides by its standard deviation: `(x - mean[c]) / std[c]`, in x's float dtype. `mean` and
`std` are one number (Python or NumPy) for every channel, or a sequence or 1-d array of one per
channel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reference.arguments import as_real_array


def to_tensor(hwc_uint8: np.ndarray) -> np.ndarray:
    """An HxWxC (or HxW) uint8 image as a CxHxW float32 array in [0, 1]."""
    image = np.asarray(hwc_uint8)
    if image.dtype != np.uint8:
        raise ValueError(f"hwc_uint8 has dtype {image.dtype}; to_tensor scales uint8 only")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3:
        raise ValueError(f"hwc_uint8 has {image.ndim} dims; an image has 2 (HW) or 3 (HWC)")
    return image.transpose(2, 0, 1).astype(np.float32) / np.float32(255)


def normalize(x: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """`(x - mean[c]) / std[c]` for each channel c of a (..., C, H, W) float array."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise ValueError(f"x has dtype {x.dtype}; normalize needs a float image")
    if x.ndim < 3:
        raise ValueError(f"x has {x.ndim} dims; normalize needs (..., C, H, W)")
    channels = x.shape[-3]
    mean_values = _per_channel(mean, "mean", channels).astype(x.dtype)
    std_values = _per_channel(std, "std", channels).astype(x.dtype)
    if (std_values == 0).any():
        raise ValueError(f"std {std_values.tolist()} holds a zero: division by zero")
    return (x - mean_values[:, None, None]) / std_values[:, None, None]


def _per_channel(values: Sequence[float], name: str, channels: int) -> np.ndarray:
    """`values` as a 1-d array of 1 or `channels` real numbers."""
    array = as_real_array(values, name)
    if array.ndim > 1:
        raise ValueError(f"{name} must be a number or a 1-d sequence, not of shape {array.shape}")
    array = array.ravel()
    if array.size not in (1, channels):
        raise ValueError(f"{name} has {array.size} values for {channels} channels")
    return array

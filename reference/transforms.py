"""What `ToTensor` and `Normalize` compute, in NumPy.

`to_tensor` moves the channel axis of an HWC uint8 image to the front (CHW, notes 001's
`image.transpose((2, 0, 1))`) and divides by 255 in float32, so 0..255 lands on [0, 1]; a 2-d
(grayscale) image gains a channel axis of size 1. `normalize` subtracts each channel's mean and
divides by its standard deviation: `(x - mean[c]) / std[c]`, in x's float dtype.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
    mean_values = np.asarray(mean, dtype=x.dtype).reshape(-1)
    std_values = np.asarray(std, dtype=x.dtype).reshape(-1)
    channels = x.shape[-3]
    for name, values in (("mean", mean_values), ("std", std_values)):
        if values.size not in (1, channels):
            raise ValueError(f"{name} has {values.size} values for {channels} channels")
    if (std_values == 0).any():
        raise ValueError(f"std {list(std)} holds a zero: division by zero")
    return (x - mean_values[:, None, None]) / std_values[:, None, None]

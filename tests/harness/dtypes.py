"""Named dtype groups, stated once: NumPy's side as `np.dtype`s, torch's as `torch.dtype`s.

A group holds only what the installed torch has (uint16/32/64 arrived in 2.3). Tests sample or
parametrize over a group by name, so that a group means one thing everywhere.
"""

from __future__ import annotations

import numpy as np
import torch

from reference.dtypes import SHARED_DTYPE_NAMES
from reference.promotion import DTYPES as PROMOTION_DTYPE_NAMES

# torch has uint16/32/64 for storage alone: no CPU arithmetic kernels.
STORAGE_ONLY_NAMES = ("uint16", "uint32", "uint64")

# NumPy dtypes that torch also has, named alike in both.
SHARED_DTYPES = tuple(np.dtype(name) for name in SHARED_DTYPE_NAMES if hasattr(torch, name))
# bool and the integers: what the sum of a tensor promotes to int64.
INTEGRAL_DTYPES = tuple(d for d in SHARED_DTYPES if d.kind in "biu")
REAL_DTYPES = tuple(d for d in SHARED_DTYPES if d.kind != "c")
# The floating and complex dtypes: those a tensor may require grad in.
INEXACT_DTYPES = tuple(d for d in SHARED_DTYPES if d.kind in "fc")
FLOATING_DTYPES = tuple(d for d in SHARED_DTYPES if d.kind == "f")
# What torch does arithmetic in on every device: no bool, nothing storage-only.
ARITHMETIC_DTYPES = tuple(
    d for d in SHARED_DTYPES if d.kind != "b" and d.name not in STORAGE_ONLY_NAMES
)
# ...and of those, the ordered ones (complex has no clamp, no comparison).
REAL_ARITHMETIC_DTYPES = tuple(d for d in ARITHMETIC_DTYPES if d.kind != "c")
# The integers, signed and unsigned, without bool: a 0-d array of one is an index (a size).
INTEGER_DTYPES = tuple(d for d in SHARED_DTYPES if d.kind in "iu")
# bool and the integers narrower than 64 bits: a sum of thousands of them fits in int64.
NARROW_INTEGRAL_DTYPES = tuple(d for d in INTEGRAL_DTYPES if d.itemsize < 8)
# bool and the floating dtypes: to torch.Tensor, a 0-d array of one is a value, not a size.
BOOL_OR_FLOATING_DTYPES = tuple(d for d in SHARED_DTYPES if d.kind in "bf")
# bool, the signed integers and the floats: what the sparse COO tests convert to sparse.
SPARSE_DTYPES = tuple(d for d in SHARED_DTYPES if d.kind in "bif")
# Every shared dtype but uint64: those of arrays that torch.as_tensor takes in a list.
ARRAY_LIST_DTYPES = tuple(d for d in SHARED_DTYPES if d.name != "uint64")

# torch dtypes with no NumPy counterpart, where the installed torch has them.
TORCH_ONLY = tuple(
    getattr(torch, name)
    for name in ("bfloat16", "complex32", "float8_e4m3fn", "float8_e5m2")
    if hasattr(torch, name)
)
# Every shared dtype on torch's side, and bfloat16: what a tensor is commonly made of.
STORABLE = (*(getattr(torch, d.name) for d in SHARED_DTYPES), torch.bfloat16)
# The dtypes reference.promotion models: bool, the integers up to int64, the floats.
PROMOTION_MODELLED = tuple(getattr(torch, name) for name in PROMOTION_DTYPE_NAMES)
FLOATING = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
# float32 and float64: the dtypes of values, gradients and random sampling on every device.
WIDE_FLOATING = (torch.float32, torch.float64)
# float16 and bfloat16: 16 bits, computed in float32 by elementwise kernels.
HALF_FLOATING = (torch.float16, torch.bfloat16)
# bool and the integers of PROMOTION_MODELLED (uint8, int8 ... int64): no random sampling.
INTEGRAL = tuple(d for d in PROMOTION_MODELLED if not d.is_floating_point)
# ...and of those, the integers: what an integer division or cast is tested in.
INTEGER = tuple(d for d in INTEGRAL if d != torch.bool)
# One integral dtype of each kind (bool, unsigned, 32- and 64-bit signed), where all are needless.
INTEGRAL_SAMPLE = (torch.bool, torch.uint8, torch.int32, torch.int64)
# NumPy's floats and complex64: torch fills them from NumPy bools without `__index__`.
FLOAT_TARGETS = (torch.float16, torch.float32, torch.float64, torch.complex64)


def torch_dtype(dtype: np.dtype | str) -> torch.dtype:
    """The torch dtype named like a NumPy dtype, or named by a string (`"bfloat16"` too)."""
    return getattr(torch, dtype if isinstance(dtype, str) else np.dtype(dtype).name)


def dtype_name(dtype: torch.dtype) -> str:
    """`torch.float32` -> `"float32"`: the name the reference modules use."""
    return str(dtype).removeprefix("torch.")

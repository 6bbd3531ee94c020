"""The one tolerance policy: how close torch's values must come to a reference's, by what was
computed, in which dtype, on which device.

Every reference computes in float64 (or exactly), so a tolerance is the error torch's own
arithmetic may make. What bounds that error is the kind of computation, so the policy is keyed by
kind, dtype and device, and each entry carries its reason:

- `ROUNDED_ONCE`: each element is one function of its inputs, computed in the dtype (float16 and
  bfloat16 in float32) and rounded once: a few units in the last place, with an absolute floor
  for values near 0. The same on every device: no matmul, so TF32 plays no part.
- `SUMMED`: sums of products (Linear, convolution, normalisation, reductions): the rounding of
  each addition accumulates; on CUDA, float32 convolutions and matmuls may run in TF32
  (`cudnn.allow_tf32` is on by default), which keeps 10 mantissa bits of each input.
- `REORDERED`: the same float64 arithmetic as the reference in another order (two orders of
  summation, a different grouping of a few products): a few roundings, nothing more.
- `ITERATED`: several optimizer steps in float64, each ordered differently from the reference
  (Adam divides sqrt(v) by sqrt(1 - beta2**t) where the reference takes sqrt(v / (1 - beta2**t))):
  a few ulps a step, compounded through the division by sqrt(v).
- `DIFFERENCED`: a gradient against central differences of the float64 function (whose own error
  is ~1e-10 here). The absolute part is scaled by the caller (`assert_grad_is_vjp` multiplies it
  by the Jacobian's largest column 1-norm). float32 rounds each op to ~6e-8 relative; through a
  chain of three steps and a sum over a few elements that stays below ~1e-6 of the gradient's
  size. CUDA float32 matmuls may use TF32 where a user enables it (~1e-3 relative).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

ROUNDED_ONCE = "rounded once"
SUMMED = "summed"
REORDERED = "reordered"
ITERATED = "iterated"
DIFFERENCED = "differenced"
KINDS = (ROUNDED_ONCE, SUMMED, REORDERED, ITERATED, DIFFERENCED)
EVERY_DEVICE = "every device"


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def as_kwargs(self) -> dict[str, float]:
        """For `torch.testing.assert_close(..., **tolerance.as_kwargs())`."""
        return {"rtol": self.rtol, "atol": self.atol}


# (kind, device, dtype) -> tolerance; EVERY_DEVICE where the device makes no difference.
POLICY: dict[tuple[str, str, torch.dtype], Tolerance] = {
    # float32 ulp 1.2e-7, float16 9.8e-4, bfloat16 7.8e-3 near 1: one or two of each.
    (ROUNDED_ONCE, EVERY_DEVICE, torch.float64): Tolerance(rtol=1e-10, atol=1e-12),
    (ROUNDED_ONCE, EVERY_DEVICE, torch.float32): Tolerance(rtol=1.3e-6, atol=1e-6),
    (ROUNDED_ONCE, EVERY_DEVICE, torch.float16): Tolerance(rtol=1e-3, atol=1e-5),
    (ROUNDED_ONCE, EVERY_DEVICE, torch.bfloat16): Tolerance(rtol=1.6e-2, atol=1e-5),
    (SUMMED, EVERY_DEVICE, torch.float64): Tolerance(rtol=1e-10, atol=1e-10),
    (SUMMED, "cpu", torch.float32): Tolerance(rtol=1e-5, atol=1e-5),
    (SUMMED, "cuda", torch.float32): Tolerance(rtol=1e-2, atol=2e-2),  # TF32: ~5e-4 a product
    (REORDERED, EVERY_DEVICE, torch.float64): Tolerance(rtol=1e-12, atol=1e-12),
    (ITERATED, EVERY_DEVICE, torch.float64): Tolerance(rtol=1e-9, atol=1e-12),
    (DIFFERENCED, EVERY_DEVICE, torch.float64): Tolerance(rtol=1e-7, atol=1e-7),
    (DIFFERENCED, "cpu", torch.float32): Tolerance(rtol=1e-5, atol=1e-5),
    (DIFFERENCED, "cuda", torch.float32): Tolerance(rtol=5e-3, atol=5e-3),  # TF32, if enabled
}


def tolerance(kind: str, dtype: torch.dtype, device: str | torch.device = "cpu") -> Tolerance:
    """The policy's tolerance for a `kind` of computation in `dtype` on `device`."""
    device = torch.device(device).type
    for key in ((kind, device, dtype), (kind, EVERY_DEVICE, dtype)):
        if key in POLICY:
            return POLICY[key]
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    raise LookupError(f"the tolerance policy has no entry for {kind} {dtype} on {device}")

"""Clocks for pytest-benchmark that measure work, not the launch of work.

CUDA kernels and copies run asynchronously: without a synchronize, a timer reads the clock as
soon as the work is queued. The CUDA clock waits for the device before every reading, so a
round's time runs from an idle device to an idle device.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def cuda_synchronized_clock() -> float:
    torch.cuda.synchronize()
    return time.perf_counter()


def clock_for(device: str) -> Callable[[], float]:
    return cuda_synchronized_clock if device == "cuda" else time.perf_counter


def prepare(device: str) -> None:
    """Create the device's context before timing, so the first round does not pay for it."""
    if device == "cuda":
        torch.cuda.init()
        torch.empty(1, device="cuda").add_(1)
        torch.cuda.synchronize()

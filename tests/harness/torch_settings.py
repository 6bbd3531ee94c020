"""Context managers that change one of torch's global settings for a block and put it back.

The global-state guard fails a test that leaves a setting changed; these make the change safe.
`seeded` does the same for the global random generators: the guard fails a test that draws from
the CPU's outside it, since another test on the same worker may draw from it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

import torch

from tests.harness.global_state import (
    deterministic_algorithms_state,
    set_deterministic_algorithms_state,
)

T = TypeVar("T")


@contextmanager
def _changed(read: Callable[[], T], write: Callable[[T], object], value: T) -> Iterator[None]:
    """`write(value)` for a block, then write back what `read()` gave before it."""
    previous = read()
    write(value)
    try:
        yield
    finally:
        write(previous)


def default_dtype(dtype: torch.dtype) -> AbstractContextManager[None]:
    """Make `dtype` the default floating dtype for a block."""
    return _changed(torch.get_default_dtype, torch.set_default_dtype, dtype)


def deterministic_algorithms() -> AbstractContextManager[None]:
    """`torch.use_deterministic_algorithms(True)` (erroring, not warn-only) for a block."""
    return _changed(
        deterministic_algorithms_state, set_deterministic_algorithms_state, (True, False)
    )


def float32_matmul_precision(precision: str) -> AbstractContextManager[None]:
    """Set `torch.set_float32_matmul_precision` for a block ("high" lets CUDA use TF32)."""
    return _changed(
        torch.get_float32_matmul_precision, torch.set_float32_matmul_precision, precision
    )


def warn_always() -> AbstractContextManager[None]:
    """Make torch's warn-once warnings fire on every call, for a block."""
    return _changed(torch.is_warn_always_enabled, torch.set_warn_always, True)


@contextmanager
def seeded(seed: int = 0, device: str = "cpu") -> Iterator[None]:
    """Seed the global generators (the CPU's, and the current CUDA device's when `device` is
    `cuda`) for a block, then restore them: random initialisation and dropout masks inside the
    block are reproducible, and nothing outside it sees a change.

    Not `torch.manual_seed`, which seeds every CUDA generator too (queueing the call, with a
    formatted stack, where CUDA is not yet initialised): those `fork_rng` would not restore.
    """
    on_cuda = torch.device(device).type == "cuda"
    with torch.random.fork_rng(devices=[torch.cuda.current_device()] if on_cuda else []):
        torch.random.default_generator.manual_seed(seed)
        if on_cuda:
            torch.cuda.manual_seed(seed)
        yield


def built_with_seed(seed: int, build, device: str = "cpu"):
    """`build()` (a module) initialised inside `seeded(seed)` on the CPU, then moved to `device`:
    the same weights on every device, the global generators left alone."""
    with seeded(seed):
        return build().to(device)

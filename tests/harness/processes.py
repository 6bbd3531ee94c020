"""Child processes that start with this process's torch, where they safely can.

A child forked from this process has torch imported already, where a fresh interpreter would
import it again (seconds of CPU each). A forked child cannot use CUDA once its parent has
initialized it, so such a parent, and a platform that cannot fork, spawns instead.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import TypeVar

import torch

T = TypeVar("T")


def can_fork_torch() -> bool:
    """Whether a child forked from this process now could use torch as this process does."""
    return "fork" in multiprocessing.get_all_start_methods() and not torch.cuda.is_initialized()


def in_a_child_process(function: Callable[[], T], timeout_s: float = 300.0) -> T:
    """`function()` (a module-level function, so that a spawned child can import it), run in a
    child process, so that what it changes in torch ends with that process. Waits at most
    `timeout_s` and kills the child on leaving, however the wait ended; an exception the child
    raised is raised here."""
    method = "fork" if can_fork_torch() else "spawn"
    with multiprocessing.get_context(method).Pool(1) as child:
        return child.apply_async(function).get(timeout=timeout_s)

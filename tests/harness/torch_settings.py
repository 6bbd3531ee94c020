"""Context managers that change one of torch's global settings for a block and put it back.

The global-state guard fails a test that leaves a setting changed; these make the change safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Make `dtype` the default floating dtype for a block."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


@contextmanager
def warn_always() -> Iterator[None]:
    """Make torch's warn-once warnings fire on every call, for a block."""
    previous = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        yield
    finally:
        torch.set_warn_always(previous)

"""The sizes benchmarks run over, in bytes, and their readable ids (`4KiB`, `64MiB`)."""

from __future__ import annotations

import pytest

KIB, MIB = 1024, 1024 * 1024


def size_id(nbytes: int) -> str:
    return f"{nbytes // KIB}KiB" if nbytes < MIB else f"{nbytes // MIB}MiB"


def over_sizes(sizes: list[int]):
    """Parametrize a benchmark's `size` argument (bytes) over `sizes`."""
    return pytest.mark.parametrize("size", sizes, ids=size_id)

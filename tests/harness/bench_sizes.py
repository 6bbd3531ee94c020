"""The sizes benchmarks run over, in bytes, their readable ids (`4KiB`, `64MiB`), and the size a
smoke run uses.

Under `pytest -n auto` pytest-benchmark does not time: each benchmark runs once, as a smoke test
of its code, for which the smallest size does as well as the largest and costs nothing.
"""

from __future__ import annotations

import pytest

KIB, MIB = 1024, 1024 * 1024


def size_id(nbytes: int) -> str:
    return f"{nbytes // KIB}KiB" if nbytes < MIB else f"{nbytes // MIB}MiB"


def over_sizes(sizes: list[int]):
    """Parametrize a benchmark's `size` argument (bytes) over `sizes`."""
    return pytest.mark.parametrize("size", sizes, ids=size_id)


def sized_for_the_run(benchmark, size: int, sizes: list[int]) -> int:
    """`size` when the benchmark is timed, the smallest of `sizes` in a smoke run."""
    return min(sizes) if benchmark.disabled else size

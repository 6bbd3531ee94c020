"""The sizes benchmarks run over, in bytes, and their readable ids (`4KiB`, `64MiB`).

A timed run (`pytest -n0 --benchmark-only`) runs a benchmark at each of its sizes. Under
`pytest -n auto` pytest-benchmark does not time: each benchmark runs once, as a smoke test of its
code, at its smallest size alone (which does as well as the largest and costs nothing), and its
test ID names that size: the collected IDs are what runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

KIB, MIB = 1024, 1024 * 1024


def size_id(nbytes: int) -> str:
    return f"{nbytes // KIB}KiB" if nbytes < MIB else f"{nbytes // MIB}MiB"


def over_sizes(sizes: Sequence[int], ids: Callable[[int], str] = size_id):
    """Parametrize a benchmark's `size` argument over `sizes` (bytes, unless `ids` names
    another unit), or the smallest of them in a smoke run."""
    return pytest.mark.sizes(*sizes, ids=ids)


def sizes_for_the_run(config: pytest.Config, sizes: Sequence[int]) -> list[int]:
    return list(sizes) if benchmarks_are_timed(config) else [min(sizes)]


def benchmarks_are_timed(config: pytest.Config) -> bool:
    """pytest-benchmark's own decision (it turns timing off under xdist and --benchmark-disable)."""
    session = getattr(config, "_benchmarksession", None)
    return session is not None and not session.disabled

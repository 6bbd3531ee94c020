"""spec/functions.md, the cost: `F.softmax(x, dim=1)` and `F.cross_entropy(x, target)` forward.

`size` is the bytes of the float32 scores `x`, of shape `(rows, 1024)`: 1024 classes, 4 KiB a
row, from one row (4 KiB) to 16384 rows (64 MiB). Softmax reads the scores and writes as many
probabilities: `extra_info["bytes"] = 2 * size`. Cross-entropy computes a log-softmax (reads the
scores, writes an intermediate of the same size), then `nll_loss` reads the int64 targets and
one log-probability per row and writes a scalar: `extra_info["bytes"] = 2 * size + 16 * rows`.
Both do a few operations per element, so the report's GB/s is the figure to compare.

Under `pytest -n auto` pytest-benchmark does not time, and each benchmark runs once as a smoke
test at its smallest size alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812

from tests.harness import limits
from tests.harness.bench_sizes import KIB, MIB, over_sizes

SIZES = [4 * KIB, 256 * KIB, 4 * MIB, 64 * MIB]
CLASSES = 1024
ROW_BYTES = CLASSES * 4


def scores(size: int, device: str) -> torch.Tensor:
    """Float32 scores of `size` bytes, `(rows, CLASSES)`, with values spread over a few units so
    that exp neither overflows nor is constant."""
    rows = size // ROW_BYTES
    values = torch.arange(rows * CLASSES, dtype=torch.float32, device=device) % 17 / 4
    return values.reshape(rows, CLASSES)


@over_sizes(SIZES)
def bench_softmax(benchmark, device, size):
    """`F.softmax(x, dim=1)`: a new `(rows, 1024)` tensor of probabilities per call."""
    x = scores(size, device)
    # Read the scores, write the probabilities.
    limits.bounded_by(benchmark, limits.memory(device), 2 * x.numel() * 4)
    benchmark(F.softmax, x, dim=1)


@over_sizes(SIZES)
def bench_cross_entropy(benchmark, device, size):
    """`F.cross_entropy(x, target)` with class indices, mean over the rows."""
    x = scores(size, device)
    rows = x.shape[0]
    target = torch.arange(rows, device=device) % CLASSES
    # log_softmax reads x and writes its result; nll_loss reads the targets (8 bytes each) and
    # one float per row (rounded up to 8 bytes: a scattered read costs at least that).
    limits.bounded_by(benchmark, limits.memory(device), 2 * x.numel() * 4 + 16 * rows)
    benchmark(F.cross_entropy, x, target)

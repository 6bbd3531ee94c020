"""spec/reductions.md, the cost: a whole-tensor sum reads every element once.

`extra_info["bytes"]` is the bytes one call reads, so the report's GB/s is the memory bandwidth
the reduction reaches on each device, held against the device's memory copy (which reads and
writes: a read alone may beat it).
"""

from __future__ import annotations

import torch

from tests.harness import limits
from tests.harness.bench_sizes import KIB, MIB, over_sizes

SIZES = [64 * KIB, 4 * MIB, 64 * MIB]


@over_sizes(SIZES)
def bench_sum(benchmark, device, size):
    tensor = torch.ones(size // 4, device=device)
    limits.bounded_by(benchmark, limits.memory(device), size)
    benchmark(tensor.sum)

"""spec/reductions.md, the cost: a whole-tensor sum reads every element once.

`extra_info["bytes"]` is the bytes one call reads, so the report's GB/s is the memory bandwidth
the reduction reaches on each device.
"""

from __future__ import annotations

import torch

from tests.harness.bench_sizes import KIB, MIB, over_sizes

SIZES = [64 * KIB, 4 * MIB, 64 * MIB]


@over_sizes(SIZES)
def bench_sum(benchmark, device, size):
    tensor = torch.ones(size // 4, device=device)
    benchmark.extra_info["bytes"] = size
    benchmark(tensor.sum)

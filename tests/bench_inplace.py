"""spec/inplace.md, the cost: `a.add_(b)` against `torch.add(a, b)` and `torch.add(a, b, out=c)`.

`size` is the bytes of each float32 operand, from 4 KiB to 256 MiB. All three read `a` and `b`
and write one result of the same size, so each records `extra_info["bytes"] = 3 * size`: they
move the same bytes, and the report's GB/s compare like with like. What differs is only where
the result goes: into `a`, into an existing `c`, or into memory that `torch.add(a, b)` allocates
on every call (and frees when the benchmark drops it). The gap between them is therefore the
price of that allocation and of the first touch of fresh memory (page faults, on the CPU, when
the allocator returns a large block to the OS and asks again), not of fewer bytes. (The bytes
are those the op reads and writes; a CPU cache that reads each line it is about to write makes
`out=c` and the new result read `size` more from memory on large tensors, which `a.add_(b)`
avoids by writing the lines it has just read.)

Under `pytest -n auto` pytest-benchmark does not time, and each benchmark runs once as a smoke
test, at its smallest size alone, so that the smoke run does not fill three 256 MiB tensors.
"""

from __future__ import annotations

import torch

from tests.harness import limits
from tests.harness.bench_sizes import KIB, MIB, over_sizes

SIZES = [4 * KIB, 256 * KIB, 16 * MIB, 256 * MIB]


def float32_operands(benchmark, size: int, device: str, count: int) -> list[torch.Tensor]:
    """`count` float32 tensors of `size` bytes each, every
    page touched (`torch.ones`, not `torch.empty`), and the bytes one call moves recorded."""
    nbytes = size
    limits.bounded_by(benchmark, limits.memory(device), 3 * nbytes)  # read a and b, write
    return [torch.ones(nbytes // 4, dtype=torch.float32, device=device) for _ in range(count)]


@over_sizes(SIZES)
def bench_add_in_place(benchmark, device, size):
    """`a.add_(b)`: the result goes into `a`."""
    a, b = float32_operands(benchmark, size, device, 2)
    benchmark(a.add_, b)


@over_sizes(SIZES)
def bench_add_new_result(benchmark, device, size):
    """`torch.add(a, b)`: a new result tensor, allocated on every call."""
    a, b = float32_operands(benchmark, size, device, 2)
    benchmark(torch.add, a, b)


@over_sizes(SIZES)
def bench_add_out(benchmark, device, size):
    """`torch.add(a, b, out=c)`: the result goes into `c`, allocated once, before timing."""
    a, b, c = float32_operands(benchmark, size, device, 3)
    benchmark(torch.add, a, b, out=c)

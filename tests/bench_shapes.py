"""spec/shapes.md, the cost: a view costs the same at every size, a copy grows with it.

`reshape` of a contiguous tensor is a view; of a transposed one, a copy (spec claim
`shapes.view.refuses-what-it-cannot-lay-over`). Joining eight pieces with `torch.cat` allocates
the result on every call; copying them into a buffer allocated once does not. Each benchmark
records in `extra_info["bytes"]` the bytes one call reads and writes (0 for a view).
"""

from __future__ import annotations

import torch

from tests.harness import limits
from tests.harness.bench_sizes import KIB, MIB, over_sizes

SIZES = [64 * KIB, 4 * MIB, 64 * MIB]
PIECES = 8


def square_matrix(nbytes: int, device: str) -> torch.Tensor:
    side = int((nbytes // 4) ** 0.5)
    return torch.ones(side, side, device=device)


@over_sizes(SIZES)
def bench_reshape_contiguous(benchmark, device, size):
    matrix = square_matrix(size, device)
    benchmark.extra_info["bytes"] = 0
    benchmark(matrix.reshape, -1)


@over_sizes(SIZES)
def bench_reshape_transposed(benchmark, device, size):
    transposed = square_matrix(size, device).t()
    moved = 2 * transposed.numel() * transposed.element_size()
    limits.bounded_by(benchmark, limits.memory(device), moved)
    benchmark(transposed.reshape, -1)


@over_sizes(SIZES)
def bench_cat(benchmark, device, size):
    pieces = list(torch.ones(size // 4, device=device).chunk(PIECES))
    limits.bounded_by(benchmark, limits.memory(device), 2 * size)
    benchmark(torch.cat, pieces)


@over_sizes(SIZES)
def bench_fill_preallocated(benchmark, device, size):
    pieces = list(torch.ones(size // 4, device=device).chunk(PIECES))
    buffer = torch.empty(size // 4, device=device)
    slots = buffer.split([len(piece) for piece in pieces])

    def fill():
        for slot, piece in zip(slots, pieces, strict=True):
            slot.copy_(piece)
        return buffer

    limits.bounded_by(benchmark, limits.memory(device), 2 * size)
    benchmark(fill)

"""What this machine can do at most, measured in the same run as every other benchmark: the
limits that the bench report holds each throughput against (tests/harness/limits.py).

- Memory: `dst.copy_(src)` of 256 MiB and 1 GiB, larger than the caches of today's CPUs and
  GPUs, on the host and on the device. `extra_info["bytes"]` is what one call reads and writes
  (twice the size), the unit of every memory-bound benchmark.
- Matmul: `a @ b` of two square matrices of random values, on the CPU in float32, on CUDA in
  float32, in float32 with TF32 allowed (`torch.set_float32_matmul_precision("high")`; TF32 is
  what cuDNN's convolutions use by default) and in bfloat16. `extra_info["flops"]` is 2n³.
- The host-device link is measured by tests/bench_devices.py's four copies.

Each limit's value is the best throughput over its sizes. Under `pytest -n auto` each runs
once, at its smallest size alone.
"""

from __future__ import annotations

import pytest
import torch

from tests.harness import limits
from tests.harness.bench_sizes import MIB, over_sizes
from tests.harness.torch_settings import float32_matmul_precision

MEMORY_SIZES = [256 * MIB, 1024 * MIB]
CPU_MATMUL_WIDTHS = [1024, 2048]
CUDA_MATMUL_WIDTHS = [4096, 8192]
CUDA_MATMULS = {  # id: (dtype, float32 matmul precision, the limit it measures)
    "float32": (torch.float32, "highest", limits.CUDA_FLOAT32_MATMUL),
    "tf32": (torch.float32, "high", limits.CUDA_TF32_MATMUL),
    "bfloat16": (torch.bfloat16, "highest", limits.CUDA_BFLOAT16_MATMUL),
}


@over_sizes(MEMORY_SIZES)
def bench_memory_copy(benchmark, device, size):
    """`dst.copy_(src)`: torch's own copy, as fast as this device's memory lets any op stream."""
    limits.measures(benchmark, limits.memory(device), 2 * size)  # read src, write dst
    src = torch.ones(size, dtype=torch.uint8, device=device)
    dst = torch.zeros(size, dtype=torch.uint8, device=device)
    benchmark(dst.copy_, src)


def random_square(width: int, dtype: torch.dtype, device: str) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator(device).manual_seed(0)
    return tuple(
        torch.rand(width, width, generator=generator, device=device).to(dtype) for _ in range(2)
    )


@over_sizes(CPU_MATMUL_WIDTHS, ids=str)
def bench_cpu_matmul(benchmark, size):
    """float32 `a @ b` on every core torch uses."""
    limits.measures(benchmark, limits.CPU_FLOAT32_MATMUL, 2 * size**3)
    benchmark.extra_info["unit"] = "width"
    a, b = random_square(size, torch.float32, "cpu")
    benchmark(torch.matmul, a, b)


@pytest.mark.devices("cuda")
@pytest.mark.parametrize("precision", CUDA_MATMULS)
@over_sizes(CUDA_MATMUL_WIDTHS, ids=str)
def bench_cuda_matmul(benchmark, device, size, precision):
    """`a @ b` on the GPU, the operands already there, in float32, TF32 or bfloat16."""
    dtype, matmul_precision, limit = CUDA_MATMULS[precision]
    limits.measures(benchmark, limit, 2 * size**3)
    benchmark.extra_info["unit"] = "width"
    a, b = random_square(size, dtype, device)
    with float32_matmul_precision(matmul_precision):
        benchmark(torch.matmul, a, b)

"""spec/devices.md, the cost of moving data (`devices.cost.moving-pays-for-enough-work`).

Copies between host and device, 1 KiB to 1 GiB, from and to pageable and pinned host memory
(CUDA only: elsewhere they skip, "CUDA not available"). `extra_info["bytes"]` is the bytes
copied, so the report's GB/s is the link's rate, to compare with its theoretical one (PCIe 4.0
x16: about 32 GB/s each way; PCIe 5.0 x16: about 64 GB/s). Their best rates are the link's
limits in the report (tests/harness/limits.py).

Then what a user pays for one elementwise op (`torch.exp`) and one matmul, over sizes: on
`device=cpu` the op alone, on tensors already in host memory; on `device=cuda` the copy in of
the operands (from pageable memory, as a plain `.to("cuda")` does), the op on the GPU and the
copy of the result back. The two devices record the same `bytes` (the elementwise op's read and
write) or `flops` (the matmul's 2n³), so the report's speedup column and its crossover line
compare the whole cost of getting the answer to the host, which is what notes 004's claim is
about; both record `includes_copies` on CUDA, so that the report's crossover says so. The
elementwise op is held against the host's memory on the CPU and the pageable round trip on
CUDA (the same bytes cross the link in and out), the matmul against the device's float32
peak. The CUDA timer synchronises before each reading (tests/harness/timing.py).

Under `pytest -n auto` (or `--benchmark-disable`) each runs once, at its smallest size alone.
"""

from __future__ import annotations

import pytest
import torch

from tests.harness import limits
from tests.harness.bench_sizes import KIB, MIB, over_sizes

COPY_SIZES = [KIB, 64 * KIB, MIB, 16 * MIB, 256 * MIB, 1024 * MIB]
ELEMENTWISE_SIZES = [KIB, 64 * KIB, MIB, 16 * MIB, 256 * MIB]
MATMUL_WIDTHS = [16, 64, 256, 1024, 4096]


def host_bytes(nbytes: int, pinned: bool) -> torch.Tensor:
    """`nbytes` of host memory, every page touched; page-locked when `pinned`."""
    tensor = torch.ones(nbytes, dtype=torch.uint8)
    return tensor.pin_memory() if pinned else tensor


def record_copy(benchmark, size: int, link: str) -> int:
    """The copy's bytes: what crossed the link, which this copy measures the limit of."""
    limits.measures(benchmark, link, size)
    return size


# Copies (CUDA only) ------------------------------------------------------------------------------


@pytest.mark.devices("cuda")
@over_sizes(COPY_SIZES)
def bench_host_to_device_pageable(benchmark, device, size):
    """`gpu.copy_(host)` from ordinary (pageable) host memory."""
    nbytes = record_copy(benchmark, size, limits.HOST_TO_DEVICE_PAGEABLE)
    host = host_bytes(nbytes, pinned=False)
    on_device = torch.empty(nbytes, dtype=torch.uint8, device=device)
    benchmark(on_device.copy_, host)


@pytest.mark.devices("cuda")
@over_sizes(COPY_SIZES)
def bench_host_to_device_pinned(benchmark, device, size):
    """`gpu.copy_(host, non_blocking=True)` from pinned host memory (the timer synchronises)."""
    nbytes = record_copy(benchmark, size, limits.HOST_TO_DEVICE_PINNED)
    host = host_bytes(nbytes, pinned=True)
    on_device = torch.empty(nbytes, dtype=torch.uint8, device=device)
    benchmark(on_device.copy_, host, non_blocking=True)


@pytest.mark.devices("cuda")
@over_sizes(COPY_SIZES)
def bench_device_to_host_pageable(benchmark, device, size):
    """`host.copy_(gpu)` into ordinary (pageable) host memory."""
    nbytes = record_copy(benchmark, size, limits.DEVICE_TO_HOST_PAGEABLE)
    host = host_bytes(nbytes, pinned=False)
    on_device = torch.ones(nbytes, dtype=torch.uint8, device=device)
    benchmark(host.copy_, on_device)


@pytest.mark.devices("cuda")
@over_sizes(COPY_SIZES)
def bench_device_to_host_pinned(benchmark, device, size):
    """`host.copy_(gpu, non_blocking=True)` into pinned host memory (the timer synchronises)."""
    nbytes = record_copy(benchmark, size, limits.DEVICE_TO_HOST_PINNED)
    host = host_bytes(nbytes, pinned=True)
    on_device = torch.ones(nbytes, dtype=torch.uint8, device=device)
    benchmark(host.copy_, on_device, non_blocking=True)


# What a user pays: CPU compute against copy-in + GPU compute + copy-out ------------------------


@over_sizes(ELEMENTWISE_SIZES)
def bench_elementwise(benchmark, device, size):
    """`torch.exp(x)` of a float32 tensor of `size` bytes held on the host; on CUDA with the
    copy of `x` in and of the result out."""
    nbytes = size
    # The op reads x and writes its result; on CUDA the same bytes cross the link, in and out.
    limit = limits.HOST_MEMORY if device == "cpu" else limits.ROUND_TRIP_PAGEABLE
    limits.bounded_by(benchmark, limit, 2 * nbytes)
    benchmark.extra_info["includes_copies"] = device != "cpu"
    x = torch.full((nbytes // 4,), 0.5)
    if device == "cpu":
        benchmark(torch.exp, x)
    else:
        benchmark(lambda: torch.exp(x.to(device)).cpu())


@over_sizes(MATMUL_WIDTHS, ids=str)
def bench_matmul(benchmark, device, size):
    """`a @ b` of two float32 `size` x `size` matrices held on the host; on CUDA with the
    copies of `a` and `b` in and of the product out."""
    n = size
    limits.bounded_by(benchmark, limits.float32_matmul(device), 2 * n**3)
    benchmark.extra_info["unit"] = "width"
    benchmark.extra_info["includes_copies"] = device != "cpu"
    benchmark.extra_info["copied_bytes"] = 3 * n * n * 4 if device == "cuda" else 0
    a = torch.full((n, n), 1.0 / n)
    b = torch.full((n, n), 2.0)
    if device == "cpu":
        benchmark(torch.matmul, a, b)
    else:
        benchmark(lambda: (a.to(device) @ b.to(device)).cpu())

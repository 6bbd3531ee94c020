"""spec/numpy.md, the cost: zero-copy conversions stay flat with size, copies grow with it.

Sizes run from 1 KiB to 256 MiB of float32. Each benchmark records in `extra_info["bytes"]` the
bytes one call moves, in the unit of the limit it is held against (tests/harness/limits.py): a
copy on the CPU reads the array and writes the tensor (twice the size; host memory copy), a
copy to or from CUDA moves the size across the link (pageable). A zero-copy view moves 0 and
has no limit.
"""

from __future__ import annotations

import numpy as np
import torch

from tests.harness import limits
from tests.harness.bench_sizes import KIB, MIB, over_sizes

SIZES = [1 * KIB, 64 * KIB, 1 * MIB, 16 * MIB, 256 * MIB]


def float32_array(nbytes: int) -> np.ndarray:
    return np.ones(nbytes // 4, dtype=np.float32)  # np.ones touches every page, np.empty would not


@over_sizes(SIZES)
def bench_from_numpy(benchmark, size):
    array = float32_array(size)
    benchmark.extra_info["bytes"] = 0
    benchmark(torch.from_numpy, array)


@over_sizes(SIZES)
def bench_as_tensor(benchmark, device, size):
    array = float32_array(size)
    if device == "cpu":
        benchmark.extra_info["bytes"] = 0
    else:
        limits.bounded_by(benchmark, limits.HOST_TO_DEVICE_PAGEABLE, array.nbytes)
    benchmark(torch.as_tensor, array, device=device)


@over_sizes(SIZES)
def bench_tensor_copy(benchmark, device, size):
    array = float32_array(size)
    if device == "cpu":
        limits.bounded_by(benchmark, limits.HOST_MEMORY, 2 * array.nbytes)
    else:
        limits.bounded_by(benchmark, limits.HOST_TO_DEVICE_PAGEABLE, array.nbytes)
    benchmark(torch.tensor, array, device=device)


@over_sizes(SIZES)
def bench_cpu_numpy(benchmark, device, size):
    """`t.cpu().numpy()`: a view on the CPU, a device-to-host copy from CUDA."""
    tensor = torch.ones(size // 4, dtype=torch.float32, device=device)
    if device == "cpu":
        benchmark.extra_info["bytes"] = 0
    else:
        limits.bounded_by(benchmark, limits.DEVICE_TO_HOST_PAGEABLE, size)
    benchmark(lambda: tensor.cpu().numpy())

"""The machine's own limits, which the bench report holds every throughput against.

A limit is what this machine can do at most: copy host memory, multiply float32 matrices on the
CPU, and on CUDA copy device memory, cross the host-device link, multiply float32, TF32 and
bfloat16 matrices. Each is measured in the same run as the benchmarks it bounds, by
benchmarks that record `measures(benchmark, limit, amount)` (tests/bench_limits.py, and
tests/bench_devices.py's copies for the link); its value is the best throughput they
reached. Every other benchmark records `bounded_by(benchmark, limit, amount)`: the limit its
throughput can at best reach on its device, and what one call does in that limit's unit (bytes
read and written for memory, bytes that crossed for the link, floating-point operations for a
matmul), so that a benchmark cannot be held against a limit in another unit. The report then
says "23 GB/s, 61% of host memory copy" and draws the limit as a line.

A benchmark that records a throughput and neither a limit nor `none_applies(benchmark, why)`
fails (the plugin checks each benchmark after its call, in the smoke run as in a timed one).

A round trip over the link (copy in, then out) is held against the two copies it makes: its
limit is their combined rate, computed from theirs.

This module imports nothing from torch, so that the report can be made anywhere.
"""

from __future__ import annotations

HOST_MEMORY = "host memory copy"
CPU_FLOAT32_MATMUL = "CPU float32 matmul"
DEVICE_MEMORY = "device memory copy"
CUDA_FLOAT32_MATMUL = "CUDA float32 matmul"
CUDA_TF32_MATMUL = "CUDA TF32 matmul"
CUDA_BFLOAT16_MATMUL = "CUDA bfloat16 matmul"
HOST_TO_DEVICE_PAGEABLE = "host to device, pageable"
HOST_TO_DEVICE_PINNED = "host to device, pinned"
DEVICE_TO_HOST_PAGEABLE = "device to host, pageable"
DEVICE_TO_HOST_PINNED = "device to host, pinned"
ROUND_TRIP_PAGEABLE = "host to device and back, pageable"

MEASURED = (
    HOST_MEMORY,
    CPU_FLOAT32_MATMUL,
    DEVICE_MEMORY,
    CUDA_FLOAT32_MATMUL,
    CUDA_TF32_MATMUL,
    CUDA_BFLOAT16_MATMUL,
    HOST_TO_DEVICE_PAGEABLE,
    HOST_TO_DEVICE_PINNED,
    DEVICE_TO_HOST_PAGEABLE,
    DEVICE_TO_HOST_PINNED,
)
COMBINED = {ROUND_TRIP_PAGEABLE: (HOST_TO_DEVICE_PAGEABLE, DEVICE_TO_HOST_PAGEABLE)}

_MEMORY = {"cpu": HOST_MEMORY, "cuda": DEVICE_MEMORY}
_FLOAT32_MATMUL = {"cpu": CPU_FLOAT32_MATMUL, "cuda": CUDA_FLOAT32_MATMUL}
# cuDNN convolutions take TF32 by default (torch.backends.cudnn.allow_tf32); matmuls do not.
_CONVOLUTION = {"cpu": CPU_FLOAT32_MATMUL, "cuda": CUDA_TF32_MATMUL}


def memory(device: str) -> str:
    """The limit of an op that streams its operands through `device`'s memory."""
    return _of(_MEMORY, device)


def float32_matmul(device: str) -> str:
    """The limit of float32 matrix products on `device`."""
    return _of(_FLOAT32_MATMUL, device)


def float32_convolution(device: str) -> str:
    """The limit of float32 convolutions on `device`, in floating-point operations."""
    return _of(_CONVOLUTION, device)


def _of(table: dict[str, str], device: str) -> str:
    if device not in table:
        raise ValueError(f"device must be one of {', '.join(table)}, not {device!r}")
    return table[device]


def bounded_by(benchmark, limit: str, amount: int) -> None:
    """Record that `benchmark`'s throughput is held against `limit`, and what one call does in
    the limit's unit: `amount` bytes (memory, the link) or floating-point operations (a matmul)."""
    if limit not in MEASURED and limit not in COMBINED:
        raise ValueError(f"limit must be one of {MEASURED + tuple(COMBINED)}, not {limit!r}")
    benchmark.extra_info["limit"] = limit
    benchmark.extra_info[unit_of(limit)] = amount


def measures(benchmark, limit: str, amount: int) -> None:
    """Record that `benchmark` measures `limit` (and is held against it too), doing `amount`
    of the limit's unit per call."""
    if limit not in MEASURED:
        raise ValueError(f"limit must be one of the measured limits {MEASURED}, not {limit!r}")
    bounded_by(benchmark, limit, amount)
    benchmark.extra_info["measures"] = limit


def none_applies(benchmark, why: str) -> None:
    """Record that no limit measured here bounds `benchmark`, and why (the report says so)."""
    if not isinstance(why, str) or not why.strip():
        raise ValueError(f"why must say what bounds the benchmark instead, not {why!r}")
    benchmark.extra_info["no_limit"] = why


def unstated(extra_info: dict) -> str | None:
    """What a benchmark's `extra_info` records a throughput of (`bytes` or `flops`) without
    its limit or why none applies; None when it says one or has no throughput."""
    if "limit" in extra_info or "no_limit" in extra_info:
        return None
    return next((unit for unit in ("bytes", "flops") if extra_info.get(unit)), None)


def unit_of(limit: str) -> str:
    """`flops` for a matmul's limit, `bytes` for memory and the link."""
    return "flops" if limit.endswith("matmul") else "bytes"


def combined_rate(rates: list[float]) -> float:
    """The rate of doing each of several transfers of the same size one after the other."""
    return len(rates) / sum(1 / rate for rate in rates)

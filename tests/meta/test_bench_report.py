"""The bench report (tests/harness/bench_report.py) and the machine limits it holds every
throughput against (tests/harness/limits.py), on made-up benchmark JSON."""

from __future__ import annotations

import pytest

from tests.harness import limits
from tests.harness.bench_report import (
    crossover,
    human_percent,
    human_rate,
    markdown,
    write_report,
)


def benchmark_entry(name, device, size, median, moved, params=(), **extra):
    return {
        "name": f"{name}[{device}-{size}]",
        "params": {"device": device, "size": size, **dict(params)},
        "stats": {"median": median},
        "extra_info": {"bytes": moved, **extra},
    }


def test_the_report_has_cpu_columns_alone_without_cuda():
    data = {"benchmarks": [benchmark_entry("bench_copy", "cpu", 1024, 2e-6, 1024)]}
    table = markdown(data)
    assert "| size | cpu median | cpu throughput |" in table
    assert "| 1 KiB | 2 µs | 0.512 GB/s |" in table
    assert "speedup" not in table.lower().split("## bench_copy")[1]
    assert "The CUDA side is missing" in table


def test_the_report_compares_cuda_with_cpu_and_draws_a_png(tmp_path):
    data = {
        "benchmarks": [
            benchmark_entry("bench_copy", "cpu", 2**20, 4e-3, 2**20),
            benchmark_entry("bench_copy", "cuda", 2**20, 1e-3, 2**20),
            benchmark_entry("bench_view", "cpu", 2**20, 1e-6, 0),
        ],
        "torch_spec": {"torch": "2.x", "cuda_device": "Some GPU"},
    }
    table_path, picture_path = write_report(data, tmp_path)
    table = table_path.read_text(encoding="utf-8")
    assert (
        "| size | cpu median | cuda median | CUDA speedup | cpu throughput | cuda throughput |"
        in table
    )
    assert "| 1 MiB | 4 ms | 1 ms | 4.00× | 0.262 GB/s | 1.05 GB/s |" in table
    assert "| 1 MiB | 1 µs | — | — | — | — |" in table  # a zero-copy view has no throughput
    assert "CUDA: Some GPU" in table
    assert "The CUDA side is missing" not in table
    assert "CUDA is faster than the CPU at every size measured." in table
    assert picture_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def crossover_line(medians: dict[int, tuple[float, float]], unit: str = "bytes") -> str:
    """The report's crossover sentence for sizes -> (cpu median, cuda median)."""
    entries = [
        benchmark_entry("bench_op", device, size, median, 0, unit=unit)
        for size, pair in medians.items()
        for device, median in zip(("cpu", "cuda"), pair, strict=True)
    ]
    return markdown({"benchmarks": entries}).rstrip().splitlines()[-1]


def test_the_crossover_is_the_size_from_which_cuda_stays_faster():
    # faster at 1 KiB by noise, slower at 1 MiB, faster from 1 GiB on
    medians = {2**10: (2e-6, 1e-6), 2**20: (1e-4, 2e-4), 2**30: (1.0, 0.1), 2**31: (2.0, 0.1)}
    assert crossover_line(medians) == "CUDA is faster than the CPU from 1 GiB up (not at 1 MiB)."
    assert crossover_line({1: (1.0, 2.0), 2: (1.0, 2.0)}) == (
        "CUDA is not faster than the CPU at any size measured."
    )
    assert crossover_line({1: (2.0, 1.0), 2: (1.0, 2.0)}) == (
        "CUDA is not faster than the CPU at the largest size measured."
    )


def test_sizes_that_are_not_bytes_are_named_by_their_unit():
    table = markdown(
        {"benchmarks": [benchmark_entry("bench_step", "cpu", 4096, 1e-3, 0, unit="samples")]}
    )
    assert "| 4,096 samples | 1 ms | — |" in table
    assert crossover_line({64: (1.0, 2.0), 4096: (2.0, 1.0)}, unit="samples") == (
        "CUDA is faster than the CPU from 4,096 samples up (not at 64 samples)."
    )


def held_against(limit, device, size, median, moved, **extra):
    return benchmark_entry(
        "bench_op", device, size, median, moved, limit=limit, bytes=moved, **extra
    )


def measuring(limit, name, device, size, median, moved):
    return benchmark_entry(name, device, size, median, moved, limit=limit, measures=limit)


def test_a_throughput_is_given_as_a_share_of_its_limit_the_best_rate_that_measured_it():
    table = markdown(
        {
            "benchmarks": [
                measuring(limits.HOST_MEMORY, "bench_memory_copy", "cpu", 2**30, 0.2, 2**31),
                measuring(limits.HOST_MEMORY, "bench_memory_copy", "cpu", 2**28, 0.1, 2**29),
                held_against(limits.HOST_MEMORY, "cpu", 2**20, 1e-3, 2**20),
            ]
        }
    )
    # the limit is 2 GiB / 0.2 s = 10.7 GB/s (the 256 MiB copy reached only 5.4 GB/s)
    assert "| host memory copy | cpu | 10.7 GB/s | bench_memory_copy at 1 GiB |" in table
    assert "| 1 MiB | 1 ms | 1.05 GB/s, 9.8% of host memory copy |" in table
    assert "| 1 GiB | 200 ms | 10.7 GB/s, 100% of host memory copy |" in table
    assert "Not measured in this run" not in table


def test_a_limit_the_run_did_not_measure_is_named_and_its_rows_give_bare_throughputs():
    table = markdown(
        {"benchmarks": [held_against(limits.DEVICE_MEMORY, "cuda", 2**20, 1e-3, 2**20)]}
    )
    assert "| 1 MiB | 1 ms | 1.05 GB/s |" in table
    assert (
        "Not measured in this run, so the rows held against them give bare throughputs: "
        "device memory copy." in table
    )


def test_a_benchmark_that_no_limit_bounds_says_why():
    entries = [
        benchmark_entry("bench_save", "cpu", size, 1.0, size, no_limit="the file system")
        for size in (2**10, 2**20)
    ]
    table = markdown({"benchmarks": entries})
    assert "Held against no limit: `bench_save` (the file system)." in table
    assert "| 1 MiB | 1 s | 0.00105 GB/s |" in table


def test_a_round_trip_is_held_against_the_combined_rate_of_its_two_copies():
    table = markdown(
        {
            "benchmarks": [
                measuring(limits.HOST_TO_DEVICE_PAGEABLE, "bench_in", "cuda", 2**30, 0.1, 2**30),
                measuring(limits.DEVICE_TO_HOST_PAGEABLE, "bench_out", "cuda", 2**30, 0.3, 2**30),
                held_against(limits.ROUND_TRIP_PAGEABLE, "cuda", 2**30, 0.4, 2**31),
            ]
        }
    )
    # 2 GiB crossing in 0.1 s + 0.3 s: the round trip's limit is its own rate, 5.37 GB/s
    assert (
        "| host to device and back, pageable | cuda | 5.37 GB/s | combined from host to device, "
        "pageable and device to host, pageable |" in table
    )
    assert "| 1 GiB | 400 ms | 5.37 GB/s, 100% of host to device and back, pageable |" in table


def test_a_limit_in_another_unit_is_never_applied():
    matmul = measuring(limits.CPU_FLOAT32_MATMUL, "bench_mm", "cpu", 1024, 1.0, 0)
    matmul["extra_info"].update(flops=2 * 10**12, unit="width")
    table = markdown(
        {"benchmarks": [matmul, held_against(limits.CPU_FLOAT32_MATMUL, "cpu", 1, 1.0, 10**9)]}
    )
    assert "| CPU float32 matmul | cpu | 2 TFLOP/s | bench_mm at 1,024 width |" in table
    assert "| 1 B | 1 s | 1 GB/s |" in table  # bytes are not held against a FLOP rate


def test_shares_and_rates_are_readable_at_every_scale():
    assert [human_percent(f) for f in (1.234, 0.61, 0.052, 0.0012, 1e-7)] == [
        "123%",
        "61%",
        "5.2%",
        "0.12%",
        "<0.01%",
    ]
    assert human_rate(4.1e12, "bytes") == "4,100 GB/s"
    assert human_rate(7.9e14, "flops") == "790 TFLOP/s"
    assert human_rate(5.2e10, "flops") == "52 GFLOP/s"


def test_a_crossover_with_the_copies_timed_says_so_and_heads_the_report():
    entries = [
        held_against(limits.HOST_MEMORY, "cpu", 2**20, 1e-3, 2**21),
        held_against(limits.ROUND_TRIP_PAGEABLE, "cuda", 2**20, 2e-3, 2**21, includes_copies=True),
        held_against(limits.HOST_MEMORY, "cpu", 2**30, 1.0, 2**31),
        held_against(limits.ROUND_TRIP_PAGEABLE, "cuda", 2**30, 0.5, 2**31, includes_copies=True),
    ]
    table = markdown({"benchmarks": entries})
    sentence = (
        "CUDA, copies to and from the host included, is faster than the CPU from 1 GiB up "
        "(not at 1 MiB)."
    )
    assert table.rstrip().splitlines()[-1] == sentence
    summary = table.split("## Where CUDA beats the CPU")[1].split("## bench_op")[0]
    assert f"- `bench_op`: {sentence}" in summary


def test_only_a_benchmark_measured_on_both_devices_gets_a_crossover():
    entries = [
        held_against(limits.HOST_MEMORY, "cpu", 2**20, 1e-3, 2**21),
        held_against(limits.ROUND_TRIP_PAGEABLE, "cuda", 2**20, 2e-3, 2**21),
        benchmark_entry("bench_cpu_alone", "cpu", 2**20, 1e-3, 0),
        benchmark_entry("bench_cuda_alone", "cuda", 2**20, 1e-3, 0),
    ]
    table = markdown({"benchmarks": entries})
    summary = table.split("## Where CUDA beats the CPU")[1].split("\n## ")[0]
    assert summary.strip().splitlines() == [
        "- `bench_op`: CUDA is not faster than the CPU at any size measured."
    ]
    with pytest.raises(ValueError, match="sizes must hold a size measured on both cpu and cuda"):
        crossover({2**20: {}})


def test_a_benchmark_parametrized_beyond_device_and_size_has_a_table_per_parameter(tmp_path):
    entries = [
        measuring(limits.CUDA_BFLOAT16_MATMUL, "bench_mm", "cuda", 8192, 1e-3, 0),
        measuring(limits.CUDA_FLOAT32_MATMUL, "bench_mm", "cuda", 8192, 1e-2, 0),
    ]
    for entry, precision in zip(entries, ("bfloat16", "float32"), strict=True):
        entry["params"]["precision"] = precision
        entry["extra_info"].update(flops=2 * 8192**3, unit="width")
    data = {"benchmarks": [*entries, held_against(limits.HOST_MEMORY, "cpu", 2**20, 1e-3, 2**20)]}
    table_path, picture_path = write_report(data, tmp_path)
    table = table_path.read_text(encoding="utf-8")
    assert "## bench_mm[bfloat16]" in table
    assert "## bench_mm[float32]" in table
    assert (
        "| CUDA bfloat16 matmul | cuda | 1,100 TFLOP/s | bench_mm[bfloat16] at 8,192 width |"
        in table
    )
    assert picture_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_benchmark_is_held_against_a_limit_only_in_that_limits_unit():
    class Recorded:
        extra_info: dict

    benchmark = Recorded()
    benchmark.extra_info = {}
    limits.bounded_by(benchmark, limits.float32_matmul("cuda"), 100)
    assert benchmark.extra_info == {"limit": "CUDA float32 matmul", "flops": 100}
    benchmark.extra_info = {}
    limits.measures(benchmark, limits.memory("cpu"), 200)
    assert benchmark.extra_info == {
        "limit": "host memory copy",
        "measures": "host memory copy",
        "bytes": 200,
    }
    with pytest.raises(ValueError, match=r"limit must be one of .*, not 'disk'"):
        limits.bounded_by(benchmark, "disk", 1)
    with pytest.raises(ValueError, match=r"measured limits .*, not 'host to device and back"):
        limits.measures(benchmark, limits.ROUND_TRIP_PAGEABLE, 1)
    with pytest.raises(ValueError, match="device must be one of cpu, cuda, not 'meta'"):
        limits.memory("meta")
    with pytest.raises(ValueError, match="why must say what bounds the benchmark instead"):
        limits.none_applies(benchmark, " ")
    assert limits.unstated({"bytes": 1, "no_limit": "the disk"}) is None
    assert limits.unstated({"flops": 1}) == "flops"
    assert limits.unstated({"bytes": 0}) is None  # a zero-copy view has no throughput

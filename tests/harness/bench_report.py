"""Turn a pytest-benchmark JSON file into `bench.md` (CPU vs CUDA table) and `bench.png` (plot).

Benchmarks are parametrized by `device` and `size` and record in `extra_info` what one call
moved (`bytes`) or computed (`flops`), and what `size` counts (`unit`: bytes unless it says
`samples`, `width`, ...). The table gives, per benchmark and size, each device's median, the
speedup of CUDA over CPU, and GB/s or GFLOP/s; below it, the size from which CUDA is faster.
With no CUDA in the run, it has the CPU columns alone and says that the CUDA side is missing.

    python -m tests.harness.bench_report bench.json --out reports/
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DEVICE_ORDER = ("cpu", "cuda", "meta")


@dataclass(frozen=True)
class Measurement:
    benchmark: str
    device: str
    size: int
    median: float  # seconds
    moved_bytes: int | None
    flops: int | None
    unit: str = "bytes"  # what `size` counts

    def throughput(self) -> str:
        if self.moved_bytes:
            return f"{self.moved_bytes / self.median / 1e9:.2f} GB/s"
        if self.flops:
            return f"{self.flops / self.median / 1e9:.2f} GFLOP/s"
        return "—"


def measurements(benchmark_json: dict) -> list[Measurement]:
    found = []
    for entry in benchmark_json.get("benchmarks", []):
        params = entry.get("params") or {}
        extra = entry.get("extra_info") or {}
        found.append(
            Measurement(
                benchmark=entry["name"].split("[")[0],
                device=params.get("device", "cpu"),
                size=int(params.get("size", 0)),
                median=float(entry["stats"]["median"]),
                moved_bytes=extra.get("bytes"),
                flops=extra.get("flops"),
                unit=extra.get("unit", "bytes"),
            )
        )
    return found


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    for unit in ("KiB", "MiB", "GiB"):
        count /= 1024
        if count < 1024 or unit == "GiB":
            return f"{count:.4g} {unit}"


def human_size(size: int, unit: str) -> str:
    return human_bytes(size) if unit == "bytes" else f"{size:,} {unit}"


def human_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _devices(found: list[Measurement]) -> list[str]:
    present = {m.device for m in found}
    return [device for device in DEVICE_ORDER if device in present]


def _unit(sizes: dict[int, dict[str, Measurement]]) -> str:
    return next(m.unit for row in sizes.values() for m in row.values())


def crossover(sizes: dict[int, dict[str, Measurement]]) -> str:
    """Where CUDA starts to pay: the smallest size from which CUDA is faster than the CPU at
    that size and every larger one, among the sizes measured on both."""
    both = sorted(size for size, row in sizes.items() if "cpu" in row and "cuda" in row)
    if not both:
        return "No size was measured on both devices."
    slower = [
        i for i, size in enumerate(both) if sizes[size]["cuda"].median >= sizes[size]["cpu"].median
    ]
    if not slower:
        return "CUDA is faster than the CPU at every size measured."
    if len(slower) == len(both):
        return "CUDA is not faster than the CPU at any size measured."
    if slower[-1] == len(both) - 1:
        return "CUDA is not faster than the CPU at the largest size measured."
    unit = _unit(sizes)
    first = slower[-1] + 1
    return (
        f"CUDA is faster than the CPU from {human_size(both[first], unit)} up "
        f"(not at {human_size(both[first - 1], unit)})."
    )


def _by_benchmark(found: list[Measurement]) -> dict[str, dict[int, dict[str, Measurement]]]:
    table: dict[str, dict[int, dict[str, Measurement]]] = defaultdict(lambda: defaultdict(dict))
    for m in found:
        table[m.benchmark][m.size][m.device] = m
    return table


def markdown(benchmark_json: dict) -> str:
    found = measurements(benchmark_json)
    devices = _devices(found)
    context = benchmark_json.get("torch_spec", {})
    cpu_name = benchmark_json.get("machine_info", {}).get("cpu", {}).get("brand_raw", "unknown CPU")
    lines = [
        "# Benchmarks",
        "",
        f"torch {context.get('torch', '?')} · CPU: {cpu_name} · "
        f"CUDA: {context.get('cuda_device') or 'not available'}",
        "",
        "Median of the timed rounds; CUDA rounds use a clock that synchronizes the device.",
        "Speedup is CPU median / CUDA median. Throughput is what one call moved (or computed) "
        "divided by its median.",
    ]
    compare = "cpu" in devices and "cuda" in devices
    if "cuda" not in devices:
        lines += [
            "",
            "**The CUDA side is missing:** no benchmark ran on CUDA in this run, so there are "
            "no CUDA columns and no speedups. Run it on a machine with a GPU for them.",
        ]
    for benchmark, sizes in _by_benchmark(found).items():
        header = ["size"] + [f"{d} median" for d in devices]
        header += ["CUDA speedup"] if compare else []
        header += [f"{d} throughput" for d in devices]
        lines += ["", f"## {benchmark}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---:|" * len(header))
        unit = _unit(sizes)
        for size in sorted(sizes):
            row = sizes[size]
            cells = [human_size(size, unit)]
            cells += [human_seconds(row[d].median) if d in row else "—" for d in devices]
            if compare:
                both = "cpu" in row and "cuda" in row
                cells.append(f"{row['cpu'].median / row['cuda'].median:.2f}×" if both else "—")
            cells += [row[d].throughput() if d in row else "—" for d in devices]
            lines.append("| " + " | ".join(cells) + " |")
        if compare:
            lines += ["", crossover(sizes)]
    return "\n".join(lines) + "\n"


def plot(benchmark_json: dict, path: Path) -> None:
    """Time against size, log-log, a panel per sized benchmark (the table alone has the others),
    on one shared time axis.

    The shared axis keeps a flat (zero-copy) line flat: on its own panel, matplotlib would
    stretch nanoseconds of noise to fill the height.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    found = [m for m in measurements(benchmark_json) if m.size > 0]
    table = _by_benchmark(found)
    columns = min(3, max(1, len(table)))
    rows = -(-len(table) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(5 * columns, 4 * rows), squeeze=False, sharey=True
    )
    for ax in list(axes.flat)[len(table) :]:
        ax.remove()  # an empty axes that shares a log scale warns that it has nothing to scale
    for ax, (benchmark, sizes) in zip(axes.flat, table.items(), strict=False):
        for device in DEVICE_ORDER:
            points = sorted(
                (size, row[device].median) for size, row in sizes.items() if device in row
            )
            if points:
                xs, ys = zip(*points, strict=True)
                ax.loglog(xs, ys, marker="o", label=device)
        ax.set_title(benchmark)
        ax.set_xlabel(f"size ({_unit(sizes)})")
        ax.xaxis.set_minor_formatter(NullFormatter())  # over less than a decade they overlap
        ax.set_ylabel("median time (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    if found:
        low, high = min(m.median for m in found), max(m.median for m in found)
        decades = 2.0  # at least this many decades of height, so flat stays flat
        if high / low < 10**decades:
            middle = (low * high) ** 0.5
            low, high = middle / 10 ** (decades / 2), middle * 10 ** (decades / 2)
        axes.flat[0].set_ylim(low / 2, high * 2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(benchmark_json: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    table, picture = out_dir / "bench.md", out_dir / "bench.png"
    table.write_text(markdown(benchmark_json), encoding="utf-8")
    plot(benchmark_json, picture)
    return table, picture


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="a file written by --benchmark-json")
    parser.add_argument(
        "--out", type=Path, default=Path("."), help="folder for bench.md and bench.png"
    )
    args = parser.parse_args(argv)
    for path in write_report(json.loads(args.json.read_text(encoding="utf-8")), args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

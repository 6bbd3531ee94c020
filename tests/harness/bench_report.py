"""Turn a pytest-benchmark JSON file into `bench.md` (CPU vs CUDA table) and `bench.png` (plot).

Benchmarks are parametrized by `device` and `size` and record in `extra_info` what one call
moved (`bytes`) or computed (`flops`), what `size` counts (`unit`: bytes unless it says
`samples`, `width`, ...), the machine limit their throughput is held against (`limit`), and,
for the benchmarks that measure a limit, which (`measures`; tests/harness/limits.py), or why
no limit applies (`no_limit`). The report first gives the machine's limits, as measured in the
run, and where CUDA starts to beat the CPU; then, per benchmark and size, each device's median,
the speedup of CUDA over CPU, and the throughput as a fraction of its limit ("23.1 GB/s, 61% of
host memory copy"). With no CUDA in the run, it has the CPU columns alone and says that the
CUDA side is missing. The plot draws time against size, and the time the same work takes at
its limit (below it: from a cache).

    python -m tests.harness.bench_report bench.json --out reports/
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tests.harness import limits

DEVICE_ORDER = ("cpu", "cuda", "meta")
SIZE_AND_DEVICE = ("device", "size")


@dataclass(frozen=True)
class Measurement:
    benchmark: str  # the function's name, with its parameters other than device and size
    device: str
    size: int
    median: float  # seconds
    moved_bytes: int | None
    flops: int | None
    unit: str = "bytes"  # what `size` counts
    limit: str | None = None  # the machine limit its throughput is held against
    measures: str | None = None  # the machine limit it measures
    includes_copies: bool = False  # on CUDA: the copies to and from the host are timed too
    no_limit: str | None = None  # why no measured limit bounds it

    def work(self) -> tuple[int, str] | None:
        """What one call did, in what: `(bytes, "bytes")` or `(flops, "flops")`; None: nothing
        that has a throughput (a zero-copy view)."""
        if self.moved_bytes:
            return self.moved_bytes, "bytes"
        if self.flops:
            return self.flops, "flops"
        return None

    def rate(self) -> float | None:
        """Bytes or floating-point operations per second."""
        work = self.work()
        return work[0] / self.median if work else None


@dataclass(frozen=True)
class Limit:
    name: str
    device: str
    rate: float  # bytes or floating-point operations per second
    work_unit: str  # "bytes" or "flops"
    source: str  # which benchmark reached it, at which size


def measurements(benchmark_json: dict) -> list[Measurement]:
    found = []
    for entry in benchmark_json.get("benchmarks", []):
        params = entry.get("params") or {}
        extra = entry.get("extra_info") or {}
        others = [str(value) for name, value in params.items() if name not in SIZE_AND_DEVICE]
        name = entry["name"].split("[")[0] + (f"[{'-'.join(others)}]" if others else "")
        found.append(
            Measurement(
                benchmark=name,
                device=params.get("device", "cpu"),
                size=int(params.get("size", 0)),
                median=float(entry["stats"]["median"]),
                moved_bytes=extra.get("bytes"),
                flops=extra.get("flops"),
                unit=extra.get("unit", "bytes"),
                limit=extra.get("limit"),
                measures=extra.get("measures"),
                includes_copies=bool(extra.get("includes_copies", False)),
                no_limit=extra.get("no_limit"),
            )
        )
    return found


def machine_limits(found: list[Measurement]) -> dict[str, Limit]:
    """Each limit the run measured: the best rate of the benchmarks that measure it, and the
    combined limits whose parts were all measured."""
    best: dict[str, Limit] = {}
    for m in found:
        rate = m.rate()
        if m.measures is None or rate is None:
            continue
        if m.measures not in best or rate > best[m.measures].rate:
            source = f"{m.benchmark} at {human_size(m.size, m.unit)}"
            best[m.measures] = Limit(m.measures, m.device, rate, m.work()[1], source)
    for name, parts in limits.COMBINED.items():
        if all(part in best for part in parts):
            first = best[parts[0]]
            rate = limits.combined_rate([best[part].rate for part in parts])
            source = "combined from " + " and ".join(parts)
            best[name] = Limit(name, first.device, rate, first.work_unit, source)
    return best


def limit_of(m: Measurement, machine: dict[str, Limit]) -> Limit | None:
    """The measured limit `m` is held against, if the run measured it (in `m`'s unit)."""
    limit = machine.get(m.limit) if m.limit else None
    work = m.work()
    return limit if limit is not None and work and work[1] == limit.work_unit else None


def throughput(m: Measurement, machine: dict[str, Limit]) -> str:
    rate = m.rate()
    if rate is None:
        return "—"
    limit = limit_of(m, machine)
    text = human_rate(rate, m.work()[1])
    return f"{text}, {human_percent(rate / limit.rate)} of {limit.name}" if limit else text


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    for unit in ("KiB", "MiB", "GiB"):
        count /= 1024
        if count < 1024 or unit == "GiB":
            return f"{count:.4g} {unit}"


def human_size(size: int, unit: str) -> str:
    return human_bytes(size) if unit == "bytes" else f"{size:,} {unit}"


def human_rate(rate: float, work_unit: str) -> str:
    if work_unit == "flops" and rate >= 1e12:
        return f"{_significant(rate / 1e12)} TFLOP/s"
    return f"{_significant(rate / 1e9)} {'GFLOP/s' if work_unit == 'flops' else 'GB/s'}"


def _significant(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def human_percent(fraction: float) -> str:
    percent = 100 * fraction
    if percent < 0.01:
        return "<0.01%"
    return f"{percent:.0f}%" if percent >= 10 else f"{percent:.2g}%"


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
    that size and every larger one, among the sizes measured on both (at least one)."""
    both = sorted(size for size, row in sizes.items() if "cpu" in row and "cuda" in row)
    if not both:
        raise ValueError("sizes must hold a size measured on both cpu and cuda")
    copies = any(sizes[size]["cuda"].includes_copies for size in both)
    cuda = "CUDA, copies to and from the host included," if copies else "CUDA"
    slower = [
        i for i, size in enumerate(both) if sizes[size]["cuda"].median >= sizes[size]["cpu"].median
    ]
    if not slower:
        return f"{cuda} is faster than the CPU at every size measured."
    if len(slower) == len(both):
        return f"{cuda} is not faster than the CPU at any size measured."
    if slower[-1] == len(both) - 1:
        return f"{cuda} is not faster than the CPU at the largest size measured."
    unit = _unit(sizes)
    first = slower[-1] + 1
    return (
        f"{cuda} is faster than the CPU from {human_size(both[first], unit)} up "
        f"(not at {human_size(both[first - 1], unit)})."
    )


def _on_both(sizes: dict[int, dict[str, Measurement]]) -> bool:
    return any("cpu" in row and "cuda" in row for row in sizes.values())


def _by_benchmark(found: list[Measurement]) -> dict[str, dict[int, dict[str, Measurement]]]:
    table: dict[str, dict[int, dict[str, Measurement]]] = defaultdict(lambda: defaultdict(dict))
    for m in found:
        table[m.benchmark][m.size][m.device] = m
    return table


def markdown(benchmark_json: dict) -> str:
    found = measurements(benchmark_json)
    devices = _devices(found)
    machine = machine_limits(found)
    table = _by_benchmark(found)
    compare = "cpu" in devices and "cuda" in devices
    lines = [
        "# Benchmarks",
        "",
        _machine_line(benchmark_json),
        "",
        "Median of the timed rounds; CUDA rounds use a clock that synchronizes the device.",
        "Speedup is CPU median / CUDA median. Throughput is what one call moved (or computed) "
        "divided by its median, and the share of the machine limit it is held against.",
    ]
    if "cuda" not in devices:
        lines += [
            "",
            "**The CUDA side is missing:** no benchmark ran on CUDA in this run, so there are "
            "no CUDA columns and no speedups. Run it on a machine with a GPU for them.",
        ]
    lines += _limits_section(found, machine)
    if compare:
        lines += ["", "## Where CUDA beats the CPU", ""]
        lines += [
            f"- `{benchmark}`: {crossover(sizes)}"
            for benchmark, sizes in table.items()
            if _on_both(sizes)
        ]
    for benchmark, sizes in table.items():
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
            cells += [throughput(row[d], machine) if d in row else "—" for d in devices]
            lines.append("| " + " | ".join(cells) + " |")
        if _on_both(sizes):
            lines += ["", crossover(sizes)]
    return "\n".join(lines) + "\n"


def _machine_line(benchmark_json: dict) -> str:
    context = benchmark_json.get("torch_spec", {})
    cpu_name = benchmark_json.get("machine_info", {}).get("cpu", {}).get("brand_raw", "unknown CPU")
    threads = context.get("cpu_threads")
    on_threads = f" ({threads} threads)" if threads else ""
    return (
        f"torch {context.get('torch', '?')} · CPU: {cpu_name}{on_threads} · "
        f"CUDA: {context.get('cuda_device') or 'not available'}"
    )


def _limits_section(found: list[Measurement], machine: dict[str, Limit]) -> list[str]:
    lines = [
        "",
        "## This machine's limits, measured in this run",
        "",
        "Each throughput below is also given as a share of the limit it is held against "
        "(tests/harness/limits.py): the best rate this run reached at what bounds it. Above "
        "100%, the data fitted in a cache, or the op read without writing.",
    ]
    if machine:
        lines += ["", "| limit | device | best | measured by |", "|---|---|---:|---|"]
        lines += [
            f"| {limit.name} | {limit.device} | {human_rate(limit.rate, limit.work_unit)} "
            f"| {limit.source} |"
            for limit in sorted(machine.values(), key=lambda limit: _limit_order(limit.name))
        ]
    unbounded: dict[str, list[str]] = defaultdict(list)  # why -> the benchmarks it is said of
    for m in found:
        if m.no_limit and m.benchmark not in unbounded[m.no_limit]:
            unbounded[m.no_limit].append(m.benchmark)
    for why, benchmarks in unbounded.items():
        names = ", ".join(f"`{name}`" for name in benchmarks)
        lines += ["", f"Held against no limit: {names} ({why})."]
    missing = sorted(
        {m.limit for m in found if m.limit and m.limit not in machine}, key=_limit_order
    )
    if missing:
        lines += [
            "",
            f"Not measured in this run, so the rows held against them give bare throughputs: "
            f"{', '.join(missing)}.",
        ]
    return lines


def _limit_order(name: str) -> int:
    known = limits.MEASURED + tuple(limits.COMBINED)
    return known.index(name) if name in known else len(known)


def plot(benchmark_json: dict, path: Path) -> None:
    """Time against size, log-log, a panel per sized benchmark (the table alone has the others),
    on one shared time axis; dashed, in each device's colour, the time that its limit allows.

    The shared axis keeps a flat (zero-copy) line flat: on its own panel, matplotlib would
    stretch nanoseconds of noise to fill the height.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    every = measurements(benchmark_json)
    machine = machine_limits(every)
    found = [m for m in every if m.size > 0]
    table = _by_benchmark(found)
    columns = min(3, max(1, len(table)))
    rows = -(-len(table) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(5 * columns, 4 * rows), squeeze=False, sharey=True
    )
    for ax in list(axes.flat)[len(table) :]:
        ax.remove()  # an empty axes that shares a log scale warns that it has nothing to scale
    times = [m.median for m in found]
    for ax, (benchmark, sizes) in zip(axes.flat, table.items(), strict=False):
        for device in DEVICE_ORDER:
            row = sorted((size, r[device]) for size, r in sizes.items() if device in r)
            if not row:
                continue
            xs = [size for size, _ in row]
            (line,) = ax.loglog(xs, [m.median for _, m in row], marker="o", label=device)
            at_limit = [_time_at_limit(m, machine) for _, m in row]
            if all(t is not None for t in at_limit):
                name = limit_of(row[0][1], machine).name
                ax.loglog(
                    xs, at_limit, linestyle="--", color=line.get_color(), label=f"{name} limit"
                )
                times += at_limit
        ax.set_title(benchmark)
        ax.set_xlabel(f"size ({_unit(sizes)})")
        ax.xaxis.set_minor_formatter(NullFormatter())  # over less than a decade they overlap
        ax.set_ylabel("median time (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    if times:
        low, high = min(times), max(times)
        decades = 2.0  # at least this many decades of height, so flat stays flat
        if high / low < 10**decades:
            middle = (low * high) ** 0.5
            low, high = middle / 10 ** (decades / 2), middle * 10 ** (decades / 2)
        axes.flat[0].set_ylim(low / 2, high * 2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _time_at_limit(m: Measurement, machine: dict[str, Limit]) -> float | None:
    """How long `m`'s call would take at its limit's rate, if the run measured that limit."""
    limit = limit_of(m, machine)
    return m.work()[0] / limit.rate if limit else None


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

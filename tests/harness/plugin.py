"""The suite's pytest plugin: devices, claims, the global-state guard, threads, benchmarks.

Loaded by the root conftest.py. Options:

    --claims-report=PATH   write the claims report (.json or .md) at the end of the run (repeatable)
    --bench-report=DIR     after a timed benchmark run, write DIR/bench.md and DIR/bench.png
"""

from __future__ import annotations

import os
import platform
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.harness import bench_sizes, devices, global_state, limits, profiles, timing
from tests.harness.bench_report import write_report as write_bench_report
from tests.harness.claims import load_claims
from tests.harness.outcomes import ClaimLedger, RunContext, summary_lines, write_report
from tests.harness.spec_examples import ExampleClaims, example_name, is_example

profiles.register_profiles()
profiles.load_profile()

SELECTED_DEVICES = pytest.StashKey[tuple]()
CLAIMS = pytest.StashKey[dict]()  # claim id -> Claim
DEVICE_PROBLEMS = pytest.StashKey[dict]()  # module node id -> what its tests' devices break


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("torch-spec", "torch behaviour spec")
    group.addoption(
        "--claims-report",
        metavar="PATH",
        type=Path,
        action="append",
        help="write each claim's verdict and per-device outcome to PATH (.json or .md); "
        "may be given more than once",
    )
    group.addoption(
        "--bench-report",
        metavar="DIR",
        type=Path,
        help="after timing benchmarks (-n0 --benchmark-only), write DIR/bench.md and DIR/bench.png",
    )
    parser.addini(
        "spec_dir", "folder of the spec's Markdown files, relative to rootdir", default="spec"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _no_distribution_without_workers(config)
    try:
        config.stash[SELECTED_DEVICES] = devices.selected_devices()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error
    claims = load_claims(config.rootpath / config.getini("spec_dir"))
    config.stash[CLAIMS] = {claim.id: claim for claim in claims}
    config.stash[DEVICE_PROBLEMS] = {}

    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist 3.8+: scheduling_order instead
        config.option.loadscopereorder = False
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        torch.set_num_threads(threads_per_worker(_cores(), worker["workercount"]))
        # pytest-benchmark cannot time under xdist and says so at exit; say it is intended.
        if not config.getoption("benchmark_only", False):
            config.option.benchmark_disable = True
    else:
        tested = devices.tested_devices(config.stash[SELECTED_DEVICES])
        recorder = ClaimRecorder(ClaimLedger(claims, tested))
        config.pluginmanager.register(recorder, "torch-spec-claims")

    report_dir = config.getoption("bench_report")
    if report_dir is not None and config.getoption("benchmark_json", None) is None:
        config.option.benchmark_json = report_dir / "bench.json"


def threads_per_worker(cores: int, workers: int) -> int:
    """Intra-op threads for each of `workers` processes so that together they fill `cores`."""
    return max(1, cores // max(1, workers))


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _no_distribution_without_workers(config: pytest.Config) -> None:
    """`--dist loadfile` comes from addopts; without `-n` it must not switch benchmarks off."""
    if config.getoption("dist", "no") != "no" and not config.getoption("tx", None):
        config.option.dist = "no"


# Devices ----------------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `device` over the devices the test's claims list (see tests.harness.devices)."""
    known = metafunc.config.stash[CLAIMS]
    claim_ids = claims_of(metafunc.definition)
    marker = metafunc.definition.get_closest_marker("devices")
    takes_device = "device" in metafunc.fixturenames
    try:
        unknown = [claim_id for claim_id in claim_ids if claim_id not in known]
        if unknown:
            raise ValueError(f"its claim marker names {', '.join(unknown)}, which no spec claims")
        wanted = devices.devices_of_test(
            {claim_id: known[claim_id].devices for claim_id in claim_ids},
            marker.args if marker else None,
            takes_device,
        )
    except ValueError as error:
        module = metafunc.definition.parent.nodeid
        problems = metafunc.config.stash[DEVICE_PROBLEMS].setdefault(module, [])
        problems.append(f"{metafunc.definition.name}: {error}")
        wanted = ()
    if takes_device:
        metafunc.parametrize("device", devices.device_params(wanted), scope="session")
    if sizes := metafunc.definition.get_closest_marker("sizes"):
        values = bench_sizes.sizes_for_the_run(metafunc.config, sizes.args)
        metafunc.parametrize("size", values, ids=sizes.kwargs["ids"])


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """A module whose tests break the device rules fails to collect, naming each test and rule."""
    report = yield
    problems = collector.config.stash[DEVICE_PROBLEMS].pop(collector.nodeid, None)
    if problems:
        report.outcome, report.result = "failed", []
        report.longrepr = "\n".join(
            [f"{collector.nodeid}: tests whose devices break the rules of spec/README.md:"]
            + [f"  {problem}" for problem in problems]
        )
    return report


def claims_of(item: pytest.Item) -> tuple[str, ...]:
    return tuple(claim_id for marker in item.iter_markers("claim") for claim_id in marker.args)


def device_of(item: pytest.Item) -> str:
    """The device a test runs on: its `device` parameter, else the host's cpu."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("device", devices.HOST) if callspec else devices.HOST


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = config.stash[SELECTED_DEVICES]
    deselected = [item for item in items if device_of(item) not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if device_of(item) in selected]
    if hasattr(config, "workerinput"):
        items[:] = scheduling_order(items)
    examples = ExampleClaims(config.stash[CLAIMS].values())
    # user_properties travel with every report, from xdist workers to the controller.
    for item in items:
        if is_example(item):
            item.user_properties.append(("example", example_name(item, config.rootpath)))
            item.user_properties.append(("claims", examples.of_block(item)))
            item.user_properties.append(("page claims", examples.of_page(item)))
        elif claim_ids := claims_of(item):
            item.user_properties.append(("claims", claim_ids))
            item.user_properties.append(("device", device_of(item)))
        if "benchmark" in getattr(item, "fixturenames", ()):
            _time_on_the_device(item)


def scheduling_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """The order in which xdist hands out modules: those marked slow first (seconds of waiting:
    spawned processes, timeouts), then the modules with the most tests, as xdist's own
    `--loadscope-reorder` would, so that the other workers fill in around the long waits.
    Each module's tests keep their order."""
    sizes = Counter(_module_of(item) for item in items)
    return sorted(
        items,
        key=lambda item: (item.get_closest_marker("slow") is None, -sizes[_module_of(item)]),
    )


def _module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def _time_on_the_device(item: pytest.Item) -> None:
    """Give a benchmark its device's clock and warm-up, keeping its own benchmark settings."""
    own = item.get_closest_marker("benchmark")
    settings = {**(own.kwargs if own else {}), "timer": timing.clock_for(device_of(item))}
    settings.setdefault("warmup", True)
    item.add_marker(pytest.mark.benchmark(**settings), append=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "benchmark" in getattr(item, "fixturenames", ()) and devices.cuda_available():
        timing.prepare(device_of(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A benchmark that records a throughput must say what limit it is held against."""
    result = yield
    benchmark = getattr(item, "funcargs", {}).get("benchmark")
    if benchmark is not None and (unit := limits.unstated(benchmark.extra_info)):
        pytest.fail(
            f"{item.name} records a throughput ({unit}) but no limit: hold it against one "
            "with tests.harness.limits.bounded_by(benchmark, limit, amount), or say why none "
            "applies with limits.none_applies(benchmark, why)",
            pytrace=False,
        )
    return result


# Reproduction ----------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Every failure, an exception torch raised included, says how to run it again alone."""
    report = yield
    if report.failed:
        report.sections.append(("reproduce", reproduction(item)))
    return report


def reproduction(item: pytest.Item) -> str:
    """The command that reruns `item` alone, in the same hypothesis profile, and the versions."""
    config = item.config
    profile = config.getoption("hypothesis_profile", None) or profiles.default_profile()
    selected = os.environ.get("TORCH_SPEC_DEVICES")
    variables = f"HYPOTHESIS_PROFILE={profile} " + (
        f"TORCH_SPEC_DEVICES={selected} " if selected else ""
    )
    context = run_context(config)
    versions = (
        f"on torch {context.torch_version}, numpy {context.numpy_version}, "
        f"python {context.python_version}"
    )
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        versions += (
            "; the falsifying example above replays first (from hypothesis's example database, "
            "or, under ci, derandomized)"
        )
    return f"{variables}pytest -n0 '{item.nodeid}'\n{versions}\n"


# The global-state guard -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _torch_global_state_is_left_alone():
    """Fail a test that leaves torch's process-wide settings or the global random generator
    changed (and put them back)."""
    before, generator = global_state.snapshot(), global_state.generator_state()
    yield
    changed = global_state.changes(before, global_state.snapshot())
    if global_state.drew_from_the_generator(generator):
        torch.random.set_rng_state(generator)
        changed.append(
            "it drew from the global random generator: draw inside "
            "tests.harness.torch_settings.seeded(), or from a torch.Generator of its own"
        )
    if changed:
        global_state.restore(before)
        pytest.fail("the test changed torch's global state: " + "; ".join(changed), pytrace=False)


# Claims -----------------------------------------------------------------------------------------


class ClaimRecorder:
    """Registered on the controller (or the only process): records reports, prints the summary."""

    def __init__(self, ledger: ClaimLedger):
        self.ledger = ledger

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if "example" in properties:
            # The page's own set-up and teardown run in the phases around its blocks.
            page_wide = report.failed and report.when != "call"
            claim_ids = properties["page claims" if page_wide else "claims"]
            self.ledger.record_example(
                properties["example"], claim_ids, report.when, report.outcome
            )
        elif "claims" in properties:
            claim_ids, device = properties["claims"], properties["device"]
            self.ledger.record(report.nodeid, claim_ids, device, report.when, report.outcome)
        else:
            self.ledger.record_unclaimed(report.nodeid, report.when, report.outcome)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.ledger.record_unclaimed(report.nodeid or "(collection)", "collect", "failed")

    def pytest_terminal_summary(self, terminalreporter, config: pytest.Config) -> None:
        if not self.ledger.claims or config.option.collectonly:
            return
        context = run_context(config)
        terminalreporter.section(
            f"claims: torch {context.torch_version}, torchvision {context.torchvision_version}, "
            f"numpy {context.numpy_version}"
        )
        for line in summary_lines(self.ledger, context):
            terminalreporter.write_line(line)
        for path in config.getoption("claims_report") or ():
            write_report(path, self.ledger, context)
            terminalreporter.write_line(f"claims report written to {path}")


def run_context(config: pytest.Config) -> RunContext:
    return RunContext(
        torch_version=torch.__version__,
        torchvision_version=_torchvision_version(),
        numpy_version=np.__version__,
        python_version=platform.python_version(),
        devices=devices.describe_devices(config.stash[SELECTED_DEVICES]),
    )


def _torchvision_version() -> str | None:
    try:
        import torchvision
    except ImportError:
        return None
    return torchvision.__version__


# Benchmark report ---------------------------------------------------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_json(config: pytest.Config, output_json: dict) -> None:
    cuda = devices.cuda_available()
    output_json["torch_spec"] = {
        "torch": torch.__version__,
        "cuda_device": torch.cuda.get_device_name(0) if cuda else None,
        "cpu_threads": torch.get_num_threads(),
    }
    report_dir = config.getoption("bench_report")
    if report_dir is not None:
        # Every round's time, which pytest-benchmark keeps too, is most of the file (11 MB for
        # the CPU side alone) and nothing the report reads: DIR/bench.json keeps the statistics.
        for entry in output_json["benchmarks"]:
            entry["stats"].pop("data", None)
        for path in write_bench_report(output_json, report_dir):
            config.get_terminal_writer().line(f"benchmark report: {path}")

"""The suite's pytest plugin: devices, claims, the global-state guard, threads, benchmarks.

Loaded by the root conftest.py. Options:

    --claims-report=PATH   write the claims report (.json or .md) at the end of the run
    --bench-report=DIR     after a timed benchmark run, write DIR/bench.md and DIR/bench.png
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.harness import devices, global_state, profiles, timing
from tests.harness.bench_report import write_report as write_bench_report
from tests.harness.claims import load_claims
from tests.harness.outcomes import ClaimLedger, RunContext, summary_lines, write_report

profiles.register_profiles()
profiles.load_profile()

SELECTED_DEVICES = pytest.StashKey[tuple]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("torch-spec", "torch behaviour spec")
    group.addoption(
        "--claims-report",
        metavar="PATH",
        type=Path,
        help="write each claim's verdict and per-device outcome to PATH (.json or .md)",
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

    worker = getattr(config, "workerinput", None)
    if worker is not None:
        torch.set_num_threads(threads_per_worker(_cores(), worker["workercount"]))
        # pytest-benchmark cannot time under xdist and says so at exit; say it is intended.
        if not config.getoption("benchmark_only", False):
            config.option.benchmark_disable = True
    else:
        claims = load_claims(config.rootpath / config.getini("spec_dir"))
        config.pluginmanager.register(ClaimRecorder(ClaimLedger(claims)), "torch-spec-claims")

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
    if "device" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("devices")
    wanted = marker.args if marker else devices.DEFAULT_DEVICES
    selected = metafunc.config.stash[SELECTED_DEVICES]
    metafunc.parametrize("device", devices.device_params(wanted, selected), scope="session")


def device_of(item: pytest.Item) -> str:
    """The device a test runs on: its `device` parameter, else the host's cpu."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("device", "cpu") if callspec else "cpu"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        claim_ids = tuple(
            claim_id for marker in item.iter_markers("claim") for claim_id in marker.args
        )
        if claim_ids:
            # user_properties travel with every report, from xdist workers to the controller.
            item.user_properties.append(("claims", claim_ids))
            item.user_properties.append(("device", device_of(item)))
        if "benchmark" in getattr(item, "fixturenames", ()):
            _time_on_the_device(item)


def _time_on_the_device(item: pytest.Item) -> None:
    """Give a benchmark its device's clock and warm-up, keeping its own benchmark settings."""
    own = item.get_closest_marker("benchmark")
    settings = {**(own.kwargs if own else {}), "timer": timing.clock_for(device_of(item))}
    settings.setdefault("warmup", True)
    item.add_marker(pytest.mark.benchmark(**settings), append=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "benchmark" in getattr(item, "fixturenames", ()) and devices.cuda_available():
        timing.prepare(device_of(item))


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
        if "claims" in properties:
            self.ledger.record(
                report.nodeid,
                tuple(properties["claims"]),
                properties["device"],
                report.when,
                report.outcome,
            )

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
        path = config.getoption("claims_report")
        if path is not None:
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
    }
    report_dir = config.getoption("bench_report")
    if report_dir is not None:
        for path in write_bench_report(output_json, report_dir):
            config.get_terminal_writer().line(f"benchmark report: {path}")

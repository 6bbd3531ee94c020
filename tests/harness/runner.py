"""The harness's hooks in a process that runs tests: an xdist worker, or the only process.

Registered by tests.harness.plugin, which every process loads; the xdist controller, which runs
no test, never imports this module, and so never pays for `import torch`. Here: the devices a
test runs on, the global-state guard, threads per worker, the reproduction note on a failure,
the limit every benchmark states, and the run's context (versions, devices), which a worker
hands the controller at its end.
"""

from __future__ import annotations

import dataclasses
import os
import platform
from collections import Counter

import numpy as np
import pytest
import torch

from tests.harness import bench_sizes, devices, global_state, limits, profiles, timing
from tests.harness.bench_report import write_report as write_bench_report
from tests.harness.outcomes import RunContext
from tests.harness.plugin import CLAIMS, RUN_CONTEXT, SELECTED_DEVICES
from tests.harness.spec_examples import ExampleClaims, example_name, is_example

DEVICE_PROBLEMS = pytest.StashKey[dict]()  # module node id -> what its tests' devices break


def pytest_configure(config: pytest.Config) -> None:
    config.stash[DEVICE_PROBLEMS] = {}
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        torch.set_num_threads(threads_per_worker(_cores(), worker["workercount"]))
        # pytest-benchmark cannot time under xdist and says so at exit; say it is intended.
        if not config.getoption("benchmark_only", False):
            config.option.benchmark_disable = True


def threads_per_worker(cores: int, workers: int) -> int:
    """Intra-op threads for each of `workers` processes so that together they fill `cores`."""
    return max(1, cores // max(1, workers))


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# Devices ----------------------------------------------------------------------------------------


def claims_of(item: pytest.Item) -> tuple[str, ...]:
    return tuple(claim_id for marker in item.iter_markers("claim") for claim_id in marker.args)


def device_of(item: pytest.Item) -> str:
    """The device a test runs on: its `device` parameter, else the host's cpu."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("device", devices.HOST) if callspec else devices.HOST


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


# Benchmarks -------------------------------------------------------------------------------------


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


# Reproduction -----------------------------------------------------------------------------------


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
    selected = os.environ.get(devices.ENVIRONMENT_VARIABLE)
    variables = f"HYPOTHESIS_PROFILE={profile} " + (
        f"{devices.ENVIRONMENT_VARIABLE}={selected} " if selected else ""
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


# The run's context ------------------------------------------------------------------------------


def run_context(config: pytest.Config) -> RunContext:
    """The versions and devices of this process, which ran the tests."""
    return RunContext(
        torch_version=str(torch.__version__),  # a TorchVersion, which execnet cannot send
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


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands the controller, which never imports torch, the run's context."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output[RUN_CONTEXT] = dataclasses.asdict(run_context(session.config))

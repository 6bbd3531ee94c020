"""The harness's parts alone: outcomes, devices, the state guard, threads, the long-lived
objects, clocks, versions.

The bench report has its own module, test_bench_report."""

from __future__ import annotations

import dataclasses
import gc
import os
import re
import subprocess
import sys
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from tests.harness import devices, global_state, timing
from tests.harness.claims import parse_claims
from tests.harness.long_lived import LongLived
from tests.harness.outcomes import (
    ClaimLedger,
    RunContext,
    report_data,
    report_markdown,
    summary_lines,
)
from tests.harness.plugin import RUN_CONTEXT, ClaimRecorder, runs_tests
from tests.harness.rewriting import rewriting_hook
from tests.harness.runner import scheduling_order, threads_per_worker
from tests.harness.torch_settings import seeded
from tests.harness.versions import release

ROOT = Path(__file__).resolve().parents[2]
SPEC = """\
### `demo.a.one` — first
- **Verdict:** holds
- **Devices:** cpu, cuda
- **Reference:** none: demo

### `demo.a.two` — second
- **Verdict:** not true
- **Devices:** cpu
- **Reference:** none: demo
"""
CONTEXT = RunContext("2.x", "0.x", "2.y", "3.z", {"cpu": {"selected": True, "available": True}})


def ledger_with(*reports) -> ClaimLedger:
    """reports: (nodeid, claim id, device, phase, outcome)"""
    ledger = ClaimLedger(parse_claims(SPEC, Path("demo.md")))
    for nodeid, claim_id, device, phase, outcome in reports:
        ledger.record(nodeid, (claim_id,), device, phase, outcome)
    return ledger


# Outcomes -----------------------------------------------------------------------------------------


def test_a_claim_whose_tests_all_skipped_is_skipped_never_passed():
    ledger = ledger_with(
        ("t1", "demo.a.one", "cuda", "setup", "skipped"),
        ("t1", "demo.a.one", "cuda", "teardown", "passed"),
        ("t2", "demo.a.one", "cuda", "setup", "passed"),
        ("t2", "demo.a.one", "cuda", "call", "skipped"),
    )
    assert ledger.outcome("demo.a.one", "cuda") == "skipped"


def test_one_failure_breaks_a_claim_and_one_pass_holds_it():
    ledger = ledger_with(
        ("pass", "demo.a.one", "cpu", "call", "passed"),
        ("skip", "demo.a.one", "cpu", "setup", "skipped"),
        ("fail", "demo.a.two", "cpu", "call", "failed"),
        ("pass2", "demo.a.two", "cpu", "call", "passed"),
    )
    assert ledger.outcome("demo.a.one", "cpu") == "passed"
    assert ledger.outcome("demo.a.two", "cpu") == "failed"
    assert ledger.failing_checks("demo.a.two", "cpu") == ["fail"]


def test_a_failure_in_teardown_fails_a_test_that_passed():
    ledger = ledger_with(
        ("t", "demo.a.two", "cpu", "call", "passed"),
        ("t", "demo.a.two", "cpu", "teardown", "failed"),
    )
    assert ledger.outcome("demo.a.two", "cpu") == "failed"


def test_an_example_counts_where_the_run_tested_and_its_failure_everywhere():
    passed = ClaimLedger(parse_claims(SPEC, Path("demo.md")), tested_devices=("cpu",))
    passed.record_example("spec/demo.md:9", ("demo.a.one",), "call", "passed")
    assert passed.table()["demo.a.one"] == {"cpu": "passed", "cuda": "untested"}
    failed = ClaimLedger(parse_claims(SPEC, Path("demo.md")), tested_devices=("cpu",))
    failed.record_example("spec/demo.md:9", ("demo.a.one",), "call", "failed")
    assert failed.table()["demo.a.one"] == {"cpu": "failed", "cuda": "failed"}
    assert failed.failing_checks("demo.a.one", "cuda") == ["spec/demo.md:9"]


def test_where_an_example_counts_is_decided_when_the_devices_are_known():
    """Under xdist the controller learns which devices the run had only from its workers, at
    their end: the examples recorded before then count by the devices it learns."""
    ledger = ClaimLedger(parse_claims(SPEC, Path("demo.md")))
    ledger.record_example("spec/demo.md:9", ("demo.a.one",), "call", "passed")
    without_cuda = {
        "cpu": {"selected": True, "available": True},
        "cuda": {"selected": True, "available": False},
    }
    ledger.tested_devices = RunContext("", "", "", "", without_cuda).tested_devices()
    assert ledger.table()["demo.a.one"] == {"cpu": "passed", "cuda": "untested"}


def test_a_failure_of_no_claim_is_counted_apart_and_named_in_the_summary():
    ledger = ledger_with(("t", "demo.a.one", "cpu", "call", "passed"))
    ledger.record_unclaimed("tests/meta/test_x.py::t", "call", "failed")
    ledger.record_unclaimed("tests/meta/test_x.py::fine", "call", "passed")
    ledger.record_example("spec/index.md:3", (), "call", "failed")
    assert ledger.unclaimed_failures() == ["spec/index.md:3", "tests/meta/test_x.py::t"]
    assert ledger.outcome("demo.a.one", "cpu") == "passed"
    assert summary_lines(ledger, CONTEXT)[-1] == (
        "failed, checking no claim: 2  (spec/index.md:3, tests/meta/test_x.py::t)"
    )


def test_a_claim_with_no_report_on_a_device_is_untested():
    ledger = ledger_with(("t", "demo.a.one", "cpu", "call", "passed"))
    assert ledger.table() == {
        "demo.a.one": {"cpu": "passed", "cuda": "untested"},
        "demo.a.two": {"cpu": "untested"},
    }
    assert ledger.counts() == {
        "cpu": {"passed": 1, "failed": 0, "skipped": 0, "untested": 1},
        "cuda": {"passed": 0, "failed": 0, "skipped": 0, "untested": 1},
    }


def test_summary_and_markdown_report_name_the_broken_claim():
    ledger = ledger_with(("tests/x.py::t", "demo.a.two", "cpu", "call", "failed"))
    lines = summary_lines(ledger, CONTEXT)
    assert lines[0].split() == ["device", "held", "broken", "skipped", "untested"]
    assert lines[1].split() == ["cpu", "0", "1", "0", "1"]
    assert "broken on cpu: demo.a.two  (tests/x.py::t)" in lines
    table = report_markdown(report_data(ledger, CONTEXT))
    assert "| `demo.a.two` | second | not true | failed |" in table


# Devices ------------------------------------------------------------------------------------------


def test_devices_default_to_all_and_are_restricted_by_the_variable():
    assert devices.selected_devices("") == ("cpu", "cuda", "meta")
    assert devices.selected_devices(" cpu , meta") == ("cpu", "meta")
    with pytest.raises(ValueError, match="names tpu; known devices are cpu, cuda, meta"):
        devices.selected_devices("cpu,tpu")


def test_cuda_params_are_marked_and_skip_without_cuda():
    params = devices.device_params(("cpu", "cuda", "meta"))
    assert [param.values for param in params] == [("cpu",), ("cuda",), ("meta",)]
    cuda_marks = {mark.name: mark for mark in params[1].marks}
    assert set(cuda_marks) == {"cuda", "skipif"}
    assert cuda_marks["skipif"].args == (not torch.cuda.is_available(),)
    assert cuda_marks["skipif"].kwargs == {"reason": "CUDA not available"}


EVERYWHERE = {"claim.a": ("cpu", "cuda", "meta")}


@pytest.mark.parametrize(
    ("claim_devices", "marker", "takes_device", "expected"),
    [
        (EVERYWHERE, None, True, ("cpu", "cuda", "meta")),
        (EVERYWHERE, ("meta", "cuda"), True, ("cuda", "meta")),
        (EVERYWHERE, None, False, ("cpu",)),
        ({"claim.a": ("cpu", "cuda"), "claim.b": ("cuda", "meta")}, None, True, ("cuda",)),
        ({}, None, True, ("cpu", "cuda")),
        ({}, ("cuda",), True, ("cuda",)),
        ({}, None, False, ("cpu",)),
    ],
)
def test_a_tests_devices_are_those_its_claims_share_narrowed_by_its_marker(
    claim_devices, marker, takes_device, expected
):
    assert devices.devices_of_test(claim_devices, marker, takes_device) == expected


@pytest.mark.parametrize(
    ("claim_devices", "marker", "takes_device", "complaint"),
    [
        (EVERYWHERE, ("tpu",), True, "its devices marker names tpu; known devices are"),
        (EVERYWHERE, (), True, "its devices marker names no device"),
        ({"claim.a": ("cpu",), "claim.b": ("meta",)}, None, True, "share no device"),
        ({"claim.a": ("cuda",)}, None, False, "runs on the cpu, which `claim.a` (Devices: cuda)"),
        (EVERYWHERE, ("cpu",), False, "takes no device argument, so it runs on the cpu: drop"),
        ({"claim.a": ("cpu", "cuda")}, ("meta",), True, "adds meta, which `claim.a`"),
        (EVERYWHERE, ("cuda", "meta", "cpu"), True, "restates the Devices line of `claim.a`"),
        ({}, ("cuda", "cpu"), True, "restates the default: drop it"),
        ({"claim.a": ("cpu",)}, None, True, "runs on the cpu alone: drop its `device` argument"),
        (EVERYWHERE, ("cpu",), True, "runs on the cpu alone"),
    ],
)
def test_devices_that_cannot_be_derived_are_refused_naming_the_rule(
    claim_devices, marker, takes_device, complaint
):
    with pytest.raises(ValueError, match=re.escape(complaint)):
        devices.devices_of_test(claim_devices, marker, takes_device)


def test_a_run_tests_the_selected_devices_it_has():
    def tested(selected: tuple[str, ...]) -> tuple[str, ...]:
        return RunContext("", "", "", "", devices.describe_devices(selected)).tested_devices()

    cuda = ("cuda",) if torch.cuda.is_available() else ()
    assert tested(("cpu", "cuda", "meta")) == ("cpu", *cuda, "meta")
    assert tested(("meta",)) == ("meta",)


# The global-state guard ---------------------------------------------------------------------------


def test_the_guard_sees_and_restores_a_changed_default_dtype_and_grad_mode():
    before = global_state.snapshot()
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
    try:
        changed = global_state.changes(before, global_state.snapshot())
        assert changed == [
            "grad mode: True -> False",
            "default dtype: torch.float32 -> torch.float64",
        ]
    finally:
        global_state.restore(before)
    assert global_state.snapshot() == before


def test_the_guard_sees_a_default_device_on_every_release_and_inside_a_with_block():
    """torch.get_default_device() is missing before torch 2.3 and says "cpu" inside a
    `with torch.device(...)` block before 2.8: the guard reads where a factory allocates."""
    before = global_state.snapshot()
    with torch.device("meta"):
        assert global_state.changes(before, global_state.snapshot()) == [
            "default device: device(type='cpu') -> device(type='meta')"
        ]
    assert global_state.snapshot() == before


# Threads under xdist ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cores", "workers", "threads"), [(2, 2, 1), (16, 4, 4), (16, 3, 5), (2, 8, 1), (8, 0, 8)]
)
def test_workers_split_the_cores(cores, workers, threads):
    assert threads_per_worker(cores, workers) == threads


def test_this_worker_has_its_share_of_the_cores():
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers is None:
        pytest.skip("not running under xdist: torch keeps its own thread count")
    assert torch.get_num_threads() == threads_per_worker(len(os.sched_getaffinity(0)), int(workers))


@dataclass
class FakeItem:
    nodeid: str
    slow: bool = False

    def get_closest_marker(self, name: str):
        return pytest.mark.slow.mark if name == "slow" and self.slow else None


def test_xdist_hands_out_slow_modules_first_then_the_largest():
    items = [
        FakeItem("a.py::one"),
        FakeItem("b.py::one"),
        FakeItem("b.py::two"),
        FakeItem("slow.py::spawns", slow=True),
        FakeItem("slow.py::waits", slow=True),
        FakeItem("c.py::one"),
    ]
    order = [item.nodeid for item in scheduling_order(items)]
    assert order == [
        "slow.py::spawns", "slow.py::waits", "b.py::one", "b.py::two", "a.py::one", "c.py::one"
    ]  # fmt: skip


# Assertion rewriting -----------------------------------------------------------------------------


def loader_of(module: str) -> str:
    return type(sys.modules[module].__spec__.loader).__name__


def test_pytest_rewrites_the_suites_asserts_and_leaves_hypothesiss_alone():
    if rewriting_hook() is None:
        pytest.skip("this run does not rewrite asserts (--assert=plain)")
    for ours in ("conftest", "tests.harness.plugin", __name__):
        assert loader_of(ours) == "AssertionRewritingHook", f"{ours} was not rewritten"
    for theirs in ("hypothesis", "hypothesis.core", "hypothesis.strategies._internal.core"):
        assert loader_of(theirs) == "SourceFileLoader", f"{theirs} was rewritten"


# The xdist controller ----------------------------------------------------------------------------


def test_the_controllers_modules_do_not_import_torch():
    """What every process loads (the conftest and the plugin) leaves torch to the runner, so
    that the xdist controller starts its workers at once and exits at once."""
    loads = "import sys, conftest, tests.harness.plugin; print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", loads], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False", f"{loads!r} imported torch"


class FakeConfig:
    """A pytest config's options; `workerinput`, as xdist gives it, only in a worker."""

    def __init__(self, options: dict, workerinput: dict | None = None):
        self.options = options
        if workerinput is not None:
            self.workerinput = workerinput

    def getoption(self, name: str, default=None):
        return self.options.get(name, default)


@pytest.mark.parametrize(
    ("options", "worker", "runs"),
    [
        ({"dist": "no"}, False, True),  # the only process
        ({"dist": "loadfile"}, False, False),  # the xdist controller
        ({"dist": "loadfile", "collectonly": True}, False, True),  # xdist collects in-process
        ({"dist": "loadfile"}, True, True),  # a worker
    ],
)
def test_every_process_but_the_xdist_controller_runs_tests(options, worker, runs):
    config = FakeConfig(options, {"workercount": 2} if worker else None)
    assert runs_tests(config) is runs


@dataclass
class FakeNode:
    workeroutput: dict


def test_the_controller_reports_the_context_its_first_worker_handed_it():
    recorder = ClaimRecorder(ClaimLedger([]))
    first = {**dataclasses.asdict(CONTEXT), "torch_version": "2.first"}
    recorder.pytest_testnodedown(FakeNode({RUN_CONTEXT: first}), error=None)
    recorder.pytest_testnodedown(FakeNode({RUN_CONTEXT: dataclasses.asdict(CONTEXT)}), None)
    recorder.pytest_testnodedown(FakeNode({}), error="crashed")  # a worker that died: nothing
    assert recorder.context == RunContext(**first)


# Long-lived objects -------------------------------------------------------------------------------


class Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


def test_this_run_has_frozen_its_long_lived_objects_and_still_collects_a_tests_garbage():
    assert LongLived.owner is not None, "no run owns the collector"
    assert gc.isenabled(), "the collector is still off after the tests were collected"
    assert gc.get_freeze_count() > 0, "the run froze nothing"
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert alive() is None, "a cycle that a test made outlived a collection"


def test_a_run_inside_a_run_leaves_the_outer_runs_collector_alone():
    frozen = gc.get_freeze_count()
    inner = LongLived(worker=False)  # what a demo project's run registers
    assert not inner.owns_the_collector
    assert gc.isenabled(), "the inner run turned the collector off"
    inner.pytest_collection_finish()
    inner.pytest_runtest_setup(FakeItem("test_demo.py::test_one"))
    assert gc.get_freeze_count() == frozen, "the inner run froze more"
    inner.pytest_unconfigure()
    assert gc.get_freeze_count() == frozen, "the inner run unfroze the outer run's objects"


def test_a_run_loads_without_the_collector_then_freezes_what_survives_as_each_module_begins():
    outer, LongLived.owner = LongLived.owner, None  # this run's collector, lent to the test
    try:
        run = LongLived(worker=False)
        assert run.owns_the_collector
        assert not gc.isenabled(), "the collector runs while the tests load"
        garbage = [Cycle() for _ in range(1000)]
        freed = [weakref.ref(cycle) for cycle in garbage]
        del garbage
        run.pytest_collection_finish()
        assert gc.isenabled(), "the collector is off once the tests are collected"
        assert all(ref() is None for ref in freed), "the garbage was frozen, not collected"
        run.pytest_runtest_setup(FakeItem("test_demo.py::test_one"))
        at_first_module = gc.get_freeze_count()
        survivors = [Cycle() for _ in range(1000)]
        run.pytest_runtest_setup(FakeItem("test_demo.py::test_two"))
        assert gc.get_freeze_count() == at_first_module, "it froze within a module"
        run.pytest_runtest_setup(FakeItem("test_other.py::test_one"))
        assert gc.get_freeze_count() >= at_first_module + len(survivors)
        run.pytest_unconfigure()
        assert gc.get_freeze_count() == 0, "the only process of a run left its objects frozen"
        assert LongLived.owner is None
    finally:
        LongLived.owner = outer
        gc.enable()
        gc.collect()
        gc.freeze()


# A process that runs a run's hooks, with an exit handler registered before the run's and one
# after: exit handlers run last registered first, so the run's runs between the two.
RUN_AND_EXIT = """
import atexit, gc, sys
atexit.register(lambda: print("registered before the run", file=sys.stderr))
from tests.harness.long_lived import LongLived
run = LongLived(worker={worker})
atexit.register(lambda: print("registered after the run", file=sys.stderr))
run.pytest_collection_finish()
run.pytest_unconfigure()
print(gc.isenabled(), gc.get_freeze_count() > 0)
"""


@pytest.mark.parametrize(
    ("worker", "still_frozen", "stderr"),
    [
        (True, True, "registered after the run\n"),
        (False, False, "registered after the run\nregistered before the run\n"),
    ],
    ids=["xdist-worker", "only-process"],
)
def test_a_worker_exits_with_its_objects_frozen_and_quietly(worker, still_frozen, stderr):
    child = subprocess.run(
        [sys.executable, "-c", RUN_AND_EXIT.format(worker=worker)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout == f"True {still_frozen}\n"
    assert child.stderr == stderr


# Clocks -------------------------------------------------------------------------------------------


def test_the_cpu_clock_is_perf_counter():
    assert timing.clock_for("cpu") is time.perf_counter
    assert timing.clock_for("cuda") is timing.cuda_synchronized_clock


@pytest.mark.devices("cuda")
def test_the_cuda_clock_waits_for_queued_work(device):
    timing.prepare(device)
    torch.cuda._sleep(50_000_000)  # a kernel that spins for tens of milliseconds
    timing.cuda_synchronized_clock()
    assert torch.cuda.current_stream().query(), "the clock read the time before the GPU was idle"


# Versions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.15.0+cu132", (2, 15)),
        ("2.6.0", (2, 6)),
        ("2.10.0a0+git1234", (2, 10)),
        ("0.29.2", (0, 29)),
    ],
)
def test_a_release_is_major_and_minor(version, expected):
    assert release(version) == expected


def test_a_version_without_major_and_minor_is_refused():
    with pytest.raises(ValueError, match=r"does not start with MAJOR\.MINOR"):
        release("nightly")


# Settings -----------------------------------------------------------------------------------------


def test_seeded_blocks_repeat_their_draws_and_leave_the_global_generator_alone():
    before = torch.random.get_rng_state()
    with seeded(7):
        first = torch.rand(4)
    with seeded(7):
        second = torch.rand(4)
    with seeded(8):
        other = torch.rand(4)
    assert torch.equal(first, second)
    assert not torch.equal(first, other)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_the_guard_sees_a_draw_from_the_global_generator_and_not_a_seeded_one():
    with seeded(0):  # the meta test itself must leave the generator alone
        before = global_state.generator_state()
        torch.rand(1)
        assert global_state.drew_from_the_generator(before)
        before = global_state.generator_state()
        torch.rand(1, generator=torch.Generator().manual_seed(0))
        with seeded(1):
            torch.rand(1)
        assert not global_state.drew_from_the_generator(before)

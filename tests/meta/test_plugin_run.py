"""The plugin end to end: a small project with a spec and tests, run by pytest."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
import torch

from tests.harness import profiles, timing
from tests.meta.demo_project import run, write_project

SPEC = """\
# Demo

### `demo.run.holds` — a claim whose test passes
- **Verdict:** holds
- **Devices:** cpu
- **Reference:** none: demo

### `demo.run.breaks` — a claim whose test fails
- **Verdict:** holds
- **Devices:** cpu
- **Reference:** none: demo

### `demo.run.on-cuda` — a claim tested on CUDA only
- **Verdict:** holds
- **Devices:** cuda
- **Reference:** none: demo

### `demo.run.leaves-state` — a claim whose test leaves grad mode off
- **Verdict:** holds
- **Devices:** cpu
- **Reference:** none: demo

### `demo.run.never-tested` — a claim with no test
- **Verdict:** holds
- **Devices:** cpu, meta
- **Reference:** none: demo
"""

TESTS = """\
import pytest
import torch

from tests.harness import limits
from tests.harness.bench_sizes import KIB, over_sizes


@pytest.mark.claim('demo.run.holds')
def test_holds():
    assert torch.ones(2).sum().item() == 2


@pytest.mark.claim('demo.run.breaks')
def test_breaks():
    torch.zeros(2) + torch.zeros(3)  # torch raises: a failure with no assert of ours


@pytest.mark.claim('demo.run.on-cuda')
def test_on_cuda(device):
    assert torch.ones(1, device=device).device.type == "cuda"


@pytest.mark.claim('demo.run.leaves-state')
def test_leaves_grad_mode_off():
    torch.set_grad_enabled(False)


@over_sizes([KIB, 4 * KIB])
def bench_bytearray(benchmark, size):
    benchmark(bytearray, size)


def bench_sum(benchmark, device):
    limits.bounded_by(benchmark, limits.memory(device), 4096)
    tensor = torch.ones(1024, device=device)
    benchmark(tensor.sum)


def bench_without_a_limit(benchmark):
    benchmark.extra_info["flops"] = 2
    benchmark(sum, [1.0, 2.0])
"""

EXAMPLES = """\
# Examples

```python
import torch

assert torch.ones(2).sum().item() == 2
```

```python
torch.set_grad_enabled(False)
```
"""


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """Run the demo project once: (the finished process, claims report as JSON, report folder)."""
    project = tmp_path_factory.mktemp("demo")
    files = {"spec/demo.md": SPEC, "spec/examples.md": EXAMPLES, "test_demo.py": TESTS}
    write_project(project, files)
    reports = project / "reports"
    quick = ("--benchmark-max-time=0.001", "--benchmark-min-rounds=1")
    markdown = f"--claims-report={reports / 'claims.md'}"  # beside run()'s claims.json
    finished = run(project, f"--bench-report={reports}", markdown, *quick)
    return finished, finished.report, reports


def outcomes(report):
    return {claim["id"]: claim["outcomes"] for claim in report["claims"]}


def test_the_claims_report_is_written_to_each_path_it_is_given(demo_run):
    _, report, reports = demo_run
    table = (reports / "claims.md").read_text(encoding="utf-8")
    assert report is not None
    for claim in report["claims"]:
        assert f"`{claim['id']}`" in table


def test_the_run_fails_because_a_test_failed(demo_run):
    run, _, _ = demo_run
    assert run.returncode == 1, run.stdout


def test_each_claim_gets_the_outcome_of_its_tests(demo_run):
    _, report, _ = demo_run
    cuda = "passed" if torch.cuda.is_available() else "skipped"
    assert outcomes(report) == {
        "demo.run.holds": {"cpu": "passed"},
        "demo.run.breaks": {"cpu": "failed"},
        "demo.run.on-cuda": {"cuda": cuda},
        "demo.run.leaves-state": {"cpu": "failed"},
        "demo.run.never-tested": {"cpu": "untested", "meta": "untested"},
    }


def test_the_report_names_versions_and_devices(demo_run):
    _, report, _ = demo_run
    assert report["torch"] == torch.__version__
    assert report["devices"]["cuda"]["available"] == torch.cuda.is_available()
    assert report["summary"]["cpu"] == {"passed": 1, "failed": 2, "skipped": 0, "untested": 1}


def test_the_state_guard_fails_the_test_that_left_grad_mode_off(demo_run):
    run, _, _ = demo_run
    assert "ERROR at teardown of test_leaves_grad_mode_off" in run.stdout
    assert "the test changed torch's global state: grad mode: True -> False" in run.stdout


def test_spec_examples_run_and_a_page_that_leaves_state_changed_fails(demo_run):
    run, _, _ = demo_run
    assert re.search(r"PASSED spec/examples.md::line:3,column:1", run.stdout), run.stdout
    assert (
        "the page's examples changed torch's global state: grad mode: True -> False" in run.stdout
    )


def test_the_terminal_summary_counts_claims_per_device(demo_run):
    run, _, _ = demo_run
    lines = [line.split() for line in run.stdout.splitlines()]
    assert ["device", "held", "broken", "skipped", "untested"] in lines
    assert ["cpu", "1", "2", "0", "1"] in lines
    assert "broken on cpu: demo.run.breaks  (test_demo.py::test_breaks)" in run.stdout


def test_a_benchmark_that_records_a_throughput_without_its_limit_fails(demo_run):
    run, _, _ = demo_run
    assert (
        "bench_without_a_limit records a throughput (flops) but no limit: hold it against one "
        "with tests.harness.limits.bounded_by(benchmark, limit, amount)" in run.stdout
    )
    assert "FAILED test_demo.py::bench_sum" not in run.stdout


def test_every_failure_says_how_to_rerun_it_alone(demo_run):
    run, _, _ = demo_run
    assert (
        "RuntimeError: The size of tensor a (2) must match the size of tensor b (3)" in run.stdout
    )
    sections = run.stdout.split("- reproduce -")[1:]
    commands = [section.splitlines()[1] for section in sections]
    profile = profiles.default_profile()
    assert f"HYPOTHESIS_PROFILE={profile} pytest -n0 'test_demo.py::test_breaks'" in commands
    assert f"on torch {torch.__version__}, numpy {np.__version__}" in sections[0]


def test_a_cuda_test_without_cuda_is_skipped_with_the_reason(demo_run):
    run, _, _ = demo_run
    if torch.cuda.is_available():
        assert "PASSED test_demo.py::test_on_cuda[cuda]" in run.stdout
    else:
        assert re.search(r"SKIPPED \[1\] test_demo.py:\d+: CUDA not available", run.stdout)


def test_benchmarks_get_the_device_clock_and_the_report_is_written(demo_run):
    _, _, reports = demo_run
    timed = json.loads((reports / "bench.json").read_text(encoding="utf-8"))["benchmarks"]
    sized = sorted(entry["name"] for entry in timed if "size" in (entry["params"] or {}))
    assert sized == ["bench_bytearray[1KiB]", "bench_bytearray[4KiB]"]  # timed: every size
    assert all("data" not in entry["stats"] for entry in timed)  # the statistics, not every round
    clocks = {
        entry["params"]["device"]: entry["options"]["timer"]
        for entry in timed
        if "device" in (entry["params"] or {})
    }
    expected = {"cpu": time.perf_counter.__name__}
    if torch.cuda.is_available():
        expected["cuda"] = timing.cuda_synchronized_clock.__name__
    assert clocks == expected
    assert all(entry["options"]["warmup"] for entry in timed)
    assert "## bench_sum" in (reports / "bench.md").read_text(encoding="utf-8")
    assert (reports / "bench.png").stat().st_size > 0

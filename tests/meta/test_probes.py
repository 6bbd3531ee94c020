"""Probes: each way the claims report could lie, planted in a demo project.

For each, the report must call the claim broken, or the run must refuse to collect the module,
naming the test and the rule it breaks.
"""

from __future__ import annotations

import pytest
import torch

from tests.meta.demo_project import run, write_project

DEMO_PAGE = """\
# Demo

```python
import torch
```

### `demo.probe.example-fails` — its test passes, the example below it fails
- **Verdict:** holds
- **Devices:** cpu
- **Reference:** none: probe

```python
assert torch.zeros(1).item() == 1
```

### `demo.probe.on-cuda` — a CUDA-only claim whose example runs on any machine
- **Verdict:** holds
- **Devices:** cuda
- **Reference:** none: probe

```python
assert torch.ones(1).item() == 1
```

### `demo.probe.cpu-only` — a cpu claim
- **Verdict:** holds
- **Devices:** cpu
- **Reference:** none: probe

### `demo.probe.meta-only` — a meta claim
- **Verdict:** holds
- **Devices:** meta
- **Reference:** none: probe

### `demo.probe.everywhere` — a claim of every device
- **Verdict:** holds
- **Devices:** cpu, cuda, meta
- **Reference:** none: probe
"""

# A page whose set-up fails, one whose examples leave grad mode off, one whose CUDA example fails.
PAGES = {
    "setup": "```python\n1 / 0\n```\n",
    "leaks": "```python\nimport torch\n\ntorch.set_grad_enabled(False)\n```\n",
    "cudafail": "```python\nassert 1 == 2\n```\n",
}


def page(area: str) -> str:
    devices = "cuda" if area == "cudafail" else "cpu"
    claims = "".join(
        f"\n### `{area}.probe.{name}` — its test passes\n- **Verdict:** holds\n"
        f"- **Devices:** {devices}\n- **Reference:** none: probe\n"
        for name in ("first", "second")
    )
    set_up, examples = ("", PAGES[area]) if area == "cudafail" else (PAGES[area], "")
    return f"# {area}\n\n{set_up}{claims}\n{examples}"


TESTS = """\
import pytest
import torch

from tests.harness.bench_sizes import KIB, MIB, over_sizes


@pytest.mark.claim('demo.probe.example-fails')
@pytest.mark.claim('setup.probe.first', 'setup.probe.second')
@pytest.mark.claim('leaks.probe.first', 'leaks.probe.second')
def test_example_fails_but_this_passes():
    assert torch.ones(1).item() == 1


@pytest.mark.claim('demo.probe.on-cuda', 'cudafail.probe.first', 'cudafail.probe.second')
@pytest.mark.claim('demo.probe.everywhere')
def test_on_cuda(device):
    assert torch.ones(1, device=device).device.type == "cuda"


@pytest.mark.claim('demo.probe.cpu-only')
def test_cpu_only():
    assert torch.ones(1).sum().item() == 1


@pytest.mark.claim('demo.probe.meta-only')
def test_meta_only(device):
    assert device == "meta"


@pytest.mark.claim('demo.probe.everywhere')
def test_everywhere(device):
    assert torch.ones(2, device=device).shape == (2,)


def test_of_no_claim_that_fails():
    assert torch.zeros(1).item() == 1


@over_sizes([MIB, KIB])
def bench_sized(benchmark, size):
    benchmark(bytearray, size)
"""

REFUSED = {
    "widens": (
        "@pytest.mark.claim('demo.probe.cpu-only')\n"
        '@pytest.mark.devices("cpu", "meta")\ndef test_widened(device):\n    pass\n',
        "test_widened: its devices marker adds meta, which `demo.probe.cpu-only` (Devices: cpu) "
        "does not list: a marker may narrow a claim's devices, never widen them",
    ),
    "unknown": (
        '@pytest.mark.devices("gpu")\ndef test_on_a_gpu(device):\n    pass\n',
        "test_on_a_gpu: its devices marker names gpu; known devices are cpu, cuda, meta",
    ),
    "host": (
        "@pytest.mark.claim('demo.probe.meta-only')\ndef test_without_device():\n    pass\n",
        "test_without_device: it takes no device argument, so it runs on the cpu, which "
        "`demo.probe.meta-only` (Devices: meta) does not list: give it a `device` argument",
    ),
    "restates": (
        "@pytest.mark.claim('demo.probe.everywhere')\n"
        '@pytest.mark.devices("meta", "cpu", "cuda")\ndef test_restated(device):\n    pass\n',
        "test_restated: its devices marker restates the Devices line of `demo.probe.everywhere` "
        "(Devices: cpu, cuda, meta): drop it",
    ),
    "cpu_alone": (
        "@pytest.mark.claim('demo.probe.cpu-only')\ndef test_cpu_alone(device):\n    pass\n",
        "test_cpu_alone: it runs on the cpu alone: drop its `device` argument (and any devices "
        "marker); a test without one runs on the cpu",
    ),
    "no_such_claim": (
        "@pytest.mark.claim('demo.probe.nowhere')\ndef test_of_nothing():\n    pass\n",
        "test_of_nothing: its claim marker names demo.probe.nowhere, which no spec claims",
    ),
}

CUDA = "passed" if torch.cuda.is_available() else "skipped"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The probes' project run as a user would; and with TORCH_SPEC_DEVICES=meta, beside tests
    that break the device rules, one file each (the run goes on past the modules it refuses)."""
    project, restricted = tmp_path_factory.mktemp("probes"), tmp_path_factory.mktemp("meta")
    spec = {"spec/demo.md": DEMO_PAGE} | {f"spec/{area}.md": page(area) for area in PAGES}
    write_project(project, {**spec, "test_probes.py": TESTS})
    refused = {
        f"test_{name}.py": "import pytest\n\n\n" + test for name, (test, _) in REFUSED.items()
    }
    write_project(restricted, {**spec, "test_probes.py": TESTS, **refused})
    return {
        "all devices": run(project, "--benchmark-disable"),
        "meta only": run(restricted, "--continue-on-collection-errors", devices="meta"),
    }


def test_a_failing_example_breaks_its_claim_though_its_test_passed(runs):
    run = runs["all devices"]
    assert run.outcomes()["demo.probe.example-fails"] == {"cpu": "failed"}
    assert "broken on cpu: demo.probe.example-fails  (spec/demo.md:12)" in run.stdout


def test_an_example_counts_only_on_the_devices_the_run_tested(runs):
    assert runs["all devices"].outcomes()["demo.probe.on-cuda"] == {"cuda": CUDA}


def test_a_failing_example_breaks_its_claim_on_a_device_the_run_did_not_test(runs):
    run = runs["all devices"]
    assert run.outcomes()["cudafail.probe.second"] == {"cuda": "failed"}
    assert run.outcomes()["cudafail.probe.first"] == {"cuda": CUDA}  # the example is not its
    assert "broken on cuda: cudafail.probe.second  (spec/cudafail.md:14)" in run.stdout


def test_a_failing_set_up_block_breaks_every_claim_of_its_page(runs):
    outcomes = runs["all devices"].outcomes()
    assert outcomes["setup.probe.first"] == outcomes["setup.probe.second"] == {"cpu": "failed"}


def test_a_page_that_leaves_torch_changed_breaks_every_claim_of_its_page(runs):
    run = runs["all devices"]
    assert run.outcomes()["leaks.probe.first"] == {"cpu": "failed"}
    assert run.outcomes()["leaks.probe.second"] == {"cpu": "failed"}
    assert "the page's examples changed torch's global state" in run.stdout


def test_a_failure_of_no_claim_is_told_beside_the_table(runs):
    run = runs["all devices"]
    assert run.returncode == pytest.ExitCode.TESTS_FAILED
    assert run.report["unclaimed_failures"] == ["test_probes.py::test_of_no_claim_that_fails"]
    assert (
        "failed, checking no claim: 1  (test_probes.py::test_of_no_claim_that_fails)" in run.stdout
    )


def test_each_test_runs_on_the_devices_its_claims_list(runs):
    outcomes = runs["all devices"].outcomes()
    assert outcomes["demo.probe.meta-only"] == {"meta": "passed"}
    assert outcomes["demo.probe.cpu-only"] == {"cpu": "passed"}
    assert outcomes["demo.probe.everywhere"] == {"cpu": "passed", "cuda": CUDA, "meta": "passed"}


def test_the_variable_restricts_every_test_and_example(runs):
    run = runs["meta only"]
    outcomes = run.outcomes()
    assert outcomes["demo.probe.cpu-only"] == {"cpu": "untested"}
    assert outcomes["demo.probe.example-fails"] == {"cpu": "untested"}
    everywhere = {"cpu": "untested", "cuda": "untested", "meta": "passed"}
    assert outcomes["demo.probe.everywhere"] == everywhere
    # What failed is the modules refused for their devices, and nothing that ran.
    assert run.report["unclaimed_failures"] == sorted(f"test_{name}.py" for name in REFUSED)


@pytest.mark.parametrize("name", REFUSED)
def test_a_test_whose_devices_break_the_rules_is_refused_at_collection(runs, name):
    run = runs["meta only"]
    _, complaint = REFUSED[name]
    assert run.returncode == pytest.ExitCode.TESTS_FAILED
    lines = run.stdout.splitlines()
    heading = f"test_{name}.py: tests whose devices break the rules of spec/README.md:"
    assert lines[lines.index(heading) + 1] == f"  {complaint}", run.stdout
    assert f"ERROR test_{name}.py" in run.stdout


def test_a_benchmark_that_is_not_timed_is_collected_at_its_smallest_size_alone(runs):
    stdout = runs["all devices"].stdout
    assert "PASSED test_probes.py::bench_sized[1KiB]" in stdout
    assert "bench_sized[1MiB]" not in stdout

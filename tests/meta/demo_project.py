"""A demo project (spec pages, test files) written to a folder and run by pytest in a subprocess,
with the harness plugin, as a user's run would be."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

INI = """\
[pytest]
python_functions = test_* bench_*
markers =
    claim(*ids): claims
    devices(*names): devices
    cuda: cuda
"""

CONFTEST = """\
from pathlib import Path

from tests.harness.spec_examples import spec_collector

pytest_collect_file = spec_collector(Path(__file__).parent / "spec")
"""


@dataclass
class DemoRun:
    """A finished run: its exit status, output and claims report (None if it wrote none)."""

    returncode: int
    stdout: str
    report: dict | None

    def outcomes(self) -> dict[str, dict[str, str]]:
        return {claim["id"]: claim["outcomes"] for claim in self.report["claims"]}


def write_project(folder: Path, files: dict[str, str]) -> None:
    """`files` maps paths (`spec/demo.md`, `test_demo.py`) to their text."""
    for name, text in {"pytest.ini": INI, "conftest.py": CONFTEST, **files}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@dataclass
class Started:
    process: subprocess.Popen
    report_path: Path


def start(folder: Path, *args: str, devices: str = "", report: str = "claims.json") -> Started:
    """Start pytest on the project in `folder` (TORCH_SPEC_DEVICES set to `devices`), writing its
    claims report to `folder / report`."""
    report_path = folder / report
    command = [
        sys.executable, "-m", "pytest", "-p", "tests.harness.plugin", "-p", "no:cacheprovider",
        f"--claims-report={report_path}", "-rA", *args,
    ]  # fmt: skip
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "TORCH_SPEC_DEVICES": devices,
    }
    process = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=environment,
    )  # fmt: skip
    return Started(process, report_path)


def finish(started: Started) -> DemoRun:
    """Wait for the run to end and read its report."""
    stdout, _ = started.process.communicate(timeout=180)
    path = started.report_path
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return DemoRun(started.process.returncode, stdout, report)

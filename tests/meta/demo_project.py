"""A demo project (spec pages, test files) written to a folder and run by pytest with the harness
plugin, as a user's run would be."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

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


def run(folder: Path, *args: str, devices: str = "", report: str = "claims.json") -> DemoRun:
    """Run pytest, with the harness plugin, on the project in `folder`, in this process, with
    TORCH_SPEC_DEVICES set to `devices`; its claims report is `folder / report`.

    In this process, so that the run does not pay for another `import torch`: what the run
    changes is put back (the working directory, the environment, `sys.path`, the project's
    modules), and torch's global state is the run's own guard's to restore.
    """
    report_path = folder / report
    arguments = [
        "-p", "tests.harness.plugin", "-p", "no:cacheprovider", f"--claims-report={report_path}",
        "-rA", "--color=no", *args,
    ]  # fmt: skip
    output = io.StringIO()
    with _as_a_fresh_session(folder, devices), contextlib.redirect_stdout(output):
        returncode = pytest.main(arguments)
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else None
    return DemoRun(int(returncode), output.getvalue(), report)


@contextlib.contextmanager
def _as_a_fresh_session(folder: Path, devices: str):
    cwd, path, environment = os.getcwd(), list(sys.path), dict(os.environ)
    modules = set(sys.modules)
    os.chdir(folder)
    for name in [name for name in os.environ if name.startswith("PYTEST_")]:
        del os.environ[name]  # those of the run that runs this one (xdist's, PYTEST_ADDOPTS)
    os.environ["TORCH_SPEC_DEVICES"] = devices
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environment)
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if _is_in(sys.modules[name], folder):
                del sys.modules[name]  # the project's own test modules and conftest


def _is_in(module: object, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return file is not None and Path(file).resolve().is_relative_to(folder.resolve())

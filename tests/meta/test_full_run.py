"""scripts/full-run, the one command for a machine that already has torch: what it refuses and
what it needs, without running the suite (its full run is timed by hand: README, GPU section)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "full-run"
USAGE = "usage: scripts/full-run OUT [--wheels DIR]"


def full_run(*args: str, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        timeout=60,
        check=False,
    )


def test_the_script_parses():
    checked = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    "args", [(), ("out", "--wheels"), ("out", "--verbose")], ids=["no OUT", "no DIR", "unknown"]
)
def test_bad_arguments_are_refused_with_the_usage(args):
    finished = full_run(*args)
    assert finished.returncode != 0
    assert USAGE in finished.stderr


def test_a_missing_requirement_is_named_before_anything_runs(tmp_path):
    # A Python whose path hides everything installed: the script names what it lacks.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python3"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} -I -S "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    finished = full_run(str(tmp_path / "out"), PATH=f"{bin_dir}:{os.environ['PATH']}")
    assert finished.returncode == 1
    assert "missing: torch, torchvision, numpy, pytest" in finished.stderr
    assert "pass --wheels DIR" in finished.stderr
    assert not (tmp_path / "out" / "suite.log").exists()

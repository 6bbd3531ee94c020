"""Thin wiring: the harness plugin, and Sybil for the code blocks of spec/*.md."""

from pathlib import Path

from tests.harness.spec_examples import spec_collector

pytest_plugins = ["tests.harness.plugin"]

pytest_collect_file = spec_collector(Path(__file__).parent / "spec")

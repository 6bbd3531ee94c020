"""Thin wiring: the harness plugin, and Sybil for the code blocks of spec/*.md."""

from tests.harness.rewriting import leave_unrewritten

leave_unrewritten("hypothesis")  # before the harness imports it

from pathlib import Path  # noqa: E402

from tests.harness.spec_examples import spec_collector  # noqa: E402

pytest_plugins = ["tests.harness.plugin"]

pytest_collect_file = spec_collector(Path(__file__).parent / "spec")

"""The suite's pytest plugin: options, the claims, and the claims report.

Loaded by the root conftest.py, in every process. A process that runs tests (an xdist worker,
or the only process) also registers tests.harness.runner: the devices, the global-state guard,
threads, reproduction and benchmarks. The xdist controller runs no test and never imports
torch: it starts the workers at once, and learns the run's versions and devices from them.
Options:

    --claims-report=PATH   write the claims report (.json or .md) at the end of the run (repeatable)
    --bench-report=DIR     after a timed benchmark run, write DIR/bench.md and DIR/bench.png
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import devices, profiles
from tests.harness.claims import load_claims
from tests.harness.long_lived import LongLived
from tests.harness.outcomes import ClaimLedger, RunContext, summary_lines, write_report

profiles.register_profiles()
profiles.load_profile()

SELECTED_DEVICES = pytest.StashKey[tuple]()
CLAIMS = pytest.StashKey[dict]()  # claim id -> Claim
RUN_CONTEXT = "torch_spec_run_context"  # the key of a worker's context in its workeroutput


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("torch-spec", "torch behaviour spec")
    group.addoption(
        "--claims-report",
        metavar="PATH",
        type=Path,
        action="append",
        help="write each claim's verdict and per-device outcome to PATH (.json or .md); "
        "may be given more than once",
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
    claims = load_claims(config.rootpath / config.getini("spec_dir"))
    config.stash[CLAIMS] = {claim.id: claim for claim in claims}

    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist 3.8+: scheduling_order instead
        config.option.loadscopereorder = False
    if runs_tests(config):
        long_lived = LongLived(worker=hasattr(config, "workerinput"))  # before torch
        config.pluginmanager.import_plugin("tests.harness.runner")
        config.pluginmanager.register(long_lived, "torch-spec-long-lived")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(ClaimRecorder(ClaimLedger(claims)), "torch-spec-claims")

    report_dir = config.getoption("bench_report")
    if report_dir is not None and config.getoption("benchmark_json", None) is None:
        config.option.benchmark_json = report_dir / "bench.json"


def runs_tests(config: pytest.Config) -> bool:
    """False in the xdist controller, which (as xdist decides) only hands tests to workers."""
    if hasattr(config, "workerinput"):
        return True
    return config.getoption("dist", "no") == "no" or bool(config.getoption("collectonly"))


def _no_distribution_without_workers(config: pytest.Config) -> None:
    """`--dist loadfile` comes from addopts; without `-n` it must not switch benchmarks off."""
    if config.getoption("dist", "no") != "no" and not config.getoption("tx", None):
        config.option.dist = "no"


# Claims -----------------------------------------------------------------------------------------


class ClaimRecorder:
    """Registered on the controller (or the only process): records reports, prints the summary."""

    def __init__(self, ledger: ClaimLedger):
        self.ledger = ledger
        self.context: RunContext | None = None  # what the first worker to finish reported

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if "example" in properties:
            # The page's own set-up and teardown run in the phases around its blocks.
            page_wide = report.failed and report.when != "call"
            claim_ids = properties["page claims" if page_wide else "claims"]
            self.ledger.record_example(
                properties["example"], claim_ids, report.when, report.outcome
            )
        elif "claims" in properties:
            claim_ids, device = properties["claims"], properties["device"]
            self.ledger.record(report.nodeid, claim_ids, device, report.when, report.outcome)
        else:
            self.ledger.record_unclaimed(report.nodeid, report.when, report.outcome)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.ledger.record_unclaimed(report.nodeid or "(collection)", "collect", "failed")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        reported = getattr(node, "workeroutput", {}).get(RUN_CONTEXT)
        if reported is not None and self.context is None:
            self.context = RunContext(**reported)

    def pytest_terminal_summary(self, terminalreporter, config: pytest.Config) -> None:
        if not self.ledger.claims or config.option.collectonly:
            return
        context = self.context or _context_of_this_process(config)
        self.ledger.tested_devices = context.tested_devices()
        terminalreporter.section(
            f"claims: torch {context.torch_version}, torchvision {context.torchvision_version}, "
            f"numpy {context.numpy_version}"
        )
        for line in summary_lines(self.ledger, context):
            terminalreporter.write_line(line)
        for path in config.getoption("claims_report") or ():
            write_report(path, self.ledger, context)
            terminalreporter.write_line(f"claims report written to {path}")


def _context_of_this_process(config: pytest.Config) -> RunContext:
    """Where no worker reported (the only process ran the tests, or every worker crashed)."""
    from tests.harness import runner

    return runner.run_context(config)

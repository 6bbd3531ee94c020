"""What a run says about each claim on each device, and the summary and reports that tell it.

A test's outcome is the worst of its phases (a failure in setup or teardown fails it). A claim's
outcome on a device is `failed` if any of its tests failed there, else `passed` if any passed,
else `skipped` if any ran and skipped, else `untested`. So a claim whose tests were all skipped
on a device is `skipped` there, never `passed`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tests.harness.claims import Claim

OUTCOMES = ("passed", "failed", "skipped", "untested")
# In the terminal a claim "held" or "broke"; in reports the words are pytest's.
SUMMARY_WORDS = {"passed": "held", "failed": "broken", "skipped": "skipped", "untested": "untested"}


@dataclass(frozen=True)
class RunContext:
    """The versions and devices a run was made with, for the report's header."""

    torch_version: str
    torchvision_version: str | None  # None where torchvision is not installed
    numpy_version: str
    python_version: str
    devices: dict[str, dict[str, object]]  # name -> {"selected": bool, "available": bool, ...}


class ClaimLedger:
    """Collects test reports and answers, per claim and device, what the run showed."""

    def __init__(self, claims: list[Claim]):
        self.claims = claims
        self._tests: dict[tuple[str, str], set[str]] = defaultdict(
            set
        )  # (claim, device) -> nodeids
        self._test_outcomes: dict[str, str] = {}

    def record(
        self, nodeid: str, claim_ids: tuple[str, ...], device: str, phase: str, outcome: str
    ):
        """One phase's report of one test: phase is setup/call/teardown, outcome pytest's word."""
        for claim_id in claim_ids:
            self._tests[claim_id, device].add(nodeid)
        previous = self._test_outcomes.get(nodeid)
        if outcome == "failed" or previous == "failed":
            self._test_outcomes[nodeid] = "failed"
        elif outcome == "skipped":
            self._test_outcomes[nodeid] = "skipped"
        elif phase == "call" and outcome == "passed" and previous is None:
            self._test_outcomes[nodeid] = "passed"

    def outcome(self, claim_id: str, device: str) -> str:
        seen = {
            self._test_outcomes.get(nodeid) for nodeid in self._tests.get((claim_id, device), ())
        }
        for outcome in ("failed", "passed", "skipped"):
            if outcome in seen:
                return outcome
        return "untested"

    def failing_tests(self, claim_id: str, device: str) -> list[str]:
        nodeids = self._tests.get((claim_id, device), ())
        return sorted(nodeid for nodeid in nodeids if self._test_outcomes.get(nodeid) == "failed")

    def devices(self) -> list[str]:
        """Every device some claim names, in the order the spec's claims first name them."""
        return list(dict.fromkeys(device for claim in self.claims for device in claim.devices))

    def table(self) -> dict[str, dict[str, str]]:
        """claim id -> device -> outcome, for the devices each claim names."""
        return {
            claim.id: {device: self.outcome(claim.id, device) for device in claim.devices}
            for claim in self.claims
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """device -> outcome -> number of claims."""
        counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
        for per_device in self.table().values():
            for device, outcome in per_device.items():
                counts[device][outcome] += 1
        return {device: counts[device] for device in self.devices()}


def summary_lines(ledger: ClaimLedger, context: RunContext, limit: int = 10) -> list[str]:
    """The end-of-run summary: a row per device, then the broken claims and their tests."""
    header = ["device"] + [SUMMARY_WORDS[outcome] for outcome in OUTCOMES]
    lines = ["  ".join(f"{word:>8}" for word in header)]
    for device, counts in ledger.counts().items():
        note = "" if context.devices.get(device, {}).get("selected", True) else "  (not selected)"
        lines.append("  ".join(f"{cell:>8}" for cell in [device, *counts.values()]) + note)
    table = ledger.table()
    broken = [
        (claim_id, device)
        for claim_id, row in table.items()
        for device, outcome in row.items()
        if outcome == "failed"
    ]
    for claim_id, device in broken[:limit]:
        tests = ", ".join(ledger.failing_tests(claim_id, device)[:3])
        lines.append(f"broken on {device}: {claim_id}  ({tests})")
    if len(broken) > limit:
        lines.append(f"... and {len(broken) - limit} more broken; see --claims-report")
    return lines


def report_data(ledger: ClaimLedger, context: RunContext) -> dict:
    table = ledger.table()
    return {
        "torch": context.torch_version,
        "torchvision": context.torchvision_version,
        "numpy": context.numpy_version,
        "python": context.python_version,
        "devices": context.devices,
        "summary": ledger.counts(),
        "claims": [
            {
                "id": claim.id,
                "title": claim.title,
                "verdict": claim.verdict,
                "spec": f"spec/{claim.location}",
                "changes": [
                    {"package": change.package, "release": change.version, "what": change.what}
                    for change in claim.changes
                ],
                "outcomes": table[claim.id],
            }
            for claim in ledger.claims
        ],
    }


def report_markdown(data: dict) -> str:
    devices = list(data["summary"])
    available = ", ".join(
        f"{name} ({'available' if info.get('available') else 'not available'})"
        for name, info in data["devices"].items()
    )
    lines = [
        "# Claims report",
        "",
        f"torch {data['torch']} · torchvision {data['torchvision']} · numpy {data['numpy']}"
        f" · Python {data['python']}",
        "",
        f"Devices: {available}.",
        "",
        "| device | " + " | ".join(OUTCOMES) + " |",
        "|---|" + "---:|" * len(OUTCOMES),
    ]
    lines += [
        f"| {device} | " + " | ".join(str(count) for count in counts.values()) + " |"
        for device, counts in data["summary"].items()
    ]
    lines += [
        "",
        "| claim | title | verdict | " + " | ".join(devices) + " |",
        "|---|---|---|" + "---|" * len(devices),
    ]
    for claim in data["claims"]:
        cells = [claim["outcomes"].get(device, "—") for device in devices]
        lines.append(
            f"| `{claim['id']}` | {_cell(claim['title'])} | {_cell(claim['verdict'])} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines) + "\n"


def write_report(path: Path, ledger: ClaimLedger, context: RunContext) -> None:
    data = report_data(ledger, context)
    if path.suffix == ".json":
        text = json.dumps(data, indent=2) + "\n"
    elif path.suffix == ".md":
        text = report_markdown(data)
    else:
        raise ValueError(f"--claims-report {path} must end in .json or .md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")

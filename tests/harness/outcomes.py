"""What a run says about each claim on each device, and the summary and reports that tell it.

A claim is checked by its marked tests and by the examples of its section of the spec page (the
examples above a page's first claim, and the page's own set-up and teardown, check every claim of
the page). A check's outcome is the worst of its phases (a failure in setup or teardown fails
it). A test counts on the device it ran on. An example runs in the host process on whatever
devices its code names, so it counts on each device its claim lists that the run tested, and
when it fails, on every device its claim lists: a failed check is never out of sight.

A claim's outcome on a device is `failed` if any of its checks failed there, else `passed` if
any passed, else `skipped` if any ran and skipped, else `untested`. So a claim whose checks were
all skipped on a device is `skipped` there, never `passed`. A failed check that belongs to no
claim (a meta test, a page without claims, a file that did not collect) is counted apart, so that
a red run never shows an all-held table without saying why.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tests.harness.claims import KNOWN_DEVICES, Claim

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

    def tested_devices(self) -> tuple[str, ...]:
        """The selected devices the machine has: where the run's checks could pass."""
        return tuple(
            name
            for name, device in self.devices.items()
            if device["selected"] and device["available"]
        )


class ClaimLedger:
    """Collects the reports of checks and answers, per claim and device, what the run showed."""

    def __init__(self, claims: list[Claim], tested_devices: tuple[str, ...] = KNOWN_DEVICES):
        self.claims = claims
        # Where an example's every outcome counts (elsewhere only its failure): known, in an
        # xdist run, only once the workers report the run's context, so read at the end.
        self.tested_devices = tested_devices
        self._devices_of = {claim.id: claim.devices for claim in claims}
        # (claim, device) -> the tests that ran there
        self._tests: dict[tuple[str, str], set[str]] = defaultdict(set)
        # (claim, device) -> the examples of the claim, for each device the claim lists
        self._examples: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._outcomes: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._unclaimed: set[str] = set()

    def record(
        self, nodeid: str, claim_ids: tuple[str, ...], device: str, phase: str, outcome: str
    ) -> None:
        """One phase's report of one test: phase is setup/call/teardown, outcome pytest's word."""
        for claim_id in claim_ids:
            self._tests[claim_id, device].add(nodeid)
        self._merge(nodeid, phase, outcome)

    def record_example(
        self, name: str, claim_ids: tuple[str, ...], phase: str, outcome: str
    ) -> None:
        """One phase's report of a spec example, named `spec/page.md:line`, checking `claim_ids`."""
        for claim_id in claim_ids:
            for device in self._devices_of.get(claim_id, ()):
                self._examples[claim_id, device].add(name)
        if not claim_ids:
            self._unclaimed.add(name)
        self._merge(name, phase, outcome)

    def record_unclaimed(self, nodeid: str, phase: str, outcome: str) -> None:
        """A check of no claim: only its failure is told, apart from the claims."""
        self._unclaimed.add(nodeid)
        self._merge(nodeid, phase, outcome)

    def _merge(self, nodeid: str, phase: str, outcome: str) -> None:
        previous = self._outcomes.get(nodeid)
        if outcome == "failed" or previous == "failed":
            self._outcomes[nodeid] = "failed"
        elif outcome == "skipped":
            self._outcomes[nodeid] = "skipped"
        elif phase == "call" and outcome == "passed" and previous is None:
            self._outcomes[nodeid] = "passed"

    def _counted(self, claim_id: str, device: str) -> set[str]:
        """The checks whose every outcome counts for the claim on the device."""
        key = (claim_id, device)
        if device in self.tested_devices:
            return self._tests.get(key, set()) | self._examples.get(key, set())
        return self._tests.get(key, set())

    def outcome(self, claim_id: str, device: str) -> str:
        seen = {self._outcomes.get(nodeid) for nodeid in self._counted(claim_id, device)}
        if self.failing_checks(claim_id, device):
            seen.add("failed")
        for outcome in ("failed", "passed", "skipped"):
            if outcome in seen:
                return outcome
        return "untested"

    def failing_checks(self, claim_id: str, device: str) -> list[str]:
        """The failed tests and examples of a claim on a device, by node id or page and line."""
        key = (claim_id, device)
        checks = self._tests.get(key, set()) | self._examples.get(key, set())
        return sorted(nodeid for nodeid in checks if self._outcomes.get(nodeid) == "failed")

    def unclaimed_failures(self) -> list[str]:
        return sorted(
            nodeid for nodeid in self._unclaimed if self._outcomes.get(nodeid) == "failed"
        )

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
        checks = ledger.failing_checks(claim_id, device)
        more = f", and {len(checks) - 3} more" if len(checks) > 3 else ""
        lines.append(f"broken on {device}: {claim_id}  ({', '.join(checks[:3])}{more})")
    if len(broken) > limit:
        lines.append(f"... and {len(broken) - limit} more broken; see --claims-report")
    unclaimed = ledger.unclaimed_failures()
    if unclaimed:
        shown = ", ".join(unclaimed[:limit])
        more = f", and {len(unclaimed) - limit} more" if len(unclaimed) > limit else ""
        lines.append(f"failed, checking no claim: {len(unclaimed)}  ({shown}{more})")
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
        "unclaimed_failures": ledger.unclaimed_failures(),
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
    if data["unclaimed_failures"]:
        lines += ["", "Failed, checking no claim: " + ", ".join(data["unclaimed_failures"]) + "."]
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

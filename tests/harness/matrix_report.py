"""The claims x releases table, made from the claims reports of several releases.

    python -m tests.harness.matrix_report reports/matrix/*.json --out reports/matrix
    python -m tests.harness.matrix_report torch-2.6.json torch-2.15.json --out upgrade

Each input is a report that `pytest --claims-report=PATH.json` wrote on one release. The output,
`matrix.md` and `matrix.json` in the `--out` folder, lists first the claims that differ between
the releases: those whose outcome differs (held on one, broken on another), and those whose spec
names a change between the oldest and the newest release (its Verdict or its Releases line); for
each, whether the spec predicted it. Given two reports, that list is what changes for a user who
upgrades from the one to the other. The exit status is 1 when a claim broke on some release, or
a check of no claim (a meta test) failed on one.
Standard library only, so that it runs without torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.harness.outcomes import SUMMARY_WORDS
from tests.harness.versions import release

SYMBOLS = {"passed": "✓", "failed": "✗", "skipped": "–", "untested": "·", "absent": "?"}


@dataclass(frozen=True)
class Release:
    """One claims report: the versions it was made with, and its claims by ID."""

    report: dict
    label: str  # the torch version, and the NumPy one where two reports share a torch

    def version(self, package: str) -> tuple[int, int] | None:
        installed = self.report.get(package)
        return release(installed) if installed else None

    def outcomes(self, claim_id: str) -> dict[str, str]:
        claim = self.claims.get(claim_id)
        return dict(claim["outcomes"]) if claim else {}

    @property
    def claims(self) -> dict[str, dict]:
        return {claim["id"]: claim for claim in self.report["claims"]}


def load_releases(paths: list[Path]) -> list[Release]:
    """The reports, oldest torch first; two of one torch are told apart by their NumPy."""
    reports = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    reports.sort(key=lambda report: (_numbers(report["torch"]), _numbers(report["numpy"])))
    torches = [report["torch"].split("+")[0] for report in reports]
    return [
        Release(
            report, torch if torches.count(torch) == 1 else f"{torch} (numpy {report['numpy']})"
        )
        for report, torch in zip(reports, torches, strict=True)
    ]


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("+")[0].split(".") if part.isdigit())


def cell(outcomes: dict[str, str]) -> str:
    """`cpu ✓ · cuda –`: each device the claim names, with its outcome."""
    if not outcomes:
        return SYMBOLS["absent"]
    return " · ".join(f"{device} {SYMBOLS[outcome]}" for device, outcome in outcomes.items())


def changes_between(claim: dict, older: Release, newer: Release) -> list[dict]:
    """The changes the spec names for `claim` after `older` and up to `newer`."""
    found = []
    for change in claim.get("changes", []):
        before, after = older.version(change["package"]), newer.version(change["package"])
        if (
            before is not None
            and after is not None
            and before < release(change["release"]) <= after
        ):
            found.append(change)
    return found


def judge(claim: dict, releases: list[Release]) -> tuple[str, str] | None:
    """How the claim differs across the releases, and whether the spec predicted it:
    ("outcome", note) or ("change", note), or None where it does not differ."""
    rows = [r.outcomes(claim["id"]) for r in releases]
    unpredicted = [
        f"{a.label} → {b.label}"
        for a, b, row_a, row_b in zip(releases, releases[1:], rows, rows[1:], strict=False)
        if row_a != row_b and not changes_between(claim, a, b)
    ]
    stated = changes_between(claim, releases[0], releases[-1])
    names = ", ".join(f"{change['package']} {change['release']}" for change in stated)
    if len({json.dumps(row, sort_keys=True) for row in rows}) > 1:
        if unpredicted:
            return "outcome", "not predicted: the spec names no change at " + ", ".join(unpredicted)
        return "outcome", f"predicted ({names})"
    if stated:
        broken = any("failed" in row.values() for row in rows)
        held = all("passed" in row.values() for row in rows)
        state = "broken" if broken else "held on every side" if held else "not held everywhere"
        missing = sides_not_run(stated, releases)
        if missing:
            state += "; no release ran " + ", ".join(missing)
        return "change", f"{names}: {state}"
    return None


def sides_not_run(changes: list[dict], releases: list[Release]) -> list[str]:
    """The stretches between a claim's changes (`torch 2.10 to 2.11`) that no release fell in:
    a side of a change that the matrix did not prove."""
    missing = []
    for package in dict.fromkeys(change["package"] for change in changes):
        starts = sorted({release(c["release"]) for c in changes if c["package"] == package})
        ran = {r.version(package) for r in releases}
        for start, end in zip(starts, [*starts[1:], None], strict=True):
            if not any(v is not None and start <= v and (end is None or v < end) for v in ran):
                stretch = f"{package} {_dotted(start)}" + (f" to {_dotted(end)}" if end else " on")
                missing.append(stretch)
    return missing


def _dotted(version: tuple[int, int]) -> str:
    return "{}.{}".format(*version)


def matrix_data(releases: list[Release]) -> dict:
    newest = releases[-1]
    order = list(newest.claims) + [
        claim_id for r in releases for claim_id in r.claims if claim_id not in newest.claims
    ]
    claims = []
    for claim_id in dict.fromkeys(order):
        spec = next(r.claims[claim_id] for r in reversed(releases) if claim_id in r.claims)
        judged = judge(spec, releases)
        claims.append(
            {
                "id": claim_id,
                "title": spec["title"],
                "verdict": spec["verdict"],
                "spec": spec["spec"],
                "changes": spec.get("changes", []),
                "differs": judged[0] if judged else None,
                "note": judged[1] if judged else "",
                "outcomes": {r.label: r.outcomes(claim_id) for r in releases},
            }
        )
    claims.sort(key=lambda c: {"outcome": 0, "change": 1, None: 2}[c["differs"]])
    return {
        "releases": [
            {
                key: r.report.get(key)
                for key in ("torch", "torchvision", "numpy", "python", "summary")
            }
            | {"label": r.label, "unclaimed_failures": r.report.get("unclaimed_failures", [])}
            for r in releases
        ],
        "claims": claims,
    }


def broken(data: dict) -> list[str]:
    return [
        f"{claim['id']} on {name}"
        for claim in data["claims"]
        for name, row in claim["outcomes"].items()
        if "failed" in row.values()
    ]


def unclaimed_failures(data: dict) -> list[str]:
    """The failed checks of no claim, each with the release it failed on."""
    return [
        f"{check} on {r['label']}" for r in data["releases"] for check in r["unclaimed_failures"]
    ]


def matrix_markdown(data: dict) -> str:
    names = [r["label"] for r in data["releases"]]
    lines = [
        f"# Claims from torch {names[0]} to torch {names[-1]}",
        "",
        "| torch | torchvision | numpy | device | " + " | ".join(SUMMARY_WORDS.values()) + " |",
        "|---|---|---|---|" + "---:|" * len(SUMMARY_WORDS),
    ]
    for r in data["releases"]:
        for device, counts in r["summary"].items():
            lines.append(
                f"| {r['label']} | {r['torchvision']} | {r['numpy']} | {device} | "
                + " | ".join(str(counts[outcome]) for outcome in SUMMARY_WORDS)
                + " |"
            )
    found = broken(data)
    lines += ["", f"Broken: {len(found)}" + (" (" + "; ".join(found[:10]) + ")" if found else ".")]
    if unclaimed := unclaimed_failures(data):
        lines += ["", f"Failed, checking no claim: {len(unclaimed)} (" + "; ".join(unclaimed) + ")"]
    legend = ", ".join(f"{symbol} {word}" for word, symbol in SYMBOLS.items())
    header = [
        "| claim | verdict | " + " | ".join(names) + " | |",
        "|---|---|" + "---|" * (len(names) + 1),
    ]
    differing = [claim for claim in data["claims"] if claim["differs"]]
    lines += [
        "",
        f"## What differs between the releases ({len(differing)} claims)",
        "",
        "An outcome that differs, or a change the spec names inside this range, and whether the"
        f" spec predicted it. Cells: {legend}.",
        "",
        *header,
    ]
    lines += [_row(claim, names, claim["note"]) for claim in differing]
    lines += ["", "## Every other claim", "", *header]
    lines += [_row(claim, names, "") for claim in data["claims"] if not claim["differs"]]
    return "\n".join(lines) + "\n"


def _row(claim: dict, names: list[str], note: str) -> str:
    cells = [cell(claim["outcomes"][name]) for name in names]
    return f"| `{claim['id']}` | {claim['verdict']} | " + " | ".join(cells) + f" | {note} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "reports", nargs="+", type=Path, help="claims reports (.json), one per release"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for matrix.md and matrix.json"
    )
    args = parser.parse_args(argv)
    data = matrix_data(load_releases(args.reports))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "matrix.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (args.out / "matrix.md").write_text(matrix_markdown(data), encoding="utf-8")
    differing = sum(1 for claim in data["claims"] if claim["differs"])
    found, unclaimed = broken(data), unclaimed_failures(data)
    print(
        f"{len(data['releases'])} releases, {len(data['claims'])} claims, {differing} differ, "
        f"{len(found)} broken, {len(unclaimed)} failed checking no claim; "
        f"written to {args.out / 'matrix.md'}"
    )
    return 1 if found or unclaimed else 0


if __name__ == "__main__":
    sys.exit(main())

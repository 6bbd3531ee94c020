"""The rules that tie spec, tests and reference together, each a function that lists what breaks it.

Every checker returns a list of problems, one sentence each, empty when the rule holds. They read
files, not a pytest run, so they give the same answer under `-n auto`, `-k` or `--lf`.
"""

from __future__ import annotations

import ast
import importlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.harness.claims import CLAIM_ID, KNOWN_DEVICES, VERDICT, Claim, spec_files


@dataclass(frozen=True)
class ClaimMarker:
    """One argument of a `pytest.mark.claim(...)` in a test file; `claim_id` None if no literal."""

    claim_id: str | None
    path: Path
    line: int

    @property
    def location(self) -> str:
        return f"{self.path.name}:{self.line}"


def find_claim_markers(paths: Iterable[Path]) -> list[ClaimMarker]:
    markers = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_claim_mark(node.func):
                markers.extend(
                    ClaimMarker(
                        arg.value
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        else None,
                        path,
                        node.lineno,
                    )
                    for arg in node.args
                )
    return markers


def python_files(tests_dir: Path) -> list[Path]:
    return sorted(tests_dir.rglob("*.py"))


def malformed_claims(claims: list[Claim]) -> list[str]:
    """Each claim has a well-formed ID in its own area's file, a title, a verdict and devices."""
    problems = []
    for claim in claims:
        where = f"{claim.location} `{claim.id}`"
        if not CLAIM_ID.match(claim.id):
            problems.append(f"{where}: an ID is lower-case and dotted, area.topic.what")
        elif claim.area != claim.path.stem:
            problems.append(f"{where}: a claim of area '{claim.area}' belongs in {claim.area}.md")
        if not claim.title:
            problems.append(f"{where}: the heading has no title after the ID")
        if not VERDICT.match(claim.verdict):
            problems.append(
                f"{where}: Verdict {claim.verdict!r} is not one of holds, holds with caveat, "
                "changed in torch X.Y (or torchvision X.Y), not true"
            )
        unknown = [device for device in claim.devices if device not in KNOWN_DEVICES]
        if not claim.devices or unknown:
            problems.append(
                f"{where}: Devices must list some of {', '.join(KNOWN_DEVICES)}, got "
                f"{claim.fields.get('Devices', 'nothing')!r}"
            )
        if "Reference" not in claim.fields:
            problems.append(f"{where}: no Reference line (write 'none' and why, if there is none)")
        try:
            claim.changes  # noqa: B018
        except ValueError as error:
            problems.append(f"{where}: {error}")
    for claim_id, count in Counter(claim.id for claim in claims).items():
        if count > 1:
            problems.append(f"`{claim_id}` is claimed {count} times")
    return problems


def untested_claims(claims: list[Claim], markers: list[ClaimMarker]) -> list[str]:
    marked = {marker.claim_id for marker in markers}
    return [
        f'{claim.location} `{claim.id}` has no test: mark one with @pytest.mark.claim("{claim.id}")'
        for claim in claims
        if claim.id not in marked
    ]


def unknown_markers(claims: list[Claim], markers: list[ClaimMarker]) -> list[str]:
    known = {claim.id for claim in claims}
    problems = []
    for marker in markers:
        if marker.claim_id is None:
            problems.append(f"{marker.location}: a claim marker's IDs must be string literals")
        elif marker.claim_id not in known:
            problems.append(
                f"{marker.location}: marker names `{marker.claim_id}`, which no spec file claims"
            )
    return problems


def broken_references(claims: list[Claim]) -> list[str]:
    problems = []
    for claim in claims:
        for dotted in claim.references:
            error = _import_error(dotted)
            if error:
                problems.append(f"{claim.location} `{claim.id}`: Reference `{dotted}` {error}")
    return problems


def unlisted_spec_files(spec_dir: Path) -> list[str]:
    index = spec_dir / "README.md"
    text = index.read_text(encoding="utf-8") if index.exists() else ""
    return [
        f"spec/{path.name} is not linked from spec/README.md"
        for path in spec_files(spec_dir)
        if f"]({path.name})" not in text
    ]


def _is_claim_mark(func: ast.expr) -> bool:
    """`pytest.mark.claim` or `mark.claim`."""
    if not (isinstance(func, ast.Attribute) and func.attr == "claim"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark"
    )


def _import_error(dotted: str) -> str | None:
    """Why `dotted` (a module, or a module's attribute path) cannot be imported; None if it can."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            target = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name) and split > 1:
                continue  # perhaps a shorter prefix is the module
            return f"does not import: {error}"
        except Exception as error:
            return f"does not import: {type(error).__name__}: {error}"
        for attribute in parts[split:]:
            if not hasattr(target, attribute):
                return f"does not import: {module_name} has no {'.'.join(parts[split:])}"
            target = getattr(target, attribute)
        return None
    return "does not import"

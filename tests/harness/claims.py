"""The claims of the spec, read from the level-3 headings of `spec/<area>.md` and their fields.

A claim is written as

    ### `area.topic.what` — title
    - **Taught:** ...
    - **Verdict:** holds | holds with caveat | changed in torch X.Y (or torchvision X.Y) | not true
    - **Precisely:** ...
    - **Devices:** cpu, cuda
    - **Reference:** `reference.module.function` (or "none", with a reason)
    - **Releases:** torch 2.12: what differs on each side. torch 2.3: ...  (optional)

The Releases line names each change inside the supported releases that the claim's tests assert
on both sides, beside the one its Verdict may name. A field may go on over indented lines.
Headings inside fenced code blocks are examples, not claims, and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

KNOWN_DEVICES = ("cpu", "cuda", "meta")

_HEADING = re.compile(r"^### `(?P<id>[^`]*)`(?P<title>.*)$")
_FIELD = re.compile(r"^- \*\*(?P<name>[A-Za-z ]+):\*\*\s*(?P<value>.*)$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_BACKTICKED = re.compile(r"`([^`]+)`")

CLAIM_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_][a-z0-9_-]*){2,}$")
VERDICT = re.compile(
    r"^(holds with caveat|holds|changed in (?:torch|torchvision) \d+\.\d+|not true)\b"
)
_VERDICT_CHANGE = re.compile(r"^changed in (?P<package>torch|torchvision) (?P<release>\d+\.\d+)")
RELEASE_ENTRY = re.compile(r"(?P<package>torch|torchvision) (?P<release>\d+\.\d+): ")


@dataclass(frozen=True)
class Change:
    """A release of torch or torchvision where something the claim states differs."""

    package: str  # "torch" or "torchvision"
    release: tuple[int, int]
    what: str

    @property
    def version(self) -> str:
        return "{}.{}".format(*self.release)

    @property
    def name(self) -> str:
        return f"{self.package} {self.version}"


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    path: Path
    line: int
    fields: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def verdict(self) -> str:
        return self.fields.get("Verdict", "")

    @property
    def devices(self) -> tuple[str, ...]:
        listed = self.fields.get("Devices", "")
        return tuple(name.strip() for name in listed.split(",") if name.strip())

    @property
    def references(self) -> tuple[str, ...]:
        """The dotted paths in backticks on the Reference line; none where it reads "none: why"."""
        line = self.fields.get("Reference", "")
        return () if line.startswith("none") else tuple(_BACKTICKED.findall(line))

    @property
    def changes(self) -> tuple[Change, ...]:
        """The Verdict's change, if it names one, then each entry of the Releases line."""
        found = []
        if verdict := _VERDICT_CHANGE.match(self.verdict):
            found.append(_change(verdict["package"], verdict["release"], self.title))
        line = self.fields.get("Releases", "")
        if not line:
            return tuple(found)
        entries = list(RELEASE_ENTRY.finditer(line))
        if not entries or entries[0].start() != 0:
            raise ValueError(f"{self.id}: the Releases line must start with 'torch X.Y: '")
        ends = [entry.start() for entry in entries[1:]] + [len(line)]
        for entry, end in zip(entries, ends, strict=True):
            found.append(_change(entry["package"], entry["release"], line[entry.end() : end]))
        return tuple(found)

    @property
    def location(self) -> str:
        return f"{self.path.name}:{self.line}"


def _change(package: str, release: str, what: str) -> Change:
    major, minor = release.split(".")
    return Change(package, (int(major), int(minor)), what.strip())


def parse_claims(text: str, path: Path) -> list[Claim]:
    """The claims of one spec file, in the order they appear."""
    claims: list[Claim] = []
    heading: tuple[str, str, int] | None = None
    fields: dict[str, str] = {}
    fence: str | None = None
    open_field: str | None = None  # the field an indented line continues

    def close_claim() -> None:
        if heading is not None:
            claim_id, title, line = heading
            claims.append(Claim(claim_id, title, path, line, dict(fields)))

    for number, line in enumerate(text.splitlines(), start=1):
        opening = _FENCE.match(line)
        if opening and (fence is None or opening.group(1).startswith(fence)):
            fence = opening.group(1) if fence is None else None
            continue
        if fence is not None:
            continue
        if line.startswith("#"):
            close_claim()
            heading, fields, open_field = None, {}, None
            found = _HEADING.match(line)
            if found:
                heading = (found["id"], found["title"].strip().lstrip("—").strip(), number)
        elif heading is not None and (found := _FIELD.match(line)):
            open_field = None if found["name"] in fields else found["name"]
            fields.setdefault(found["name"], found["value"].strip())
        elif open_field is not None and line.startswith("  ") and line.strip():
            fields[open_field] += " " + line.strip()
        else:
            open_field = None
    close_claim()
    return claims


NOT_AREAS = ("README.md", "notes.md")  # the index, and the walk through the notes it generates


def spec_files(spec_dir: Path) -> list[Path]:
    """The area files of the spec: every Markdown file but the index and the notes walk."""
    return sorted(path for path in spec_dir.glob("*.md") if path.name not in NOT_AREAS)


def load_claims(spec_dir: Path) -> list[Claim]:
    return [
        claim
        for path in spec_files(spec_dir)
        for claim in parse_claims(path.read_text(encoding="utf-8"), path)
    ]

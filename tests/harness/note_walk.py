"""`spec/notes.md`: each tutorial note walked in order, the claims it teaches and their verdicts.

The page is generated from the claims' **Taught** lines and the notes, and a meta test fails when
the page in the repository is not what this module writes. To write it again:

    python -m tests.harness.note_walk
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.harness.claims import VERDICT, Claim, load_claims
from tests.harness.notes import NOTES_DIR, Note, load_notes, named_notes, unquoted_notes

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
PAGE = SPEC_DIR / "notes.md"


@dataclass(frozen=True)
class Stop:
    """A claim at the line of a note that its Taught line quotes."""

    line: int
    claim: Claim


def stops(note: Note, claims: list[Claim]) -> list[Stop]:
    """The claims that name `note`, in the order of the lines they quote (see `unquoted_notes`
    for a claim that names a note and quotes nothing of it)."""
    found = []
    for claim in claims:
        taught = claim.fields.get("Taught", "")
        if note.number in named_notes(taught):
            line = note.place(taught)
            if line is None:
                raise ValueError(unquoted_notes([claim], {note.number: note})[0])
            found.append(Stop(line, claim))
    return sorted(found, key=lambda stop: (stop.line, stop.claim.id))


def _claims(count: int) -> str:
    return f"{count} claim" if count == 1 else f"{count} claims"


def _verdict(claim: Claim) -> str:
    match = VERDICT.match(claim.verdict)
    return match.group(1) if match else claim.verdict


def _row(first: str, claim: Claim) -> str:
    link = f"[`{claim.id}`]({claim.area}.md)"
    return f"| {first} | {link} {_cell(claim.title)} | {_verdict(claim)} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _section(note: Note, line: int) -> str:
    headings = note.section_of(line)
    return _cell(" › ".join(heading.text for heading in headings)) or "(before any heading)"


def render(claims: list[Claim], notes: dict[str, Note]) -> str:
    out = [
        "# The notes, one by one",
        "",
        "Each tutorial note (`../shared/seeds/`), walked in its own order: for each behaviour it",
        "teaches, the line of the note, the claim that checks it and the claim's verdict. A claim",
        "stands at the first line of the note that its **Taught** line quotes. The claims that no",
        "note teaches come last: they are the spec's own additions.",
        "",
        "This page is generated from the claims and the notes; do not edit it. After changing a",
        "claim's Taught or Verdict, write it again with `python -m tests.harness.note_walk`",
        "(`tests/meta/test_note_walk.py` fails while it is stale).",
    ]
    for number, note in notes.items():
        walk = stops(note, claims)
        title = f": {note.title}" if note.title else ""
        out += ["", f"## Notes {number}{title} (`{note.path.name}`)", ""]
        out += [f"{_claims(len(walk))}.", "", "| line | claim | verdict |", "|---|---|---|"]
        section = None
        for stop in walk:
            if (here := _section(note, stop.line)) != section:
                section = here
                out.append(f"| | **{section}** | |")
            out.append(_row(str(stop.line), stop.claim))
    additions = [claim for claim in claims if not named_notes(claim.fields.get("Taught", ""))]
    out += ["", "## The spec's own additions", ""]
    out += [f"{_claims(len(additions))} that no note teaches.", ""]
    out += ["| area | claim | verdict |", "|---|---|---|"]
    out += [_row(claim.area, claim) for claim in additions]
    return "\n".join(out) + "\n"


def main() -> None:
    if not NOTES_DIR.is_dir():
        raise SystemExit(f"the tutorial notes are not at {NOTES_DIR}")
    PAGE.write_text(render(load_claims(SPEC_DIR), load_notes()), encoding="utf-8")
    print(f"wrote {PAGE}")


if __name__ == "__main__":
    main()

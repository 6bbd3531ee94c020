"""The five tutorial notes, and where in them a claim's **Taught** line quotes what they teach.

A Taught line names its notes ("notes 003", "notes 001, 002") and quotes them: "double-quoted"
text is the notes' own words, with `...` where the quotation skips some, and `code in
backticks` is what they run, perhaps respaced. Both are found in a note as a reader sees the
two texts, both Markdown: without regard to whitespace (a quotation may wrap where the note does
not), to backticks, or to backslash escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from tests.harness.claims import Claim

NOTES_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"

_NAMED = re.compile(r"\bnotes? (\d{3}(?:(?:, | and | & |/)\d{3})*)")
_NUMBER = re.compile(r"\d{3}")
_QUOTATION = re.compile(r'"([^"]+)"')
_CODE_SPAN = re.compile(r"`([^`]+)`")
_ELISION = re.compile(r"\.\.\.|…")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ESCAPE = re.compile(r"\\(.)")
_WHITESPACE = re.compile(r"\s+")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TITLE = re.compile(r"^title:\s*(.+)$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MIN_CODE = 6  # characters without spaces: a shorter code span (`.grad`) is everywhere


def _rendered(text: str) -> str:
    return _ESCAPE.sub(r"\1", _WHITESPACE.sub("", text.replace("`", "")))


def named_notes(taught: str) -> tuple[str, ...]:
    """The notes a Taught line names, by number, in order: `("001", "002")`."""
    found = {number for group in _NAMED.findall(taught) for number in _NUMBER.findall(group)}
    return tuple(sorted(found))


def quotations(taught: str) -> list[str]:
    """The pieces of each double-quoted passage, split where `...` skips some words."""
    return [
        piece.strip()
        for quoted in _QUOTATION.findall(taught)
        for piece in _ELISION.split(quoted)
        if _rendered(piece)
    ]


def in_chinese(text: str) -> bool:
    """Whether a quotation holds the notes' own (Chinese) words, not an English gloss."""
    return _CJK.search(text) is not None


def code_spans(taught: str) -> list[str]:
    """The code in backticks outside the quotations, long enough to place a claim in a note."""
    outside = _QUOTATION.sub("", taught)
    return [span for span in _CODE_SPAN.findall(outside) if len(_rendered(span)) >= _MIN_CODE]


@dataclass(frozen=True)
class Heading:
    line: int
    level: int
    text: str


@dataclass(frozen=True)
class Note:
    number: str
    path: Path

    @cached_property
    def lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    @cached_property
    def _rendered_text(self) -> tuple[str, list[int]]:
        """The note as rendered, whitespace aside, and the line each of its characters is on."""
        characters, line_of = [], []
        for number, line in enumerate(self.lines, start=1):
            rendered = _rendered(line)
            characters.append(rendered)
            line_of.extend([number] * len(rendered))
        return "".join(characters), line_of

    def line_of(self, passage: str) -> int | None:
        """The line where `passage` starts, as rendered; None where the note lacks it."""
        text, line_of = self._rendered_text
        start = text.find(_rendered(passage))
        return None if start < 0 else line_of[start]

    @cached_property
    def headings(self) -> list[Heading]:
        """The note's Markdown headings, outside its code blocks, links reduced to their text."""
        found, fence = [], None
        for number, line in enumerate(self.lines, start=1):
            if opening := _FENCE.match(line):
                if fence is None:
                    fence = opening.group(1)
                elif opening.group(1).startswith(fence):
                    fence = None
            elif fence is None and (heading := _HEADING.match(line)):
                text = _LINK.sub(r"\1", heading.group(2)).strip()
                found.append(Heading(number, len(heading.group(1)), text))
        return found

    @cached_property
    def _title_heading(self) -> Heading | None:
        """The note's one heading at its top level, where it has only one: its title."""
        if not self.headings:
            return None
        top = min(heading.level for heading in self.headings)
        tops = [heading for heading in self.headings if heading.level == top]
        return tops[0] if len(tops) == 1 else None

    @cached_property
    def title(self) -> str | None:
        """The `title:` of the note's front matter, or else its title heading."""
        if self.lines and self.lines[0] == "---":
            for line in self.lines[1 : self.lines.index("---", 1)]:
                if found := _TITLE.match(line):
                    return found.group(1).strip()
        return self._title_heading.text if self._title_heading else None

    def section_of(self, line: int) -> tuple[Heading, ...]:
        """The headings that `line` is under, outermost first, the note's title aside."""
        path: list[Heading] = []
        for heading in self.headings:
            if heading.line > line:
                break
            if heading != self._title_heading:
                path = [outer for outer in path if outer.level < heading.level] + [heading]
        return tuple(path)

    def place(self, taught: str) -> int | None:
        """The line of this note that a Taught line quotes: where the longest of its quotations
        and code spans that the note has starts, since the longer a passage, the fewer places
        it fits; of two as long, the earlier."""
        found = [
            (-len(_rendered(passage)), line)
            for passage in quotations(taught) + code_spans(taught)
            if (line := self.line_of(passage)) is not None
        ]
        return min(found)[1] if found else None


def load_notes(notes_dir: Path = NOTES_DIR) -> dict[str, Note]:
    """The notes by number: `000_b9dbeb6f2adfeb9c.txt` is notes "000"."""
    return {path.name[:3]: Note(path.name[:3], path) for path in sorted(notes_dir.glob("*.txt"))}


def misquotations(claims: list[Claim], notes: dict[str, Note]) -> list[str]:
    """Each quotation in the notes' own words is in a note that its Taught line names."""
    problems = []
    for claim in claims:
        taught = claim.fields.get("Taught", "")
        numbers = named_notes(taught)
        named = [notes[number] for number in numbers if number in notes]
        for quotation in filter(in_chinese, quotations(taught)):
            if all(note.line_of(quotation) is None for note in named):
                where = ", ".join(numbers) or "none"
                problems.append(
                    f"{claim.location} `{claim.id}`: {quotation!r} is not in the notes it names"
                    f" ({where})"
                )
    return problems


def unquoted_notes(claims: list[Claim], notes: dict[str, Note]) -> list[str]:
    """Each note that a Taught line names exists, and the line quotes something of it."""
    problems = []
    for claim in claims:
        taught = claim.fields.get("Taught", "")
        for number in named_notes(taught):
            if number not in notes:
                problems.append(f"{claim.location} `{claim.id}`: there is no notes {number}")
            elif notes[number].place(taught) is None:
                problems.append(
                    f"{claim.location} `{claim.id}`: names notes {number} but quotes nothing of it"
                )
    return problems

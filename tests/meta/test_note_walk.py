"""The walk through the notes, `spec/notes.md`, is current, and the Taught lines quote the notes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.harness.claims import load_claims, parse_claims
from tests.harness.note_walk import PAGE, SPEC_DIR, render, stops
from tests.harness.notes import (
    NOTES_DIR,
    Note,
    code_spans,
    load_notes,
    misquotations,
    named_notes,
    quotations,
    unquoted_notes,
)

needs_the_notes = pytest.mark.skipif(
    not NOTES_DIR.is_dir(), reason=f"the tutorial notes are not beside the repository: {NOTES_DIR}"
)


@pytest.fixture(scope="module")
def claims():
    return load_claims(SPEC_DIR)


@pytest.fixture(scope="module")
def notes():
    return load_notes()


# On this repository ------------------------------------------------------------------------------


@needs_the_notes
def test_the_page_is_what_the_claims_and_the_notes_give(claims, notes):
    assert PAGE.read_text(encoding="utf-8") == render(claims, notes), (
        "spec/notes.md is stale: write it again with `python -m tests.harness.note_walk`"
    )


@needs_the_notes
def test_every_quotation_of_the_notes_is_in_a_note_it_names(claims, notes):
    assert misquotations(claims, notes) == []


@needs_the_notes
def test_every_note_a_claim_names_is_quoted(claims, notes):
    assert unquoted_notes(claims, notes) == []


def test_the_page_gives_every_claim_with_its_verdict(claims):
    """Even where the notes are not at hand, the page names each claim, and its verdict."""
    page = PAGE.read_text(encoding="utf-8")
    for claim in claims:
        rows = [line for line in page.splitlines() if f"[`{claim.id}`]" in line]
        assert rows, f"spec/notes.md does not name `{claim.id}`"
        verdict = claim.verdict.split(" — ")[0]
        assert all(row.endswith(f"| {verdict} |") for row in rows), (claim.id, verdict, rows)
        taught_by = len(named_notes(claim.fields.get("Taught", ""))) or 1
        assert len(rows) == taught_by, f"`{claim.id}`: {len(rows)} rows for {taught_by} notes"


def test_the_spec_index_links_the_page():
    assert "(notes.md)" in (SPEC_DIR / "README.md").read_text(encoding="utf-8")


# The parts, on notes of our own -----------------------------------------------------------------


def test_named_notes_reads_each_way_of_naming_them():
    taught = "x (notes 002); notes 000 and 003 do y; notes 001, 004's z; note 001 again"
    assert named_notes(taught) == ("000", "001", "002", "003", "004")
    assert named_notes("not in the notes.") == ()


def test_a_quotation_is_split_where_it_skips_words_and_read_as_rendered():
    taught = '"第一句 ... 第二句" and "`x.grad`为\\_\\_call\\_\\_" (notes 000); `y = f(x)` `.grad`'
    assert quotations(taught) == ["第一句", "第二句", "`x.grad`为\\_\\_call\\_\\_"]
    assert code_spans(taught) == ["y = f(x)"], "a short span (`.grad`) places nothing"


def _note(tmp_path: Path, text: str, number: str = "000") -> Note:
    path = tmp_path / f"{number}_demo.txt"
    path.write_text(text, encoding="utf-8")
    return Note(number, path)


NOTE = """\
---
title: 演示
---
# 演示

## 张量

张量是一个
多维数组。

```python
# 这不是标题
x = torch.ones(2,2)
```

## 梯度

### 累加
`.grad`会累加，调用 \\_\\_call\\_\\_ 方法
"""


def test_a_passage_is_found_whatever_its_spaces_and_markup(tmp_path):
    note = _note(tmp_path, NOTE)
    assert note.line_of("张量是一个多维数组") == 8, "a passage wrapped in the note"
    assert note.line_of("张量是 一个 多维数组") == 8, "a passage wrapped in the spec"
    assert note.line_of("x = torch.ones(2, 2)") == 13
    assert note.line_of(".grad会累加，调用 __call__ 方法") == 19
    assert note.line_of("张量是两个") is None


def test_a_line_is_under_the_headings_above_it_but_the_title(tmp_path):
    note = _note(tmp_path, NOTE)
    assert note.title == "演示"
    assert [heading.text for heading in note.headings] == ["演示", "张量", "梯度", "累加"]
    assert [heading.text for heading in note.section_of(13)] == ["张量"]
    assert [heading.text for heading in note.section_of(19)] == ["梯度", "累加"]
    assert note.section_of(2) == ()


def test_a_claim_stands_at_its_first_quotation_else_its_first_code(tmp_path):
    note = _note(tmp_path, NOTE)
    assert note.place('"多维数组" and "会累加" (notes 000)') == 9
    assert note.place('"不在这里" (notes 000), like `x = torch.ones(2,2)`') == 13
    assert note.place('"不在这里" (notes 000)') is None


def _claims(tmp_path: Path, *taught: str):
    blocks = [
        f"### `demo.claim.n{index}` — claim {index}\n\n- **Taught:** {line}\n"
        f"- **Verdict:** holds\n- **Devices:** cpu\n- **Reference:** none: demo\n"
        for index, line in enumerate(taught)
    ]
    page = tmp_path / "demo.md"
    return parse_claims("\n".join(blocks), page)


def test_a_misquotation_and_a_note_quoted_in_nothing_are_named(tmp_path):
    notes = {"000": _note(tmp_path, NOTE)}
    claims = _claims(
        tmp_path,
        '"张量是一个多维数组" (notes 000)',
        '"张量是三个" (notes 000)',
        "an English gloss (notes 000)",
        '"张量" (notes 001)',
    )
    assert misquotations(claims, notes) == [
        "demo.md:8 `demo.claim.n1`: '张量是三个' is not in the notes it names (000)",
        "demo.md:22 `demo.claim.n3`: '张量' is not in the notes it names (001)",
    ]
    assert unquoted_notes(claims, notes) == [
        "demo.md:8 `demo.claim.n1`: names notes 000 but quotes nothing of it",
        "demo.md:15 `demo.claim.n2`: names notes 000 but quotes nothing of it",
        "demo.md:22 `demo.claim.n3`: there is no notes 001",
    ]
    with pytest.raises(ValueError, match="n1`: names notes 000 but quotes nothing"):
        stops(notes["000"], claims)


def test_the_page_walks_a_note_in_its_order_and_lists_the_rest_as_additions(tmp_path):
    notes = {"000": _note(tmp_path, NOTE)}
    claims = _claims(tmp_path, '"会累加" (notes 000)', '"多维数组" (notes 000)', "nothing.")
    page = render(claims, notes)
    headers = ("| line | claim | verdict |", "| area | claim | verdict |")
    rows = [line for line in page.splitlines() if line.startswith("| ") and line not in headers]
    assert rows == [
        "| | **张量** | |",
        "| 9 | [`demo.claim.n1`](demo.md) claim 1 | holds |",
        "| | **梯度 › 累加** | |",
        "| 19 | [`demo.claim.n0`](demo.md) claim 0 | holds |",
        "| demo | [`demo.claim.n2`](demo.md) claim 2 | holds |",
    ]
    assert "## Notes 000: 演示 (`000_demo.txt`)" in page
    assert re.search(r"^1 claim that no note teaches\.$", page, re.MULTILINE)

"""The version matrix's parts: a claim's Releases line, and the claims x releases report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.harness.claims import Change, parse_claims
from tests.harness.matrix_report import load_releases, main, matrix_data, matrix_markdown
from tests.harness.versions import release

SPEC = """\
### `demo.a.one` — subtraction refuses bools
- **Verdict:** holds
- **Devices:** cpu, meta
- **Releases:** torch 2.12: `-` raises `NotImplementedError`; `RuntimeError` before.
  torchvision 0.17: the example's image is read as uint8.
- **Reference:** none: demo
"""


def test_the_releases_line_and_its_continuation_give_one_change_an_entry():
    (claim,) = parse_claims(SPEC, Path("demo.md"))
    assert claim.changes == (
        Change("torch", (2, 12), "`-` raises `NotImplementedError`; `RuntimeError` before."),
        Change("torchvision", (0, 17), "the example's image is read as uint8."),
    )
    assert claim.fields["Reference"] == "none: demo"


def test_a_verdict_that_names_a_release_is_a_change_too():
    spec = SPEC.replace("- **Verdict:** holds", "- **Verdict:** changed in torch 2.6")
    (claim,) = parse_claims(spec, Path("demo.md"))
    assert [change.name for change in claim.changes] == [
        "torch 2.6",
        "torch 2.12",
        "torchvision 0.17",
    ]
    assert claim.changes[0].what == "subtraction refuses bools"


def test_a_releases_line_that_does_not_start_with_a_release_is_refused():
    spec = SPEC.replace("- **Releases:** torch 2.12:", "- **Releases:** since torch 2.12:")
    (claim,) = parse_claims(spec, Path("demo.md"))
    with pytest.raises(ValueError, match=r"demo\.a\.one: the Releases line must start with"):
        claim.changes  # noqa: B018


# The report -----------------------------------------------------------------------------------

CHANGE = {"package": "torch", "release": "2.12", "what": "`-` raises NotImplementedError"}


def report(torch: str, numpy: str = "2.4.6", **outcomes: dict[str, str]) -> dict:
    """A claims report of one release; outcomes: claim name -> {device: outcome}."""
    changes = {"changed": [CHANGE]}
    return {
        "torch": torch,
        "torchvision": "0.x",
        "numpy": numpy,
        "python": "3.11",
        "summary": {"cpu": {"passed": 1, "failed": 0, "skipped": 0, "untested": 0}},
        "claims": [
            {
                "id": f"demo.a.{name}",
                "title": name,
                "verdict": "holds",
                "spec": "spec/demo.md:1",
                "changes": changes.get(name, []),
                "outcomes": row,
            }
            for name, row in outcomes.items()
        ],
    }


def releases(*reports: dict, tmp_path: Path):
    paths = []
    for number, data in enumerate(reports):
        paths.append(tmp_path / f"{number}.json")
        paths[-1].write_text(json.dumps(data))
    return load_releases(paths)


HELD, BROKEN = {"cpu": "passed"}, {"cpu": "failed"}


def by_id(data: dict) -> dict[str, dict]:
    return {claim["id"]: claim for claim in data["claims"]}


def test_releases_are_ordered_by_torch_and_two_of_one_torch_by_numpy(tmp_path):
    found = releases(
        report("2.15.0+cu132", same=HELD),
        report("2.8.0", "2.4.6", same=HELD),
        report("2.10.0", same=HELD),
        report("2.8.0", "2.2.6", same=HELD),
        tmp_path=tmp_path,
    )
    assert [r.label for r in found] == [
        "2.8.0 (numpy 2.2.6)",
        "2.8.0 (numpy 2.4.6)",
        "2.10.0",
        "2.15.0",
    ]


def test_an_outcome_that_differs_where_the_spec_names_no_change_is_unpredicted(tmp_path):
    found = releases(
        report("2.11.0", same=HELD, moved=BROKEN, changed=HELD),
        report("2.15.0", same=HELD, moved=HELD, changed=HELD),
        tmp_path=tmp_path,
    )
    data = matrix_data(found)
    claims = by_id(data)
    assert claims["demo.a.moved"]["differs"] == "outcome"
    assert claims["demo.a.moved"]["note"] == (
        "not predicted: the spec names no change at 2.11.0 → 2.15.0"
    )
    assert claims["demo.a.changed"]["differs"] == "change"
    assert claims["demo.a.changed"]["note"] == "torch 2.12: held on every side"
    assert claims["demo.a.same"]["differs"] is None
    assert [claim["id"] for claim in data["claims"]] == [
        "demo.a.moved",
        "demo.a.changed",
        "demo.a.same",
    ]


def test_an_outcome_that_differs_across_a_named_change_is_predicted(tmp_path):
    found = releases(
        report("2.11.0", changed={"cpu": "skipped"}),
        report("2.15.0", changed=HELD),
        tmp_path=tmp_path,
    )
    assert by_id(matrix_data(found))["demo.a.changed"]["note"] == "predicted (torch 2.12)"


def test_a_change_outside_the_releases_run_is_not_a_difference(tmp_path):
    found = releases(
        report("2.12.1", changed=HELD), report("2.15.0", changed=HELD), tmp_path=tmp_path
    )
    assert by_id(matrix_data(found))["demo.a.changed"]["differs"] is None


def test_the_markdown_lists_what_differs_first_and_counts_the_broken(tmp_path):
    found = releases(
        report("2.11.0", same=HELD, moved=BROKEN),
        report("2.15.0", same=HELD, moved=HELD),
        tmp_path=tmp_path,
    )
    text = matrix_markdown(matrix_data(found))
    assert "# Claims from torch 2.11.0 to torch 2.15.0" in text
    assert "Broken: 1 (demo.a.moved on 2.11.0)" in text
    differs, rest = text.split("## Every other claim")
    assert "| `demo.a.moved` | holds | cpu ✗ | cpu ✓ |" in differs
    assert "`demo.a.same`" in rest
    assert "`demo.a.same`" not in differs


def test_the_command_writes_both_files_and_fails_when_a_claim_broke(tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(report("2.11.0", moved=BROKEN)))
    new.write_text(json.dumps(report("2.15.0", moved=HELD)))
    assert main([str(old), str(new), "--out", str(tmp_path / "out")]) == 1
    assert "2 releases, 1 claims, 1 differ, 1 broken, 0 failed" in capsys.readouterr().out
    written = json.loads((tmp_path / "out" / "matrix.json").read_text())
    assert [r["label"] for r in written["releases"]] == ["2.11.0", "2.15.0"]
    assert (tmp_path / "out" / "matrix.md").is_file()
    new.write_text(json.dumps(report("2.15.0", moved=HELD)))
    old.write_text(json.dumps(report("2.12.0", moved=HELD)))
    assert main([str(old), str(new), "--out", str(tmp_path / "out")]) == 0


def test_a_failure_of_no_claim_on_some_release_is_told_and_fails_the_command(tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    failing = report("2.11.0", moved=HELD) | {"unclaimed_failures": ["tests/meta/test_x.py::t"]}
    old.write_text(json.dumps(failing))
    new.write_text(json.dumps(report("2.15.0", moved=HELD)))
    assert main([str(old), str(new), "--out", str(tmp_path / "out")]) == 1
    assert "0 broken, 1 failed checking no claim" in capsys.readouterr().out
    text = (tmp_path / "out" / "matrix.md").read_text()
    assert "Failed, checking no claim: 1 (tests/meta/test_x.py::t on 2.11.0)" in text


def test_a_stretch_between_two_changes_that_no_release_ran_is_named(tmp_path):
    changes = [CHANGE | {"release": "2.10"}, CHANGE | {"release": "2.11"}]
    found = releases(
        report("2.9.0", changed=HELD), report("2.15.0", changed=HELD), tmp_path=tmp_path
    )
    for r in found:
        r.report["claims"][0]["changes"] = changes
    assert by_id(matrix_data(found))["demo.a.changed"]["note"] == (
        "torch 2.10, torch 2.11: held on every side; no release ran torch 2.10 to 2.11"
    )


# The table of pairs -----------------------------------------------------------------------------

ROOT = Path(__file__).parents[2]


def noxfile_pairs() -> list[tuple[str, ...]]:
    """The Pair(...) rows of noxfile.py, read without importing nox: (torch, vision, numpy, why)."""
    import ast

    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return [
        tuple(ast.literal_eval(argument) for argument in node.args)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Pair"
    ]


def test_the_noxfile_has_every_minor_release_from_the_floor_to_the_pin():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    floor = release(re.search(r'"torch>=([\d.]+)"', pyproject)[1])
    pin = release(re.search(r"^torch==([\d.]+)$", pins, re.MULTILINE)[1])
    torches = [release(pair[0]) for pair in noxfile_pairs()]
    assert floor[0] == pin[0] == 2
    assert torches == [(2, minor) for minor in range(floor[1], pin[1] + 1)]


def test_the_readme_shows_the_pairs_the_matrix_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [f"| {t} | {v} | `{n}` | {why} |" for t, v, n, *why in noxfile_pairs() for why in why]
    table = readme.split("| torch | torchvision | NumPy | why the matrix runs it |")[1]
    assert table.split("\n\n")[0].strip().splitlines()[1:] == rows

"""The mutation run (`nox -s mutation`) mutates the oracles against all of their self-checks, and
its report counts what it should: the kills, the equivalents written down, the real survivors."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from tests.harness.mutation_report import main, results, stale_equivalents
from tests.meta.mutation_equivalents import EQUIVALENTS

ROOT = Path(__file__).resolve().parents[2]
# mutmut's names: x_<function>, or xǁ<Class>ǁ<method> for a method.
MUTANT = re.compile(
    r"^reference\.(?P<module>\w+)\.(?:x_(?P<function>\w+)|xǁ(?P<cls>\w+)ǁ(?P<method>\w+))"
    r"__mutmut_\d+$"
)


def test_the_run_selects_every_self_check_of_the_oracles():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    self_checks = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests/meta").glob("test_reference*.py")
    )
    assert config["pytest_add_cli_args_test_selection"] == self_checks
    assert config["source_paths"] == ["reference/"]


@pytest.mark.parametrize("mutant", sorted(EQUIVALENTS))
def test_each_equivalent_names_a_function_of_an_oracle_and_says_why(mutant):
    found = MUTANT.match(mutant)
    assert found, f"{mutant} is not a mutmut name such as reference.promotion.x_category__mutmut_1"
    module = importlib.import_module(f"reference.{found['module']}")
    owner, name = (
        (module, found["function"])
        if found["function"]
        else (getattr(module, found["cls"], None), found["method"])
    )
    assert callable(getattr(owner, name, None)), f"{mutant}: no such function or method"
    assert len(EQUIVALENTS[mutant]) > 20, f"{mutant}: say why no input tells it apart"


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("reference.promotion.x_category__mutmut_1", True),
        ("reference.memory.xǁBufferǁextent__mutmut_4", True),
        ("reference.memory.Buffer.extent__mutmut_4", False),
        ("promotion.x_category__mutmut_1", False),
    ],
)
def test_mutant_names_of_functions_and_methods_are_recognised(name, matches):
    assert bool(MUTANT.match(name)) == matches, name


def _run(tmp_path: Path, codes: dict[str, dict[str, int | None]]) -> Path:
    (tmp_path / "reference").mkdir()
    for module, by_mutant in codes.items():
        meta = {
            "exit_code_by_key": {f"reference.{module}.{name}": c for name, c in by_mutant.items()}
        }
        (tmp_path / "reference" / f"{module}.py.meta").write_text(json.dumps(meta))
    return tmp_path


def test_the_report_counts_kills_equivalents_survivors_and_what_did_not_run(tmp_path):
    mutants = _run(
        tmp_path,
        {
            "alpha": {"x_f__mutmut_1": 1, "x_f__mutmut_2": 36, "x_f__mutmut_3": 0},
            "beta": {"x_g__mutmut_1": 0, "x_g__mutmut_2": None, "x_g__mutmut_3": 33},
            "empty": {},
        },
    )
    equivalents = {"reference.alpha.x_f__mutmut_3": "why", "reference.beta.x_g__mutmut_1": "why"}
    alpha, beta = results(mutants, equivalents)
    assert (alpha.module, alpha.killed, alpha.equivalents, alpha.survivors) == (
        "alpha",
        2,
        ["reference.alpha.x_f__mutmut_3"],
        [],
    )
    assert alpha.score == 1.0, "two kills of the two mutants that can be killed"
    assert (beta.killed, beta.unchecked.total(), beta.total) == (0, 1, 3)
    assert beta.survivors == ["reference.beta.x_g__mutmut_3"], "no test calls it: nothing checks it"

    without = results(mutants, {})
    assert [result.survivors for result in without] == [
        ["reference.alpha.x_f__mutmut_3"],
        ["reference.beta.x_g__mutmut_1", "reference.beta.x_g__mutmut_3"],
    ]
    assert without[0].score == pytest.approx(2 / 3)


def test_an_equivalent_that_no_longer_survives_is_named_where_its_module_ran_whole(tmp_path):
    mutants = _run(
        tmp_path,
        {"alpha": {"x_f__mutmut_1": 1}, "beta": {"x_g__mutmut_1": 1, "x_g__mutmut_2": None}},
    )
    listed = {"reference.alpha.x_f__mutmut_1": "why", "reference.beta.x_g__mutmut_1": "why"}
    assert stale_equivalents(results(mutants, listed), listed) == ["reference.alpha.x_f__mutmut_1"]


def test_the_run_fails_while_a_survivor_changes_behaviour(tmp_path, capsys, monkeypatch):
    mutants = _run(tmp_path, {"alpha": {"x_f__mutmut_1": 1, "x_f__mutmut_2": 0}})
    monkeypatch.setattr("tests.harness.mutation_report.EQUIVALENTS", {})
    assert main([str(mutants)]) == 1
    out = capsys.readouterr().out
    assert "| alpha | 2 | 1 | 0 | 1 | 0 | 50% |" in out
    assert "survived, changes behaviour: reference.alpha.x_f__mutmut_2" in out

    monkeypatch.setattr(
        "tests.harness.mutation_report.EQUIVALENTS", {"reference.alpha.x_f__mutmut_2": "why"}
    )
    assert main([str(mutants)]) == 0
    assert "| all | 2 | 1 | 1 | 0 | 0 | 100% |" in capsys.readouterr().out

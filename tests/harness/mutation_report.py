"""What a mutation run (`nox -s mutation`) left: per module of `reference/`, the mutants killed,
the survivors judged equivalent, and the survivors that change behaviour, which fail the run.

mutmut 3 keeps each mutant's exit code in `mutants/reference/<module>.py.meta`. A survivor is
equivalent when no input can tell it from the original; each such judgement is written down, with
its reason, in `tests/meta/mutation_equivalents.py`. A mutant's name numbers it within its
function (`reference.promotion.x__operand__mutmut_7`), so it stays while the function does.

    python -m tests.harness.mutation_report [MUTANTS_DIR]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.meta.mutation_equivalents import EQUIVALENTS

ROOT = Path(__file__).resolve().parents[2]

# mutmut's exit codes (mutmut/stats.py): a test failed, or pytest failed inside, or took too long;
# the tests passed, or no test calls the mutated function (which no check then guards either).
KILLED = {1, 3, 36, -24, 24, 152}
SURVIVED = {0, 5, 33}


@dataclass
class ModuleResult:
    module: str
    killed: int = 0
    equivalents: list[str] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)  # those that change behaviour
    unchecked: Counter = field(default_factory=Counter)  # exit code -> count: not run, no tests

    @property
    def total(self) -> int:
        return self.killed + len(self.equivalents) + len(self.survivors) + self.unchecked.total()

    @property
    def score(self) -> float:
        """The share of the mutants that the self-checks kill, of those that can be killed."""
        killable = self.total - len(self.equivalents)
        return self.killed / killable if killable else 1.0


def results(mutants_dir: Path, equivalents: dict[str, str]) -> list[ModuleResult]:
    found = []
    for meta in sorted((mutants_dir / "reference").glob("*.py.meta")):
        result = ModuleResult(meta.name.removesuffix(".py.meta"))
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for mutant, code in codes.items():
            if code in KILLED:
                result.killed += 1
            elif code in SURVIVED:
                (result.equivalents if mutant in equivalents else result.survivors).append(mutant)
            else:
                result.unchecked[code] += 1
        if result.total:
            found.append(result)
    return found


def stale_equivalents(found: list[ModuleResult], equivalents: dict[str, str]) -> list[str]:
    """The listed equivalents of each module the run checked whole that did not survive it:
    killed now, or gone with a change to their function."""
    checked = {f"reference.{result.module}": result for result in found if not result.unchecked}
    return sorted(
        mutant
        for mutant in equivalents
        if (result := checked.get(mutant.rsplit(".", 1)[0])) and mutant not in result.equivalents
    )


def render(found: list[ModuleResult]) -> str:
    lines = [
        "| module | mutants | killed | equivalent | survived | not run | score |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in [*found, _total(found)]:
        lines.append(
            f"| {result.module} | {result.total} | {result.killed} | {len(result.equivalents)} |"
            f" {len(result.survivors)} | {result.unchecked.total()} | {result.score:.0%} |"
        )
    return "\n".join(lines)


def _total(found: list[ModuleResult]) -> ModuleResult:
    total = ModuleResult("all")
    for result in found:
        total.killed += result.killed
        total.equivalents += result.equivalents
        total.survivors += result.survivors
        total.unchecked += result.unchecked
    return total


def main(argv: list[str]) -> int:
    mutants_dir = Path(argv[0]) if argv else ROOT / "mutants"
    found = results(mutants_dir, EQUIVALENTS)
    print(render(found))
    survivors = [mutant for result in found for mutant in result.survivors]
    for mutant in survivors:
        print(f"survived, changes behaviour: {mutant}  (mutmut show {mutant})")
    stale = stale_equivalents(found, EQUIVALENTS)
    for mutant in stale:
        print(f"listed as equivalent, but not a survivor of this run: {mutant}")
    return 1 if survivors or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

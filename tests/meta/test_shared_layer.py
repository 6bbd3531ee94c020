"""Test modules use the harness's one tolerance policy, comparison helper and dtype groups,
rather than defining their own (see the README's "Writing a test")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
MODULES = sorted([*TESTS.glob("test_*.py"), *TESTS.glob("bench_*.py")])
# Module-level names that would state a tolerance or a dtype group a second time.
OWN_FACT = re.compile(r"(TOLERANCES?|RTOL|ATOL|FLOAT(32|64)|_DTYPES)$")


def module_level_names(module: Path) -> list[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        targets += [node.target] if isinstance(node, ast.AnnAssign) else []
        names += [target.id for target in targets if isinstance(target, ast.Name)]
        if isinstance(node, ast.FunctionDef):
            names.append(f"def {node.name}")
    return names


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.name)
def test_a_module_states_no_tolerance_table_comparison_helper_or_dtype_group(module):
    own = [
        name
        for name in module_level_names(module)
        if OWN_FACT.search(name) or name in ("def close", "def tiny_model")
    ]
    assert own == [], (
        f"{module.name} defines {', '.join(own)}: use tests.harness.tolerances, "
        "tests.harness.assertions.assert_close, tests.harness.dtypes or tests.harness.models"
    )

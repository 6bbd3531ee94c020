"""Run the Python code blocks of `spec/*.md` as tests, with Sybil.

Each file's blocks share one namespace, in order, so a file's first block holds its imports and
later blocks build on earlier ones. `--dist loadfile` keeps a file's blocks on one worker.
A block that must not run is preceded by `<!-- skip: next -->`. Like every test, a page must
leave torch's global state as it found it: a page that does not fails at its end.

Each block checks the claim whose heading is above it; the blocks above a page's first claim are
the page's set-up and check every claim of the page, as do the page's own set-up and teardown.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.harness.claims import Claim

try:
    from sybil import Sybil
    from sybil.integration.pytest import SybilItem
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the spec's examples run under Sybil, which is not installed: pip install -e '.[test]'"
    ) from error


_STATE = "__torch_global_state__"


def _remember_state(namespace: dict) -> None:
    # Imported here, where a page runs: the xdist controller loads this module but runs nothing.
    from tests.harness import global_state

    namespace[_STATE] = global_state.snapshot()


def _check_state(namespace: dict) -> None:
    from tests.harness import global_state

    before = namespace.pop(_STATE)
    changed = global_state.changes(before, global_state.snapshot())
    if changed:
        global_state.restore(before)
        raise AssertionError(
            "the page's examples changed torch's global state: " + "; ".join(changed)
        )


def spec_collector(spec_dir: Path):
    """The `pytest_collect_file` hook that turns spec/*.md into test items."""
    return Sybil(
        parsers=[PythonCodeBlockParser(), SkipParser()],
        patterns=["*.md"],
        path=str(spec_dir),
        setup=_remember_state,
        teardown=_check_state,
    ).pytest()


def is_example(item: pytest.Item) -> bool:
    return isinstance(item, SybilItem)


def example_name(item: pytest.Item, rootdir: Path) -> str:
    """`spec/numpy.md:23`: the page and line of an example's block."""
    return f"{Path(item.path).relative_to(rootdir).as_posix()}:{item.example.line}"


class ExampleClaims:
    """Which claims each example of the spec checks, from the lines of the claims' headings."""

    def __init__(self, claims: Iterable[Claim]):
        self._pages: dict[Path, list[Claim]] = {}
        for claim in claims:
            self._pages.setdefault(Path(claim.path).resolve(), []).append(claim)

    def of_page(self, item: pytest.Item) -> tuple[str, ...]:
        """Every claim of the example's page: what its set-up and teardown check."""
        return tuple(claim.id for claim in self._pages.get(Path(item.path).resolve(), ()))

    def of_block(self, item: pytest.Item) -> tuple[str, ...]:
        """The claim whose section holds the block; every claim of the page above the first."""
        above = [
            claim
            for claim in self._pages.get(Path(item.path).resolve(), ())
            if claim.line < item.example.line
        ]
        return (above[-1].id,) if above else self.of_page(item)

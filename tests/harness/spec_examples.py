"""Run the Python code blocks of `spec/*.md` as tests, with Sybil.

Each file's blocks share one namespace, in order, so a file's first block holds its imports and
later blocks build on earlier ones. `--dist loadfile` keeps a file's blocks on one worker.
A block that must not run is preceded by `<!-- skip: next -->`. Like every test, a page must
leave torch's global state as it found it: a page that does not fails at its end.
"""

from __future__ import annotations

from pathlib import Path

from tests.harness import global_state

try:
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the spec's examples run under Sybil, which is not installed: pip install -e '.[test]'"
    ) from error


_STATE = "__torch_global_state__"


def _remember_state(namespace: dict) -> None:
    namespace[_STATE] = global_state.snapshot()


def _check_state(namespace: dict) -> None:
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

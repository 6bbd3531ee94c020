"""Run the Python code blocks of `spec/*.md` as tests, with Sybil.

Each file's blocks share one namespace, in order, so a file's first block holds its imports and
later blocks build on earlier ones. `--dist loadfile` keeps a file's blocks on one worker.
A block that must not run is preceded by `<!-- skip: next -->`.
"""

from __future__ import annotations

from pathlib import Path

try:
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the spec's examples run under Sybil, which is not installed: pip install -e '.[test]'"
    ) from error


def spec_collector(spec_dir: Path):
    """The `pytest_collect_file` hook that turns spec/*.md into test items."""
    return Sybil(
        parsers=[PythonCodeBlockParser(), SkipParser()],
        patterns=["*.md"],
        path=str(spec_dir),
    ).pytest()

"""Hypothesis profiles: `dev` by default, `thorough` for a long search, and hypothesis's own `ci`.

Choose one with `--hypothesis-profile NAME` or `HYPOTHESIS_PROFILE=NAME`. Where the `CI`
variable is set and no profile is named, hypothesis loads its built-in `ci` profile (derandomized,
no database): CI runs are deterministic. Every profile has `deadline=None`: the first call on a
device (a CUDA context, a thread pool) takes far longer than the rest.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument


def register_profiles() -> None:
    settings.register_profile("dev", max_examples=40, deadline=None)
    settings.register_profile("thorough", max_examples=1000, deadline=None)
    try:
        settings.get_profile("ci")
    except InvalidArgument:  # hypothesis older than its built-in ci profile: make the same one
        settings.register_profile(
            "ci",
            derandomize=True,
            deadline=None,
            database=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow],
        )


def examples(share: float) -> int:
    """`share` of the active profile's examples (at least 2): the budget of a property test
    whose examples cost more than most (a quarter for one that builds a model per example), or
    less. Read when the test module is imported, after the profile is loaded, so `thorough`
    deepens every test alike."""
    if not share > 0:
        raise ValueError(f"share must be positive, not {share!r}")
    return max(2, round(settings.default.max_examples * share))


def default_profile() -> str:
    """HYPOTHESIS_PROFILE, else `ci` under CI, else `dev`."""
    return os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")


def load_profile() -> None:
    """Load the `default_profile()`; `--hypothesis-profile` wins, loaded later by hypothesis."""
    settings.load_profile(default_profile())

"""Hypothesis profiles: `dev` by default, `ci` where the `CI` variable is set, `thorough` for a
long search.

Choose one with `--hypothesis-profile NAME` or `HYPOTHESIS_PROFILE=NAME`. `dev` is quick (20
examples a property), for the run a user starts by hand. `ci` is hypothesis's own `ci` profile
(derandomized, no database, the blob of a failure printed) with 40 examples rather than its 100:
a CI run is deterministic and runs every supported torch release in a few minutes. `thorough`
is the long search. Every profile has `deadline=None`: the first call on a device (a CUDA
context, a thread pool) takes far longer than the rest. A test whose examples are costly takes a
share of the profile's (`examples`), so that every profile scales every test alike.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

DEV = settings(max_examples=20, deadline=None)
PROFILES = {
    "dev": DEV,
    "ci": settings(
        DEV,
        max_examples=40,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "thorough": settings(DEV, max_examples=1000),
}


def register_profiles() -> None:
    for name, profile in PROFILES.items():
        settings.register_profile(name, profile)


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

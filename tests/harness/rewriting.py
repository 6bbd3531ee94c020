"""Which modules pytest rewrites the asserts of.

pytest rewrites the asserts of every package whose distribution registers a pytest plugin, for
the plugin's sake: all of hypothesis (77 modules), though its plugin is one small module. Those
asserts are hypothesis's own invariants, never this suite's checks, and rewriting them cost each
process of a run 1.6 s on the project's 2-core machine (an xdist worker, and the controller
before it starts the workers). `leave_unrewritten("hypothesis")`, called before hypothesis is
first imported, takes the package off pytest's list; the test modules, the conftest and the
harness plugin are rewritten as before.

pytest has no public way to unmark a package (`-p no:hypothesispytest` unloads the plugin but
still rewrites the package), so this edits the hook's list, and does nothing where the hook is
absent (`--assert=plain`, outside pytest) or has changed shape.
"""

from __future__ import annotations

import sys


def rewriting_hook():
    """pytest's assertion-rewriting import hook, or None where none is installed."""
    rewrite = sys.modules.get("_pytest.assertion.rewrite")
    if rewrite is None:
        return None
    return next((f for f in sys.meta_path if isinstance(f, rewrite.AssertionRewritingHook)), None)


def leave_unrewritten(package: str) -> None:
    """Take `package` (marked by pytest because its distribution registers a plugin) off the
    hook's list of packages to rewrite. Where `package` is already imported (a run inside a run),
    its modules stay as they were loaded."""
    hook = rewriting_hook()
    marked, cache = (
        getattr(hook, name, None) for name in ("_must_rewrite", "_marked_for_rewrite_cache")
    )
    if isinstance(marked, set) and isinstance(cache, dict):
        marked.discard(package)
        cache.clear()

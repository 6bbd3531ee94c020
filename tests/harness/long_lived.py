"""Keep the objects that live as long as the run out of the garbage collector's way.

CPython's cyclic collector walks every object it tracks at each full collection. In a process
that runs this suite those are millions of objects that live until it exits: torch's bindings,
torch._dynamo and torch._inductor (which torchvision and the first optimizer import), hypothesis,
the collected tests. Hypothesis allocates enough to start a full collection every few examples,
and each one walked them all again: a fifth of a worker's CPU time went to the collector.

So at a few points (once torch is imported, once the tests are collected, and as each test
module or spec page begins) the run collects its garbage and then `gc.freeze()`s what survived:
the survivors move to a permanent generation that later collections skip. Freezing changes
nothing else: a frozen object is still freed as soon as nothing refers to it, and what a test
creates is collected as before, so a test that asserts that an object was freed still sees it
freed. At the end the run unfreezes what it froze, and the interpreter's exit frees it as usual.

A run inside a run (the meta tests' demo projects run pytest in-process) finds that the outer run
owns the freeze: it neither freezes more nor unfreezes the outer run's objects.
"""

from __future__ import annotations

import gc
from typing import ClassVar

import pytest


class LongLived:
    """Registered by tests.harness.plugin in a process that runs tests, once torch is imported."""

    owner: ClassVar[LongLived | None] = None  # the run that froze, in this process

    def __init__(self) -> None:
        if LongLived.owner is None:
            LongLived.owner = self
        self.module: str | None = None  # that of the test that ran last
        self.freeze()

    @property
    def owns_the_freeze(self) -> bool:
        return LongLived.owner is self

    def freeze(self) -> None:
        if self.owns_the_freeze:
            gc.collect()
            gc.freeze()

    def pytest_collection_finish(self) -> None:
        self.freeze()

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        module = item.nodeid.split("::")[0]
        if module != self.module:
            self.module = module
            self.freeze()

    def pytest_unconfigure(self) -> None:
        if self.owns_the_freeze:
            gc.unfreeze()
            LongLived.owner = None

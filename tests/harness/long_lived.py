"""Keep the objects that live as long as the run out of the garbage collector's way.

CPython's cyclic collector walks every object it tracks at each full collection. In a process
that runs this suite those are millions of objects that live until it exits: torch's bindings,
torch._dynamo and torch._inductor (which torchvision and the first optimizer import), hypothesis,
the collected tests. Hypothesis allocates enough to start a full collection every few examples,
and each one walked them all again: a fifth of a worker's CPU time went to the collector.

So the run takes the collector out of their way, in three steps:

- While the run loads (torch, then the test modules, whose assertions pytest rewrites), the
  collector is off: loading makes those millions of objects and almost no garbage cycles, and
  each full collection of it walked them all.
- Once the tests are collected, and again as each test module or spec page begins, the run
  collects its garbage and then `gc.freeze()`s what survived: the survivors move to a permanent
  generation that later collections skip. Freezing changes nothing else: a frozen object is
  still freed as soon as nothing refers to it, and what a test creates is collected as before,
  so a test that asserts that an object was freed still sees it freed.
- At the end, the only process of a run (`-n0`), which may be an embedding program that goes on
  after pytest returns, unfreezes what it froze. An xdist worker keeps it frozen, so that its
  exit does not walk and free it all again (two seconds with torch loaded), and exits quietly:
  its objects never freed, triton's nanobind bindings would print them as "leaked" on the
  terminal. Triton's own worker processes silence the same report the same way, and a
  worker's exit has nothing else to say: its results went to the controller before.

A run inside a run (the meta tests' demo projects run pytest in-process) finds that the outer run
owns the collector: it neither freezes nor unfreezes, and leaves the collector as it is.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import ClassVar

import pytest


class LongLived:
    """Registered by tests.harness.plugin in a process that runs tests, before torch is imported;
    `worker`: an xdist worker, whose process ends with the run."""

    owner: ClassVar[LongLived | None] = None  # the run that controls the collector, in this process

    def __init__(self, worker: bool) -> None:
        self.worker = worker
        self.module: str | None = None  # that of the test that ran last
        self.quiet_exit = False
        if LongLived.owner is None:
            LongLived.owner = self
            self.collector_was_on = gc.isenabled()
            gc.disable()
            if worker:  # before torch is imported: its exit handlers run first, and may speak
                atexit.register(self._exit_quietly)

    @property
    def owns_the_collector(self) -> bool:
        return LongLived.owner is self

    def freeze(self) -> None:
        if self.owns_the_collector:
            gc.collect()
            gc.freeze()

    def pytest_collection_finish(self) -> None:
        self.freeze()
        if self.owns_the_collector and self.collector_was_on:
            gc.enable()

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        module = item.nodeid.split("::")[0]
        if module != self.module:
            self.module = module
            self.freeze()

    def pytest_unconfigure(self) -> None:
        if not self.owns_the_collector:
            return
        LongLived.owner = None
        if self.collector_was_on:
            gc.enable()  # a run that stopped before its tests were collected
        if self.worker:
            self.quiet_exit = True
        else:
            gc.unfreeze()

    def _exit_quietly(self) -> None:
        if self.quiet_exit:
            sys.stdout.flush()
            sys.stderr.flush()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stderr.fileno())
            os.close(devnull)

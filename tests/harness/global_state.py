"""torch's process-wide settings that a test may change only if it puts them back.

Under xdist one worker runs many tests in turn: a test that leaves grad mode off or float64 as
the default dtype would change what every later test on that worker sees. The same holds for the
global CPU random generator, which a test may draw from only inside `torch_settings.seeded` (or
through a `torch.Generator` of its own): then its numbers do not depend on which tests ran
before it on the same worker, and it does not change theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Setting:
    name: str
    read: Callable[[], object]
    write: Callable[[object], None] | None  # None: can only be left by its context manager


def deterministic_algorithms_state() -> tuple[bool, bool]:
    """Whether deterministic algorithms are on, and whether they only warn."""
    return (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )


def set_deterministic_algorithms_state(value: tuple[bool, bool]) -> None:
    enabled, warn_only = value
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


def _default_device() -> torch.device:
    # Where a factory allocates: torch.get_default_device() is missing before torch 2.3 and, on
    # 2.3 to 2.7, says "cpu" inside a `with torch.device(...)` block (spec/devices.md).
    return torch.empty(()).device


def _set_cudnn(name: str) -> Callable[[object], None]:
    return lambda value: setattr(torch.backends.cudnn, name, value)


SETTINGS = (
    Setting("grad mode", torch.is_grad_enabled, torch.set_grad_enabled),
    Setting("inference mode", torch.is_inference_mode_enabled, None),
    Setting("default dtype", torch.get_default_dtype, torch.set_default_dtype),
    Setting("default device", _default_device, torch.set_default_device),
    Setting("intra-op threads", torch.get_num_threads, torch.set_num_threads),
    Setting(
        "deterministic algorithms",
        deterministic_algorithms_state,
        set_deterministic_algorithms_state,
    ),
    Setting("warn always", torch.is_warn_always_enabled, torch.set_warn_always),
    Setting("anomaly detection", torch.is_anomaly_enabled, torch.set_anomaly_enabled),
    Setting(
        "float32 matmul precision",
        torch.get_float32_matmul_precision,
        torch.set_float32_matmul_precision,
    ),
    Setting("cudnn.benchmark", lambda: torch.backends.cudnn.benchmark, _set_cudnn("benchmark")),
    Setting(
        "cudnn.deterministic",
        lambda: torch.backends.cudnn.deterministic,
        _set_cudnn("deterministic"),
    ),
)


def snapshot() -> dict[str, object]:
    return {setting.name: setting.read() for setting in SETTINGS}


def changes(before: dict[str, object], after: dict[str, object]) -> list[str]:
    return [
        f"{name}: {before[name]!r} -> {after[name]!r}"
        for name in before
        if before[name] != after[name]
    ]


def restore(before: dict[str, object]) -> None:
    for setting in SETTINGS:
        if setting.write is not None and setting.read() != before[setting.name]:
            setting.write(before[setting.name])


def generator_state() -> torch.Tensor:
    """The global CPU generator's state (a copy)."""
    return torch.random.get_rng_state()


def drew_from_the_generator(before: torch.Tensor) -> bool:
    return not torch.equal(before, torch.random.get_rng_state())

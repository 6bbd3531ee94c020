"""The devices a test runs on: one parametrization for the whole suite.

A test that takes a `device` argument runs once per device: `cpu` always, `cuda` where
`torch.cuda.is_available()` (else skipped, "CUDA not available"), and `meta` when the test asks
for it with `@pytest.mark.devices("cpu", "cuda", "meta")` because only shapes matter.
`TORCH_SPEC_DEVICES=cpu,cuda` restricts every test to those devices.
"""

from __future__ import annotations

import os

import pytest
import torch

from tests.harness.claims import KNOWN_DEVICES

DEFAULT_DEVICES = ("cpu", "cuda")
ENVIRONMENT_VARIABLE = "TORCH_SPEC_DEVICES"


def selected_devices(setting: str | None = None) -> tuple[str, ...]:
    """The devices named by TORCH_SPEC_DEVICES (or `setting`), all known devices when unset."""
    if setting is None:
        setting = os.environ.get(ENVIRONMENT_VARIABLE, "")
    names = tuple(name.strip() for name in setting.split(",") if name.strip())
    unknown = [name for name in names if name not in KNOWN_DEVICES]
    if unknown:
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE}={setting!r} names {', '.join(unknown)}; "
            f"known devices are {', '.join(KNOWN_DEVICES)}"
        )
    return names or KNOWN_DEVICES


def cuda_available() -> bool:
    return torch.cuda.is_available()


def device_params(wanted: tuple[str, ...], selected: tuple[str, ...]) -> list:
    """`pytest.param`s for the wanted devices that are also selected, CUDA marked and skippable."""
    params = []
    for device in wanted:
        if device not in selected:
            continue
        marks = []
        if device == "cuda":
            marks = [
                pytest.mark.cuda,
                pytest.mark.skipif(not cuda_available(), reason="CUDA not available"),
            ]
        params.append(pytest.param(device, marks=marks, id=device))
    return params


def describe_devices(selected: tuple[str, ...]) -> dict[str, dict[str, object]]:
    """For reports: whether each device was selected and is there, and what it is."""
    cuda = cuda_available()
    return {
        "cpu": {"selected": "cpu" in selected, "available": True},
        "cuda": {
            "selected": "cuda" in selected,
            "available": cuda,
            "name": torch.cuda.get_device_name(0) if cuda else None,
            "count": torch.cuda.device_count() if cuda else 0,
        },
        "meta": {"selected": "meta" in selected, "available": True},
    }

"""The devices a test runs on, derived from the Devices lines of the claims it checks.

A claim's **Devices** line is the one source of its devices. A test that takes a `device`
argument runs once on each device that every claim it checks lists; a
`@pytest.mark.devices(...)` marker may narrow that, never widen it. A test that takes no
`device` argument runs on the cpu alone, and then every claim it checks must list the cpu. A
test that checks no claim (a benchmark) runs on cpu and cuda unless its marker says otherwise.
`cuda` is skipped with "CUDA not available" where there is none. `TORCH_SPEC_DEVICES=cpu,cuda`
restricts every test to those devices: the others are deselected, tests without a `device`
argument (which run on the cpu) and the spec's examples included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest

from tests.harness.claims import KNOWN_DEVICES

HOST = "cpu"  # where a test without a `device` argument runs, and the spec's examples
UNCLAIMED_DEVICES = ("cpu", "cuda")  # where a test that checks no claim runs, unless narrowed
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


def devices_of_test(
    claim_devices: Mapping[str, tuple[str, ...]],
    marker: tuple[str, ...] | None,
    takes_device: bool,
) -> tuple[str, ...]:
    """The devices a test runs on, from its claims' Devices lines (claim id -> devices), its
    `devices` marker's names (None without one) and whether it takes a `device` argument.

    Raises ValueError, saying which rule the test breaks, where the devices cannot be derived.
    """
    if marker is not None:
        unknown = [name for name in marker if name not in KNOWN_DEVICES]
        if unknown or not marker:
            raise ValueError(
                f"its devices marker names {', '.join(unknown) or 'no device'}; "
                f"known devices are {', '.join(KNOWN_DEVICES)}"
            )
    listed = _shared_devices(claim_devices)
    claims = _describe(claim_devices)
    if claim_devices and not listed:
        raise ValueError(f"the claims it checks share no device: {claims}")

    if not takes_device:
        if marker is not None:
            raise ValueError(
                "it takes no device argument, so it runs on the cpu: drop its devices marker"
            )
        if HOST not in listed:
            raise ValueError(
                f"it takes no device argument, so it runs on the cpu, which {claims} does "
                "not list: give it a `device` argument"
            )
        return (HOST,)

    if marker is None:
        chosen = listed
    else:
        wider = [name for name in marker if name not in listed]
        if wider:
            raise ValueError(
                f"its devices marker adds {', '.join(wider)}, which {claims or 'the default'} "
                "does not list: a marker may narrow a claim's devices, never widen them"
            )
        if set(marker) == set(listed):
            source = "the Devices line of " + claims if claims else "the default"
            raise ValueError(f"its devices marker restates {source}: drop it")
        chosen = tuple(name for name in listed if name in marker)
    if chosen == (HOST,):
        raise ValueError(
            "it runs on the cpu alone: drop its `device` argument (and any devices marker); "
            "a test without one runs on the cpu"
        )
    return chosen


def _shared_devices(claim_devices: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    if not claim_devices:
        return UNCLAIMED_DEVICES
    return tuple(
        name for name in KNOWN_DEVICES if all(name in devices for devices in claim_devices.values())
    )


def _describe(claim_devices: Mapping[str, tuple[str, ...]]) -> str:
    return " and ".join(
        f"`{claim_id}` (Devices: {', '.join(devices)})"
        for claim_id, devices in claim_devices.items()
    )


def cuda_available() -> bool:
    import torch  # here: the xdist controller, which uses this module, never imports torch

    return torch.cuda.is_available()


def device_params(devices: tuple[str, ...]) -> list:
    """`pytest.param`s for `devices`, CUDA marked and skipped where it is not available."""
    params = []
    for device in devices:
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
    import torch  # as in cuda_available

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

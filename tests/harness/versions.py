"""The installed versions as comparable tuples, for claims that changed in a given release.

if torch_version() >= (2, 6): ...   # the side of the change this torch is on
"""

from __future__ import annotations

import re


def release(version: str) -> tuple[int, int]:
    """`"2.15.0+cu132"` -> `(2, 15)`: major and minor, local and pre-release tags dropped."""
    match = re.match(r"(\d+)\.(\d+)", version)
    if match is None:
        raise ValueError(f"version {version!r} does not start with MAJOR.MINOR")
    return int(match[1]), int(match[2])


def torch_version() -> tuple[int, int]:
    import torch

    return release(torch.__version__)


def torchvision_version() -> tuple[int, int]:
    import torchvision

    return release(torchvision.__version__)

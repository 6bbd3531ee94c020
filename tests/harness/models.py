"""The suite's one tiny model, built alike on every device from a seed."""

from __future__ import annotations

from torch import nn

from tests.harness.torch_settings import built_with_seed


def tiny_model(device: str = "cpu", seed: int = 0) -> nn.Sequential:
    """Linear(3, 2) then BatchNorm1d(2): parameters with gradients, and buffers without (the
    running statistics), initialised from `seed` on the CPU and moved to `device`. In training
    mode, BatchNorm needs a batch of at least two samples."""
    return built_with_seed(seed, lambda: nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)), device)

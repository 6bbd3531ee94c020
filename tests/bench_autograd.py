"""spec/autograd.md, the cost: backward against forward for a small MLP, and the price of tracking.

The model is three `nn.Linear(width, width)` layers with a ReLU after the first two, on a batch of
`BATCH` rows; `size` is the width (`extra_info["unit"] = "width"`). A forward pass multiplies a
`BATCH x width` matrix by three `width x width` weights: `2 * BATCH * width**2` FLOPs per layer.
A backward pass does two such products per layer (the gradient for the layer's input and for its
weight), except the first layer, whose input (the batch) does not require grad and gets no
gradient: `2 * LAYERS - 1 = 5` products against the forward's 3, so 5/3 of its FLOPs (the ratio
tends to 2 for a deep network). Comparing `bench_mlp_backward` with `bench_mlp_forward` at the
same width shows how close the time ratio comes to that (it is larger for small widths, where
launching the graph's nodes costs more than the arithmetic).

`bench_forward_no_grad` runs the same forward as `bench_mlp_forward`, with the parameters still
requiring grad, under `torch.no_grad()`: the gap between the two is the cost of building the graph
and keeping the tensors backward would need.

Under `pytest -n auto` pytest-benchmark does not time: each runs once, at the smallest width alone.
"""

from __future__ import annotations

import torch
from torch import nn

from tests.harness import limits
from tests.harness.bench_sizes import over_sizes
from tests.harness.torch_settings import seeded

WIDTHS = [64, 256, 1024, 2048]
BATCH = 128
LAYERS = 3
over_widths = over_sizes(WIDTHS, ids=lambda width: f"width{width}")


def mlp_and_input(benchmark, size: int, device: str, backward: bool = False):
    """The MLP (seeded weights, the global RNG untouched), a constant input batch, and the FLOPs
    of one call recorded: a forward's, or a backward's (no input gradient for the first layer)."""
    width = size
    with seeded(0):
        model = nn.Sequential(
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Linear(width, width),
        ).to(device)
    batch = torch.full((BATCH, width), 0.5, device=device)
    product_flops = 2 * BATCH * width * width  # one (BATCH x width) @ (width x width)
    products = 2 * LAYERS - 1 if backward else LAYERS
    benchmark.extra_info["unit"] = "width"
    limits.bounded_by(benchmark, limits.float32_matmul(device), products * product_flops)
    return model, batch


@over_widths
def bench_mlp_forward(benchmark, device, size):
    """`model(batch).sum()` with the graph recorded, as training does it."""
    model, batch = mlp_and_input(benchmark, size, device)
    benchmark(lambda: model(batch).sum())


@over_widths
def bench_mlp_backward(benchmark, device, size):
    """`loss.backward()` alone: each round's forward runs in the untimed setup."""
    model, batch = mlp_and_input(benchmark, size, device, backward=True)

    def forward():
        model.zero_grad()
        return (model(batch).sum(),), {}

    benchmark.pedantic(lambda loss: loss.backward(), setup=forward, rounds=20, warmup_rounds=2)


@over_widths
def bench_forward_no_grad(benchmark, device, size):
    """`bench_mlp_forward`'s forward under `torch.no_grad()`: no graph, no saved tensors."""
    model, batch = mlp_and_input(benchmark, size, device)

    def untracked():
        with torch.no_grad():
            return model(batch).sum()

    benchmark(untracked)

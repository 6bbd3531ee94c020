"""spec/layers.md, the cost: notes 004's convolutions over batch sizes, and Linear over widths.

`bench_conv2d_*`: `size` is the batch `N` (unit "samples"), from 1 to 4096. One call runs both
convolutions of notes 004's network at their shapes: `conv1` (1 -> 6 channels, 5x5) on
`[N, 1, 28, 28]` and `conv2` (6 -> 12 channels, 5x5) on `[N, 6, 12, 12]`. A convolution does a
multiply and an add per weight per output element, `2 * N * C_out * H_out * W_out * C_in * kh *
kw / groups` FLOPs: for conv1 `2 * N * 6 * 24 * 24 * 1 * 25`, for conv2 `2 * N * 12 * 8 * 8 *
6 * 25`. The backward pass computes the weight gradient of both (the same count again each) and
the input gradient of conv2 only, whose input in the network comes from conv1 (the same count
again); conv1's input is the image, which needs none. So forward+backward records
`2 * conv1 + 3 * conv2` (bias terms, one add per output, are left out).

`bench_linear`: `size` is the width `w` (unit "width"), from 64 to 4096: `nn.Linear(w, w)` on a
`[256, w]` batch, `2 * 256 * w * w` FLOPs.

Under `pytest -n auto` (benchmark disabled) each runs once at its smallest size alone, as a smoke
test.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from tests.harness import limits
from tests.harness.bench_sizes import over_sizes
from tests.harness.torch_settings import seeded

BATCHES = [1, 16, 256, 4096]
WIDTHS = [64, 256, 1024, 4096]
LINEAR_ROWS = 256

# notes 004: (in_channels, out_channels, kernel, input height and width)
NOTES_004_CONVS = [(1, 6, 5, 28), (6, 12, 5, 12)]


def conv_flops(batch: int, in_channels: int, out_channels: int, kernel: int, n: int) -> int:
    out = n - kernel + 1  # stride 1, no padding
    return 2 * batch * out_channels * out * out * in_channels * kernel * kernel


def notes_004_operands(benchmark, size: int, device: str, backward: bool):
    """The inputs, weights and biases of both convolutions for a batch of `size`, with
    deterministic values from a seeded generator."""
    batch = size
    generator = torch.Generator().manual_seed(0)
    operands = []
    for index, (cin, cout, kernel, n) in enumerate(NOTES_004_CONVS):
        x = torch.randn(batch, cin, n, n, generator=generator).to(device)
        weight = torch.randn(cout, cin, kernel, kernel, generator=generator).to(device)
        bias = torch.randn(cout, generator=generator).to(device)
        if backward:
            weight.requires_grad_(True)
            bias.requires_grad_(True)
            x.requires_grad_(index > 0)  # conv2's input comes from conv1 in the network
        operands.append((x, weight, bias))
    flops = [conv_flops(batch, *shape) for shape in NOTES_004_CONVS]
    benchmark.extra_info["unit"] = "samples"
    total = sum(flops) if not backward else 2 * flops[0] + 3 * flops[1]
    limits.bounded_by(benchmark, limits.float32_convolution(device), total)
    return operands


@over_sizes(BATCHES, ids=str)
def bench_conv2d_forward(benchmark, device, size):
    """Forward of notes 004's conv1 and conv2 on a batch of `size` samples."""
    operands = notes_004_operands(benchmark, size, device, backward=False)

    def forward():
        return [F.conv2d(x, weight, bias) for x, weight, bias in operands]

    with torch.no_grad():
        benchmark(forward)


@over_sizes(BATCHES, ids=str)
def bench_conv2d_forward_backward(benchmark, device, size):
    """Forward and backward of notes 004's conv1 and conv2 on a batch of `size` samples."""
    operands = notes_004_operands(benchmark, size, device, backward=True)

    def forward_backward():
        outputs = [F.conv2d(x, weight, bias) for x, weight, bias in operands]
        torch.autograd.backward([out.sum() for out in outputs])
        for x, weight, bias in operands:
            x.grad = weight.grad = bias.grad = None

    benchmark(forward_backward)


@over_sizes(WIDTHS, ids=str)
def bench_linear(benchmark, device, size):
    """`nn.Linear(w, w)` forward on `[256, w]`, for widths `w = size`."""
    width = size
    generator = torch.Generator().manual_seed(0)
    with seeded(0):
        layer = nn.Linear(width, width).to(device)
    x = torch.randn(LINEAR_ROWS, width, generator=generator).to(device)
    benchmark.extra_info["unit"] = "width"
    limits.bounded_by(benchmark, limits.float32_matmul(device), 2 * LINEAR_ROWS * width * width)
    with torch.no_grad():
        benchmark(layer, x)

"""spec/training.md, the cost: one epoch of notes 004's network over batch sizes, and the
confusion matrix by notes 004's per-sample loop against one vectorised call.

The epoch runs notes 004's loop (forward, `F.cross_entropy`, `zero_grad`, `backward`,
`Adam.step`) over 1024 synthetic FashionMNIST-shaped samples (1 x 28 x 28 float32, labels 0-9):
`size` is the batch size, so the epoch takes `1024 / size` steps, and the report shows what the
notes' remark "训练结果的好坏，和batch size有很大的关系" (batch size matters a great deal) costs
per epoch on each device. `extra_info["flops"]` is three times the forward pass's
floating-point operations (2 per multiply-add) per sample, times 1024: the usual estimate of
forward plus backward; the optimiser's few operations per weight are left out.

The confusion-matrix benchmarks take `size` samples (labels and predictions, int64, 10
classes): the loop does one indexing operation per sample, `bincount` and `index_put_` one
kernel for all. Each records the bytes of its input, 16 per sample.

Under `pytest -n auto` nothing is timed and each benchmark runs once, at its smallest size alone
(for the epoch, a single step of the smallest batch).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812 (the notes' name)
from torch import nn

from tests.harness import limits
from tests.harness.bench_sizes import over_sizes
from tests.harness.torch_settings import seeded

EPOCH_SAMPLES = 1024
BATCH_SIZES = [16, 64, 256, 1024]
DATASET_SIZES = [100, 1_000, 10_000]
CLASSES = 10


class Network(nn.Module):
    """Notes 004's network for 28 x 28 grey images."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5)
        self.conv2 = nn.Conv2d(in_channels=6, out_channels=12, kernel_size=5)
        self.fc1 = nn.Linear(in_features=12 * 4 * 4, out_features=120)
        self.fc2 = nn.Linear(in_features=120, out_features=60)
        self.out = nn.Linear(in_features=60, out_features=10)

    def forward(self, t):
        t = F.max_pool2d(F.relu(self.conv1(t)), kernel_size=2, stride=2)
        t = F.max_pool2d(F.relu(self.conv2(t)), kernel_size=2, stride=2)
        t = F.relu(self.fc1(t.reshape(-1, 12 * 4 * 4)))
        t = F.relu(self.fc2(t))
        return self.out(t)


# Multiply-adds of one forward pass, 2 flops each: conv1 6 x 24 x 24 outputs of 5 x 5 x 1,
# conv2 12 x 8 x 8 outputs of 5 x 5 x 6, then the three linear layers.
FORWARD_FLOPS = 2 * (6 * 24 * 24 * 25 + 12 * 8 * 8 * 150 + 192 * 120 + 120 * 60 + 60 * 10)


def synthetic_fashion_mnist(device: str, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(count, 1, 28, 28, generator=generator)
    labels = torch.randint(CLASSES, (count,), generator=generator)
    return images.to(device), labels.to(device)


@over_sizes(BATCH_SIZES, ids=str)
def bench_training_epoch(benchmark, device, size):
    """One epoch of notes 004's loop with Adam(lr=0.01), at batch size `size`."""
    batch_size = size
    samples = batch_size if benchmark.disabled else EPOCH_SAMPLES  # a smoke run: one step
    images, labels = synthetic_fashion_mnist(device, samples)
    with seeded(0):
        network = Network().to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=0.01)
    benchmark.extra_info["unit"] = "samples"
    # Most of the network's operations are its convolutions'.
    limits.bounded_by(benchmark, limits.float32_convolution(device), 3 * FORWARD_FLOPS * samples)

    def epoch():
        for start in range(0, samples, batch_size):
            preds = network(images[start : start + batch_size])
            loss = F.cross_entropy(preds, labels[start : start + batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return loss.item()

    benchmark(epoch)


def labels_and_predictions(benchmark, device, size) -> tuple[torch.Tensor, torch.Tensor]:
    count = size
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(CLASSES, (count,), generator=generator).to(device)
    preds = torch.randint(CLASSES, (count,), generator=generator).to(device)
    benchmark.extra_info["unit"] = "samples"
    limits.bounded_by(benchmark, limits.memory(device), 2 * 8 * count)
    return labels, preds


@over_sizes(DATASET_SIZES, ids=str)
def bench_confusion_matrix_loop(benchmark, device, size):
    """Notes 004's way: one `cmt[label, pred] += 1` per sample."""
    labels, preds = labels_and_predictions(benchmark, device, size)

    def loop():
        cmt = torch.zeros(CLASSES, CLASSES, dtype=torch.int64, device=device)
        for label, pred in torch.stack([labels, preds], dim=1):
            cmt[label, pred] += 1
        return cmt

    benchmark(loop)


@over_sizes(DATASET_SIZES, ids=str)
def bench_confusion_matrix_bincount(benchmark, device, size):
    """`torch.bincount(labels * n + preds, minlength=n * n).reshape(n, n)`."""
    labels, preds = labels_and_predictions(benchmark, device, size)

    def vectorised():
        return torch.bincount(labels * CLASSES + preds, minlength=CLASSES**2).reshape(
            CLASSES, CLASSES
        )

    benchmark(vectorised)


@over_sizes(DATASET_SIZES, ids=str)
def bench_confusion_matrix_index_put(benchmark, device, size):
    """`cmt.index_put_((labels, preds), ones, accumulate=True)` into a new zero matrix."""
    labels, preds = labels_and_predictions(benchmark, device, size)
    ones = torch.ones_like(labels)

    def vectorised():
        cmt = torch.zeros(CLASSES, CLASSES, dtype=torch.int64, device=device)
        return cmt.index_put_((labels, preds), ones, accumulate=True)

    benchmark(vectorised)

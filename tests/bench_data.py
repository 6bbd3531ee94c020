"""spec/data.md, the cost: one epoch of a DataLoader with 0 workers against 2 workers.

`size` is the number of samples in the dataset (unit "samples"): CIFAR-10-shaped float32 images
(3x32x32, 12 KiB each) with an int64 label, in a `TensorDataset`, read in batches of 64 without
shuffling, so both loaders yield the same batches (claim `data.loader.workers-same-batches`).
`extra_info["bytes"]` is the bytes one epoch hands over: every image and label once (the collated
batches are new tensors, so these bytes are copied in the main process or, with workers, copied
in a worker and sent to the main process through shared memory).

With `num_workers=2` and `persistent_workers=False`, as the notes write it, each epoch starts and
stops two worker processes, and each batch crosses from a worker to the main process: on a
`TensorDataset` expect 0 workers to be faster at every size here. Workers pay off only when
producing a sample costs more than sending it (decoding files, augmenting), which indexing a
`TensorDataset` does not. On CUDA each batch is also moved to the device (`.to(device)`), as a
training loop would.

Under `pytest -n auto` each benchmark runs once at its smallest size alone, as a smoke test.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset

from tests.harness import limits
from tests.harness.bench_sizes import over_sizes

SAMPLES = [256, 1024, 4096]  # 4096 samples are 48 MiB of images
BATCH_SIZE = 64
IMAGE_SHAPE = (3, 32, 32)


def cifar_shaped_epoch(benchmark, size: int, device: str, num_workers: int):
    """A function that runs one epoch of a loader over `size` samples with `num_workers`
    workers, moving each batch to `device`; the bytes recorded."""
    samples = size
    images = torch.ones(samples, *IMAGE_SHAPE)
    labels = torch.arange(samples) % 10
    benchmark.extra_info["unit"] = "samples"
    # Collating copies every byte in host memory; on CUDA each batch then crosses the link.
    limit = limits.HOST_MEMORY if device == "cpu" else limits.HOST_TO_DEVICE_PAGEABLE
    limits.bounded_by(benchmark, limit, images.nbytes + labels.nbytes)
    loader = DataLoader(
        TensorDataset(images, labels),
        batch_size=BATCH_SIZE,
        num_workers=num_workers,
        persistent_workers=False,
        generator=torch.Generator().manual_seed(0),  # leaves the global RNG alone
    )

    def one_epoch() -> int:
        seen = 0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            seen += len(yb)
        return seen

    return one_epoch, samples


@over_sizes(SAMPLES, ids=str)
def bench_dataloader_main_process(benchmark, device, size):
    """One epoch with `num_workers=0`: batches are collated in the main process."""
    one_epoch, samples = cifar_shaped_epoch(benchmark, size, device, num_workers=0)
    assert benchmark(one_epoch) == samples


@over_sizes(SAMPLES, ids=str)
def bench_dataloader_two_workers(benchmark, device, size):
    """One epoch with `num_workers=2`, `persistent_workers=False`: two processes start, collate
    alternate batches and stop, in every epoch."""
    one_epoch, samples = cifar_shaped_epoch(benchmark, size, device, num_workers=2)
    assert benchmark(one_epoch) == samples

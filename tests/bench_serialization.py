"""spec/serialization.md, the cost: `torch.save` and `torch.load` of a whole model against its
state dict, the seed's "速度快, 占内存少" (faster, smaller) measured.

`size` is the model's parameter bytes, from 1 KiB to 1 GiB: four `Linear(size // 256, 16,
bias=False)` layers of float32, so that the parameters are exactly `size` bytes. Each benchmark
records `extra_info["bytes"]`, the size of the file written or read (parameters, the pickle and
the zip's headers and alignment), and `extra_info["file_bytes"]`, the same number, so that the
report's MB/s compares like with like and the file sizes can be read off beside the times.
They are held against no limit (`limits.none_applies`): what bounds them is the file system and
the pickler, which no benchmark of tests/bench_limits.py measures.

- save: `torch.save(net, path)` against `torch.save(net.state_dict(), path)`.
- load: `torch.load(path, weights_only=False)`, which rebuilds the module, against
  `net.load_state_dict(torch.load(path))` into a model built before timing (building it, with
  its random initialisation, is not counted: the seed's `restore_params` builds it too).

Files go under pytest's `tmp_path`, on the device's file system (usually the page cache after
the first round): these are serialization costs, not disk speed. On CUDA the model lives on
the GPU: a save copies to the host and a load copies back. Under `pytest -n auto` the smoke run
uses the smallest size alone.
"""

from __future__ import annotations

import torch
from torch import nn

from tests.harness import limits
from tests.harness.bench_sizes import KIB, MIB, over_sizes

SIZES = [KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB, 1024 * MIB]
LAYERS, OUT = 4, 16


class Layers(nn.Module):
    """Four Linear(width, 16) layers without bias: 4 * 16 * width float32 parameters."""

    def __init__(self, width: int):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, OUT, bias=False) for _ in range(LAYERS))


def model_of(size: int, device: str) -> Layers:
    """A model whose parameters take `size` bytes, filled
    with ones (every page touched, no time spent on random initialisation)."""
    nbytes = size
    with torch.device("meta"):
        net = Layers(nbytes // (4 * LAYERS * OUT))
    net = net.to_empty(device=device)
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(1.0)
    assert sum(p.numel() * p.element_size() for p in net.parameters()) == nbytes
    return net


def record(benchmark, path) -> None:
    benchmark.extra_info["bytes"] = path.stat().st_size
    benchmark.extra_info["file_bytes"] = path.stat().st_size
    limits.none_applies(benchmark, "the file system and the pickler, which nothing here measures")


@over_sizes(SIZES)
def bench_save_whole_model(benchmark, device, size, tmp_path):
    """`torch.save(net, path)`: the module pickled with its parameters."""
    net, path = model_of(size, device), tmp_path / "net.pt"
    benchmark(torch.save, net, path)
    record(benchmark, path)


@over_sizes(SIZES)
def bench_save_state_dict(benchmark, device, size, tmp_path):
    """`torch.save(net.state_dict(), path)`: the parameters by name."""
    net, path = model_of(size, device), tmp_path / "net_params.pt"
    benchmark(lambda: torch.save(net.state_dict(), path))
    record(benchmark, path)


@over_sizes(SIZES)
def bench_load_whole_model(benchmark, device, size, tmp_path):
    """`torch.load(path, weights_only=False)`: a new module, parameters on the saved device."""
    net, path = model_of(size, device), tmp_path / "net.pt"
    torch.save(net, path)
    del net
    benchmark(torch.load, path, weights_only=False)
    record(benchmark, path)


@over_sizes(SIZES)
def bench_load_state_dict(benchmark, device, size, tmp_path):
    """`net.load_state_dict(torch.load(path))` into a model built beforehand."""
    net, path = model_of(size, device), tmp_path / "net_params.pt"
    torch.save(net.state_dict(), path)
    benchmark(lambda: net.load_state_dict(torch.load(path)))
    record(benchmark, path)

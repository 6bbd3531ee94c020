"""spec/serialization.md: saving and loading whole models and state dicts, partial loading,
resuming training, map_location, storages and views, and hostile or broken files."""

from __future__ import annotations

import copy
import importlib
import io
import pickle
import pickletools
import struct
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn

from reference.serialization import (
    archive_records,
    retag_location,
    storage_locations,
    storage_nbytes,
)
from tests.harness.profiles import examples
from tests.harness.strategies import arrays
from tests.harness.torch_settings import built_with_seed
from tests.harness.versions import torch_version

SEEDS = st.integers(0, 2**31 - 1)
# Two instances of one model with different random weights, so that a load that copies nothing
# cannot pass for one that copies everything.
SEED_PAIRS = st.lists(SEEDS, min_size=2, max_size=2, unique=True).map(tuple)
WIDTHS = st.integers(1, 6)
WEIGHTS_ONLY_DEFAULT_IS_TRUE = torch_version() >= (2, 6)
# torch 2.4 and 2.5: torch.load without weights_only warns that the default will change.
DEFAULT_WARNS = (2, 4) <= torch_version() < (2, 6)
# Before torch 2.5, torch.load(weights_only=True) re-raised every RuntimeError of the load as
# pickle.UnpicklingError("Weights only load failed. ... WeightsUnpickler error: <message>").
WEIGHTS_ONLY_WRAPS_RUNTIME_ERRORS = torch_version() < (2, 5)
WEIGHTS_ONLY_FAILED = "Weights only load failed"
PICKLE_OPCODES = {opcode.code.encode("latin-1") for opcode in pickletools.opcodes}
NOT_AN_OPCODE = [bytes([b]) for b in range(256) if bytes([b]) not in PICKLE_OPCODES]


def weights_only_refusal(name: str) -> str:
    """How torch.load(weights_only=True) names a global it will not unpickle."""
    if torch_version() >= (2, 4):
        return f"Unsupported global: GLOBAL {name} was not an allowed global by default"
    return f"Unsupported class {name}"  # torch < 2.4


class TwoLayer(nn.Module):
    """Notes 003's `Net`: Linear(1, hidden), sigmoid, Linear(hidden, 1)."""

    def __init__(self, hidden: int = 2):
        super().__init__()
        self.fc1 = nn.Linear(1, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.fc2(torch.sigmoid(self.fc1(x)))


class WithBuffers(nn.Module):
    """A Linear, a BatchNorm1d (persistent running stats) and a non-persistent buffer."""

    def __init__(self, width: int):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.bn = nn.BatchNorm1d(width)
        self.register_buffer("scale", torch.full((width,), 2.0), persistent=False)

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


class Payload:
    """A pickle that opens (creates) a file when it is unpickled: code run by loading."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class Config:
    """A plain object, rebuilt by pickle from its class and its `__dict__`."""

    def __init__(self, lr: float):
        self.lr = lr


class Other:
    def __init__(self):
        self.flag = True


def saved(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def loaded(raw: bytes, **kwargs):
    return torch.load(io.BytesIO(raw), **kwargs)


def inputs(width: int, device: str):
    """A batch of `width`-wide rows of small integers, as float32."""
    shape = st.tuples(st.integers(2, 4), st.just(width))
    return arrays(dtype=np.float32, shape=shape).map(lambda a: torch.tensor(a, device=device))


def bitwise_equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def same_state(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(bitwise_equal(a[k], b[k]) for k in a)


def cloned_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.clone() for name, tensor in module.state_dict().items()}


# Whole model ---------------------------------------------------------------------------------


@pytest.mark.claim("serialization.whole-model.needs-weights-only-false")
def test_a_whole_model_loads_only_with_weights_only_false(device, tmp_path):
    net = built_with_seed(0, TwoLayer, device)
    path = tmp_path / "mynet.pt"
    torch.save(net, path)
    x = torch.linspace(0, 1, 10, device=device).reshape(10, 1)

    with pytest.raises(pickle.UnpicklingError, match="TwoLayer") as refused:
        torch.load(path, weights_only=True)
    assert "weights_only" in str(refused.value), str(refused.value)
    assert weights_only_refusal(f"{__name__}.TwoLayer") in str(refused.value), str(refused.value)

    if WEIGHTS_ONLY_DEFAULT_IS_TRUE:  # torch >= 2.6: the default is weights_only=True
        with pytest.raises(pickle.UnpicklingError, match="TwoLayer"):
            torch.load(path)
    else:  # torch < 2.6: the default was weights_only=False, with a FutureWarning in 2.4, 2.5
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            default_result = torch.load(path)
        assert type(default_result) is TwoLayer
        future = [str(w.message) for w in caught if issubclass(w.category, FutureWarning)]
        if DEFAULT_WARNS:
            assert len(future) == 1, future
            assert "`weights_only=False` (the current default value)" in future[0], future[0]
        else:
            assert future == [], future

    net2 = torch.load(path, weights_only=False)
    assert type(net2) is TwoLayer
    assert net2 is not net
    assert net2.fc1.weight.device == net.fc1.weight.device
    with torch.no_grad():
        assert bitwise_equal(net2(x), net(x)), "torch.load(path, weights_only=False)(x) differs"

    # The other correct way: the state dict, which the default accepts on every version.
    torch.save(net.state_dict(), tmp_path / "mynet-wts.pt")
    net3 = built_with_seed(1, TwoLayer, device)
    net3.load_state_dict(torch.load(tmp_path / "mynet-wts.pt", weights_only=True))
    with torch.no_grad():
        assert bitwise_equal(net3(x), net(x))


@pytest.mark.claim("serialization.whole-model.class-by-reference")
def test_a_whole_model_pickles_its_class_by_module_and_name(monkeypatch):
    raw = saved(built_with_seed(0, TwoLayer))
    pickled = archive_records(raw)["data.pkl"]
    assert b"tests.test_serialization\nTwoLayer\n" in pickled, "the class is not named by reference"
    assert b"def forward" not in pickled, "the code of forward was pickled"

    module = sys.modules[__name__]
    removed = module.TwoLayer
    del module.TwoLayer
    try:
        with pytest.raises(AttributeError, match="TwoLayer"):
            loaded(raw, weights_only=False)
    finally:
        module.TwoLayer = removed
    assert type(loaded(raw, weights_only=False)) is TwoLayer  # back in place, it loads again

    # The code is the class's as it is when loading: a changed forward is used silently.
    monkeypatch.setattr(TwoLayer, "forward", lambda self, x: torch.zeros_like(x))
    assert torch.equal(loaded(raw, weights_only=False)(torch.ones(3, 1)), torch.zeros(3, 1))


# A module of its own for a model's class, written to a folder that only one test imports from.
SAVED_ELSEWHERE = """from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 2)
        self.fc2 = nn.Linear(2, 1)
"""


@pytest.mark.claim("serialization.whole-model.class-by-reference")
def test_a_whole_model_does_not_load_where_its_module_cannot_be_imported(tmp_path):
    """Saved where its class's module imports (its folder on sys.path), loaded where it does
    not (the folder gone from sys.path, the module from sys.modules): as a program started
    elsewhere, which has never imported the module, loads it."""
    (tmp_path / "saved_elsewhere.py").write_text(SAVED_ELSEWHERE)
    path = tmp_path / "mynet.pt"
    sys.path.insert(0, str(tmp_path))
    try:
        net = built_with_seed(0, importlib.import_module("saved_elsewhere").Net)
        torch.save(net, path)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("saved_elsewhere", None)
        sys.path_importer_cache.pop(str(tmp_path), None)
    assert b"saved_elsewhere\nNet\n" in archive_records(path.read_bytes())["data.pkl"]
    with pytest.raises(ModuleNotFoundError, match="No module named 'saved_elsewhere'") as missing:
        torch.load(path, weights_only=False)
    assert missing.value.name == "saved_elsewhere", repr(missing.value)
    assert "saved_elsewhere" not in sys.modules


# State dict ----------------------------------------------------------------------------------


@pytest.mark.claim("serialization.state-dict.contents")
@settings(max_examples=examples(3 / 4))  # a model built, its state dict deep-copied
@given(width=WIDTHS, seed=SEEDS)
def test_a_state_dict_maps_dotted_names_to_parameters_and_persistent_buffers(device, width, seed):
    net = built_with_seed(seed, lambda: WithBuffers(width), device)
    state = net.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == [
        "fc.weight",
        "fc.bias",
        "bn.weight",
        "bn.bias",
        "bn.running_mean",
        "bn.running_var",
        "bn.num_batches_tracked",
    ], f"WithBuffers({width}).state_dict() keys"
    assert "scale" not in state  # registered with persistent=False
    assert dict(net.named_buffers())["scale"] is not None
    assert state["bn.num_batches_tracked"].dtype == torch.int64
    frozen = copy.deepcopy(state)
    for name, param in net.named_parameters():
        # Detached tensors over the parameters' own memory: not copies.
        assert not state[name].requires_grad
        assert state[name].data_ptr() == param.data_ptr(), f"state_dict()[{name!r}] is a copy"
    with torch.no_grad():
        net.fc.weight.add_(1)
    assert torch.equal(state["fc.weight"], net.fc.weight), "state_dict() did not follow training"
    assert torch.equal(frozen["fc.weight"] + 1, net.fc.weight), "the deep copy followed training"


@pytest.mark.claim("serialization.state-dict.contents")
def test_notes_003_net_state_dict_holds_its_four_parameters_by_name():
    net = built_with_seed(0, TwoLayer)
    state = net.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    for name, param in net.named_parameters():
        assert bitwise_equal(state[name], param.detach()), f"TwoLayer().state_dict()[{name!r}]"
    sequential = built_with_seed(
        0, lambda: nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(), nn.Linear(2, 1))
    )
    assert list(sequential.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


@pytest.mark.claim("serialization.state-dict.round-trip")
def test_notes_000_save_params_then_load_them_into_a_new_net(device, tmp_path):
    path = tmp_path / "net_params.pkl"
    net1 = built_with_seed(0, TwoLayer, device)
    torch.save(net1.state_dict(), path)  # notes 000, as written
    net3 = built_with_seed(1, TwoLayer, device)
    assert not same_state(net3.state_dict(), net1.state_dict()), "seeds 0 and 1 drew one net"
    result = net3.load_state_dict(torch.load(path))
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    assert same_state(net3.state_dict(), net1.state_dict()), "load_state_dict(torch.load(path))"
    x = torch.linspace(0, 1, 10, device=device).reshape(10, 1)
    with torch.no_grad():
        assert bitwise_equal(net3(x), net1(x)), "net3(x) after load_state_dict(torch.load(path))"


@pytest.mark.claim("serialization.state-dict.round-trip")
@settings(max_examples=examples(3 / 8))  # two models built, a state dict saved and loaded
@given(width=WIDTHS, seeds=SEED_PAIRS, data=st.data())
def test_a_state_dict_round_trip_gives_bitwise_equal_outputs(device, width, seeds, data):
    x = data.draw(inputs(width, device), label="x")
    net = built_with_seed(seeds[0], lambda: WithBuffers(width), device)
    net.train()
    net(x)  # one batch in train mode moves BatchNorm's running stats away from (0, 1)
    net.eval()
    raw = saved(net.state_dict())

    fresh = built_with_seed(seeds[1], lambda: WithBuffers(width), device).eval()
    result = fresh.load_state_dict(loaded(raw))
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    assert same_state(fresh.state_dict(), net.state_dict())
    with torch.no_grad():
        assert bitwise_equal(fresh(x), net(x)), f"WithBuffers({width}) after load_state_dict"


@pytest.mark.claim("serialization.state-dict.faster-and-smaller")
@settings(max_examples=examples(1 / 2))  # a model of up to 4096 hidden units, saved twice
@given(hidden=st.integers(1, 4096), seed=SEEDS)
def test_a_state_dict_file_is_smaller_by_a_constant_not_a_factor(hidden, seed):
    net = built_with_seed(seed, lambda: TwoLayer(hidden))
    parameter_bytes = sum(p.numel() * p.element_size() for p in net.parameters())
    whole_file, state_file = saved(net), saved(net.state_dict())
    whole, state = len(whole_file), len(state_file)
    assert parameter_bytes < state < whole, (hidden, parameter_bytes, state, whole)
    # The same storages, aligned the same way: what differs is the pickled module objects.
    assert storage_nbytes(whole_file) == storage_nbytes(state_file)
    assert whole - state < 4096, f"TwoLayer({hidden}): whole {whole} B, state dict {state} B"


# Partial loading -----------------------------------------------------------------------------


class Backbone(nn.Module):
    def __init__(self, classes: int = 3):
        super().__init__()
        self.features = nn.Linear(4, 5)
        self.head = nn.Linear(5, classes)


class Smaller(nn.Module):
    """Backbone's features, without the head, plus a layer of its own."""

    def __init__(self):
        super().__init__()
        self.features = nn.Linear(4, 5)
        self.extra = nn.Linear(5, 2)


@pytest.mark.claim("serialization.partial.filter-and-update")
@settings(max_examples=examples(3 / 4))  # two models built, a state dict saved and loaded
@given(seeds=SEED_PAIRS)
def test_filtering_the_pretrained_dict_to_known_keys_loads_what_matches(device, seeds):
    pretrained = built_with_seed(seeds[0], Backbone, device)
    pretrained_dict = loaded(saved(pretrained.state_dict()))
    my_net = built_with_seed(seeds[1], Smaller, device)
    extra_before = cloned_state(my_net.extra)

    model_dict = my_net.state_dict()
    pretrained_dict = {k: v for k, v in pretrained_dict.items() if k in model_dict}
    model_dict.update(pretrained_dict)
    result = my_net.load_state_dict(model_dict)  # notes 001, strict=True

    assert sorted(pretrained_dict) == ["features.bias", "features.weight"]
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    assert same_state(my_net.features.state_dict(), pretrained.features.state_dict())
    assert same_state(my_net.extra.state_dict(), extra_before), "a layer not in the file changed"


@pytest.mark.claim("serialization.partial.filter-and-update")
def test_the_notes_filter_by_name_lets_a_head_of_another_shape_through(device):
    pretrained = built_with_seed(0, lambda: Backbone(7), device)
    my_net = built_with_seed(1, Backbone, device)  # 3 classes
    model_dict = my_net.state_dict()
    pretrained_dict = {k: v for k, v in pretrained.state_dict().items() if k in model_dict}
    assert sorted(pretrained_dict) == sorted(model_dict), "the name filter dropped a key"
    model_dict.update(pretrained_dict)
    with pytest.raises(RuntimeError, match=r"size mismatch for head\.weight"):
        my_net.load_state_dict(model_dict)

    fitting = built_with_seed(1, Backbone, device)
    head_before = cloned_state(fitting.head)
    model_dict = fitting.state_dict()
    pretrained_dict = {
        k: v
        for k, v in pretrained.state_dict().items()
        if k in model_dict and v.shape == model_dict[k].shape
    }
    assert sorted(pretrained_dict) == ["features.bias", "features.weight"]
    model_dict.update(pretrained_dict)
    result = fitting.load_state_dict(model_dict)
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    assert same_state(fitting.features.state_dict(), pretrained.features.state_dict())
    assert same_state(fitting.head.state_dict(), head_before), "the head that did not fit changed"


@pytest.mark.claim("serialization.partial.strict-reports-keys")
@settings(max_examples=examples(3 / 4))  # three models built
@given(seeds=SEED_PAIRS)
def test_strict_false_returns_the_keys_and_strict_true_names_them(device, seeds):
    source = built_with_seed(seeds[0], Backbone, device).state_dict()
    my_net = built_with_seed(seeds[1], Smaller, device)

    extra_before = cloned_state(my_net.extra)
    result = my_net.load_state_dict(source, strict=False)
    assert result.missing_keys == ["extra.weight", "extra.bias"], result
    assert result.unexpected_keys == ["head.weight", "head.bias"], result
    assert result == (["extra.weight", "extra.bias"], ["head.weight", "head.bias"])
    for key in ("weight", "bias"):  # the entries whose names match are loaded
        loaded_value = my_net.features.state_dict()[key]
        assert bitwise_equal(loaded_value, source[f"features.{key}"]), f"features.{key}"
    assert same_state(my_net.extra.state_dict(), extra_before), "a missing entry changed"

    with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict") as raised:
        built_with_seed(seeds[1], Smaller, device).load_state_dict(source)
    message = str(raised.value)
    assert "Missing key(s)" in message, message
    assert "Unexpected key(s)" in message, message
    for key in ("extra.weight", "extra.bias", "head.weight", "head.bias"):
        assert f'"{key}"' in message, f"load_state_dict(strict=True) does not name {key}"


@pytest.mark.claim("serialization.partial.failed-load-half-loads")
@settings(max_examples=examples(3 / 4))  # two models built
@given(seeds=SEED_PAIRS, strict=st.booleans(), classes=st.sampled_from([2, 4, 7]))
def test_a_shape_mismatch_raises_after_copying_what_matched(device, seeds, strict, classes):
    source = built_with_seed(seeds[0], lambda: Backbone(classes), device).state_dict()
    net = built_with_seed(seeds[1], Backbone, device)  # 3 classes: the head does not fit
    before = cloned_state(net)

    with pytest.raises(RuntimeError, match=r"size mismatch for head\.weight") as raised:
        net.load_state_dict(source, strict=strict)
    assert "size mismatch for head.bias" in str(raised.value)
    assert "features" not in str(raised.value)

    after = net.state_dict()
    for key in ("features.weight", "features.bias"):  # matched: already copied in
        assert bitwise_equal(after[key], source[key]), f"{key} was not copied before the raise"
    for key in ("head.weight", "head.bias"):  # mismatched: left as they were
        assert bitwise_equal(after[key], before[key]), f"{key} changed though it did not fit"


class Sandwich(nn.Module):
    """A layer whose width depends on `classes` between two that do not: a mismatch in the
    middle of the model's order, with matching entries before and after it."""

    def __init__(self, classes: int = 3):
        super().__init__()
        self.first = nn.Linear(4, 5)
        self.middle = nn.Linear(5, classes)
        self.last = nn.Linear(5, 2)


@pytest.mark.claim("serialization.partial.failed-load-half-loads")
@settings(max_examples=examples(3 / 4))  # two models built
@given(
    seeds=SEED_PAIRS,
    strict=st.booleans(),
    classes=st.sampled_from([2, 4, 7]),
)
def test_entries_after_the_mismatch_are_copied_too(device, seeds, strict, classes):
    source = built_with_seed(seeds[0], lambda: Sandwich(classes), device).state_dict()
    net = built_with_seed(seeds[1], Sandwich, device)  # middle: 3 outputs, not `classes`
    before = cloned_state(net)

    with pytest.raises(RuntimeError, match=r"size mismatch for middle\.weight"):
        net.load_state_dict(source, strict=strict)
    after = net.state_dict()
    for key in ("first.weight", "first.bias", "last.weight", "last.bias"):  # before and after
        assert bitwise_equal(after[key], source[key]), f"{key} was not copied before the raise"
        assert not bitwise_equal(after[key], before[key]), f"{key}: the seeds drew equal weights"
    for key in ("middle.weight", "middle.bias"):
        assert bitwise_equal(after[key], before[key]), f"{key} changed though it did not fit"


@pytest.mark.claim("serialization.partial.failed-load-half-loads")
@settings(max_examples=examples(3 / 4))  # two models built
@given(seeds=SEED_PAIRS)
def test_a_missing_key_under_strict_raises_after_copying_the_rest(device, seeds):
    source = built_with_seed(seeds[0], Backbone, device).state_dict()
    del source["head.bias"]
    net = built_with_seed(seeds[1], Backbone, device)
    bias_before = net.head.bias.detach().clone()
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "head\.bias"'):
        net.load_state_dict(source, strict=True)
    for key, value in source.items():
        assert bitwise_equal(net.state_dict()[key], value), f"{key} was not copied"
    assert bitwise_equal(net.head.bias, bias_before)


@pytest.mark.claim("serialization.partial.failed-load-half-loads")
@settings(max_examples=examples(3 / 4))  # four models built
@given(seeds=SEED_PAIRS)
def test_checking_shapes_first_or_loading_into_a_fresh_instance_is_safe(device, seeds):
    source = built_with_seed(seeds[0], lambda: Backbone(7), device).state_dict()
    net = built_with_seed(seeds[1], Backbone, device)
    before = cloned_state(net)

    # Safe pattern 1: keep only the entries whose name and shape fit; the rest stay.
    own = net.state_dict()
    fitting = {k: v for k, v in source.items() if k in own and v.shape == own[k].shape}
    result = net.load_state_dict(fitting, strict=False)
    assert result.missing_keys == ["head.weight", "head.bias"]
    assert bitwise_equal(net.features.weight, source["features.weight"])
    assert bitwise_equal(net.head.weight, before["head.weight"])

    # Safe pattern 2: load into a fresh instance, and keep it only if the load succeeded.
    in_use = cloned_state(net)
    candidate = built_with_seed(seeds[1], Backbone, device)
    with pytest.raises(RuntimeError, match=r"size mismatch for head\.weight"):
        candidate.load_state_dict(source)
    assert bitwise_equal(candidate.features.weight, source["features.weight"]), (
        "the failed load did not half-load the candidate, so there was nothing to throw away"
    )
    assert same_state(net.state_dict(), in_use), "the model in use changed"


# Resuming ------------------------------------------------------------------------------------


def train(net, optimizer, x, y, steps: int) -> None:
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((net(x) - y) ** 2).sum() / 2
        loss.backward()
        optimizer.step()


@pytest.mark.claim("serialization.resume.bitwise")
@settings(max_examples=examples(1 / 8))  # three Adam runs, a checkpoint saved and loaded
@given(seeds=SEED_PAIRS, total=st.integers(2, 5), data=st.data())
def test_resuming_from_model_and_adam_state_dicts_equals_never_stopping(device, seeds, total, data):
    stop = data.draw(st.integers(1, total - 1), label="stop")
    x = torch.linspace(0, 1, 10, device=device).reshape(10, 1)  # notes 003
    y = x * x - 0.5 * x + 1.5625

    def fresh(seed):
        net = built_with_seed(seed, lambda: TwoLayer(4), device)
        return net, torch.optim.Adam(net.parameters(), lr=0.1)

    straight, straight_opt = fresh(seeds[0])
    train(straight, straight_opt, x, y, stop)
    raw = saved(
        {"model": straight.state_dict(), "optimizer": straight_opt.state_dict(), "epoch": stop}
    )

    checkpoint = loaded(raw)  # weights_only=True: tensors, dicts, ints, floats
    resumed, resumed_opt = fresh(seeds[1])
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    restarted, restarted_opt = fresh(seeds[1])  # the notes' way: the model, a new Adam
    restarted.load_state_dict(checkpoint["model"])

    for step in range(checkpoint["epoch"] + 1, total + 1):  # step for step, never stopping
        for net, optimizer in ((straight, straight_opt), (resumed, resumed_opt)):
            train(net, optimizer, x, y, 1)
        train(restarted, restarted_opt, x, y, 1)
        assert same_state(resumed.state_dict(), straight.state_dict()), (
            f"Adam, stopped after step {stop} and resumed: parameters differ after step {step}"
        )
        pairs = zip(resumed.parameters(), straight.parameters(), strict=True)
        for ours, theirs in ((resumed_opt.state[a], straight_opt.state[b]) for a, b in pairs):
            for key in ("exp_avg", "exp_avg_sq", "step"):
                assert bitwise_equal(ours[key], theirs[key]), f"Adam {key!r} after step {step}"

    # Without the optimizer's state, Adam restarts its moments and step count: the run differs.
    assert not same_state(restarted.state_dict(), straight.state_dict())


# Devices -------------------------------------------------------------------------------------


def cuda_saved_file(device: str) -> bytes:
    """A file whose storages are tagged cuda:0: saved from CUDA where there is one, else saved
    on the CPU with its location tag rewritten (reference.serialization.retag_location)."""
    state = {"weight": torch.arange(6.0).reshape(2, 3), "step": torch.tensor(3)}
    if device == "cuda":
        raw = saved({k: v.to("cuda:0") for k, v in state.items()})
    else:
        raw = retag_location(saved(state), "cpu", "cuda:0")
    assert set(storage_locations(raw).values()) == {"cuda:0"}
    return raw


@pytest.mark.claim("serialization.devices.map-location")
@pytest.mark.parametrize("weights_only", [True, False])
def test_map_location_loads_a_cuda_saved_file_on_the_cpu(device, tmp_path, weights_only):
    raw = cuda_saved_file(device)
    path = tmp_path / "cuda.pt"
    path.write_bytes(raw)
    for map_location in ("cpu", torch.device("cpu"), {"cuda:0": "cpu"}):
        state = torch.load(path, map_location=map_location, weights_only=weights_only)
        assert state["weight"].device.type == "cpu", f"map_location={map_location!r}"
        assert state["weight"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert state["step"].item() == 3

    if torch.cuda.is_available():
        state = torch.load(path, weights_only=weights_only)
        assert state["weight"].device == torch.device("cuda:0")
    else:
        wrapped = weights_only and WEIGHTS_ONLY_WRAPS_RUNTIME_ERRORS  # torch < 2.5
        expected = pickle.UnpicklingError if wrapped else RuntimeError
        with pytest.raises(expected, match="map_location") as raised:
            torch.load(path, weights_only=weights_only)
        message = str(raised.value)
        assert type(raised.value) is expected, repr(raised.value)
        assert "Attempting to deserialize object on a CUDA device" in message, message
        assert "torch.cuda.is_available() is False" in message, message
        assert message.startswith(WEIGHTS_ONLY_FAILED) is wrapped, message


# Storage and views ---------------------------------------------------------------------------


@st.composite
def slices(draw):
    """A base length and a non-empty [start, stop) inside it."""
    length = draw(st.integers(2, 2000))
    start = draw(st.integers(0, length - 1))
    stop = draw(st.integers(start + 1, length))
    return length, start, stop


@pytest.mark.claim("serialization.storage.view-saves-whole-storage")
@settings(max_examples=examples(3 / 4))  # three saves of up to 8 kB and two loads
@given(cut=slices())
@example(cut=(2000, 0, 10))  # the spec's case: the first ten elements of a long base
def test_saving_a_view_saves_its_whole_storage_and_a_clone_does_not(device, cut):
    length, start, stop = cut
    base = torch.arange(length, dtype=torch.float32, device=device)
    view = base[start:stop]

    raw = saved(view)
    assert storage_nbytes(raw) == {"0": 4 * length}, f"torch.save(arange({length})[{start}:{stop}])"
    back = loaded(raw)
    assert back.untyped_storage().nbytes() == 4 * length
    assert back.storage_offset() == start
    assert bitwise_equal(back, view)

    compact = saved(view.clone())
    assert storage_nbytes(compact) == {"0": 4 * (stop - start)}
    assert bitwise_equal(loaded(compact), view)
    assert len(raw) - len(compact) >= 4 * (length - (stop - start)) - 64  # 64: record alignment


@pytest.mark.claim("serialization.storage.views-stay-views")
@settings(max_examples=examples(3 / 4))  # three saves and three loads
@given(first=slices(), second=st.data())
def test_views_saved_together_share_one_storage_after_loading(device, first, second):
    length, start, stop = first
    other_start = second.draw(st.integers(0, length - 1), label="other_start")
    base = torch.arange(length, dtype=torch.float32, device=device)
    a, b = base[start:stop], base[other_start:]

    raw = saved({"a": a, "b": b})
    assert storage_nbytes(raw) == {"0": 4 * length}  # one storage, once
    together = loaded(raw)
    la, lb = together["a"], together["b"]
    assert la.untyped_storage().data_ptr() == lb.untyped_storage().data_ptr()
    assert (la.storage_offset(), lb.storage_offset()) == (start, other_start)
    la.fill_(-1.0)  # a write through one is seen through the other, where they overlap
    overlap = range(max(start, other_start), stop)
    expected = [-1.0 if i in overlap else float(i) for i in range(other_start, length)]
    assert lb.tolist() == expected, (
        f"arange({length}): b = base[{other_start}:] after a = base[{start}:{stop}] was filled"
    )

    saved_a, saved_b = saved(a), saved(b)  # saved apart: each file holds the whole storage
    assert storage_nbytes(saved_a) == storage_nbytes(saved_b) == {"0": 4 * length}
    apart_a, apart_b = loaded(saved_a), loaded(saved_b)
    apart_a.fill_(-1.0)
    assert apart_b.tolist() == [float(i) for i in range(other_start, length)], (
        "a write through a view loaded from one file is seen through one loaded from another"
    )


# Hostile files -------------------------------------------------------------------------------


HAS_ADD_SAFE_GLOBALS = torch_version() >= (2, 4)  # torch.serialization.add_safe_globals
HAS_SAFE_GLOBALS_BLOCK = torch_version() >= (2, 5)  # torch.serialization.safe_globals


@pytest.mark.claim("serialization.hostile.reduce-refused")
def test_weights_only_refuses_a_reduce_payload_and_nothing_runs(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "hostile.pt"
    torch.save({"weight": torch.ones(2), "payload": Payload(str(marker))}, path)
    assert not marker.exists(), "saving ran the payload"

    with pytest.raises(pickle.UnpicklingError, match="open") as refused:
        torch.load(path, weights_only=True)
    assert str(refused.value).startswith(WEIGHTS_ONLY_FAILED), str(refused.value)
    assert weights_only_refusal("io.open") in str(refused.value), str(refused.value)
    assert not marker.exists(), "torch.load(weights_only=True) ran the payload"
    # Allow-listing the class does not allow `open`, which is what the pickle names.
    assert hasattr(torch.serialization, "safe_globals") is HAS_SAFE_GLOBALS_BLOCK
    if HAS_SAFE_GLOBALS_BLOCK:
        allowed = torch.serialization.safe_globals([Payload])
        with allowed, pytest.raises(pickle.UnpicklingError, match="open"):
            torch.load(path, weights_only=True)
        assert not marker.exists()

    if WEIGHTS_ONLY_DEFAULT_IS_TRUE:  # torch >= 2.6: the default refuses it too
        with pytest.raises(pickle.UnpicklingError, match="open"):
            torch.load(path)
        assert not marker.exists(), "torch.load(path) (default weights_only) ran the payload"
    else:  # torch < 2.6: the default is weights_only=False, which runs the payload
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # 2.4, 2.5: the default will change
            state = torch.load(path)
        assert marker.exists(), "torch.load(path) (default weights_only=False) did not run it"
        assert not isinstance(state["payload"], Payload)
        state["payload"].close()
        marker.unlink()

    # The other side: the payload is real, and weights_only=False runs it.
    state = torch.load(path, weights_only=False)
    assert marker.exists(), "weights_only=False did not run __reduce__'s callable"
    assert not isinstance(state["payload"], Payload)  # what came back is open()'s result
    state["payload"].close()


@pytest.mark.claim("serialization.hostile.safe-globals")
def test_safe_globals_lets_exactly_the_listed_class_through():
    raw = saved({"config": Config(0.1), "weight": torch.ones(2)})
    both = saved({"config": Config(0.1), "other": Other()})
    config = f"{__name__}.Config"
    with pytest.raises(pickle.UnpicklingError, match="Config") as refused:
        loaded(raw, weights_only=True)
    assert weights_only_refusal(config) in str(refused.value), str(refused.value)

    assert hasattr(torch.serialization, "safe_globals") is HAS_SAFE_GLOBALS_BLOCK
    if not HAS_SAFE_GLOBALS_BLOCK:  # torch < 2.5: no block; the class is refused, as above
        return
    with torch.serialization.safe_globals([Config]):
        state = loaded(raw, weights_only=True)
        assert type(state["config"]) is Config
        assert state["config"].lr == 0.1
        assert torch.equal(state["weight"], torch.ones(2))
        with pytest.raises(pickle.UnpicklingError, match="Other"):
            loaded(both, weights_only=True)

    with pytest.raises(pickle.UnpicklingError, match="Config"):  # the block's list is gone
        loaded(raw, weights_only=True)


@pytest.mark.claim("serialization.hostile.safe-globals")
def test_allow_listing_the_callable_a_reduce_names_lets_it_run(tmp_path):
    marker = tmp_path / "marker"
    raw = saved({"payload": Payload(str(marker))})
    assert hasattr(torch.serialization, "safe_globals") is HAS_SAFE_GLOBALS_BLOCK
    if not HAS_SAFE_GLOBALS_BLOCK:  # torch < 2.5: nothing to allow-list it with in a block
        with pytest.raises(pickle.UnpicklingError, match="open"):
            loaded(raw, weights_only=True)
        assert not marker.exists()
        return
    with torch.serialization.safe_globals([open]):
        state = loaded(raw, weights_only=True)
    assert marker.exists(), "weights_only=True with `open` allow-listed did not call it"
    assert not isinstance(state["payload"], Payload)  # open()'s file object
    state["payload"].close()


@pytest.mark.claim("serialization.hostile.safe-globals")
def test_add_safe_globals_changes_process_wide_state():
    serialization = torch.serialization
    for name in ("add_safe_globals", "get_safe_globals", "clear_safe_globals"):
        assert hasattr(serialization, name) is HAS_ADD_SAFE_GLOBALS, name
    raw = saved({"config": Config(0.5)})
    if not HAS_ADD_SAFE_GLOBALS:  # torch < 2.4: no allow-list; the class is refused
        with pytest.raises(pickle.UnpicklingError, match="Config"):
            loaded(raw, weights_only=True)
        return
    # torch 2.4 and 2.5 return the live list, which add_safe_globals extends; 2.6 a new list.
    live = serialization.get_safe_globals() is serialization.get_safe_globals()
    assert live is (torch_version() < (2, 6))
    before = list(serialization.get_safe_globals())  # a copy, on every version
    try:
        serialization.add_safe_globals([Config])
        assert Config in serialization.get_safe_globals()
        assert loaded(raw, weights_only=True)["config"].lr == 0.5  # no block needed: global
    finally:
        serialization.clear_safe_globals()
        serialization.add_safe_globals(before)
    assert set(serialization.get_safe_globals()) == set(before)  # a set: order is not kept
    with pytest.raises(pickle.UnpicklingError, match="Config"):
        loaded(raw, weights_only=True)


# Broken files --------------------------------------------------------------------------------

CHECKPOINT = saved({"fc.weight": torch.arange(12.0).reshape(3, 4), "fc.bias": torch.zeros(3)})


@pytest.mark.claim("serialization.broken.truncated")
@example(keep=0, weights_only=True)  # the spec's cases at the start, always run
@example(keep=1, weights_only=True)
@example(keep=2, weights_only=False)
@example(keep=3, weights_only=True)
@example(keep=4, weights_only=False)
@given(keep=st.integers(0, len(CHECKPOINT) - 1), weights_only=st.booleans())
def test_a_truncated_file_raises(keep, weights_only):
    try:
        result = loaded(CHECKPOINT[:keep], weights_only=weights_only)
    except Exception as raised:
        error = raised
    else:
        raise AssertionError(f"a truncated checkpoint loaded as {result!r}")
    expression = f"torch.load(first {keep} of {len(CHECKPOINT)} bytes, weights_only={weights_only})"
    if keep == 0:
        assert type(error) is EOFError, f"{expression} raised {error!r}"
    elif keep < 4:  # not even the zip magic: read as a (legacy) pickle
        assert isinstance(error, pickle.UnpicklingError), f"{expression} raised {error!r}"
    else:  # a zip archive whose central directory, at the end, is missing
        assert type(error) is RuntimeError, f"{expression} raised {error!r}"
        assert "PytorchStreamReader failed reading zip archive" in str(error), str(error)


@pytest.mark.claim("serialization.broken.random-and-empty")
def test_an_empty_file_raises_eof_error(tmp_path):
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    for weights_only in (True, False):
        with pytest.raises(EOFError):
            torch.load(path, weights_only=weights_only)


@pytest.mark.claim("serialization.broken.random-and-empty")
@given(
    first=st.sampled_from(NOT_AN_OPCODE), rest=st.binary(max_size=256), weights_only=st.booleans()
)
def test_random_bytes_that_start_with_no_pickle_opcode_raise_unpickling_error(
    first, rest, weights_only
):
    with pytest.raises(pickle.UnpicklingError) as raised:
        loaded(first + rest, weights_only=weights_only)
    message = str(raised.value)
    assert "invalid load key" in message or "Weights only load failed" in message, message


@pytest.mark.claim("serialization.broken.random-and-empty")
# Random bytes may open with a PROTO opcode naming a protocol torch has never written; it warns.
@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@given(data=st.binary(min_size=1, max_size=256))
def test_any_random_bytes_raise_under_weights_only(data):
    # Bytes that do start with an opcode are run by the weights-only unpickler until it fails:
    # the exception is usually UnpicklingError, but not always (see the spec).
    try:
        result = loaded(data, weights_only=True)
    except Exception:
        return
    raise AssertionError(f"torch.load({data!r}) returned {result!r}")


@pytest.mark.claim("serialization.broken.random-and-empty")
@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"]", EOFError),  # EMPTY_LIST, then the bytes end before STOP
        (b"K", IndexError),  # BININT1 without its byte
        (b"h\x05", KeyError),  # BINGET of a memo slot never PUT
        (b"J\x01", struct.error),  # BININT with one of its four bytes
        (b"\x80\x02X\x02\x00\x00\x00\xff\xfe.", UnicodeDecodeError),  # BINUNICODE, not UTF-8
    ],
    ids=["EOFError", "IndexError", "KeyError", "struct.error", "UnicodeDecodeError"],
)
def test_bytes_that_start_with_an_opcode_may_raise_other_errors(data, error):
    with pytest.raises(error) as raised:
        loaded(data, weights_only=True)
    assert type(raised.value) is error, f"torch.load({data!r}) raised {raised.value!r}"


@pytest.mark.claim("serialization.broken.random-and-empty")
@pytest.mark.parametrize("data", [b"N.", b"K\x00.", b"\x80\x02K\x05."], ids=["None", "0", "5"])
def test_a_valid_pickle_that_is_not_a_checkpoint_raises(data):
    for weights_only in (True, False):
        wrapped = weights_only and WEIGHTS_ONLY_WRAPS_RUNTIME_ERRORS  # torch < 2.5
        expected = pickle.UnpicklingError if wrapped else RuntimeError
        with pytest.raises(expected, match="Invalid magic number; corrupt file") as raised:
            loaded(data, weights_only=weights_only)
        message = str(raised.value)
        assert type(raised.value) is expected, f"weights_only={weights_only}: {raised.value!r}"
        if wrapped:
            assert message.startswith(WEIGHTS_ONLY_FAILED), message
            assert "WeightsUnpickler error: Invalid magic number; corrupt file?" in message
        else:
            assert message == "Invalid magic number; corrupt file?", message


# The notes' typo -----------------------------------------------------------------------------


@pytest.mark.claim("serialization.notes.load-of-load")
def test_loading_the_loaded_state_dict_again_fails_and_load_state_dict_works(tmp_path):
    save_path = tmp_path / "mynet-wts.pt"
    net = built_with_seed(0, TwoLayer)
    torch.save(net.state_dict(), save_path)
    with pytest.raises(AttributeError, match="seek"):
        torch.load(torch.load(save_path))  # notes 003, as written

    net2 = built_with_seed(1, TwoLayer)
    net2.load_state_dict(torch.load(save_path))
    assert same_state(net2.state_dict(), net.state_dict())

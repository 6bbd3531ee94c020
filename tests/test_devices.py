"""spec/devices.md: choosing a device, moving tensors and modules, mixing devices, asynchrony,
pinned memory, DataParallel and random generators.

Without CUDA the rule about mixing devices is shown with the `meta` device, and the CUDA
parametrizations skip ("CUDA not available").
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from torch import nn
from torch.utils.data import DataLoader

from tests.harness.assertions import describe
from tests.harness.devices import cuda_available
from tests.harness.dtypes import HALF_FLOATING, STORABLE, dtype_name
from tests.harness.models import tiny_model
from tests.harness.processes import in_a_child_process
from tests.harness.profiles import examples
from tests.harness.strategies import arrays, shapes, torch_dtypes
from tests.harness.timing import cuda_synchronized_clock
from tests.harness.torch_settings import seeded
from tests.harness.versions import torch_version

# On the CPU the round trip is through a wider dtype that holds every value of the narrower.
WIDER = {
    torch.bool: torch.uint8,
    torch.uint8: torch.int16,
    torch.int8: torch.int16,
    torch.int16: torch.int32,
    torch.int32: torch.int64,
    torch.int64: torch.int64,  # no wider dtype: `.to` returns the tensor itself
    torch.float16: torch.float32,
    torch.bfloat16: torch.float32,
    torch.float32: torch.float64,
    torch.float64: torch.float64,
    torch.complex64: torch.complex128,
    torch.complex128: torch.complex128,
}
for _name, _wider in (("uint16", "int32"), ("uint32", "int64"), ("uint64", "uint64")):
    if hasattr(torch, _name):
        WIDER[getattr(torch, _name)] = getattr(torch, _wider)


@st.composite
def any_value_tensors(draw, dtype: torch.dtype) -> torch.Tensor:
    """A CPU tensor of `dtype` holding any of its values: extremes, NaN, infinities, -0.0."""
    shape = draw(shapes(max_dims=2))
    if dtype == torch.bfloat16:  # bfloat16 is float32's upper half: draw its bits
        bits = draw(npst.arrays(np.int16, shape))
        return torch.from_numpy(bits).view(torch.bfloat16).clone()
    array = draw(npst.arrays(np.dtype(dtype_name(dtype)), shape))
    return torch.from_numpy(array.copy())


BITS = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def bits_of(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor's elements as integers of the same width: equal bits, equal integers.

    Every dtype but bool becomes one of `BITS`, unsigned 16-, 32- and 64-bit integers too: the
    older releases that have them cannot index them with a mask on the CPU ("index_cpu" not
    implemented for 'UInt16' on torch 2.3 to 2.9), and the comparison must not depend on that."""
    if tensor.is_complex():
        tensor = torch.view_as_real(tensor)
    if tensor.dtype == torch.bool:
        return tensor
    return tensor.view(BITS[tensor.element_size()])


def assert_identical(got: torch.Tensor, want: torch.Tensor, expression: str) -> None:
    """Same dtype, shape and bits: every value, the sign of every zero, every NaN's payload."""
    assert got.dtype == want.dtype, expression
    assert got.shape == want.shape, expression
    assert torch.equal(bits_of(got), bits_of(want)), f"{expression}: the bits differ"


def assert_same_numbers(got: torch.Tensor, want: torch.Tensor, expression: str) -> None:
    """`assert_identical` except that a NaN need only stay a NaN, whatever its sign and payload."""
    assert got.dtype == want.dtype, expression
    assert got.shape == want.shape, expression
    if want.is_complex():
        nan = torch.view_as_real(want).isnan()
    elif want.is_floating_point():
        nan = want.isnan()
    else:  # integers and bool hold no NaN
        nan = torch.zeros(want.shape, dtype=torch.bool)
    assert torch.equal(bits_of(got)[~nan], bits_of(want)[~nan]), f"{expression}: the bits differ"
    if want.is_complex() or want.is_floating_point():
        real_got = torch.view_as_real(got) if got.is_complex() else got
        assert real_got[nan].isnan().all(), f"{expression}: a NaN came back as a number"


# The idiom -------------------------------------------------------------------------------------


@pytest.mark.claim("devices.idiom.pick-a-device")
def test_the_idiom_picks_cuda_when_there_is_one():
    chosen = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert chosen.index is None
    # "cuda" means the current CUDA device, not cuda:0 itself; naming it needs no CUDA.
    assert torch.device("cuda").index is None
    if cuda_available():
        current = torch.device("cuda", torch.cuda.current_device())
        assert torch.ones(1, device=chosen).device == current
    count = torch.cuda.device_count()
    assert isinstance(count, int)
    assert count >= 0
    assert (count > 0) == torch.cuda.is_available()
    assert torch.device("cuda:1").index == 1
    assert torch.device("cpu") == torch.device("cpu", None)


# torch.device ----------------------------------------------------------------------------------


@pytest.mark.claim("devices.device.names-only")
def test_a_device_object_moves_nothing(device):
    on_cpu = torch.arange(3.0)
    on_meta = torch.ones(2, device="meta")
    named = torch.device(device)
    assert (named.type, named.index) == (device, None)
    assert on_cpu.device.type == "cpu", f"torch.device({device!r}) moved a CPU tensor"
    assert on_meta.device.type == "meta", f"torch.device({device!r}) moved a meta tensor"
    assert torch.empty(()).device.type == "cpu", f"torch.device({device!r}) changed the default"
    moved = on_cpu.to(named)  # only .to moves, and into a new tensor
    assert moved.device.type == device
    assert on_cpu.device.type == "cpu"
    if device != "meta":
        assert moved.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.claim("devices.device.names-only")
def test_cuda_can_be_named_without_cuda_and_only_using_it_fails():
    initialised = torch.cuda.is_initialized()
    named = torch.device("cuda")
    assert (named.type, named.index) == ("cuda", None)
    assert torch.device("cuda:1").index == 1
    assert torch.cuda.is_initialized() == initialised, "naming a CUDA device initialised CUDA"
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        torch.device("gpu")  # the string is checked, the hardware is not
    if cuda_available():
        return
    x = torch.arange(3.0)
    # A CUDA build without a driver raises RuntimeError; a CPU-only build AssertionError.
    cpu_only_build = torch.version.cuda is None and torch.version.hip is None
    uses = {  # notes 002's own uses of the device
        "torch.ones_like(x, device=device)": lambda: torch.ones_like(x, device=named),
        "x.to(device)": lambda: x.to(named),
    }
    for expression, use in uses.items():
        with pytest.raises(AssertionError if cpu_only_build else RuntimeError) as raised:
            use()
        if cpu_only_build:
            assert "not compiled with CUDA" in str(raised.value), f"{expression}: {raised.value}"
    assert x.device.type == "cpu"


# Tensor.to -------------------------------------------------------------------------------------


def other_device(device: str) -> str:
    """Where a tensor on `device` is moved to in the tests: the CPU, or CUDA from the CPU."""
    return "cpu" if device != "cpu" else ("cuda" if cuda_available() else "meta")


@pytest.mark.claim("devices.to.returns-a-copy")
@given(array=arrays(dtype=np.float32))
def test_to_returns_a_new_tensor_and_leaves_the_original(device, array):
    original = torch.tensor(array, device=device)
    target = other_device(device)
    moved = original.to(target)
    assert moved is not original, describe(original)
    assert moved.device.type == target, describe(original)
    assert original.device.type == device, f".to({target!r}) moved the original itself"
    widened = original.to(torch.float64)
    assert widened is not original
    assert original.dtype == torch.float32
    if target != "meta":
        assert moved.tolist() == original.tolist()
        assert moved.data_ptr() != original.data_ptr() or original.numel() == 0


@pytest.mark.claim("devices.to.same-object-when-nothing-changes")
@given(array=arrays(dtype=np.float32))
def test_to_the_same_device_and_dtype_returns_the_tensor_itself(device, array):
    tensor = torch.tensor(array, device=device)
    same = (
        tensor.to(device),
        tensor.to(torch.float32),
        tensor.to(device, torch.float32),
        tensor.to(tensor),
        tensor.to(torch.device(device)),
    )
    for index, result in enumerate(same):
        assert result is tensor, f"call {index} of the same-device, same-dtype .to() copied"
    assert tensor.to(device, copy=True) is not tensor
    assert tensor.to(torch.float64) is not tensor


@pytest.mark.claim("devices.to.device-and-dtype")
@given(array=arrays(dtype=np.float32))
def test_to_cpu_double_changes_device_and_dtype_at_once(device, array):
    tensor = torch.tensor(array, device=device)
    result = tensor.to("cpu", torch.double)
    assert result.device.type == "cpu"
    assert result.dtype == torch.float64
    assert tensor.device.type == device
    assert tensor.dtype == torch.float32
    assert result.tolist() == tensor.tolist(), describe(tensor)
    assert result is not tensor


@pytest.mark.claim("devices.to.cuda-and-cpu-methods")
def test_cuda_and_cpu_methods(device):
    tensor = torch.arange(6.0, device=device)
    on_cpu_tensor = tensor.cpu()
    assert on_cpu_tensor.device.type == "cpu"
    assert on_cpu_tensor.tolist() == tensor.tolist()
    assert (on_cpu_tensor is tensor) == (device == "cpu")
    if cuda_available():
        on_gpu = tensor.cuda()
        assert on_gpu.device == torch.device("cuda", torch.cuda.current_device())
        assert (on_gpu is tensor) == (device == "cuda")
        assert on_gpu.tolist() == tensor.tolist()
    else:
        # A CUDA build without a driver raises RuntimeError; a CPU-only build AssertionError.
        cpu_only_build = torch.version.cuda is None and torch.version.hip is None
        with pytest.raises(AssertionError if cpu_only_build else RuntimeError) as raised:
            tensor.cuda()
        if cpu_only_build:
            assert "not compiled with CUDA" in str(raised.value), str(raised.value)


@pytest.mark.claim("devices.to.round-trip-exact")
@settings(max_examples=examples(3 / 4))  # on CUDA each example copies to the GPU and back
@given(dtype=torch_dtypes(STORABLE), data=st.data())
def test_a_round_trip_keeps_every_value(device, dtype, data):
    tensor = data.draw(any_value_tensors(dtype), label="tensor")
    if device == "cuda":
        back = tensor.to("cuda").to("cpu")
        assert_identical(back, tensor, f"{describe(tensor)}.to('cuda').to('cpu')")
    wider = WIDER[dtype]
    back = tensor.to(wider).to(dtype)
    assert (back is tensor) == (wider == dtype)
    assert_same_numbers(back, tensor, f"{describe(tensor)}.to({wider}).to({dtype})")


@pytest.mark.claim("devices.to.round-trip-exact")
def test_a_round_trip_keeps_nan_infinities_signed_zeros_and_subnormals(device):
    extremes = torch.tensor(
        [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1e-45, -1e-45, 3.4028235e38]
    )
    assert extremes[5].item() > 0, "1e-45 did not round to float32's smallest subnormal"
    if device == "cuda":
        back = extremes.to("cuda").to("cpu")
        assert_identical(back, extremes, f"{describe(extremes)}.to('cuda').to('cpu')")
    back = extremes.to(device).to(torch.float64).to(torch.float32).cpu()
    assert_same_numbers(back, extremes, f"{describe(extremes)}.to(float64).to(float32)")
    assert torch.signbit(back[3]), "-0.0 came back as 0.0"
    assert not torch.signbit(back[4]), "0.0 came back as -0.0"


@pytest.mark.claim("devices.to.round-trip-exact")
@pytest.mark.parametrize("dtype", HALF_FLOATING, ids=dtype_name)
def test_a_conversion_back_to_16_bit_floats_keeps_nan_but_not_its_bits(dtype):
    every_value = torch.arange(-(2**15), 2**15, dtype=torch.int32).to(torch.int16)
    values = every_value.view(dtype)
    back = values.to(torch.float32).to(dtype)
    assert_same_numbers(back, values, f"every {dtype_name(dtype)} .to(float32).to({dtype})")
    changed = (back.view(torch.int16) != every_value) & values.isnan()
    assert changed.any(), "every NaN kept its sign and payload: the caveat no longer applies"


@pytest.mark.claim("devices.to.round-trip-exact")
def test_meta_is_not_a_round_trip():
    on_meta = torch.arange(3.0).to("meta")
    assert on_meta.device.type == "meta"
    assert on_meta.shape == (3,)
    with pytest.raises(NotImplementedError, match="meta"):
        on_meta.to("cpu")


# Module.to -------------------------------------------------------------------------------------


@pytest.mark.claim("devices.module-to.in-place")
def test_module_to_converts_in_place_and_returns_the_module(device):
    model = tiny_model(device)
    before = dict(model.named_parameters())
    values = {name: p.detach().cpu().clone() for name, p in before.items()}
    sum(p.sum() for p in model.parameters()).backward()
    addresses = {name: p.data_ptr() for name, p in before.items()}
    target = torch.device("cuda") if cuda_available() and device == "cpu" else device
    returned = model.to(target, torch.float64)
    assert returned is model, "Module.to returned another module"
    for name, parameter in model.named_parameters():
        assert parameter is before[name], f"{name}: Module.to replaced the Parameter object"
        assert parameter.dtype == torch.float64
        assert parameter.device.type == torch.device(target).type
        assert parameter.data_ptr() != addresses[name], f"{name}: converted where it was"
        assert parameter.grad.dtype == torch.float64, f"{name}: its .grad was not converted"
        assert parameter.detach().cpu().tolist() == values[name].double().tolist()
    assert model[1].running_mean.dtype == torch.float64  # buffers too
    assert model[1].num_batches_tracked.dtype == torch.int64  # integer buffers keep their dtype


# Creation on a device --------------------------------------------------------------------------


@pytest.mark.claim("devices.create.on-a-device")
@given(array=arrays(), shape=shapes())
def test_creation_functions_take_a_device(device, array, shape):
    source = torch.tensor(array)  # on the CPU
    ones = torch.ones_like(source, device=device)
    assert ones.device.type == device
    assert ones.dtype == source.dtype
    assert ones.shape == source.shape, describe(source)
    zeros = torch.zeros(shape, device=device)
    assert zeros.device.type == device
    assert tuple(zeros.shape) == shape
    assert zeros.dtype == torch.get_default_dtype()
    if device != "meta":
        assert ones.tolist() == np.ones_like(array).tolist()
        assert not zeros.any()


# The default device ----------------------------------------------------------------------------

# Made inside `with torch.device(d):` from an array `a` and a CPU tensor `t`: these land on `d`,
FOLLOW_THE_DEFAULT = {
    "torch.tensor(a)": lambda a, t: torch.tensor(a),
    "torch.tensor([1.0, 2.0])": lambda a, t: torch.tensor([1.0, 2.0]),
    "torch.as_tensor(a)": lambda a, t: torch.as_tensor(a),
    "torch.as_tensor(t)": lambda a, t: torch.as_tensor(t),
    "torch.empty(2)": lambda a, t: torch.empty(2),
    "torch.zeros(2)": lambda a, t: torch.zeros(2),
    "torch.ones(2)": lambda a, t: torch.ones(2),
    "torch.full((2,), 1.0)": lambda a, t: torch.full((2,), 1.0),
    "torch.arange(3)": lambda a, t: torch.arange(3),
    "torch.linspace(0, 1, 3)": lambda a, t: torch.linspace(0, 1, 3),
    "torch.eye(2)": lambda a, t: torch.eye(2),
    "torch.scalar_tensor(1.0)": lambda a, t: torch.scalar_tensor(1.0),
    "nn.Linear(2, 2).weight": lambda a, t: nn.Linear(2, 2).weight,
}
# and these stay on the CPU.
STAY_ON_THE_CPU = {
    "torch.from_numpy(a)": lambda a, t: torch.from_numpy(a),
    "torch.frombuffer(...)": lambda a, t: torch.frombuffer(bytearray(8), dtype=torch.float32),
    "torch.Tensor([1.0])": lambda a, t: torch.Tensor([1.0]),
    "torch.Tensor(a)": lambda a, t: torch.Tensor(a),
    "torch.FloatTensor(2)": lambda a, t: torch.FloatTensor(2),
    "torch.zeros(2, device='cpu')": lambda a, t: torch.zeros(2, device="cpu"),
    "torch.ones_like(t)": lambda a, t: torch.ones_like(t),
    "t.new_zeros(2)": lambda a, t: t.new_zeros(2),
    "t + 1": lambda a, t: t + 1,
}


@pytest.mark.claim("devices.default.cpu-unless-set")
def test_factories_follow_the_default_device_of_a_with_block(device):
    array = np.arange(3.0)
    on_cpu = torch.arange(3.0)
    assert torch.zeros(2).device.type == "cpu", "tensors are not made on the CPU by default"
    with seeded(0, device), torch.device(device):  # nn.Linear draws its weights there
        follow = {
            text: make(array, on_cpu).device.type for text, make in FOLLOW_THE_DEFAULT.items()
        }
        stay = {text: make(array, on_cpu).device.type for text, make in STAY_ON_THE_CPU.items()}
        shared = torch.from_numpy(array)
    assert follow == dict.fromkeys(FOLLOW_THE_DEFAULT, device)
    assert stay == dict.fromkeys(STAY_ON_THE_CPU, "cpu")
    assert shared.data_ptr() == array.ctypes.data, "from_numpy copied under a default device"
    assert torch.zeros(2).device.type == "cpu", "the with block did not put the CPU back"


# torch.set_default_device changes the process, and before torch 2.10 no public call puts it back
# as it was (set_default_device(None) leaves get_default_device raising): a child process runs it.
def set_default_device_and_back() -> dict[str, object]:
    seen: dict[str, object] = {"at start": torch.empty(()).device.type}
    readable = hasattr(torch, "get_default_device")
    seen["get_default_device exists"] = readable
    if readable:
        seen["read at start"] = str(torch.get_default_device())
        with torch.device("meta"):
            seen["read in a with block"] = str(torch.get_default_device())
    torch.set_default_device("meta")
    seen["torch.zeros(2)"] = torch.zeros(2).device.type
    seen["torch.tensor([1.0])"] = torch.tensor([1.0]).device.type
    seen["torch.from_numpy(a)"] = torch.from_numpy(np.arange(3.0)).device.type
    if readable:
        seen["read while set"] = str(torch.get_default_device())
    torch.set_default_device(None)
    seen["torch.zeros(2) after None"] = torch.zeros(2).device.type
    if readable:
        try:
            seen["read after None"] = str(torch.get_default_device())
        except AttributeError as error:
            seen["read after None"] = f"AttributeError: {error}"
    return seen


@pytest.mark.claim("devices.default.cpu-unless-set")
def test_set_default_device_changes_the_process_until_it_is_set_to_none():
    seen = in_a_child_process(set_default_device_and_back)
    expected = {
        "at start": "cpu",
        "get_default_device exists": torch_version() >= (2, 3),
        "torch.zeros(2)": "meta",
        "torch.tensor([1.0])": "meta",
        "torch.from_numpy(a)": "cpu",
        "torch.zeros(2) after None": "cpu",
    }
    if torch_version() >= (2, 3):
        expected["read at start"] = "cpu"
        expected["read while set"] = "meta"
        # before torch 2.8 get_default_device does not see a `with torch.device(...)` block
        expected["read in a with block"] = "meta" if torch_version() >= (2, 8) else "cpu"
        expected["read after None"] = (
            "cpu"
            if torch_version() >= (2, 10)
            else "AttributeError: 'NoneType' object has no attribute 'device'"
        )
    assert seen == expected


# Mixing devices --------------------------------------------------------------------------------


def second_device(device: str) -> str:
    """A device other than `device` that this machine has: meta stands in for CUDA."""
    return "meta" if device == "cpu" else "cpu"


def runtime_error_of(operation, *operands) -> str | None:
    """The message of the RuntimeError that `operation(*operands)` raises; None if it returns."""
    try:
        operation(*operands)
    except RuntimeError as error:
        return str(error)
    return None


@pytest.mark.claim("devices.mixing.raises")
@settings(max_examples=examples(5 / 8))  # each example raises six times; tracebacks are slow
@given(shape=shapes(min_dims=1, min_side=1))
def test_an_op_on_two_devices_raises(device, shape):
    here = torch.ones(shape, device=device)
    there = torch.ones(shape, device=second_device(device))
    operations = {
        "a + b": lambda a, b: a + b,
        "torch.mul(a, b)": torch.mul,
        "torch.cat([a, b])": lambda a, b: torch.cat([a, b]),
    }
    for text, operation in operations.items():
        for a, b in ((here, there), (there, here)):
            message = runtime_error_of(operation, a, b)
            assert message is not None, f"{text} with a on {a.device}, b on {b.device} ran"
            assert "device" in message, f"{text}: {message}"


@pytest.mark.claim("devices.mixing.raises")
@given(value=st.integers(-100, 100), shape=shapes(min_dims=1))
def test_a_zero_dim_cpu_tensor_mixes_with_any_device(device, value, shape):
    other = second_device(device) if device == "cpu" else device  # never the CPU itself
    scalar = torch.tensor(float(value))
    tensor = torch.ones(shape, device=other)
    for result in (tensor * scalar, scalar + tensor, torch.mul(scalar, tensor)):
        assert result.device == tensor.device
        assert result.shape == tensor.shape
        if other != "meta":
            assert result.cpu().tolist() == (torch.ones(shape) * value).tolist()
    # The exception is for CPU scalars only: a 0-d tensor on the other device still raises.
    with pytest.raises(RuntimeError, match="device"):
        torch.tensor(float(value), device=other) + torch.ones(shape)


@pytest.mark.claim("devices.mixing.raises")
def test_on_meta_an_in_place_op_does_not_check_the_rule():
    target = torch.ones(2)
    result = target.add_(torch.ones(2, device="meta"))  # no error on torch 2.15: see the spec
    assert result is target
    assert target.tolist() == [1.0, 1.0], "the in-place add from meta changed the CPU tensor"


@pytest.mark.claim("devices.mixing.model-and-data")
def test_the_model_and_its_input_must_share_a_device(device):
    model = tiny_model(device)[0]
    elsewhere = torch.ones(4, 3, device=second_device(device))
    with pytest.raises(RuntimeError, match="device"):
        model(elsewhere)
    assert model(torch.ones(4, 3, device=device)).device.type == device


# Notes 001's device lines ----------------------------------------------------------------------


@pytest.mark.claim("devices.notes.no-gpu-method")
def test_there_is_no_gpu_method():
    with pytest.raises(AttributeError, match="gpu"):
        tiny_model().gpu()
    with pytest.raises(AttributeError, match="gpu"):
        torch.ones(2).gpu()
    assert callable(nn.Module.cuda)
    assert callable(torch.Tensor.cuda)


@pytest.mark.claim("devices.notes.loss-cuda-moves-nothing")
def test_cross_entropy_loss_has_nothing_to_move(device):
    criterion = nn.CrossEntropyLoss()
    assert list(criterion.parameters()) == []
    assert list(criterion.buffers()) == []
    assert criterion.cuda() is criterion  # nothing to move: works even without CUDA
    assert criterion.to(device) is criterion
    logits = torch.tensor([[2.0, 0.0, 0.0]], device=device)
    loss = criterion(logits, torch.tensor([0], device=device))
    assert loss.device.type == device
    expected = -torch.log_softmax(torch.tensor([2.0, 0.0, 0.0], dtype=torch.float64), 0)[0]
    assert abs(loss.item() - expected.item()) < 1e-6
    weighted = nn.CrossEntropyLoss(weight=torch.ones(3))  # a weight is a buffer: it does move
    assert [name for name, _ in weighted.named_buffers()] == ["weight"]


# Asynchrony and pinned memory ------------------------------------------------------------------


@pytest.mark.claim("devices.async.launch-returns-early")
def test_a_kernel_launch_returns_before_the_kernel_ends(device):
    a = torch.ones(4096, 4096, device=device)
    a @ a  # the first matmul creates the cuBLAS handle, on the host: not part of the launch
    torch.cuda.synchronize()

    def launch() -> torch.Tensor:
        for _ in range(20):
            product = a @ a
        return product

    launch()  # a naive timer would read the clock here, with the work still queued
    busy = not torch.cuda.current_stream().query()
    torch.cuda.synchronize()
    assert busy, "the stream was idle right after launching 20 large matmuls"
    assert torch.cuda.current_stream().query()

    product = launch()
    cuda_synchronized_clock()  # the benchmark harness's CUDA timer waits before it reads
    assert torch.cuda.current_stream().query(), "the synchronised clock read with work queued"
    assert product[0, 0].item() == 4096.0


@pytest.mark.claim("devices.async.non-blocking-needs-pinned")
@pytest.mark.devices("cuda")
def test_non_blocking_from_pinned_memory_returns_before_the_copy_ends(device):
    pinned = torch.ones(64 * 1024 * 1024, dtype=torch.float32).pin_memory()  # 256 MiB
    torch.cuda.synchronize()
    on_gpu = pinned.to(device, non_blocking=True)
    copying = not torch.cuda.current_stream().query()
    torch.cuda.synchronize()
    assert copying, "a 256 MiB non_blocking copy from pinned memory had already finished"
    assert bool((on_gpu == 1.0).all()), "the non_blocking copy from pinned memory lost values"
    pageable = torch.ones(1024)
    assert pageable.to(device, non_blocking=True).sum().item() == 1024  # allowed, just not async


@pytest.mark.claim("devices.async.non-blocking-needs-pinned")
def test_non_blocking_on_the_cpu_changes_nothing():
    tensor = torch.ones(3)
    assert tensor.to("cpu", non_blocking=True) is tensor
    assert tensor.to(torch.float64, non_blocking=True).tolist() == [1.0, 1.0, 1.0]


# DataLoader(pin_memory=True) on a machine without an accelerator: a UserWarning since torch 2.7.
LOADER_WARNS_WITHOUT_AN_ACCELERATOR = torch_version() >= (2, 7)
NO_ACCELERATOR_WARNING = (
    "'pin_memory' argument is set as true but no accelerator is found, "
    "then device pinned memory won't be used."
)


@pytest.mark.claim("devices.pin-memory.needs-an-accelerator")
def test_pin_memory():
    tensor = torch.arange(6.0)
    assert not tensor.is_pinned()
    if not cuda_available():
        with pytest.raises(RuntimeError):
            tensor.pin_memory()
        options = {"batch_size": 2, "pin_memory": True, "generator": torch.Generator()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            batch = next(iter(DataLoader(tensor, **options)))
        about_pinning = [
            (w.category, str(w.message)) for w in caught if "pin_memory" in str(w.message)
        ]
        if LOADER_WARNS_WITHOUT_AN_ACCELERATOR:
            assert about_pinning == [(UserWarning, NO_ACCELERATOR_WARNING)], about_pinning
        else:  # before: the loader skips pinning without a word
            assert about_pinning == [], about_pinning
        assert not batch.is_pinned()
        assert batch.tolist() == [0.0, 1.0]
        return
    pinned = tensor.pin_memory()
    assert pinned.is_pinned()
    assert not tensor.is_pinned()
    assert pinned.data_ptr() != tensor.data_ptr()
    assert pinned.tolist() == tensor.tolist()
    assert pinned.device.type == "cpu"
    assert pinned.pin_memory() is pinned


# Several GPUs ----------------------------------------------------------------------------------


class BatchSize(nn.Module):
    """Returns, per replica, the size of the batch it was given: DataParallel gathers them."""

    def __init__(self) -> None:
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))  # DataParallel needs a parameter to place

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.full((1,), x.shape[0], device=x.device) + self.anchor * 0


def data_parallel_device(device: str) -> None:
    if device == "cpu" and cuda_available():
        pytest.skip("DataParallel uses CUDA wherever it is available: see the cuda test")


@pytest.mark.claim("devices.data-parallel.splits-the-batch")
@given(batch=st.integers(1, 40))
@settings(max_examples=examples(1 / 4))  # on several GPUs each example replicates the module
def test_data_parallel_splits_dim_0_across_the_gpus(device, batch):
    data_parallel_device(device)
    gpus = torch.cuda.device_count() if cuda_available() else 0
    model = nn.DataParallel(BatchSize().to(device))
    per_replica = model(torch.zeros(batch, 5, device=device)).tolist()
    if gpus < 2:
        assert per_replica == [batch], "with fewer than two GPUs the whole batch goes to one"
    else:
        expected = [len(chunk) for chunk in torch.arange(batch).chunk(gpus)]
        assert per_replica == expected, f"batch {batch} on {gpus} GPUs"


@pytest.mark.claim("devices.data-parallel.wraps-with-fewer-than-two")
def test_data_parallel_on_fewer_than_two_gpus_is_the_module(device):
    data_parallel_device(device)
    if torch.cuda.device_count() >= 2:
        pytest.skip("this machine has two GPUs or more")
    inner = tiny_model()[0]
    wrapped = nn.DataParallel(inner)
    assert wrapped.module is inner
    if not cuda_available():
        assert wrapped.device_ids == []
    else:
        assert wrapped.device_ids == [0]
        assert inner.weight.device == torch.device("cuda", 0)
    x = torch.arange(12.0, device=inner.weight.device).reshape(4, 3)
    assert torch.equal(wrapped(x), inner(x))
    assert [name for name, _ in wrapped.named_parameters()] == ["module.weight", "module.bias"]


@pytest.mark.claim("devices.data-parallel.docs-recommend-ddp")
def test_the_docs_recommend_distributed_data_parallel():
    doc = " ".join((nn.DataParallel.__doc__ or "").split())
    assert "It is recommended to use" in doc, doc[:300]
    assert "DistributedDataParallel" in doc, doc[:300]
    assert "even if there is only a single node" in doc


# Randomness ------------------------------------------------------------------------------------


@pytest.mark.claim("devices.random.same-seed-same-numbers")
@given(seed=st.integers(0, 2**63 - 1), count=st.integers(1, 50))
def test_the_same_seed_gives_the_same_numbers(seed, count):
    before = torch.get_rng_state()
    first = torch.randn(count, generator=torch.Generator().manual_seed(seed))
    second = torch.randn(count, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(first, second), f"seed {seed}"
    with seeded(seed):
        global_first = torch.randn(count)
        torch.manual_seed(seed)
        assert torch.equal(torch.randn(count), global_first)
    assert torch.equal(global_first, first), "torch.manual_seed and a Generator differ"
    assert torch.equal(torch.get_rng_state(), before), "the global RNG was changed"


@pytest.mark.claim("devices.random.same-seed-same-numbers")
def test_another_seed_gives_other_numbers():
    def drawn(seed: int) -> torch.Tensor:
        with seeded(seed):
            return torch.rand(3)

    assert torch.equal(drawn(0), drawn(0))
    assert not torch.equal(drawn(0), drawn(1)), "torch.manual_seed(0) and (1) drew the same"
    unseeded = torch.rand(3, generator=torch.Generator())
    seeded_0 = torch.rand(3, generator=torch.Generator().manual_seed(0))
    assert not torch.equal(seeded_0, unseeded), "Generator().manual_seed(0) kept the default seed"
    assert torch.equal(seeded_0, drawn(0)), "a Generator seeded 0 and the global one seeded 0"


@pytest.mark.claim("devices.random.cuda-generator-is-separate")
def test_the_cuda_generator_is_separate(device):
    with torch.random.fork_rng(devices=range(torch.cuda.device_count())):
        torch.manual_seed(3)  # seeds the CPU generator and every CUDA generator
        cpu_state = torch.get_rng_state()
        on_gpu = torch.randn(1000, device=device)
        assert torch.equal(torch.get_rng_state(), cpu_state), "a CUDA draw moved the CPU RNG"
        torch.cuda.manual_seed(3)
        assert torch.equal(torch.randn(1000, device=device), on_gpu)
        torch.manual_seed(3)
        on_cpu_numbers = torch.randn(1000)
        assert not torch.equal(on_cpu_numbers, on_gpu.cpu()), "CPU and CUDA streams coincide"
        generator = torch.Generator(device=device).manual_seed(3)
        assert torch.equal(torch.randn(1000, device=device, generator=generator), on_gpu)


# The cost of moving ------------------------------------------------------------------------------


@pytest.mark.claim("devices.cost.moving-pays-for-enough-work")
def test_a_round_trip_to_the_gpu_copies_every_byte_twice(device):
    """What a move costs is bytes, checked here; what those bytes cost in time against the work
    done is measured by bench_elementwise and bench_matmul, never asserted."""
    x = torch.ones(1024, 1024)  # 4 MiB, a multiple of the caching allocator's block size
    before = torch.cuda.memory_allocated()
    on_gpu = x.to(device)
    assert torch.cuda.memory_allocated() - before == x.nbytes, "the copy in did not allocate"
    back = on_gpu.cpu()
    assert back.data_ptr() != x.data_ptr(), "the copy out returned the original CPU memory"
    assert torch.equal(back, x)

"""spec/layers.md: Linear, convolution and its output size, pooling, dropout and batch norm in
train and eval mode, and the shapes of Embedding, LSTM and Flatten."""

from __future__ import annotations

import inspect
import math
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from torch import nn

from reference.conv import (
    avg_pool2d,
    conv2d,
    conv_output_size,
    max_pool2d,
    pool_output_size,
)
from reference.nn import default_init_bound, linear
from tests.harness.assertions import assert_close, describe
from tests.harness.profiles import examples
from tests.harness.strategies import shapes
from tests.harness.tolerances import SUMMED
from tests.harness.torch_settings import seeded
from tests.harness.versions import torch_version


def values(shape) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` whose elements float32 holds exactly, in [-1, 1]."""
    return npst.arrays(np.float64, shape, elements=st.floats(-1, 1, width=32))


SEEDS = st.integers(0, 2**32 - 1)


def assert_within(values: torch.Tensor, bound: float, call: str) -> None:
    """No element of `values` is larger in size than `bound` rounded to their dtype (the largest
    value a draw from U(-bound, bound) can round to)."""
    __tracebackhide__ = True
    largest = values.detach().abs().max().item() if values.numel() else 0.0
    limit = torch.tensor(bound, dtype=values.dtype).item()
    assert largest <= limit, f"{call}: a value of size {largest} beyond the bound {bound}"


def assert_fills_the_interval(values: torch.Tensor, bound: float, call: str) -> None:
    """`values`, n independent draws of U(-bound, bound), reach both ends of the interval and
    spread evenly over it. The largest of n draws stays below (1 - m) * bound with probability
    (1 - m / 2) ** n < exp(-m * n / 2), which is 1e-12 for m = 2 ln(1e12) / n (the smallest
    alike); each tenth of the interval holds n / 10 draws, give or take 6 standard deviations
    (sqrt(n * 0.1 * 0.9) each)."""
    __tracebackhide__ = True
    flat = values.detach().double().cpu().flatten()
    n = flat.numel()
    margin = 2 * math.log(1e12) / n
    assert margin < 0.05, f"{n} draws are too few to show that the bound is tight"
    top, bottom = flat.max().item(), flat.min().item()
    assert top >= (1 - margin) * bound, f"{call}: the largest of {n} values is {top}, not ~{bound}"
    assert bottom <= -(1 - margin) * bound, f"{call}: the smallest of {n} is {bottom}, not ~-bound"
    counts = torch.histc(flat, bins=10, min=-bound, max=bound).tolist()
    sigma = math.sqrt(n * 0.1 * 0.9)
    assert all(abs(count - n / 10) < 6 * sigma for count in counts), (
        f"{call}: tenths of [-{bound}, {bound}] hold {counts} of {n} values, not ~{n / 10} each"
    )


# Linear ---------------------------------------------------------------------------------------


@pytest.mark.claim("layers.linear.xwt-plus-b")
@pytest.mark.devices("cpu", "cuda")
@given(
    lead=shapes(max_dims=3, max_side=3),
    features=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    with_bias=st.booleans(),
    data=st.data(),
)
def test_linear_is_x_times_weight_transposed_plus_bias(device, lead, features, with_bias, data):
    in_features, out_features = features
    x = data.draw(values((*lead, in_features)), label="x")
    weight = data.draw(values((out_features, in_features)), label="weight")
    bias = data.draw(values((out_features,)), label="bias") if with_bias else None
    with seeded(0, device):
        layer = nn.Linear(
            in_features, out_features, bias=with_bias, device=device, dtype=torch.float64
        )
    assert tuple(layer.weight.shape) == (out_features, in_features)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        if with_bias:
            layer.bias.copy_(torch.from_numpy(bias))
    got = layer(torch.from_numpy(x).to(device))
    call = f"nn.Linear({in_features}, {out_features}, bias={with_bias})({describe(x)})"
    assert tuple(got.shape) == (*lead, out_features), call
    inputs = {"weight": weight, "bias": bias}
    assert_close(got, linear(x, weight, bias), call, SUMMED, inputs=inputs)
    assert_close(got, x @ weight.T + (0 if bias is None else bias), call, SUMMED, inputs=inputs)


@pytest.mark.claim("layers.linear.xwt-plus-b")
@settings(max_examples=examples(5 / 8))  # a Linear of up to 300 inputs built per example
@given(lead=shapes(max_dims=4, max_side=4), in_features=st.integers(1, 300))
def test_linear_keeps_every_leading_dim(device, lead, in_features):
    with seeded(0, device):
        layer = nn.Linear(in_features, 7, device=device)
    got = layer(torch.zeros(*lead, in_features, device=device)).shape
    assert tuple(got) == (*lead, 7), f"nn.Linear({in_features}, 7) on shape {(*lead, in_features)}"
    assert tuple(layer.weight.shape) == (7, in_features)
    assert tuple(layer.bias.shape) == (7,)


@pytest.mark.claim("layers.linear.xwt-plus-b")
@pytest.mark.devices("cpu", "cuda")
def test_the_notes_fc1_computes_x_times_weight_transposed_plus_bias(device):
    with seeded(0, device):
        fc1 = nn.Linear(in_features=192, out_features=120, dtype=torch.float64, device=device)
    assert tuple(fc1.weight.shape) == (120, 192)  # notes 004: torch.Size([120, 192])
    assert tuple(fc1.bias.shape) == (120,)
    weight = fc1.weight.detach().cpu().numpy()
    bias = fc1.bias.detach().cpu().numpy()
    for shape in [(192,), (2, 192)]:  # no leading dim, then a batch of two
        x = np.linspace(-1, 1, math.prod(shape)).reshape(shape)
        got = fc1(torch.tensor(x, device=device))
        call = f"nn.Linear(192, 120)({describe(x)})"
        assert tuple(got.shape) == (*shape[:-1], 120), call
        assert_close(got, linear(x, weight, bias), call, SUMMED, inputs={"weight": weight})
        assert torch.equal(got, F.linear(torch.tensor(x, device=device), fc1.weight, fc1.bias))


NOTES_WEIGHT_FEATURE = [[1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0]]
# F.linear with a [4, 3] weight on a 4-vector: the CPU's and CUDA's message, then meta's.
NOT_MULTIPLIED = (
    r"mat1 and mat2 shapes cannot be multiplied \(1x4 and 3x4\)"
    r"|a and b must have same reduction dim, but got \[1, 4\] X \[3, 4\]"
)


@pytest.mark.claim("layers.linear.weight-not-in-by-out")
def test_the_notes_linear_initialises_a_3_by_4_weight_not_4_by_3(device):
    with seeded(0, device):
        fc = nn.Linear(in_features=4, out_features=3, device=device)
    # notes 004: "相当于4*3 。会初始化一个这样形状的权重矩阵"
    assert tuple(fc.weight.shape) == (3, 4), f"nn.Linear(4, 3).weight has shape {fc.weight.shape}"
    assert tuple(fc.weight.T.shape) == (4, 3)
    with pytest.raises(
        RuntimeError,
        match=r"size mismatch for weight: copying a param with shape torch.Size\(\[4, 3\]\) "
        r"from checkpoint, the shape in current model is torch.Size\(\[3, 4\]\)",
    ):
        fc.load_state_dict(
            {"weight": torch.zeros(4, 3, device=device), "bias": torch.zeros(3, device=device)}
        )
    fc.weight = nn.Parameter(torch.zeros(4, 3, device=device))  # assignment checks no shape
    in_feature = torch.tensor([1, 2, 3, 4], dtype=torch.float32, device=device)
    with pytest.raises(RuntimeError, match=NOT_MULTIPLIED):
        fc(in_feature)


@pytest.mark.claim("layers.linear.weight-not-in-by-out")
@pytest.mark.devices("cpu", "cuda")
def test_the_notes_3_by_4_weight_feature_is_the_one_fc_takes(device):
    weight_feature = torch.tensor(NOTES_WEIGHT_FEATURE, device=device)
    in_feature = torch.tensor([1, 2, 3, 4], dtype=torch.float32, device=device)
    assert weight_feature.matmul(in_feature).tolist() == [30.0, 40.0, 50.0]
    with seeded(0, device):
        fc = nn.Linear(in_features=4, out_features=3, device=device)
    fc.weight = nn.Parameter(weight_feature)
    bias = fc.bias.detach().double().cpu().numpy()
    expected = np.array([30.0, 40.0, 50.0]) + bias
    assert_close(fc(in_feature), expected, "fc(in_feature) with the notes' 3x4 weight", SUMMED)


@pytest.mark.claim("layers.linear.weight-not-in-by-out")
@given(features=st.tuples(st.integers(1, 64), st.integers(1, 64)).filter(lambda f: f[0] != f[1]))
@example(features=(4, 3))  # notes 004's fc
def test_linear_weight_is_out_by_in_and_refuses_in_by_out(device, features):
    in_features, out_features = features
    with seeded(0, device):
        layer = nn.Linear(in_features, out_features, device=device)
    call = f"nn.Linear({in_features}, {out_features})"
    assert tuple(layer.weight.shape) == (out_features, in_features), f"{call}.weight"
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        layer.load_state_dict(
            {
                "weight": torch.zeros(in_features, out_features, device=device),
                "bias": torch.zeros(out_features, device=device),
            }
        )


@pytest.mark.claim("layers.linear.default-init")
@given(in_features=st.integers(0, 300), out_features=st.integers(1, 300), seed=SEEDS)
@example(in_features=4, out_features=3, seed=0)  # notes 004's fc: bound 1 / sqrt(4) = 0.5
def test_linear_init_stays_within_one_over_the_root_of_in_features(
    device, in_features, out_features, seed
):
    with seeded(seed, device), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Initializing zero-element tensors is a no-op")
        layer = nn.Linear(in_features, out_features, device=device)
    bound = default_init_bound(layer.weight.shape)
    assert bound == (1 / math.sqrt(in_features) if in_features else 0.0)
    call = f"nn.Linear({in_features}, {out_features}) seeded {seed}"
    assert_within(layer.weight, bound, f"{call}, weight")
    assert_within(layer.bias, bound, f"{call}, bias")


@pytest.mark.claim("layers.linear.default-init")
def test_the_notes_linear_is_random_and_a_seed_replays_it(device):
    with seeded(0, device):
        fc = nn.Linear(in_features=4, out_features=3, device=device)
    with seeded(0, device):
        again = nn.Linear(in_features=4, out_features=3, device=device)
    with seeded(1, device):
        other = nn.Linear(in_features=4, out_features=3, device=device)
    assert isinstance(fc.weight, nn.Parameter)
    assert fc.weight.requires_grad
    assert torch.equal(fc.weight, again.weight), "seed 0 twice drew two weights"
    assert torch.equal(fc.bias, again.bias), "seed 0 twice drew two biases"
    assert not torch.equal(fc.weight, other.weight), "seeds 0 and 1 drew the same weight"
    assert not torch.equal(fc.bias, other.bias), "seeds 0 and 1 drew the same bias"
    assert fc.weight.unique().numel() == 12, "the 12 weights are not 12 draws"
    assert_within(fc.weight, 0.5, "nn.Linear(in_features=4, out_features=3).weight")
    assert_within(fc.bias, 0.5, "nn.Linear(in_features=4, out_features=3).bias")


@pytest.mark.claim("layers.linear.default-init")
@settings(max_examples=examples(1 / 4))  # 133 120 draws per example
@given(seed=SEEDS)
@example(seed=0)
def test_linear_init_fills_the_whole_interval(device, seed):
    with seeded(seed, device):
        layer = nn.Linear(64, 2048, device=device)
    call = f"nn.Linear(64, 2048) seeded {seed}"
    bound = default_init_bound(layer.weight.shape)
    assert bound == 1 / 8
    assert_within(layer.weight, bound, f"{call}, weight")
    assert_fills_the_interval(layer.weight, bound, f"{call}, weight")
    assert_fills_the_interval(layer.bias, bound, f"{call}, bias")


@pytest.mark.claim("layers.linear.default-init")
def test_linear_without_inputs_has_an_empty_weight_and_a_zero_bias():
    with seeded(0), pytest.warns(UserWarning, match="Initializing zero-element tensors"):
        layer = nn.Linear(0, 3)
    assert tuple(layer.weight.shape) == (3, 0)
    assert torch.equal(layer.bias, torch.zeros(3)), f"nn.Linear(0, 3).bias is {layer.bias}"


# Convolution: defaults ------------------------------------------------------------------------

CONV2D_PARAMETERS = {
    "in_channels": inspect.Parameter.empty,
    "out_channels": inspect.Parameter.empty,
    "kernel_size": inspect.Parameter.empty,
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "bias": True,
    "padding_mode": "zeros",
}


@pytest.mark.claim("layers.conv.defaults")
def test_conv2d_from_three_arguments_has_stride_1_padding_0(device):
    parameters = list(inspect.signature(nn.Conv2d).parameters.values())
    got = {parameter.name: parameter.default for parameter in parameters[:9]}
    assert got == CONV2D_PARAMETERS, "nn.Conv2d's leading parameters and their defaults"
    assert [parameter.name for parameter in parameters[9:]] == ["device", "dtype"]
    with seeded(0, device):
        conv1 = nn.Conv2d(1, 6, kernel_size=5, device=device)  # notes 004
    stored = {name: getattr(conv1, name) for name in ("stride", "padding", "dilation", "groups")}
    assert stored == {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1}
    assert conv1.padding_mode == "zeros"
    assert conv1.bias is not None
    assert tuple(conv1.bias.shape) == (6,)
    assert tuple(conv1(torch.zeros(2, 1, 28, 28, device=device)).shape) == (2, 6, 24, 24)
    # The fourth and fifth positional arguments: stride 2, padding 1.
    with seeded(0, device):
        strided = nn.Conv2d(1, 6, 5, 2, 1, device=device)
    assert (strided.stride, strided.padding) == ((2, 2), (1, 1))
    got = tuple(strided(torch.zeros(2, 1, 28, 28, device=device)).shape)
    assert got == (2, 6, 13, 13) == (2, 6, *(conv_output_size(28, 5, 2, 1),) * 2)


@st.composite
def default_conv_problems(draw):
    """Channels (in, out), a kernel, and an input of 2 samples with a size the kernel fits."""
    channels = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    kernel = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    sizes = [k + draw(st.integers(0, 4)) for k in kernel]
    return channels, kernel, draw(values((2, channels[0], *sizes)))


@pytest.mark.claim("layers.conv.defaults")
@pytest.mark.devices("cpu", "cuda")
@settings(max_examples=examples(1 / 2))  # three layers and a naive convolution per example
@given(problem=default_conv_problems())
@example(problem=((1, 6), (5, 5), np.linspace(-1, 1, 2 * 28 * 28).reshape(2, 1, 28, 28)))
def test_conv2d_defaults_compute_what_the_explicit_defaults_compute(device, problem):
    (in_channels, out_channels), kernel, x = problem
    shape = x.shape
    with seeded(0, device):
        short = nn.Conv2d(in_channels, out_channels, kernel, dtype=torch.float64, device=device)
        by_keyword = nn.Conv2d(
            in_channels,
            out_channels,
            kernel,
            stride=1,
            padding=0,
            dilation=1,
            groups=1,
            bias=True,
            padding_mode="zeros",
            dtype=torch.float64,
            device=device,
        )
        by_position = nn.Conv2d(
            in_channels, out_channels, kernel, 1, 0, 1, 1, True, "zeros", torch.device(device),
            torch.float64,
        )  # fmt: skip
    by_keyword.load_state_dict(short.state_dict())
    by_position.load_state_dict(short.state_dict())
    xt = torch.from_numpy(x).to(device)
    got = short(xt)
    call = f"nn.Conv2d({in_channels}, {out_channels}, {kernel})({describe(x)})"
    assert torch.equal(got, by_keyword(xt)), f"{call} differs from the explicit defaults"
    assert torch.equal(got, by_position(xt)), f"{call} differs from the positional defaults"
    assert torch.equal(got, F.conv2d(xt, short.weight, short.bias)), f"{call} vs F.conv2d"
    sizes = tuple(conv_output_size(n, k) for n, k in zip(shape[2:], kernel, strict=True))
    assert sizes == (shape[2] - kernel[0] + 1, shape[3] - kernel[1] + 1)
    assert tuple(got.shape) == (2, out_channels, *sizes), call
    weight = short.weight.detach().cpu().numpy()
    bias = short.bias.detach().cpu().numpy()
    assert_close(got, conv2d(x, weight, bias), call, SUMMED, inputs={"weight": weight})


# Convolution: sizes ---------------------------------------------------------------------------


@st.composite
def conv_settings(draw, max_n=10_000):
    """Height and width, kernel, stride, padding and dilation, each drawn per dim, and a flag
    saying whether to pass them to torch as ints (height and width equal) or as pairs."""
    as_ints = draw(st.booleans())
    dims = 1 if as_ints else 2
    sizes = {
        "n": st.integers(1, max_n),
        "kernel_size": st.integers(1, 64),
        "stride": st.integers(1, 64),
        "padding": st.integers(0, 64),
        "dilation": st.integers(1, 16),
    }
    drawn = {name: draw(st.tuples(*[each] * dims)) for name, each in sizes.items()}
    return {name: pair * (3 - dims) for name, pair in drawn.items()}, as_ints


def torch_outcome(call):
    """The spatial size of `call()`'s result, or the message of the RuntimeError it raised."""
    try:
        return tuple(call().shape[2:])
    except RuntimeError as error:
        return f"RuntimeError: {error}"


def reference_outcome(function, *pairs):
    """`function` applied to the height's arguments (the first of each pair), then the width's:
    the two sizes, or the messages of the ValueErrors it raised, joined."""
    sizes, refusals = [], []
    for args in zip(*pairs, strict=True):
        try:
            sizes.append(function(*args))
        except ValueError as error:
            refusals.append(str(error))
    return " ".join(refusals) if refusals else tuple(sizes)


def assert_same_outcome(got, expected, message: str, errors: list[tuple[str, str]]) -> None:
    """Torch's outcome `got` is the reference's `expected`: the same sizes, or, where the
    reference refused, the torch error paired in `errors` with the first of the reference's
    reasons it gave (`(reason, pattern of torch's message)`, in the order torch checks them)."""
    if isinstance(expected, tuple):
        assert got == expected, message
        return
    for reason, torch_message in errors:
        if reason in expected:
            assert re.search(torch_message, str(got)), message
            return
    raise AssertionError(f"{message}: no torch error is paired with the reference's reason")


# The meta device's size checks for conv2d, by release: before torch 2.7 none, so the formula's
# size is made as it is (a 0 is an empty dim, a negative one fails to make the tensor); from 2.7
# a check that at least one output size is positive; from 2.13 the CPU's own check, that the
# spread kernel fits in the padded input.
META_CONV_OUTPUT_CHECK_SINCE = (2, 7)
META_CONV_KERNEL_CHECK_SINCE = (2, 13)
KERNEL_TOO_LARGE = "Kernel size can't be greater than actual input size"


def unchecked_output_size(
    n: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """reference.conv.conv_output_size's formula without its check that the kernel fits: below
    1 where the reference raises (where it does not, the two agree: the tests assert it)."""
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def meta_outcome_without_the_kernel_check(dims, sizes, batch: int = 1, channels: int = 1):
    """What `torch_outcome` gives for a conv2d on meta before torch 2.13, for an input of
    spatial `dims` whose unchecked output `sizes` are the formula's: the message of the
    output-size check (from 2.7: all of them below 1), else that of the tensor that cannot be
    made (one negative), else the sizes, 0 included."""
    if torch_version() >= META_CONV_OUTPUT_CHECK_SINCE and all(size < 1 for size in sizes):
        return (
            f"RuntimeError: Given input size per channel: {list(dims)}. "
            f"Calculated output size per channel: {list(sizes)}. Output size is too small"
        )
    negative = [size for size in sizes if size < 0]
    if negative:
        shape = [batch, channels, *sizes]
        return (
            f"RuntimeError: Trying to create tensor with negative dimension {negative[0]}: {shape}"
        )
    return tuple(sizes)


PER_DIM_SETTINGS = {  # height and width each with their own n, kernel, stride, padding, dilation
    "n": (30, 20),
    "kernel_size": (3, 5),
    "stride": (2, 1),
    "padding": (0, 2),
    "dilation": (1, 3),
}


@pytest.mark.claim("layers.conv.output-size")
@given(drawn=conv_settings())
@example(drawn=(PER_DIM_SETTINGS, False))  # (30 - 2 - 1) // 2 + 1 = 14, (20 + 4 - 12 - 1) + 1 = 12
def test_conv_output_size_is_the_formula_per_dim(device, drawn):
    sizes, as_ints = drawn
    height, width = sizes["n"]
    kh, kw = sizes["kernel_size"]
    options = {
        name: sizes[name][0] if as_ints else sizes[name]
        for name in ("stride", "padding", "dilation")
    }
    x = torch.empty(1, 1, height, width, device=device)
    call = f"F.conv2d(x of {tuple(x.shape)}, weight of (1, 1, {kh}, {kw}), **{options})"
    names = ("n", "kernel_size", "stride", "padding", "dilation")
    expected = reference_outcome(conv_output_size, *(sizes[name] for name in names))
    unchecked = tuple(
        unchecked_output_size(*args) for args in zip(*(sizes[name] for name in names), strict=True)
    )
    got = torch_outcome(lambda: F.conv2d(x, torch.empty(1, 1, kh, kw, device=device), **options))
    if isinstance(expected, tuple):
        assert unchecked == expected, f"the unchecked formula {unchecked}, the reference {expected}"
    elif torch_version() < META_CONV_KERNEL_CHECK_SINCE:
        expected = meta_outcome_without_the_kernel_check((height, width), unchecked)
        assert got == expected, f"{call} gives {got}, meta before the kernel check {expected}"
        return
    assert_same_outcome(
        got,
        expected,
        f"{call} gives {got}, the formula {expected}",
        [("larger than padded input", KERNEL_TOO_LARGE)],
    )


@pytest.mark.claim("layers.conv.output-size")
def test_the_notes_formula_is_not_an_integer_without_the_floor(device):
    # 28x28 with a 5x5 kernel and stride 2: (28 - 5 + 0) / 2 + 1 = 12.5, torch gives 12.
    assert (28 - 5 + 2 * 0) / 2 + 1 == 12.5
    x, kernel = torch.empty(1, 1, 28, 28, device=device), torch.empty(1, 1, 5, 5, device=device)
    got = F.conv2d(x, kernel, stride=2)
    assert tuple(got.shape[2:]) == (12, 12) == (conv_output_size(28, 5, 2),) * 2


@pytest.mark.claim("layers.conv.kernel-larger-than-input")
@given(n=st.integers(1, 8), padding=st.integers(0, 3), extra=st.integers(1, 4))
@example(n=3, padding=0, extra=2)  # a 5x5 kernel on a 3x3 input
def test_a_kernel_larger_than_the_padded_input_raises(device, n, padding, extra):
    kernel = n + 2 * padding + extra
    x = torch.zeros(1, 1, n, n, device=device)
    weight = torch.zeros(1, 1, kernel, kernel, device=device)
    got = torch_outcome(lambda: F.conv2d(x, weight, padding=padding))
    if device == "meta" and torch_version() < META_CONV_KERNEL_CHECK_SINCE:
        # The formula gives 1 - extra: an empty (0, 0) output for extra 1, else negative sizes.
        size = unchecked_output_size(n, kernel, padding=padding)
        assert size == 1 - extra
        assert got == meta_outcome_without_the_kernel_check((n, n), (size, size))
    else:
        assert KERNEL_TOO_LARGE in str(got), f"a {kernel}-wide kernel on {n} + 2 * {padding}: {got}"
    with pytest.raises(ValueError, match="larger than padded input"):
        conv_output_size(n, kernel, padding=padding)


@pytest.mark.claim("layers.conv.kernel-larger-than-input")
def test_a_dilated_kernel_counts_with_its_spread(device):
    # A 3x3 kernel with dilation 3 spans 3 * (3 - 1) + 1 = 7 pixels: too wide for 5 + 2 * 0.
    x, weight = torch.zeros(1, 1, 5, 5, device=device), torch.zeros(1, 1, 3, 3, device=device)
    got = torch_outcome(lambda: F.conv2d(x, weight, dilation=3))
    if device == "meta" and torch_version() < META_CONV_KERNEL_CHECK_SINCE:
        assert unchecked_output_size(5, 3, dilation=3) == -1
        assert got == meta_outcome_without_the_kernel_check((5, 5), (-1, -1))
    else:
        assert re.search(
            r"padded input size per channel: \(5 x 5\)\. Kernel size: \(7 x 7\)", str(got)
        )
    assert tuple(F.conv2d(x, weight, dilation=2).shape) == (1, 1, 1, 1)


# Convolution: weights and values --------------------------------------------------------------


@pytest.mark.claim("layers.conv.weight-shape")
@given(
    groups=st.integers(1, 4),
    per_group=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    kernel=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    bias=st.booleans(),
)
@example(groups=1, per_group=(1, 6), kernel=(5, 5), bias=True)  # notes 004's conv1: [6, 1, 5, 5]
@example(groups=1, per_group=(6, 12), kernel=(5, 5), bias=True)  # conv2: [12, 6, 5, 5]
def test_conv_weight_is_out_by_in_over_groups_by_kernel(device, groups, per_group, kernel, bias):
    in_channels, out_channels = per_group[0] * groups, per_group[1] * groups
    with seeded(0, device):
        layer = nn.Conv2d(
            in_channels, out_channels, kernel, groups=groups, bias=bias, device=device
        )
    call = f"nn.Conv2d({in_channels}, {out_channels}, {kernel}, groups={groups})"
    assert tuple(layer.weight.shape) == (out_channels, in_channels // groups, *kernel), call
    assert (layer.bias is None) != bias
    assert not bias or tuple(layer.bias.shape) == (out_channels,)


@pytest.mark.claim("layers.conv.weight-shape")
def test_channels_not_divisible_by_groups_are_refused(device):
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2, device=device)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2, device=device)
    with pytest.raises(ValueError, match="groups"):
        conv2d(np.zeros((1, 3, 4, 4)), np.zeros((4, 1, 3, 3)), groups=2)


@pytest.mark.claim("layers.conv.each-kernel-makes-a-feature-map")
@given(batch=st.integers(1, 4), kernels=st.integers(1, 8), side=st.integers(5, 12))
@example(batch=1, kernels=6, side=28)  # notes 004's conv1 on one 28x28 image
@example(batch=2, kernels=6, side=28)
def test_each_kernel_makes_one_map_in_the_channel_dim(device, batch, kernels, side):
    with seeded(0, device):
        conv1 = nn.Conv2d(1, kernels, 5, device=device)
        images = torch.randn(batch, 1, side, side, device=device)
    maps = conv1(images)
    call = f"nn.Conv2d(1, {kernels}, 5) of {batch} images {side}x{side}"
    assert tuple(maps.shape) == (batch, kernels, side - 4, side - 4), call
    for k in range(kernels):
        assert tuple(conv1.weight[k].shape) == (1, 5, 5), f"{call}: kernel {k}"
        alone = F.conv2d(images, conv1.weight[k : k + 1], conv1.bias[k : k + 1])
        assert_close(maps[:, k], alone[:, 0], f"{call}: map {k}, against kernel {k} alone", SUMMED)


@pytest.mark.claim("layers.conv.default-init")
@given(
    groups=st.integers(1, 4),
    per_group=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    kernel=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    seed=SEEDS,
)
@example(groups=1, per_group=(1, 6), kernel=(5, 5), seed=0)  # notes 004's conv1: bound 0.2
@example(groups=1, per_group=(6, 12), kernel=(5, 5), seed=0)  # conv2: 1 / sqrt(150)
def test_conv_init_stays_within_one_over_the_root_of_the_fan_in(
    device, groups, per_group, kernel, seed
):
    in_channels, out_channels = per_group[0] * groups, per_group[1] * groups
    with seeded(seed, device):
        layer = nn.Conv2d(in_channels, out_channels, kernel, groups=groups, device=device)
    bound = default_init_bound(layer.weight.shape)
    assert bound == 1 / math.sqrt(in_channels // groups * kernel[0] * kernel[1])
    call = f"nn.Conv2d({in_channels}, {out_channels}, {kernel}, groups={groups}) seeded {seed}"
    assert_within(layer.weight, bound, f"{call}, weight")
    assert_within(layer.bias, bound, f"{call}, bias")


@pytest.mark.claim("layers.conv.default-init")
@settings(max_examples=examples(1 / 4))  # 34 816 draws per example, twice
@given(seed=SEEDS)
@example(seed=0)
def test_conv_init_fills_the_whole_interval_and_groups_widen_it(device, seed):
    for groups, bound in ((1, 1 / 4), (4, 1 / 2)):  # fan_in 4 * 2 * 2 = 16, or 1 * 2 * 2 = 4
        with seeded(seed, device):
            layer = nn.Conv2d(4, 2048, 2, groups=groups, device=device)
        call = f"nn.Conv2d(4, 2048, 2, groups={groups}) seeded {seed}"
        assert default_init_bound(layer.weight.shape) == bound
        assert_within(layer.weight, bound, f"{call}, weight")
        assert_fills_the_interval(layer.weight, bound, f"{call}, weight")
        assert_fills_the_interval(layer.bias, bound, f"{call}, bias")


@st.composite
def conv_problems(draw):
    """A small convolution that fits: x, weight, bias and the keyword arguments."""
    groups = draw(st.integers(1, 2))
    in_channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    options = {
        "stride": (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        "padding": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        "dilation": (draw(st.integers(1, 2)), draw(st.integers(1, 2))),
        "groups": groups,
    }
    height, width = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    for n, k, dim in ((height, kh, 0), (width, kw, 1)):
        assume(options["dilation"][dim] * (k - 1) + 1 <= n + 2 * options["padding"][dim])
    x = draw(values((draw(st.integers(1, 2)), in_channels, height, width)))
    weight = draw(values((out_channels, in_channels // groups, kh, kw)))
    bias = draw(st.none() | values((out_channels,)))
    return x, weight, bias, options


@pytest.mark.claim("layers.conv.naive-values")
@settings(max_examples=examples(3 / 4))  # the reference convolves in Python loops
@given(problem=conv_problems(), dtype=st.sampled_from([torch.float64, torch.float32]))
def test_conv2d_equals_the_naive_convolution(device, problem, dtype):
    x, weight, bias, options = problem
    as_tensor = lambda array: None if array is None else torch.tensor(array, dtype=dtype).to(device)  # noqa: E731
    got = F.conv2d(as_tensor(x), as_tensor(weight), as_tensor(bias), **options)
    call = f"F.conv2d({describe(x)}, {describe(weight)}, {bias}, **{options}) in {dtype}"
    assert_close(got, conv2d(x, weight, bias, **options), call, SUMMED)


@pytest.mark.claim("layers.conv.naive-values")
def test_conv2d_slides_the_kernel_without_flipping_it(device):
    x = torch.arange(9.0, device=device).view(1, 1, 3, 3)
    top_left = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]], device=device)
    # cross-correlation: out[i, j] = x[i, j]; a flipped kernel would give x[i + 1, j + 1]
    assert F.conv2d(x, top_left).tolist() == [[[[0.0, 1.0], [3.0, 4.0]]]]
    ones = torch.ones(1, 1, 2, 2, device=device)
    # each window multiplied and added: 0 + 1 + 3 + 4 = 8, ...; then the bias 0.5
    out = F.conv2d(x, ones, torch.tensor([0.5], device=device))
    assert out.tolist() == [[[[8.5, 12.5], [20.5, 24.5]]]]


@pytest.mark.claim("layers.conv.sums-over-input-channels")
@settings(max_examples=examples(3 / 8))  # a convolution per pair of channels, per example
@given(problem=conv_problems())
def test_each_output_channel_is_a_sum_over_input_channels(device, problem):
    x, weight, _, options = problem
    groups = options["groups"]
    xt, wt = torch.tensor(x, device=device), torch.tensor(weight, device=device)
    whole = F.conv2d(xt, wt, **options)
    per_group_in, per_group_out = x.shape[1] // groups, weight.shape[0] // groups
    one_by_one = {**options, "groups": 1}
    for o in range(weight.shape[0]):
        first = (o // per_group_out) * per_group_in
        parts = [
            F.conv2d(xt[:, c : c + 1], wt[o : o + 1, c - first : c - first + 1], **one_by_one)
            for c in range(first, first + per_group_in)
        ]
        call = f"channel {o} of F.conv2d({describe(x)}, {describe(weight)}, **{options})"
        assert_close(whole[:, o : o + 1], sum(parts).cpu().numpy(), call, SUMMED)


@pytest.mark.claim("layers.conv.sums-over-input-channels")
def test_an_rgb_kernel_adds_its_three_channel_sums(device):
    # notes 004: one kernel scans the three colour channels and adds the results.
    x = torch.ones(1, 3, 4, 4, dtype=torch.float64, device=device)
    x[0, 1] *= 10
    x[0, 2] *= 100
    weight = torch.ones(1, 3, 2, 2, dtype=torch.float64, device=device)
    out = F.conv2d(x, weight, torch.tensor([0.5], dtype=torch.float64, device=device))
    # each window: 4 * 1 + 4 * 10 + 4 * 100 = 444, plus the bias 0.5
    assert out.shape == (1, 1, 3, 3)
    assert (out == 444.5).all(), describe(out)


@pytest.mark.claim("layers.conv.sums-over-input-channels")
def test_what_the_kernels_add_at_the_end_is_the_bias_not_a_weight(device):
    # notes 004: three colour channels, four kernels, "再加上一个权重"
    with seeded(0, device):
        conv = nn.Conv2d(3, 4, 2, dtype=torch.float64, device=device)
        plain = nn.Conv2d(3, 4, 2, bias=False, dtype=torch.float64, device=device)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert tuple(conv.weight.shape) == (4, 3, 2, 2), "the weight holds the four kernels alone"
    assert tuple(conv.bias.shape) == (4,)
    x = torch.tensor(np.linspace(-1, 1, 2 * 3 * 5 * 5).reshape(2, 3, 5, 5), device=device)
    sums = F.conv2d(x, conv.weight)
    bias = conv.bias.detach().view(1, 4, 1, 1).expand(2, 4, 4, 4)
    assert_close(conv(x), (sums + bias).detach(), "nn.Conv2d(3, 4, 2)(x)", SUMMED)
    with torch.no_grad():
        conv.weight.zero_()
    assert torch.equal(conv(x), bias), "with zero kernels the layer does not return its bias"
    assert plain.bias is None
    assert torch.equal(plain(x), F.conv2d(x, plain.weight)), "bias=False still added something"


# Worked examples ------------------------------------------------------------------------------


def lenet_sizes(n: int) -> list[int]:
    """The side of an `n x n` image after each of conv 5x5, pool 2/2, conv 5x5, pool 2/2, by the
    reference's formulas (notes 003's and notes 004's networks alike)."""
    sizes = [n]
    for _ in range(2):
        sizes.append(conv_output_size(sizes[-1], 5))
        sizes.append(pool_output_size(sizes[-1], 2, 2))
    return sizes


def notes_004_network(device):
    with seeded(0, device):
        return nn.ModuleDict(
            {
                "conv1": nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5, device=device),
                "conv2": nn.Conv2d(in_channels=6, out_channels=12, kernel_size=5, device=device),
                "fc1": nn.Linear(in_features=12 * 4 * 4, out_features=120, device=device),
            }
        )


@pytest.mark.claim("layers.conv.notes-004-network")
@pytest.mark.parametrize("batch", [1, 10])
def test_notes_004_network_shapes(device, batch):
    net = notes_004_network(device)
    sizes = lenet_sizes(28)
    assert sizes == [28, 24, 12, 8, 4]
    t = torch.zeros(batch, 1, 28, 28, device=device)
    seen = []
    t = F.relu(net["conv1"](t))
    seen.append(t.shape)
    t = F.max_pool2d(t, kernel_size=2, stride=2)
    seen.append(t.shape)
    t = F.relu(net["conv2"](t))
    seen.append(t.shape)
    t = F.max_pool2d(t, kernel_size=2, stride=2)
    seen.append(t.shape)
    channels = [6, 6, 12, 12]
    expected = [(batch, c, n, n) for c, n in zip(channels, sizes[1:], strict=True)]
    assert [tuple(s) for s in seen] == expected
    flat = t.reshape(-1, 12 * 4 * 4)
    assert flat.shape == (batch, 192)
    assert net["fc1"].in_features == 12 * 4 * 4 == 192
    assert net["fc1"](flat).shape == (batch, 120)
    assert tuple(net["conv1"].weight.shape) == (6, 1, 5, 5)
    assert tuple(net["conv2"].weight.shape) == (12, 6, 5, 5)
    assert tuple(net["fc1"].weight.shape) == (120, 192)


@pytest.mark.claim("layers.conv.notes-004-network")
@pytest.mark.devices("cpu", "cuda")
def test_notes_004_first_layer_values_match_the_reference(device):
    net = notes_004_network(device)
    image = np.linspace(-1, 1, 28 * 28).reshape(1, 1, 28, 28)
    weight = net["conv1"].weight.detach().double().cpu().numpy()
    bias = net["conv1"].bias.detach().double().cpu().numpy()
    out = net["conv1"].double()(torch.tensor(image, device=device))
    assert_close(out, conv2d(image, weight, bias), "notes 004 conv1 on a 28x28 ramp", SUMMED)
    pooled = F.max_pool2d(out, kernel_size=2, stride=2)
    assert_close(pooled, max_pool2d(out.detach().cpu().numpy(), 2, 2), "max_pool2d(conv1)", SUMMED)


@pytest.mark.claim("layers.conv.four-by-four-is-map-size")
def test_the_notes_4x4_is_the_feature_maps_and_the_kernels_are_5x5(device):
    net = notes_004_network(device)
    # notes 004: "4*4表示的是每个内核的长和宽"
    assert tuple(net["conv1"].weight.shape[2:]) == (5, 5)
    assert tuple(net["conv2"].weight.shape[2:]) == (5, 5)
    t = torch.zeros(1, 1, 28, 28, device=device)
    t = F.max_pool2d(F.relu(net["conv1"](t)), kernel_size=2, stride=2)
    t = F.max_pool2d(F.relu(net["conv2"](t)), kernel_size=2, stride=2)
    assert tuple(t.shape) == (1, 12, 4, 4), "the maps conv2 and the pooling leave are not 4x4"
    assert tuple(net["conv2"].weight.shape[2:]) != tuple(t.shape[2:])


@pytest.mark.claim("layers.conv.four-by-four-is-map-size")
@given(side=st.integers(16, 64), kernel=st.integers(1, 5))
@example(side=28, kernel=5)  # notes 004: maps 4x4, kernels 5x5
@example(side=32, kernel=5)  # the same kernels, 5x5 maps
def test_the_flattened_width_follows_the_maps_not_the_kernels(device, side, kernel):
    with seeded(0, device):
        conv1 = nn.Conv2d(1, 6, kernel, device=device)
        conv2 = nn.Conv2d(6, 12, kernel, device=device)
    maps = side
    for _ in range(2):
        maps = pool_output_size(conv_output_size(maps, kernel), 2, 2)
    t = torch.zeros(2, 1, side, side, device=device)
    t = F.max_pool2d(conv2(F.max_pool2d(conv1(t), kernel_size=2, stride=2)), 2, 2)
    call = f"notes 004's network with {kernel}x{kernel} kernels on {side}x{side} images"
    assert tuple(t.shape) == (2, 12, maps, maps), call
    assert t.reshape(2, -1).shape[1] == 12 * maps * maps, call
    assert tuple(conv1.weight.shape[2:]) == tuple(conv2.weight.shape[2:]) == (kernel, kernel)


@pytest.mark.claim("layers.conv.lenet-32x32")
def test_notes_003_lenet_on_32x32x3(device):
    sizes = lenet_sizes(32)
    assert sizes == [32, 28, 14, 10, 5]
    assert 32 * sizes[-1] * sizes[-1] == 800
    with seeded(0, device):
        conv_block = nn.Sequential(
            nn.Conv2d(3, 16, 5, device=device),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(16, 32, 5, device=device),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),
        )
        fc1 = nn.Linear(32 * 5 * 5, 120, device=device)
    x = torch.zeros(4, 3, 32, 32, device=device)
    shapes_seen = []
    for layer in conv_block:
        x = layer(x)
        shapes_seen.append(tuple(x.shape))
    assert shapes_seen[::3] == [(4, 16, 28, 28), (4, 32, 10, 10)]
    assert shapes_seen[2::3] == [(4, 16, 14, 14), (4, 32, 5, 5)]
    flat = torch.flatten(x, start_dim=1)
    assert flat.shape == (4, 800)
    assert fc1(flat).shape == (4, 120)
    with pytest.raises(
        RuntimeError, match=r"cannot be multiplied|same reduction dim"
    ):  # cpu | meta
        fc1(torch.flatten(torch.zeros(4, 3, 28, 28, device=device), start_dim=1))


# Pooling --------------------------------------------------------------------------------------


@pytest.mark.claim("layers.pool.window-maximum")
@given(
    x=values(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 9), st.integers(1, 9))),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)),
    data=st.data(),
)
def test_max_pool2d_takes_the_window_maximum(device, x, kernel, stride, data):
    padding = data.draw(st.tuples(*(st.integers(0, k // 2) for k in kernel)), label="padding")
    for dim in (0, 1):
        assume(kernel[dim] <= x.shape[2 + dim] + 2 * padding[dim])
    got = F.max_pool2d(torch.tensor(x, device=device), kernel, stride, padding)
    call = f"F.max_pool2d({describe(x)}, {kernel}, {stride}, {padding})"
    expected = max_pool2d(x, kernel, stride, padding)
    assert np.array_equal(got.cpu().numpy(), expected), (
        f"{call} gave {got.tolist()}, not {expected.tolist()}"
    )
    picked = torch.isin(got.cpu(), torch.tensor(x))
    assert picked.all(), f"{call} returned values that are not in its input"


@pytest.mark.claim("layers.pool.window-maximum")
def test_max_pool2d_of_a_worked_example(device):
    x = torch.tensor(
        [[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 6.0], [7.0, 0.0, 1.0, 1.0], [2.0, 9.0, 3.0, 4.0]]],
        device=device,
    )
    assert F.max_pool2d(x, 2).tolist() == [[[5.0, 8.0], [9.0, 4.0]]], "stride = kernel_size"
    assert F.max_pool2d(x, 3, 1).tolist() == [[[8.0, 8.0], [9.0, 9.0]]]
    # padded with -inf, not 0: the corner window of -x holds -1 and three padded cells
    assert F.max_pool2d(-x, 2, padding=1)[0, 0].tolist() == [-1.0, -2.0, 0.0]
    channels = torch.stack([x[0], -x[0]]).unsqueeze(0)
    assert F.max_pool2d(channels, 4).flatten().tolist() == [9.0, 0.0], "one maximum per channel"


@pytest.mark.claim("layers.pool.output-size")
@pytest.mark.devices("meta")
@given(
    n=st.tuples(st.integers(1, 2000), st.integers(1, 2000)),
    kernel=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    stride=st.none() | st.tuples(st.integers(1, 40), st.integers(1, 40)),
    dilation=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    ceil_mode=st.booleans(),
    data=st.data(),
)
def test_max_pool2d_output_size(device, n, kernel, stride, dilation, ceil_mode, data):
    # Mostly legal paddings (at most k // 2), sometimes up to k, to compare the two refusals.
    padding = data.draw(
        st.tuples(*(st.integers(0, k // 2) | st.integers(0, k) for k in kernel)), label="padding"
    )
    options = {"padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    call = f"F.max_pool2d(x of (1, 1, {n[0]}, {n[1]}), {kernel}, {stride}, **{options})"
    expected = reference_outcome(
        pool_output_size, n, kernel, stride or (None, None), padding, dilation, (ceil_mode,) * 2
    )
    x = torch.empty(1, 1, *n, device=device)
    got = torch_outcome(lambda: F.max_pool2d(x, kernel, stride, **options))
    # torch checks the padding first: "... smaller than or equal to half of kernel size" or,
    # where the dilation counts, "... at most half of effective kernel size".
    assert_same_outcome(
        got,
        expected,
        f"{call} gives {got}, the reference {expected}",
        [
            (
                "more than half of kernel_size",
                r"pad should be (smaller than or equal to|at most) half",
            ),
            ("no window fits", "Output size is too small"),
        ],
    )


@pytest.mark.claim("layers.pool.output-size")
def test_ceil_mode_keeps_a_last_partial_window_but_not_one_in_the_padding(device):
    # notes 004: "n=24,f=2,p=0,s=2,计算后刚好是12"
    after_conv1 = torch.zeros(1, 6, 24, 24, device=device)
    pooled = nn.MaxPool2d(kernel_size=2, stride=2)(after_conv1)
    assert tuple(pooled.shape) == (1, 6, 12, 12) == (1, 6, *(pool_output_size(24, 2, 2),) * 2)
    x = torch.zeros(1, 1, 5, 5, device=device)
    assert F.max_pool2d(x, 2).shape[-1] == 2 == pool_output_size(5, 2)
    assert (
        F.max_pool2d(x, 2, ceil_mode=True).shape[-1] == 3 == pool_output_size(5, 2, ceil_mode=True)
    )
    # n=6, kernel 3, stride 2: floor((6 - 3) / 2) + 1 = 2, ceil((6 - 3) / 2) + 1 = 3; the third
    # window starts at 4, inside the input, and covers elements 4 and 5 only.
    six = torch.zeros(1, 1, 6, 6, device=device)
    assert F.max_pool2d(six, 3, 2).shape[-1] == 2 == pool_output_size(6, 3, 2)
    assert F.max_pool2d(six, 3, 2, ceil_mode=True).shape[-1] == 3
    assert pool_output_size(6, 3, 2, ceil_mode=True) == 3
    # n=5, kernel 2, stride 3, padding 1: ceil((5 + 2 - 2) / 3) + 1 = 3; the last window would
    # start at padded offset 6 = 5 + 1, inside the right padding: dropped, so 2.
    assert F.max_pool2d(x, 2, 3, 1, ceil_mode=True).shape[-1] == 2
    assert pool_output_size(5, 2, 3, 1, ceil_mode=True) == 2
    with pytest.raises(
        RuntimeError, match=r"pad should be (at most|smaller than or equal to) half"
    ):
        F.max_pool2d(x, 2, padding=2)


@pytest.mark.claim("layers.pool.avgpool-notes-001")
def test_notes_001_model_ends_in_a_4x4_average(device):
    sizes = [28]
    for _ in range(3):
        sizes.append(conv_output_size(sizes[-1], 3, stride=2, padding=1))
    assert sizes == [28, 14, 7, 4]
    assert pool_output_size(4, 4) == 1
    with seeded(0, device):
        model = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1, device=device),
            nn.ReLU(),
            nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1, device=device),
            nn.ReLU(),
            nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1, device=device),
            nn.ReLU(),
        )
    x = torch.zeros(64, 784, device=device).view(-1, 1, 28, 28)
    maps = model(x)
    assert tuple(maps.shape) == (64, 10, 4, 4)
    pooled = nn.AvgPool2d(4)(maps)
    assert tuple(pooled.shape) == (64, 10, 1, 1)
    assert tuple(pooled.view(pooled.size(0), -1).shape) == (64, 10)


@pytest.mark.claim("layers.pool.avgpool-notes-001")
@pytest.mark.devices("cpu", "cuda")
@settings(max_examples=examples(3 / 4))  # the reference averages in Python loops
@given(
    x=values(
        st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(4, 12), st.integers(4, 12))
    )
)
@example(x=np.arange(2 * 10 * 4 * 4, dtype=np.float64).reshape(2, 10, 4, 4) / 64)  # notes 001
def test_avg_pool_is_the_window_mean(device, x):
    got = nn.AvgPool2d(4)(torch.tensor(x, device=device))
    call = f"nn.AvgPool2d(4)({describe(x)})"
    assert_close(got, avg_pool2d(x, 4), call, SUMMED)
    if x.shape[2:] == (4, 4):
        assert_close(got.flatten(1), x.mean(axis=(2, 3)), call, SUMMED)


# Modes ----------------------------------------------------------------------------------------


@pytest.mark.claim("layers.dropout.train-scales")
@given(
    p=st.sampled_from([0.1, 0.25, 0.4, 0.5, 0.9]),
    x=npst.arrays(np.float32, st.integers(1, 64), elements=st.floats(0.5, 100, width=32)),
    seed=st.integers(0, 2**32 - 1),
)
def test_dropout_in_train_zeroes_or_scales_each_element(device, p, x, seed):
    layer = nn.Dropout(p=p)
    assert layer.training
    xt = torch.tensor(x, device=device)
    with seeded(seed, device):
        out = layer(xt)
    with seeded(seed, device):
        again = layer(xt)
    call = f"nn.Dropout(p={p})({describe(x)}) with seed {seed}"
    assert torch.equal(out, again), f"{call} differs under the same seed"
    kept = out != 0
    torch.testing.assert_close(
        out[kept], xt[kept] / (1 - p), rtol=1e-6, atol=0, msg=lambda m: f"{call}: {m}"
    )


@pytest.mark.claim("layers.dropout.train-scales")
@pytest.mark.parametrize("p", [0.1, 0.4, 0.9])
def test_dropout_zeroes_about_a_fraction_p(device, p):
    n = 100_000
    with seeded(2024, device):
        out = nn.Dropout(p)(torch.ones(n, device=device))
    zeroed = (out == 0).float().mean().item()
    sigma = (p * (1 - p) / n) ** 0.5
    assert abs(zeroed - p) < 6 * sigma, f"nn.Dropout({p}) zeroed a fraction {zeroed}"
    assert abs(out.mean().item() - 1) < 6 * sigma / (1 - p), "the mean is not kept"
    with seeded(0, device):
        assert (nn.Dropout(1.0)(torch.ones(8, device=device)) == 0).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


@pytest.mark.claim("layers.dropout.eval-identity")
@given(p=st.floats(0, 1), shape=shapes(max_side=4))
def test_dropout_in_eval_is_the_identity(device, p, shape):
    layer = nn.Dropout(p).eval()
    x = torch.arange(float(np.prod(shape)), device=device).reshape(shape)
    rng_state = torch.cuda.get_rng_state if device == "cuda" else torch.get_rng_state
    state = rng_state()
    out = layer(x)
    assert torch.equal(rng_state(), state), f"nn.Dropout({p}).eval() drew random numbers"
    assert out.shape == x.shape
    if device != "meta":
        assert torch.equal(out, x), f"nn.Dropout({p}).eval() changed {describe(x)}"
        assert torch.equal(F.dropout(x, p, training=False), x), f"F.dropout(training=False), p={p}"


def batch_norm_expectation(x: np.ndarray, momentum: float, eps: float):
    """What BatchNorm2d(affine=False) in train mode returns for `x` and its running stats after
    one step from mean 0 and var 1."""
    axes = (0, 2, 3)
    mean, biased = x.mean(axis=axes), x.var(axis=axes)
    unbiased = x.var(axis=axes, ddof=1)
    shaped = lambda v: v.reshape(1, -1, 1, 1)  # noqa: E731
    out = (x - shaped(mean)) / np.sqrt(shaped(biased) + eps)
    return out, (1 - momentum) * 0 + momentum * mean, (1 - momentum) * 1 + momentum * unbiased


@pytest.mark.claim("layers.batchnorm.train-batch-stats")
@settings(max_examples=examples(3 / 4))  # a BatchNorm2d built per example
@given(
    x=values(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))),
    momentum=st.sampled_from([0.1, 0.5, 1.0]),
)
def test_batch_norm_in_train_uses_and_records_batch_statistics(device, x, momentum):
    assume(x.shape[0] * x.shape[2] * x.shape[3] > 1)
    bn = nn.BatchNorm2d(x.shape[1], momentum=momentum, affine=False, dtype=torch.float64)
    bn = bn.to(device)
    out = bn(torch.tensor(x, device=device))
    expected, running_mean, running_var = batch_norm_expectation(x, momentum, bn.eps)
    call = f"nn.BatchNorm2d({x.shape[1]}, momentum={momentum}).train()({describe(x)})"
    assert_close(out, expected, call, SUMMED)
    assert_close(bn.running_mean, running_mean, f"running_mean after {call}", SUMMED)
    assert_close(bn.running_var, running_var, f"running_var after {call}", SUMMED)
    assert bn.num_batches_tracked.item() == 1


@pytest.mark.claim("layers.batchnorm.train-batch-stats")
def test_batch_norm_worked_example(device):
    x = torch.tensor([0.0, 0.0, 6.0, 6.0], dtype=torch.float64, device=device).view(4, 1, 1, 1)
    bn = nn.BatchNorm2d(1).to(device, torch.float64)  # momentum 0.1, eps 1e-5, weight 1, bias 0
    out = bn(x)
    # mean 3, biased variance (9 + 9 + 9 + 9) / 4 = 9, unbiased 36 / 3 = 12
    expected = torch.tensor([-3.0, -3.0, 3.0, 3.0], dtype=torch.float64) / (9 + 1e-5) ** 0.5
    call = "nn.BatchNorm2d(1)(x) for x = [0, 0, 6, 6]"
    assert_close(out.flatten(), expected, call, SUMMED)
    assert_close(bn.running_mean, [0.9 * 0 + 0.1 * 3], f"running_mean after {call}", SUMMED)  # 0.3
    assert_close(bn.running_var, [0.9 * 1 + 0.1 * 12], f"running_var after {call}", SUMMED)  # 2.1
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        bn(torch.ones(1, 1, 1, 1, dtype=torch.float64, device=device))


@pytest.mark.claim("layers.batchnorm.eval-running-stats")
@settings(max_examples=examples(5 / 8))  # a BatchNorm2d built per example
@given(
    x=values(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))),
    stats=st.data(),
)
def test_batch_norm_in_eval_uses_the_running_stats(device, x, stats):
    channels = x.shape[1]
    mean = stats.draw(values((channels,)), label="running_mean")
    var = stats.draw(npst.arrays(np.float64, channels, elements=st.floats(0.1, 4)), label="var")
    bn = nn.BatchNorm2d(channels, dtype=torch.float64).to(device)
    with torch.no_grad():
        bn.running_mean.copy_(torch.from_numpy(mean))
        bn.running_var.copy_(torch.from_numpy(var))
    bn.eval()
    out = bn(torch.tensor(x, device=device))
    expected = (x - mean.reshape(1, -1, 1, 1)) / np.sqrt(var.reshape(1, -1, 1, 1) + bn.eps)
    call = f"nn.BatchNorm2d({channels}).eval()({describe(x)})"
    assert_close(out, expected, call, SUMMED, inputs={"running_mean": mean, "running_var": var})
    assert_close(bn.running_mean, mean, f"running_mean after {call}", SUMMED)
    assert_close(bn.running_var, var, f"running_var after {call}", SUMMED)
    assert bn.num_batches_tracked.item() == 0
    bn(torch.ones(1, channels, 1, 1, dtype=torch.float64, device=device))  # one value is fine


@pytest.mark.claim("layers.modes.eval-keeps-autograd")
def test_eval_does_not_turn_off_autograd(device):
    with seeded(0, device):
        model = nn.Sequential(
            nn.Linear(4, 3, device=device), nn.BatchNorm1d(3, device=device), nn.Dropout(0.5)
        )
    model.eval()
    assert not any(module.training for module in model.modules())
    out = model(torch.ones(2, 4, device=device))
    assert torch.is_grad_enabled()
    assert out.requires_grad
    assert out.grad_fn is not None
    out.sum().backward()
    assert model[0].weight.grad is not None
    assert model[0].weight.grad.abs().sum() > 0
    with torch.no_grad():
        assert not model(torch.ones(2, 4, device=device)).requires_grad
    model.train()
    assert all(module.training for module in model.modules())


# Shapes of the rest ---------------------------------------------------------------------------


@pytest.mark.claim("layers.embedding.shapes")
@given(shape=shapes(max_dims=3, max_side=4), data=st.data())
def test_embedding_appends_the_embedding_dim(device, shape, data):
    indices = data.draw(npst.arrays(np.int64, shape, elements=st.integers(0, 1)), label="indices")
    with seeded(0, device):
        embeds = nn.Embedding(2, 5, device=device)
    assert tuple(embeds.weight.shape) == (2, 5)
    out = embeds(torch.tensor(indices, device=device))
    call = f"nn.Embedding(2, 5)({describe(indices)})"
    assert tuple(out.shape) == (*shape, 5), call
    if device != "meta":
        expected = embeds.weight.detach().cpu().numpy()[indices]
        assert np.array_equal(out.detach().cpu().numpy(), expected), call


@pytest.mark.claim("layers.embedding.shapes")
def test_embedding_refuses_an_index_past_its_rows():
    with seeded(0):
        embeds = nn.Embedding(2, 5)
    with pytest.raises(IndexError, match="index out of range"):
        embeds(torch.tensor([0, 2]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        embeds(torch.tensor([0.0, 1.0]))
    int32 = torch.tensor([[1, 0]], dtype=torch.int32)
    assert torch.equal(embeds(int32), embeds.weight[int32.long()])


@pytest.mark.claim("layers.lstm.shapes")
@settings(max_examples=examples(1 / 4))  # an LSTM of up to three layers built per example
@given(
    sizes=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3)),
    batch=st.integers(1, 4),
    length=st.integers(1, 5),
    batch_first=st.booleans(),
)
def test_lstm_shapes(device, sizes, batch, length, batch_first):
    input_dim, hidden_dim, n_layers = sizes
    with seeded(0, device):
        lstm = nn.LSTM(
            input_size=input_dim,
            hidden_size=hidden_dim,
            num_layers=n_layers,
            batch_first=batch_first,
            device=device,
        )
    x_shape = (batch, length, input_dim) if batch_first else (length, batch, input_dim)
    output, (h, c) = lstm(torch.zeros(x_shape, device=device))
    call = f"nn.LSTM({input_dim}, {hidden_dim}, {n_layers}, batch_first={batch_first}) on {x_shape}"
    expected = (batch, length, hidden_dim) if batch_first else (length, batch, hidden_dim)
    assert tuple(output.shape) == expected, call
    assert tuple(h.shape) == tuple(c.shape) == (n_layers, batch, hidden_dim), call
    output, (h, c) = lstm(torch.zeros(length, input_dim, device=device))  # unbatched
    assert tuple(output.shape) == (length, hidden_dim)
    assert tuple(h.shape) == tuple(c.shape) == (n_layers, hidden_dim)


@pytest.mark.claim("layers.lstm.shapes")
@pytest.mark.devices("cpu", "cuda")
def test_lstm_output_is_the_last_layers_hidden_state_at_every_step(device):
    with seeded(0, device):
        lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True, device=device)
        x = torch.randn(2, 5, 3, device=device)
    output, (h, _) = lstm(x)
    torch.testing.assert_close(output[:, -1], h[-1])
    lstm.batch_first = False  # the same weights, reading x as 2 steps of 5 sequences
    output, (h, _) = lstm(x)
    assert tuple(output.shape) == (2, 5, 4)
    assert tuple(h.shape) == (2, 5, 4)
    torch.testing.assert_close(output[-1], h[-1])


@pytest.mark.claim("layers.flatten.view-batch")
@given(shape=shapes(min_dims=2, max_dims=5, min_side=1, max_side=4))
def test_flatten_equals_view_batch_minus_one(device, shape):
    x = torch.arange(float(np.prod(shape)), device=device).reshape(shape)
    flat = nn.Flatten()(x)
    viewed = x.view(x.size(0), -1)
    call = f"nn.Flatten() on shape {shape}"
    assert flat.shape == viewed.shape == (shape[0], int(np.prod(shape[1:]))), call
    assert torch.flatten(x, start_dim=1).shape == flat.shape
    assert torch.flatten(x).shape == (int(np.prod(shape)),), "torch.flatten starts at dim 0"
    if device != "meta":
        assert torch.equal(flat, viewed), call
        assert flat.data_ptr() == x.data_ptr(), f"{call} copied a contiguous input"


@pytest.mark.claim("layers.flatten.view-batch")
@pytest.mark.devices("cpu", "cuda")
def test_flatten_copies_where_view_refuses(device):
    x = torch.arange(24.0, device=device).reshape(2, 3, 4).transpose(1, 2)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(x.size(0), -1)
    flat = nn.Flatten()(x)
    assert torch.equal(flat, x.reshape(2, -1))
    assert flat.data_ptr() != x.data_ptr()

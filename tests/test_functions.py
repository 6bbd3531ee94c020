"""spec/functions.md: relu, sigmoid, tanh and softplus by their formulas, ranges and derivatives;
softmax and log_softmax; CrossEntropyLoss (indices, one-hot, probabilities, a softmax too many)
and MSELoss."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from torch import nn

from reference import nn as ref
from tests.harness.assertions import assert_close, describe
from tests.harness.dtypes import FLOATING, WIDE_FLOATING, dtype_name
from tests.harness.profiles import examples
from tests.harness.strategies import dims, shapes
from tests.harness.tolerances import ROUNDED_ONCE, tolerance
from tests.harness.torch_settings import seeded
from tests.harness.versions import torch_version

# Each property draws small tensors and checks several calls: a quarter of the profile's examples
# (`examples(1 / 4)`) keeps the module to seconds.

# Beyond these |x|, sigmoid and tanh round to their limits (see the spec's derivations):
# 1 + exp(-x) is 1 once exp(-x) < 2**-24 (float32) or 2**-53 (float64); 1 - tanh(x) = 2e^{-2x}.
SIGMOID_INSIDE = {torch.float32: 16.0, torch.float64: 36.0}
TANH_INSIDE = {torch.float32: 8.0, torch.float64: 18.0}
SOFTPLUS_ABOVE_RELU = {torch.float32: 12.0, torch.float64: 20.0}


def notes_000_inputs(device: str) -> torch.Tensor:
    """Notes 000's `x = torch.linspace(-5, 5, 200)`, float32, for the activation plots."""
    return torch.linspace(-5, 5, 200, device=device)


@st.composite
def float_tensors(draw, device: str, dtype: torch.dtype, bound: float = 120.0, shape=None):
    """A tensor of `dtype` on `device` holding drawn floats in [-bound, bound] (rounded to the
    dtype), and the same values as a float64 array for the references."""
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=6)) if shape is None else shape
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    array = draw(npst.arrays(np.float64, shape, elements=elements))
    tensor = torch.tensor(array, dtype=dtype, device=device)
    return tensor, tensor.double().cpu().numpy()


def grad_of(function, tensor: torch.Tensor) -> torch.Tensor:
    """d sum(function(x)) / dx at `tensor`: each element's own derivative."""
    leaf = tensor.detach().clone().requires_grad_()
    (grad,) = torch.autograd.grad(function(leaf).sum(), leaf)
    return grad


def warnings_of(call) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


# relu ----------------------------------------------------------------------------------------


@pytest.mark.claim("functions.relu.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(FLOATING), data=st.data())
def test_relu_is_max_of_x_and_zero(device, dtype, data):
    tensor, array = data.draw(float_tensors(device, dtype))
    result = torch.relu(tensor)
    call = f"torch.relu({describe(tensor)})"
    assert result.dtype == dtype, call
    assert result.device == tensor.device, call
    got, expected = result.double().cpu().numpy(), ref.relu(array)
    assert np.array_equal(got, expected), call
    assert np.array_equal(np.signbit(got), np.signbit(expected)), f"{call}: the sign of a zero"
    assert (result >= 0).all(), call
    assert torch.equal(F.relu(tensor), result), call
    assert torch.equal(nn.ReLU()(tensor), result), call


@pytest.mark.claim("functions.relu.formula")
def test_notes_000_relu_of_the_plotted_inputs(device):
    x = notes_000_inputs(device)
    y = torch.relu(x)
    call = f"torch.relu(torch.linspace(-5, 5, 200)) on {device}"
    assert y.dtype == torch.float32, call
    assert np.array_equal(y.cpu().numpy(), ref.relu(x.cpu().numpy())), call
    assert (y[:100] == 0).all(), call  # 0 on the left
    assert torch.equal(y[100:], x[100:]), call  # the line y = x on the right


@pytest.mark.claim("functions.relu.formula")
def test_relu_keeps_nan_negative_zero_and_infinity(device):
    special = torch.tensor([float("nan"), -0.0, math.inf, -math.inf], device=device)
    result = torch.relu(special).cpu()
    assert result[0].isnan(), "torch.relu(nan) is not nan"
    assert result[1].item() == 0, "torch.relu(-0.0) is not 0"
    assert torch.signbit(result[1]), "torch.relu(-0.0) is not -0.0"
    assert result[2:].tolist() == [math.inf, 0.0]
    expected = ref.relu(special.cpu().numpy())
    assert np.array_equal(result.numpy(), expected, equal_nan=True), "the reference's relu"
    assert np.array_equal(np.signbit(result.numpy()), np.signbit(expected)), "the reference's"


# sigmoid and tanh ----------------------------------------------------------------------------


@pytest.mark.claim("functions.sigmoid.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(FLOATING), data=st.data())
def test_sigmoid_is_its_formula(device, dtype, data):
    tensor, array = data.draw(float_tensors(device, dtype))
    result = torch.sigmoid(tensor)
    assert_close(result, ref.sigmoid(array), f"torch.sigmoid({describe(tensor)})", ROUNDED_ONCE)
    assert ((result >= 0) & (result <= 1)).all(), f"torch.sigmoid({describe(tensor)}) left [0, 1]"


@pytest.mark.claim("functions.sigmoid.formula")
def test_notes_000_sigmoid_of_the_plotted_inputs(device):
    x = notes_000_inputs(device)
    y = torch.sigmoid(x)
    call = f"torch.sigmoid(torch.linspace(-5, 5, 200)) on {device}"
    assert y.dtype == torch.float32, call
    assert_close(y, ref.sigmoid(x.double().cpu().numpy()), call, ROUNDED_ONCE)
    assert ((y > 0) & (y < 1)).all(), call


@pytest.mark.claim("functions.sigmoid.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_sigmoid_is_strictly_inside_until_it_rounds_to_its_limits(device, dtype, data):
    inside = SIGMOID_INSIDE[dtype]
    tensor, _ = data.draw(float_tensors(device, dtype, bound=inside))
    result = torch.sigmoid(tensor)
    call = f"torch.sigmoid({describe(tensor)})"
    assert ((result > 0) & (result < 1)).all(), call
    assert_close(
        torch.sigmoid(-tensor),
        1 - result.double(),
        f"sigmoid(-x) = 1 - sigmoid(x), {call}",
        ROUNDED_ONCE,
    )
    # Far out the ends are reached exactly: e**-(inside + 4) is far below half an ulp of 1,
    # and exp(-(200 or 800)) below the smallest subnormal of the dtype.
    far = 200.0 if dtype == torch.float32 else 800.0
    ends = torch.sigmoid(torch.tensor([inside + 4, -far, 0.0], dtype=dtype, device=device))
    assert ends.tolist() == [1.0, 0.0, 0.5], f"sigmoid([{inside + 4}, {-far}, 0]) in {dtype}"


@pytest.mark.claim("functions.tanh.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(FLOATING), data=st.data())
def test_tanh_is_its_formula(device, dtype, data):
    tensor, array = data.draw(float_tensors(device, dtype, bound=30.0))
    result = torch.tanh(tensor)
    call = f"torch.tanh({describe(tensor)})"
    assert_close(result, ref.tanh(array), call, ROUNDED_ONCE)
    assert_close(
        result, 2 * ref.sigmoid(2 * array) - 1, f"2 sigmoid(2x) - 1 for {call}", ROUNDED_ONCE
    )
    assert ((result >= -1) & (result <= 1)).all(), f"{call} left [-1, 1]"
    assert torch.equal(torch.tanh(-tensor), -result), f"{call} is not odd"


@pytest.mark.claim("functions.tanh.formula")
def test_notes_000_tanh_of_the_plotted_inputs(device):
    x = notes_000_inputs(device)
    y = torch.tanh(x)
    call = f"torch.tanh(torch.linspace(-5, 5, 200)) on {device}"
    assert y.dtype == torch.float32, call
    assert_close(y, ref.tanh(x.double().cpu().numpy()), call, ROUNDED_ONCE)
    assert ((y > -1) & (y < 1)).all(), call


@pytest.mark.claim("functions.tanh.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_tanh_is_strictly_inside_until_it_rounds_to_its_limits(device, dtype, data):
    inside = TANH_INSIDE[dtype]
    tensor, _ = data.draw(float_tensors(device, dtype, bound=inside))
    result = torch.tanh(tensor)
    assert ((result > -1) & (result < 1)).all(), f"torch.tanh({describe(tensor)})"
    far = [2 * inside + 4, -(2 * inside + 4), 0.0]
    ends = torch.tanh(torch.tensor(far, dtype=dtype, device=device))
    assert ends.tolist() == [1.0, -1.0, 0.0], f"tanh(±{2 * inside + 4}) in {dtype}"


# softplus ------------------------------------------------------------------------------------

BETAS = st.sampled_from([0.5, 1.0, 2.0, 3.0])
THRESHOLDS = st.sampled_from([1.0, 5.0, 20.0])


@pytest.mark.claim("functions.softplus.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(FLOATING), beta=BETAS, threshold=THRESHOLDS, data=st.data())
def test_softplus_is_its_formula(device, dtype, beta, threshold, data):
    tensor, array = data.draw(float_tensors(device, dtype, bound=60.0))
    result = F.softplus(tensor, beta=beta, threshold=threshold)
    call = f"F.softplus({describe(tensor)}, beta={beta}, threshold={threshold})"
    # At the switch itself torch rounds beta * x in its compute dtype (float32 for half types)
    # before comparing, which may fall on either side: compare away from it.
    away = np.abs(beta * array - threshold) > 1e-3 * threshold
    expected = ref.softplus(array, beta, threshold)
    assert_close(
        result.cpu()[torch.from_numpy(away)], expected[away], call, ROUNDED_ONCE, dtype=dtype
    )
    above = away & (beta * array > threshold)  # x itself, not a rounded copy of it
    assert np.array_equal(result.double().cpu().numpy()[above], array[above]), call


@pytest.mark.claim("functions.softplus.formula")
def test_notes_000_softplus_with_its_defaults(device):
    x = notes_000_inputs(device)
    y = F.softplus(x)
    call = f"F.softplus(torch.linspace(-5, 5, 200)) on {device}"
    assert y.dtype == torch.float32, call
    assert_close(y, ref.softplus(x.double().cpu().numpy(), 1.0, 20.0), call, ROUNDED_ONCE)
    # The default threshold shows in float64, where log1p(e**-x) survives at x near 20:
    # 20.5 is above it (x itself), 19.5 below (x plus about 3.4e-9).
    above, below = F.softplus(torch.tensor([20.5, 19.5], dtype=torch.float64, device=device))
    assert above.item() == 20.5, f"F.softplus(20.5) in float64 is {above.item()!r}"
    assert below.item() > 19.5, f"F.softplus(19.5) in float64 is {below.item()!r}"
    assert_close(below, ref.softplus(np.array(19.5), 1.0, 20.0), "F.softplus(19.5)", ROUNDED_ONCE)


@pytest.mark.claim("functions.softplus.formula")
def test_softplus_decides_the_switch_on_beta_x_rounded_to_the_dtype(device):
    # float32(1/3) is a little above 1/3, so 3x > 1 exactly, but 3x rounds to 1.0 in float32:
    # not above threshold 1, so torch takes the smooth branch where the exact rule returns x.
    x = torch.tensor([1 / 3], dtype=torch.float32, device=device)
    third = x.item()
    assert 3 * third > 1, "float32(1/3) * 3 computed in float64"
    assert (3 * x).item() == 1.0, "3 * float32(1/3) in float32"
    result = F.softplus(x, beta=3, threshold=1)
    assert result.item() != third, "F.softplus took the x branch at beta * x == 1.0 in float32"
    assert_close(
        result,
        [math.log1p(math.exp(3 * third)) / 3],
        "F.softplus(float32(1/3), 3, 1)",
        ROUNDED_ONCE,
    )


@pytest.mark.claim("functions.softplus.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), beta=BETAS, data=st.data())
def test_softplus_lies_between_relu_and_relu_plus_log2_over_beta(device, dtype, beta, data):
    tensor, _ = data.draw(float_tensors(device, dtype))
    result, floor = F.softplus(tensor, beta=beta), torch.relu(tensor)
    call = f"F.softplus({describe(tensor)}, beta={beta})"
    assert (result >= floor).all(), f"{call} fell below relu"
    ceiling = floor.double() + math.log(2) / beta
    rtol = tolerance(ROUNDED_ONCE, dtype, device).rtol
    assert (result.double() <= ceiling * (1 + rtol)).all(), call


@pytest.mark.claim("functions.softplus.formula")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_softplus_is_strictly_above_relu_until_rounding_hides_the_gap(device, dtype, data):
    bound = SOFTPLUS_ABOVE_RELU[dtype]
    tensor, _ = data.draw(float_tensors(device, dtype, bound=bound))
    assert (F.softplus(tensor) > torch.relu(tensor)).all(), f"F.softplus({describe(tensor)})"
    # Far out the gap log(1 + e^-|x|) is below half an ulp: softplus is relu exactly.
    ends = F.softplus(torch.tensor([25.0, -800.0], dtype=dtype, device=device))
    assert ends.tolist() == [25.0, 0.0], f"F.softplus([25, -800]) in {dtype}"


# derivatives ---------------------------------------------------------------------------------


@pytest.mark.claim("functions.activations.derivatives")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_sigmoid_and_tanh_derivatives(device, dtype, data):
    tensor, array = data.draw(float_tensors(device, dtype, bound=40.0))
    s, t = torch.sigmoid(tensor), torch.tanh(tensor)
    sigmoid_grad, tanh_grad = grad_of(torch.sigmoid, tensor), grad_of(torch.tanh, tensor)
    assert_close(
        sigmoid_grad,
        (s * (1 - s)).double(),
        f"sigmoid' = s(1-s) at {describe(tensor)}",
        ROUNDED_ONCE,
    )
    assert_close(
        tanh_grad, (1 - t * t).double(), f"tanh' = 1 - t^2 at {describe(tensor)}", ROUNDED_ONCE
    )
    s_ref, t_ref = ref.sigmoid(array), ref.tanh(array)
    assert_close(
        sigmoid_grad,
        s_ref * (1 - s_ref),
        f"sigmoid' against the reference, {describe(tensor)}",
        ROUNDED_ONCE,
    )
    assert_close(
        tanh_grad, 1 - t_ref**2, f"tanh' against the reference, {describe(tensor)}", ROUNDED_ONCE
    )
    assert (sigmoid_grad <= 0.25).all(), describe(tensor)
    assert (tanh_grad <= 1).all(), describe(tensor)


@pytest.mark.claim("functions.activations.derivatives")
@pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)
def test_derivatives_vanish_where_sigmoid_and_tanh_saturate(device, dtype):
    far = torch.tensor([60.0, -800.0], dtype=dtype, device=device)
    assert grad_of(torch.sigmoid, far).tolist() == [0.0, 0.0]
    assert grad_of(torch.tanh, far).tolist() == [0.0, 0.0]
    at_zero = torch.zeros(1, dtype=dtype, device=device)
    assert grad_of(torch.sigmoid, at_zero).item() == 0.25
    assert grad_of(torch.tanh, at_zero) == 1


@pytest.mark.claim("functions.activations.derivatives")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), beta=BETAS, threshold=THRESHOLDS, data=st.data())
def test_softplus_derivative_is_sigmoid_of_beta_x(device, dtype, beta, threshold, data):
    tensor, array = data.draw(float_tensors(device, dtype, bound=40.0))
    grad = grad_of(lambda x: F.softplus(x, beta=beta, threshold=threshold), tensor)
    call = f"d/dx F.softplus(x, beta={beta}, threshold={threshold}) at {describe(tensor)}"
    expected = np.where(beta * array > threshold, 1.0, ref.sigmoid(beta * array))
    away = np.abs(beta * array - threshold) > 1e-3 * threshold  # the dtype decides at the switch
    assert_close(
        grad.cpu()[torch.from_numpy(away)], expected[away], call, ROUNDED_ONCE, dtype=dtype
    )


@pytest.mark.claim("functions.activations.derivatives")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(FLOATING), data=st.data())
def test_relu_derivative_is_a_step_with_zero_at_zero(device, dtype, data):
    tensor, array = data.draw(float_tensors(device, dtype, bound=5.0))
    tensor = torch.cat([tensor.flatten(), torch.zeros(1, dtype=dtype, device=device)])
    array = np.append(array.ravel(), 0.0)
    grad = grad_of(torch.relu, tensor)
    assert grad.double().cpu().tolist() == (array > 0).astype(np.float64).tolist(), describe(tensor)


@pytest.mark.claim("functions.activations.derivatives")
@pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)
def test_relu_is_not_differentiable_at_zero_and_still_passes_the_error_back(device, dtype):
    h = torch.tensor(2.0**-10, dtype=dtype, device=device)
    zero = torch.zeros((), dtype=dtype, device=device)
    # the notes' "must be differentiable": at 0 relu's one-sided slopes differ
    right = (torch.relu(zero + h) - torch.relu(zero)) / h
    left = (torch.relu(zero) - torch.relu(zero - h)) / h
    assert (left.item(), right.item()) == (0.0, 1.0), "relu's slopes on either side of 0"
    points = torch.tensor([-1.0, 0.0, 2.0], dtype=dtype, device=device)
    assert grad_of(torch.relu, points).tolist() == [0.0, 0.0, 1.0], "relu' at -1, 0, 2"


# F.sigmoid and F.tanh ------------------------------------------------------------------------


@pytest.mark.claim("functions.activations.functional-aliases")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(FLOATING), data=st.data())
def test_functional_sigmoid_and_tanh_are_the_torch_functions(device, dtype, data):
    tensor, _ = data.draw(float_tensors(device, dtype))
    for name, module in (("sigmoid", nn.Sigmoid()), ("tanh", nn.Tanh())):
        expected = getattr(torch, name)(tensor)
        for result, how in (
            (getattr(F, name)(tensor), f"F.{name}"),
            (getattr(tensor, name)(), f"x.{name}()"),
            (module(tensor), f"nn.{type(module).__name__}()"),
        ):
            assert torch.equal(result, expected), f"{how} != torch.{name} on {describe(tensor)}"


@pytest.mark.claim("functions.activations.functional-aliases")
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_functional_sigmoid_and_tanh_warn_only_before_torch_2_0(device, name):
    caught = warnings_of(lambda: getattr(F, name)(torch.zeros(2, device=device)))
    deprecations = [w for w in caught if "deprecated" in str(w.message)]
    if torch_version() >= (2, 0):
        assert not deprecations, f"F.{name} warned: {[str(w.message) for w in deprecations]}"
    else:
        assert deprecations
        assert f"Use torch.{name} instead" in str(deprecations[0].message)
    plain = warnings_of(lambda: getattr(torch, name)(torch.zeros(2, device=device)))
    assert not [w for w in plain if "deprecated" in str(w.message)], f"torch.{name} warned"


# softmax -------------------------------------------------------------------------------------


@st.composite
def scores_and_dim(draw, device: str, dtype: torch.dtype, bound: float = 50.0):
    tensor, array = draw(float_tensors(device, dtype, bound=bound))
    return tensor, array, draw(dims(tensor.dim()))


# Before torch 2.2, softmax of a non-empty float16 tensor on the CPU raises (the message names the
# kernel: softmax_lastdim_kernel_impl along the last dim, softmax_kernel_impl along another).
HALF_SOFTMAX_MISSING = (
    None
    if torch_version() >= (2, 2)
    else r"\"softmax(_lastdim)?_kernel_impl\" not implemented for 'Half'"
)


@pytest.mark.claim("functions.softmax.sums-to-one")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(FLOATING), data=st.data())
def test_softmax_is_probabilities_along_dim(device, dtype, data):
    tensor, array, dim = data.draw(scores_and_dim(device, dtype))
    call = f"F.softmax({describe(tensor)}, dim={dim})"
    if HALF_SOFTMAX_MISSING and device == "cpu" and dtype == torch.float16 and tensor.numel():
        # torch 2.1's CPU softmax kernels have no float16 (an empty tensor runs no kernel)
        for softmax in (F.softmax, lambda t, dim: nn.Softmax(dim=dim)(t), torch.Tensor.softmax):
            with pytest.raises(RuntimeError, match=HALF_SOFTMAX_MISSING):
                softmax(tensor, dim=dim)
        return
    result = F.softmax(tensor, dim=dim)
    assert result.shape == tensor.shape, call
    assert result.dtype == dtype, call
    assert ((result >= 0) & (result <= 1)).all(), call
    assert_close(
        result.double().sum(dim),
        np.ones(np.delete(array.shape, dim % array.ndim)),
        call,
        ROUNDED_ONCE,
        dtype=dtype,
    )
    assert_close(result, ref.softmax(array, dim), call, ROUNDED_ONCE)
    assert torch.equal(nn.Softmax(dim=dim)(tensor), result), call
    assert torch.equal(tensor.softmax(dim), result), call


@pytest.mark.claim("functions.softmax.sums-to-one")
@settings(max_examples=examples(1 / 4))
@given(array=npst.arrays(np.float64, shapes(2, 2, 1, 6), elements=st.integers(-20, 20).map(float)))
def test_softmax_keeps_the_order_of_the_scores(device, array):
    # Scores at least 1 apart: exp keeps them apart, so the largest stays the largest.
    tensor = torch.tensor(array, device=device)
    result = F.softmax(tensor, dim=1)
    assert torch.equal(result.argmax(dim=1), tensor.argmax(dim=1)), f"softmax of {describe(tensor)}"


@pytest.mark.claim("functions.softmax.sums-to-one")
def test_notes_000_softmax_of_float32_scores_sums_to_one_per_row(device):
    out = torch.tensor([[2.0, -1.0], [0.0, 3.0], [1.0, 1.0]], device=device)  # (batch, 2)
    probabilities = F.softmax(out, dim=1)
    call = f"F.softmax({describe(out)}, dim=1)"
    assert probabilities.dtype == torch.float32, call
    assert_close(probabilities.double().sum(1), np.ones(3), call, ROUNDED_ONCE, dtype=torch.float32)
    assert_close(probabilities, ref.softmax(out.double().cpu().numpy(), 1), call, ROUNDED_ONCE)
    assert probabilities[2].tolist() == [0.5, 0.5], call  # equal scores, equal probabilities
    assert torch.max(probabilities, 1)[1].tolist() == [0, 1, 0], call  # the tie goes to 0


@st.composite
def dyadic_tensors(draw, device, dtype):
    """Multiples of 1/8 in [-64, 64]: adding an integer up to 1e4 to them is exact in float32."""
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    array = draw(npst.arrays(np.int64, shape, elements=st.integers(-512, 512))) / 8
    return torch.tensor(array, dtype=dtype, device=device)


@pytest.mark.claim("functions.softmax.shift-invariant")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), shift=st.integers(-10_000, 10_000), data=st.data())
def test_softmax_ignores_a_constant_shift(device, dtype, shift, data):
    tensor = data.draw(dyadic_tensors(device, dtype))
    dim = data.draw(dims(tensor.dim()))
    call = f"F.softmax({describe(tensor)} + {shift}, dim={dim})"
    shifted = F.softmax(tensor + shift, dim=dim)
    assert shifted.isfinite().all(), f"{call} overflowed"
    assert_close(shifted, F.softmax(tensor, dim=dim).double(), call, ROUNDED_ONCE)
    # A shift that varies across the other dims but is constant along `dim` cancels too.
    slice_shape = list(tensor.shape)
    slice_shape[dim] = 1  # size 1 along dim: broadcasts
    offsets = data.draw(npst.arrays(np.int64, slice_shape, elements=st.integers(-100, 99)))
    per_slice = torch.tensor(offsets, dtype=dtype, device=device)
    assert_close(
        F.softmax(tensor + per_slice, dim=dim),
        F.softmax(tensor, dim=dim).double(),
        call,
        ROUNDED_ONCE,
        inputs={"per_slice": per_slice},
    )


@pytest.mark.claim("functions.softmax.shift-invariant")
def test_softmax_of_huge_scores_is_finite_where_the_naive_formula_is_not(device):
    huge = torch.tensor([1000.0, 1000.0, 999.0], device=device)
    naive = torch.exp(huge) / torch.exp(huge).sum()
    assert naive.isnan().all(), "exp(1000) did not overflow float32"
    expected = ref.softmax(np.array([1.0, 1.0, 0.0]), 0)  # the shift by 999 cancels
    assert_close(
        F.softmax(huge, dim=0), expected, "F.softmax([1000, 1000, 999], dim=0)", ROUNDED_ONCE
    )
    assert not torch.equal(F.softmax(2 * huge, dim=0), F.softmax(huge, dim=0)), "scaling is a shift"


def implicit_dim(ndim: int) -> int:
    """The dim torch picks when softmax is called without one (from its source: 0-, 1- and 3-d
    input take 0, every other takes 1)."""
    return 0 if ndim in (0, 1, 3) else 1


@pytest.mark.claim("functions.softmax.implicit-dim-warns")
@settings(max_examples=examples(1 / 2))  # few shapes to draw: 0 to 4 dims of sides 2 and 3
@given(shape=shapes(min_dims=0, max_dims=4, min_side=2, max_side=3))
def test_softmax_without_dim_warns_and_picks_a_dim_by_ndim(device, shape):
    tensor = torch.arange(math.prod(shape), dtype=torch.float32, device=device).reshape(shape)
    dim = implicit_dim(len(shape))
    for name, call in (
        ("softmax", lambda: F.softmax(tensor)),
        ("log_softmax", lambda: F.log_softmax(tensor)),
        ("softmin", lambda: F.softmin(tensor)),
        ("softmax", lambda: nn.Softmax()(tensor)),
    ):
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
            result = call()
        expected = getattr(F, name)(tensor, dim=dim)
        assert torch.equal(result, expected), f"F.{name}(x of shape {shape}) did not use {dim}"


@pytest.mark.claim("functions.softmax.implicit-dim-warns")
def test_notes_000_softmax_of_out_normalises_rows(device):
    out = torch.tensor([[2.0, -1.0], [0.0, 3.0], [1.0, 1.0]], device=device)  # (batch, 2)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        prediction = torch.max(F.softmax(out), 1)[1]
    assert prediction.tolist() == [0, 1, 0]
    assert torch.equal(F.softmax(out, dim=1), nn.Softmax(dim=1)(out))
    explicit = warnings_of(lambda: F.softmax(out, dim=1))
    assert not [w for w in explicit if "Implicit dimension" in str(w.message)]


@pytest.mark.claim("functions.log-softmax.stable")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_log_softmax_is_the_log_of_softmax_without_underflow(device, dtype, data):
    tensor, array, dim = data.draw(scores_and_dim(device, dtype, bound=1e4))
    result = F.log_softmax(tensor, dim=dim)
    call = f"F.log_softmax({describe(tensor)}, dim={dim})"
    assert result.isfinite().all(), call
    assert (result <= 0).all(), call
    assert_close(result, ref.log_softmax(array, dim), call, ROUNDED_ONCE)
    assert_close(result.exp(), F.softmax(tensor, dim=dim).double(), f"exp of {call}", ROUNDED_ONCE)
    probabilities = F.softmax(tensor, dim=dim)
    normal = probabilities > torch.finfo(dtype).tiny
    assert_close(
        result[normal],
        probabilities[normal].log().double(),
        f"log(softmax) for {call}",
        ROUNDED_ONCE,
    )


@pytest.mark.claim("functions.log-softmax.stable")
@pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)
def test_log_softmax_is_finite_where_softmax_underflows(device, dtype):
    gap = 200.0 if dtype == torch.float32 else 1000.0  # exp(-gap) is 0 in the dtype
    far = torch.tensor([0.0, gap], dtype=dtype, device=device)
    assert F.softmax(far, dim=0)[0].item() == 0.0
    assert F.log_softmax(far, dim=0).tolist() == [-gap, 0.0]


# cross-entropy -------------------------------------------------------------------------------


@st.composite
def classification(draw, device, dtype, extra_dims: bool = False, bound: float = 30.0):
    """Raw scores `(N, C)` (or `(N, C, d)`), int64 labels `(N,)` (or `(N, d)`) in [0, C)."""
    n, classes = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    shape = (n, classes, draw(st.integers(1, 3))) if extra_dims else (n, classes)
    scores, array = draw(float_tensors(device, dtype, bound=bound, shape=shape))
    label_shape = (shape[0], *shape[2:])
    labels = draw(npst.arrays(np.int64, label_shape, elements=st.integers(0, classes - 1)))
    return scores, array, torch.tensor(labels, device=device), labels


@pytest.mark.claim("functions.cross-entropy.log-softmax-then-nll")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), extra_dims=st.booleans(), data=st.data())
def test_cross_entropy_is_nll_of_log_softmax_of_raw_scores(device, dtype, extra_dims, data):
    scores, array, labels, label_array = data.draw(classification(device, dtype, extra_dims))
    loss = F.cross_entropy(scores, labels)
    call = f"F.cross_entropy({describe(scores)}, {labels.tolist()})"
    assert loss.shape == (), call
    assert loss.dtype == dtype, call
    assert loss.item() >= 0, call
    assert_close(
        loss, F.nll_loss(F.log_softmax(scores, dim=1), labels).double(), call, ROUNDED_ONCE
    )
    assert_close(nn.CrossEntropyLoss()(scores, labels), loss.double(), call, ROUNDED_ONCE)
    assert_close(loss, ref.cross_entropy(array, label_array), call, ROUNDED_ONCE)
    picked = F.log_softmax(scores, dim=1).gather(1, labels.unsqueeze(1))
    assert_close(
        loss, (-picked.double().mean()).cpu(), f"{call} as -mean(log_softmax[target])", ROUNDED_ONCE
    )


@pytest.mark.claim("functions.cross-entropy.log-softmax-then-nll")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_cross_entropy_of_one_sample(device, dtype, data):
    scores, array, labels, label_array = data.draw(classification(device, dtype))
    one, target = scores[0], labels[0]  # (C,) scores and a 0-d target
    loss = F.cross_entropy(one, target)
    assert_close(
        loss,
        ref.cross_entropy(array[0], label_array[0]),
        f"F.cross_entropy({describe(one)})",
        ROUNDED_ONCE,
    )


@pytest.mark.claim("functions.cross-entropy.log-softmax-then-nll")
def test_cross_entropy_index_out_of_range_raises():
    scores = torch.zeros(2, 3)
    for bad in (3, -1):
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
            F.cross_entropy(scores, torch.tensor([0, bad]))


@pytest.mark.claim("functions.cross-entropy.log-softmax-then-nll")
def test_cross_entropy_refuses_floating_indices(device):
    scores = torch.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match="Long"):
        F.cross_entropy(scores, torch.tensor([0.0, 1.0], device=device))


@pytest.mark.claim("functions.cross-entropy.indices-not-one-hot")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_one_hot_float_targets_are_probabilities_since_1_10(device, dtype, data):
    scores, _, labels, _ = data.draw(classification(device, dtype))
    one_hot = F.one_hot(labels, num_classes=scores.shape[1])
    call = f"F.cross_entropy({describe(scores)}, one_hot({labels.tolist()}))"
    if torch_version() >= (1, 10):
        assert_close(
            F.cross_entropy(scores, one_hot.to(dtype)),
            F.cross_entropy(scores, labels),
            call,
            ROUNDED_ONCE,
        )
    else:
        with pytest.raises(RuntimeError):
            F.cross_entropy(scores, one_hot.to(dtype))
    with pytest.raises(RuntimeError, match=r"floating point|multi-target|Long"):
        F.cross_entropy(scores, one_hot)  # int64 one-hot: never a valid target


@st.composite
def probability_rows(draw, device, dtype, shape):
    """Rows of non-negative weights along dim 1, normalised to sum to 1."""
    weights = draw(npst.arrays(np.float64, shape, elements=st.floats(0.0, 1.0)))
    weights = weights + 1e-3  # no all-zero row
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    return torch.tensor(probabilities, dtype=dtype, device=device), probabilities


@pytest.mark.claim("functions.cross-entropy.class-probabilities")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), extra_dims=st.booleans(), data=st.data())
def test_cross_entropy_takes_class_probabilities_since_1_10(device, dtype, extra_dims, data):
    scores, array, _, _ = data.draw(classification(device, dtype, extra_dims))
    target, target_array = data.draw(probability_rows(device, dtype, array.shape))
    if torch_version() < (1, 10):
        with pytest.raises(RuntimeError):
            F.cross_entropy(scores, target)
        return
    loss = F.cross_entropy(scores, target)
    call = f"F.cross_entropy({describe(scores)}, {describe(target)})"
    by_hand = -(target * F.log_softmax(scores, dim=1)).sum(dim=1).mean()
    assert_close(loss, by_hand.double(), call, ROUNDED_ONCE)
    assert_close(loss, ref.cross_entropy(array, target_array), call, ROUNDED_ONCE)
    # Gibbs: never below the entropy of the target, which it reaches at scores = log(target).
    entropy = float(-(target_array * np.log(target_array)).sum(axis=1).mean())
    assert loss.item() >= entropy - 1e-5 * max(1.0, abs(entropy)), call
    assert_close(
        F.cross_entropy(target.log(), target),
        entropy,
        f"scores = log(target) in {call}",
        ROUNDED_ONCE,
    )


@pytest.mark.claim("functions.cross-entropy.class-probabilities")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), scale=st.floats(-3.0, 3.0), data=st.data())
def test_cross_entropy_does_not_check_that_targets_are_probabilities(device, dtype, scale, data):
    scores, array, labels, _ = data.draw(classification(device, dtype))
    one_hot = F.one_hot(labels, num_classes=scores.shape[1]).to(dtype)
    call = f"F.cross_entropy({describe(scores)}, {scale} * one_hot({labels.tolist()}))"
    # Rows summing to `scale` (negative too) are accepted: the loss is linear in the target.
    assert_close(
        F.cross_entropy(scores, scale * one_hot),
        scale * ref.cross_entropy(array, labels.cpu().numpy()),
        call,
        ROUNDED_ONCE,
        dtype=dtype,
    )
    mixed = torch.full_like(scores, -1.0)  # every entry negative, rows sum to -C
    by_hand = (F.log_softmax(scores, dim=1).sum(dim=1)).mean()
    assert_close(
        F.cross_entropy(scores, mixed),
        by_hand.double(),
        f"all -1 targets for {describe(scores)}",
        ROUNDED_ONCE,
    )


# a Softmax before the loss -------------------------------------------------------------------


def squashed_bounds(classes: int) -> tuple[float, float]:
    """The range of cross_entropy(softmax(z), y) over all z: [log(1 + (C-1)/e), log(e + C - 1)]."""
    return math.log(1 + (classes - 1) / math.e), math.log(math.e + classes - 1)


def gradient_bound(classes: int) -> float:
    """Per sample, |J^T (softmax(p) - onehot)| <= (1/2) sqrt(2) (1 - min softmax(p)_y)."""
    return (1 - 1 / (math.e + classes - 1)) / math.sqrt(2)


@pytest.mark.claim("functions.cross-entropy.softmax-first")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_a_softmax_before_cross_entropy_squashes_loss_and_gradient(device, dtype, data):
    scores, _, labels, _ = data.draw(classification(device, dtype, bound=60.0))
    classes = scores.shape[1]
    lower, upper = squashed_bounds(classes)
    leaf = scores.detach().clone().requires_grad_()
    losses = F.cross_entropy(F.softmax(leaf, dim=1), labels, reduction="none")
    (grad,) = torch.autograd.grad(losses.sum(), leaf)  # row i: sample i's own gradient
    call = f"F.cross_entropy(F.softmax({describe(scores)}, 1), {labels.tolist()}, reduction='none')"
    slack = 1e-5 if dtype == torch.float32 else 1e-12
    outside = f"{call} = {losses.tolist()} left [{lower}, {upper}]"
    assert (losses >= lower - slack).all(), outside
    assert (losses <= upper + slack).all(), outside
    assert (grad.norm(dim=1) <= gradient_bound(classes) + slack).all(), (
        f"gradient norms {grad.norm(dim=1).tolist()} of {call}"
    )


@pytest.mark.claim("functions.cross-entropy.softmax-first")
@settings(max_examples=examples(1 / 4))
@given(
    dtype=st.sampled_from(WIDE_FLOATING),
    classes=st.integers(2, 12),
    margin=st.floats(40.0, 80.0),
    data=st.data(),
)
def test_a_saturated_softmax_leaves_no_gradient_where_the_raw_loss_has_most(
    device, dtype, classes, margin, data
):
    picked = data.draw(st.integers(0, classes - 1), label="class the network is sure of")
    label = data.draw(st.integers(0, classes - 1).filter(lambda c: c != picked), label="label")
    scores = torch.zeros(1, classes, dtype=dtype, device=device)
    scores[0, picked] = margin
    target = torch.tensor([label], device=device)
    lower, upper = squashed_bounds(classes)
    call = f"scores {margin} on class {picked} of {classes}, label {label}, {dtype}"

    twice = F.cross_entropy(F.softmax(scores, dim=1), target)
    once = F.cross_entropy(scores, target)
    squashed_grad = grad_of(lambda z: F.cross_entropy(F.softmax(z, dim=1), target), scores)
    plain_grad = grad_of(lambda z: F.cross_entropy(z, target), scores)
    # Confidently wrong: the squashed loss is at its ceiling, and its gradient is all but gone.
    assert math.isclose(twice.item(), upper, rel_tol=1e-6), call
    assert squashed_grad.norm().item() < 1e-12, f"{call}: {squashed_grad.tolist()}"
    # The plain loss grows with the margin, and its gradient is at its largest, sqrt(2).
    assert once.item() > margin - 1e-3, call
    assert math.isclose(plain_grad.norm().item(), math.sqrt(2), rel_tol=1e-6), call
    # Confidently right: the plain loss goes to 0, the squashed one stays above log(1 + (C-1)/e).
    right = torch.tensor([picked], device=device)
    assert F.cross_entropy(scores, right).item() < 1e-12, call
    assert math.isclose(
        F.cross_entropy(F.softmax(scores, dim=1), right).item(), lower, rel_tol=1e-6
    ), call


@pytest.mark.claim("functions.cross-entropy.softmax-first")
@settings(max_examples=examples(1 / 4))  # a Linear head, forward and backward, per example
@given(
    images=npst.arrays(np.float64, (4, 16), elements=st.floats(-1, 1)),
    labels=npst.arrays(np.int64, (4,), elements=st.integers(0, 9)),
)
def test_notes_003_lenet_head_with_softmax_has_the_squashed_loss(device, images, labels):
    # LeNet's classifier ends Linear(84, 10) then Softmax(dim=1); a narrower Linear(16, 10) head.
    with seeded(0):
        head = nn.Linear(16, 10).to(device)
    inputs, targets = (
        torch.tensor(images, dtype=torch.float32, device=device),
        torch.tensor(labels, device=device),
    )
    with_softmax = nn.Sequential(head, nn.Softmax(dim=1))
    loss = nn.CrossEntropyLoss()(with_softmax(inputs), targets)
    lower, upper = squashed_bounds(10)
    assert lower - 1e-6 <= loss.item() <= upper + 1e-6
    # Each sample's gradient with respect to its scores is at most gradient_bound(10) long, and
    # the bias gradient is their mean: squeezed by the softmax's Jacobian, whatever the weights.
    (bias_grad,) = torch.autograd.grad(loss, head.bias)
    assert bias_grad.norm().item() <= gradient_bound(10) + 1e-6, bias_grad.tolist()


# MSE -----------------------------------------------------------------------------------------


@pytest.mark.claim("functions.mse-loss.mean-over-elements")
@settings(max_examples=examples(1 / 4))
@given(dtype=st.sampled_from(WIDE_FLOATING), data=st.data())
def test_mse_loss_is_the_mean_over_every_element(device, dtype, data):
    a, a_array = data.draw(float_tensors(device, dtype, bound=100.0))
    b, b_array = data.draw(float_tensors(device, dtype, bound=100.0, shape=a_array.shape))
    call = f"F.mse_loss({describe(a)}, {describe(b)})"
    squares = (a_array - b_array) ** 2
    loss = nn.MSELoss()(a, b)
    assert loss.shape == (), call
    assert loss.dtype == dtype, call
    assert_close(loss, squares.mean(), call, ROUNDED_ONCE)
    assert_close(loss, ref.mse_loss(a_array, b_array), call, ROUNDED_ONCE)
    assert_close(
        F.mse_loss(a, b, reduction="sum"), squares.sum(), f"reduction='sum' in {call}", ROUNDED_ONCE
    )
    none = F.mse_loss(a, b, reduction="none")
    assert none.shape == a.shape, call
    assert_close(none, squares, f"reduction='none' in {call}", ROUNDED_ONCE)
    per_sample = squares.reshape(squares.shape[0], -1).mean(axis=1).mean()
    assert_close(
        loss, per_sample, f"{call} against the mean of per-sample means (equal sizes)", ROUNDED_ONCE
    )


@pytest.mark.claim("functions.mse-loss.mean-over-elements")
def test_mse_loss_of_mismatched_shapes_warns_and_broadcasts(device):
    prediction = torch.tensor([1.0, 2.0, 3.0], device=device)  # (N,)
    target = prediction.unsqueeze(1)  # (N, 1): the same numbers
    with pytest.warns(UserWarning, match="target size .* different to the input size"):
        errors = F.mse_loss(prediction, target, reduction="none")
    assert errors.shape == (3, 3), "broadcasting (3,) against (3, 1) gave another shape"
    with pytest.warns(UserWarning, match="different to the input size"):
        loss = F.mse_loss(prediction, target)
    assert errors.sum().item() == 2 * (1 + 4 + 1), "the (3, 3) table of errors (j - i)**2"
    assert math.isclose(loss.item(), 12 / 9, rel_tol=1e-6), "the table's mean, not 0"

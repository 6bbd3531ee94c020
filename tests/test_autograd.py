"""spec/autograd.md: leaves and graphs, worked gradients, accumulation, backward(gradient=v),
grad modes, and what autograd refuses."""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from torch import nn

from reference.autograd import numerical_jacobian, vjp
from tests.harness.assertions import assert_close
from tests.harness.dtypes import SHARED_DTYPES, WIDE_FLOATING, dtype_name, torch_dtype
from tests.harness.models import tiny_model
from tests.harness.profiles import examples
from tests.harness.strategies import shapes
from tests.harness.tolerances import DIFFERENCED, REORDERED, ROUNDED_ONCE, tolerance
from tests.harness.torch_settings import seeded
from tests.harness.versions import torch_version

small_floats = st.floats(-2, 2, allow_nan=False, width=32)


def float_arrays(shape=None, elements=small_floats):
    return npst.arrays(
        np.float64,
        shape if shape is not None else shapes(max_dims=3, max_side=4),
        elements=elements,
    )


def as_float64(array) -> torch.Tensor:
    """A CPU float64 tensor of expected values (0-d results of NumPy arithmetic included)."""
    return torch.tensor(np.asarray(array, dtype=np.float64))


def leaf(array, device, dtype=torch.float32):
    return torch.tensor(array, dtype=dtype, device=device, requires_grad=True)


def assert_grad_is_vjp(grad: torch.Tensor, f, x: np.ndarray, v: np.ndarray, device: str) -> None:
    """`grad` is `reference.autograd.vjp(f, x, v)`, to the policy's DIFFERENCED tolerance of its
    dtype on `device`, the absolute part scaled by `jacobian_size`, the Jacobian's largest column
    1-norm (at least 1): the most |J^T v| can be for entries of v in [-1, 1]."""
    dtype = grad.dtype
    allowed = tolerance(DIFFERENCED, dtype, device)
    jacobian_size = max(1.0, float(np.abs(numerical_jacobian(f, x)).sum(axis=0).max()))
    torch.testing.assert_close(
        grad.cpu(),
        as_float64(vjp(f, x, v)).to(dtype),
        rtol=allowed.rtol,
        atol=allowed.atol * jacobian_size,
        msg=lambda m: f"f = {f}, x = {x.tolist()}, v = {v.tolist()}: {m}",
    )


# Smooth functions built from a recipe, applied alike to NumPy arrays and to tensors ----------


@dataclass(frozen=True)
class Step:
    name: str  # see STEP_NAMES
    operand: object = None  # a float for scale/shift, a float64 array for matmul/addrow/mulcol

    def apply(self, value):
        tensor = isinstance(value, torch.Tensor)
        operand = self.operand
        if isinstance(operand, np.ndarray) and tensor:
            operand = torch.tensor(operand, dtype=value.dtype, device=value.device)
        if self.name == "matmul":
            return value @ operand
        if self.name in ("scale", "mulcol"):  # mulcol: a (rows, 1) column, broadcast along rows
            return value * operand
        if self.name in ("shift", "addrow"):  # addrow: a (columns,) row, broadcast down columns
            return value + operand
        if self.name == "square":
            return value * value
        if self.name in ("rowsum", "colmean", "center", "shrink"):
            if tensor:
                rowsum = lambda t: t.sum(dim=1, keepdim=True)  # noqa: E731
                colmean = lambda t: t.mean(dim=0, keepdim=True)  # noqa: E731
            else:
                rowsum = lambda a: a.sum(axis=1, keepdims=True)  # noqa: E731
                colmean = lambda a: a.mean(axis=0, keepdims=True)  # noqa: E731
            if self.name == "rowsum":  # (rows, columns) -> (rows, 1)
                return rowsum(value)
            if self.name == "colmean":  # (rows, columns) -> (1, columns)
                return colmean(value)
            if self.name == "center":  # each row minus its mean: a reduction broadcast back
                return value - rowsum(value) / value.shape[1]
            return value / (1 + rowsum(value * value))  # shrink: each row by 1 + its square norm
        library = torch if tensor else np
        return getattr(library, self.name)(value)


# Elementwise steps, a product with a drawn matrix, broadcasting against a drawn row or column,
# and reductions over either axis (kept as a dimension of size 1, or broadcast back).
STEP_NAMES = (
    "sin",
    "tanh",
    "square",
    "scale",
    "shift",
    "matmul",
    "addrow",
    "mulcol",
    "rowsum",
    "colmean",
    "center",
    "shrink",
)


@dataclass(frozen=True)
class SmoothFunction:
    steps: tuple[Step, ...]

    def __call__(self, value):
        for step in self.steps:
            value = step.apply(value)
        return value

    def __repr__(self) -> str:
        return " -> ".join(
            s.name if s.operand is None else f"{s.name}({np.round(s.operand, 3).tolist()})"
            for s in self.steps
        )


@st.composite
def smooth_functions(draw):
    """`(f, x, v)`: a chain of 1 to 3 smooth steps `f` on a 2-d input `x` (rows, columns), and a
    `v` shaped like `f(x)`. Steps (`STEP_NAMES`): elementwise sin, tanh, squaring, scaling and
    shifting; right-multiplication by a drawn matrix (which changes the number of columns);
    adding a drawn row vector and multiplying by a drawn column, both broadcast; summing each row
    and averaging each column (keeping the dimension); subtracting each row's mean; dividing each
    row by one plus its squared norm. The last four couple elements, so the Jacobian is not
    diagonal. Inputs lie in [-2, 2], drawn operands and `v` in [-1, 1], so values and gradients
    stay moderate."""
    rows, columns = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    steps, height, width = [], rows, columns
    unit = st.floats(-1, 1)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(STEP_NAMES))
        if name in ("scale", "shift"):
            steps.append(Step(name, draw(small_floats)))
        elif name == "matmul":
            out = draw(st.integers(1, 3))
            steps.append(Step(name, draw(float_arrays((width, out), unit))))
            width = out
        elif name == "addrow":
            steps.append(Step(name, draw(float_arrays((width,), unit))))
        elif name == "mulcol":
            steps.append(Step(name, draw(float_arrays((height, 1), unit))))
        else:
            steps.append(Step(name))
            width = 1 if name == "rowsum" else width
            height = 1 if name == "colmean" else height
    x = draw(float_arrays((rows, columns)))
    v = draw(float_arrays((height, width), unit))
    return SmoothFunction(tuple(steps)), x, v


# The graph -----------------------------------------------------------------------------------


@pytest.mark.claim("autograd.graph.grad-fn-names")
@given(array=float_arrays(shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
def test_each_recorded_op_names_its_backward(device, array):
    x = leaf(array, device)
    call = f"x = {array.tolist()} with requires_grad=True"
    for result, name in (
        (x + 2, "AddBackward0"),
        (x * x, "MulBackward0"),
        (x - 1, "SubBackward0"),
        (x.mean(), "MeanBackward0"),
        (x.sum(), "SumBackward0"),
        (x.exp(), "ExpBackward0"),
        (torch.relu(x), "ReluBackward0"),
    ):
        assert result.requires_grad, call
        assert type(result.grad_fn).__name__ == name, f"{call}: {result.grad_fn} is not {name}"
    y = x + 2
    z = y * y * 3
    # each node points at the nodes of its inputs: z's MulBackward0 -> MulBackward0 -> Add...
    names = [type(node).__name__ for node, _ in z.grad_fn.next_functions if node is not None]
    assert "MulBackward0" in names, f"{call}: z.grad_fn.next_functions = {names}"
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad", call


def branching_forward(x: torch.Tensor) -> torch.Tensor:
    """An `if` on the data: (x * x).sum() where the elements sum above 0, else x.exp().sum()."""
    return (x * x).sum() if x.sum() > 0 else x.exp().sum()


def recorded_names(out: torch.Tensor) -> list[str]:
    """The nodes from `out.grad_fn` back to the leaves, along each node's first input."""
    names, node = [], out.grad_fn
    while node is not None:
        names.append(type(node).__name__)
        node = node.next_functions[0][0] if node.next_functions else None
    return names


@pytest.mark.claim("autograd.graph.dynamic")
@given(  # whole numbers, whose sum, and so the branch, does not depend on the order of adding
    array=float_arrays(
        shapes(min_dims=1, max_dims=2, min_side=1, max_side=4), st.integers(-3, 3).map(float)
    )
)
@example(array=np.array([1.0, 2.0]))  # the up branch
@example(array=np.array([-1.0, 0.0]))  # the down branch
def test_an_if_on_the_data_decides_what_is_recorded(device, array):
    x = leaf(array, device, torch.float64)
    out = branching_forward(x)
    up = array.sum() > 0
    call = f"branching_forward(x = {array.tolist()})"
    expected = ["SumBackward0", "MulBackward0" if up else "ExpBackward0", "AccumulateGrad"]
    assert recorded_names(out) == expected, call
    out.backward()
    want = 2 * array if up else np.exp(array)
    assert_close(x.grad, want, f"the gradient of {call}", ROUNDED_ONCE, {"x": array})


@pytest.mark.claim("autograd.graph.dynamic")
@given(k=st.integers(0, 12))
@example(k=0)
@example(k=10)
def test_a_loop_records_one_node_per_pass(device, k):
    x = torch.ones(3, dtype=torch.float64, device=device, requires_grad=True)
    y = x
    for _ in range(k):
        y = y * 2
    out = y.sum()
    assert recorded_names(out) == ["SumBackward0", *["MulBackward0"] * k, "AccumulateGrad"], k
    out.backward()
    assert x.grad.tolist() == [2.0**k] * 3, f"{k} doublings"


@pytest.mark.claim("autograd.graph.leaves")
@given(array=float_arrays(), requires=st.booleans())
def test_user_tensors_are_leaves_and_results_are_not(device, array, requires):
    x = torch.tensor(array, dtype=torch.float32, device=device, requires_grad=requires)
    assert x.is_leaf
    assert x.grad_fn is None
    assert x.requires_grad == requires
    y = x * 2 + 1
    assert y.is_leaf == (not requires), f"(x * 2 + 1).is_leaf with x.requires_grad={requires}"
    assert (y.grad_fn is None) == (not requires)
    assert y.requires_grad == requires
    assert (x.detach() * 2).is_leaf  # nothing to record: a leaf that does not require grad


@pytest.mark.claim("autograd.requires-grad.floating-only")
@given(name=st.sampled_from([dtype.name for dtype in SHARED_DTYPES] + ["bfloat16"]))
@example(name="int64")  # the notes' integer tensor, refused
@example(name="float32")  # the notes' floating point tensor, allowed
def test_only_floating_and_complex_tensors_can_require_grad(device, name):
    dtype = torch_dtype(name)
    if name == "bfloat16" or np.dtype(name).kind in "fc":
        assert torch.empty(2, dtype=dtype, device=device).requires_grad_().requires_grad, name
        assert torch.zeros(2, dtype=dtype, device=device, requires_grad=True).is_leaf, name
        return
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
        torch.zeros(2, dtype=dtype, device=device, requires_grad=True)
    tensor = torch.empty(2, dtype=dtype, device=device)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require"):
        tensor.requires_grad_()
    assert not tensor.requires_grad, f"{name} tensor kept requires_grad after refusing it"


@pytest.mark.claim("autograd.requires-grad.flag-in-place")
@given(array=float_arrays(), flags=st.lists(st.booleans(), max_size=4))
def test_requires_grad_underscore_sets_the_flag_on_the_same_tensor(device, array, flags):
    a = torch.tensor(array, dtype=torch.float32, device=device)
    assert not a.requires_grad  # the attribute's default
    assert a.requires_grad_(True) is a
    assert a.requires_grad
    for flag in flags:
        assert a.requires_grad_(flag) is a, f"requires_grad_({flag})"
        assert a.requires_grad == flag, f"requires_grad_({flag})"
    a.requires_grad_(True)
    b = (a * a).sum()
    assert type(b.grad_fn).__name__ == "SumBackward0"


@pytest.mark.claim("autograd.requires-grad.flag-in-place")
def test_notes_002_requires_grad_underscore_true(device):
    a = torch.tensor([[0.5, -1.0], [2.0, 3.0]], device=device)  # torch.randn(2, 2) in notes 002
    a = (a * 3) / (a - 1)
    assert not a.requires_grad
    a.requires_grad_(True)
    assert a.requires_grad
    b = (a * a).sum()
    assert type(b.grad_fn).__name__ == "SumBackward0"


@pytest.mark.claim("autograd.requires-grad.default-flag-true")
@example(array=np.array([[0.5, -1.0], [2.0, 3.0]]), dtype=torch.float32, start=False)
@given(array=float_arrays(), dtype=st.sampled_from(WIDE_FLOATING), start=st.booleans())
def test_requires_grad_underscore_defaults_to_true(device, array, dtype, start):
    a = torch.tensor(array, dtype=dtype, device=device, requires_grad=start)
    assert a.requires_grad_() is a
    # notes 002: "if not given, the default flag is False"; it is True, whatever the flag was
    assert a.requires_grad, f"requires_grad_() on a tensor with requires_grad={start}"
    b = (a * a).sum()
    assert type(b.grad_fn).__name__ == "SumBackward0", "requires_grad_() did not turn tracking on"


@pytest.mark.claim("autograd.requires-grad.default-flag-true")
def test_notes_002_requires_grad_underscore_without_a_flag(device):
    a = torch.tensor([[0.5, -1.0], [2.0, 3.0]], device=device)
    a = (a * 3) / (a - 1)
    assert not a.requires_grad  # what is False by default: a new tensor's attribute
    a.requires_grad_()
    assert a.requires_grad, "a.requires_grad_() left the flag False"
    a.requires_grad_()
    assert a.requires_grad, "a second a.requires_grad_() turned the flag off"


@pytest.mark.claim("autograd.requires-grad.flag-in-place")
def test_requires_grad_underscore_refuses_a_non_leaf(device):
    y = torch.ones(2, device=device, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)


# Worked examples -----------------------------------------------------------------------------


@pytest.mark.claim("autograd.example.mean-of-squares")
@given(
    array=float_arrays(shapes(max_dims=3, min_side=1, max_side=4)),
    dtype=st.sampled_from(WIDE_FLOATING),
)
def test_mean_of_three_squares_has_gradient_six_y_over_n(device, array, dtype):
    x = leaf(array, device, dtype)
    out = ((x + 2) * (x + 2) * 3).mean()
    out.backward()
    expected = 6 * (array + 2) / array.size  # d/dx_i of (1/n) sum 3 (x_i + 2)^2
    assert_close(x.grad, expected, f"mean(3 (x + 2)^2) for x = {array.tolist()}", ROUNDED_ONCE)


@pytest.mark.claim("autograd.example.mean-of-squares")
def test_notes_002_mean_of_squares_is_four_and_a_half(device):
    x = torch.ones(2, 2, device=device, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    assert z.tolist() == [[27.0, 27.0], [27.0, 27.0]]
    assert out.item() == 27.0
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]  # 6 * 3 / 4


@pytest.mark.claim("autograd.example.affine-leaves")
@given(w=small_floats, b=small_floats, x=small_floats, dtype=st.sampled_from(WIDE_FLOATING))
@example(w=0.5, b=-1.0, x=2.0, dtype=torch.float32)  # notes 003's x = torch.Tensor([2])
def test_w_gets_x_and_b_gets_one(device, w, b, x, dtype):
    weight = torch.tensor([w], dtype=dtype, device=device, requires_grad=True)
    bias = torch.tensor([b], dtype=dtype, device=device, requires_grad=True)
    data = torch.tensor([x], dtype=dtype, device=device)
    z = torch.add(torch.mul(weight, data), bias)
    z.backward()
    assert weight.grad.item() == x, f"z = {w} * {x} + {b}"
    assert bias.grad.item() == 1.0, f"z = {w} * {x} + {b}"
    assert data.grad is None
    assert not data.requires_grad
    assert data.is_leaf
    assert type(z.grad_fn).__name__ == "AddBackward0"


@pytest.mark.claim("autograd.example.jacobian-appendix")
@given(
    x=float_arrays(shapes(min_dims=1, max_dims=2, min_side=1)),
    data=st.data(),
    dtype=st.sampled_from(WIDE_FLOATING),
)
def test_gradient_of_three_x_squared_minus_y_squared(device, x, data, dtype):
    y = data.draw(float_arrays(x.shape), label="y")
    v = data.draw(float_arrays(x.shape), label="v")
    xt, yt = leaf(x, device, dtype), leaf(y, device, dtype)
    q = 3 * xt**2 - yt**2
    q.backward(gradient=torch.tensor(v, dtype=dtype, device=device))
    call = f"Q = 3x^2 - y^2, x={x.tolist()}, y={y.tolist()}, Q.backward({v.tolist()})"
    assert_close(xt.grad, 6 * x * v, f"x.grad of {call}", ROUNDED_ONCE)
    assert_close(yt.grad, -2 * y * v, f"y.grad of {call}", ROUNDED_ONCE)


@pytest.mark.claim("autograd.example.jacobian-appendix")
def test_notes_003_appendix_numbers(device):
    x = torch.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = torch.tensor([2.0, 3.0], device=device, requires_grad=True)
    (3 * x**2 - y**2).backward(gradient=torch.tensor([1.0, 1.0], device=device))
    # dQ/dx = 6x and dQ/dy = -2y times v = [1, 1]: the appendix's diagonal Jacobians times v
    assert x.grad.tolist() == [6 * 1.0, 6 * 2.0] == [6.0, 12.0]
    assert y.grad.tolist() == [-2 * 2.0, -2 * 3.0] == [-4.0, -6.0]


@pytest.mark.claim("autograd.example.appendix-formulas")
def test_notes_003_appendix_formulas_are_slips(device):
    x = torch.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = torch.tensor([2.0, 3.0], device=device, requires_grad=True)
    z = 3 * x**2 - y**2
    assert z.tolist() == [-1.0, 3.0]
    assert (3 * x.detach() ** 3 - y.detach() ** 2).tolist() == [-1.0, 15.0]  # "z_1=3x_1^3-y^2"
    z.backward(gradient=torch.tensor([1.0, 1.0], device=device))
    assert x.grad.tolist() == [6.0, 12.0]  # 6x
    assert (6 * x.detach() ** 2).tolist() == [6.0, 24.0]  # the appendix's "6x^2"
    assert (9 * x.detach() ** 2).tolist() == [9.0, 36.0]  # the derivative of 3x^3


# Halves and small integers: every product below is exact. 0 and 1 are left out, the two points
# where 6x and 6x^2 (and x^2 and x^3) agree.
away_from_zero_and_one = st.sampled_from([-2.0, -1.5, -1.0, -0.5, 0.5, 1.5, 2.0])


@pytest.mark.claim("autograd.example.appendix-formulas")
@given(
    x=float_arrays(shapes(min_dims=1, max_dims=2, min_side=1), away_from_zero_and_one),
    data=st.data(),
    dtype=st.sampled_from(WIDE_FLOATING),
)
def test_the_gradient_is_six_x_not_six_x_squared(device, x, data, dtype):
    y = data.draw(float_arrays(x.shape, away_from_zero_and_one), label="y")
    v = data.draw(float_arrays(x.shape, st.sampled_from([-1.0, -0.5, 0.5, 1.0])), label="v")
    xt, yt = leaf(x, device, dtype), leaf(y, device, dtype)
    z = 3 * xt**2 - yt**2
    call = f"z = 3x^2 - y^2, x={x.tolist()}, y={y.tolist()}, z.backward({v.tolist()})"
    assert torch.equal(z.detach().cpu(), as_float64(3 * x**2 - y**2).to(dtype)), call
    assert (z.detach().cpu() != as_float64(3 * x**3 - y**2).to(dtype)).all(), call
    z.backward(gradient=torch.tensor(v, dtype=dtype, device=device))
    grad = xt.grad.cpu()
    assert torch.equal(grad, as_float64(6 * x * v).to(dtype)), f"x.grad of {call}"
    assert (grad != as_float64(6 * x**2 * v).to(dtype)).all(), f"x.grad of {call} is 6x^2 v"
    assert (grad != as_float64(9 * x**2 * v).to(dtype)).all(), f"x.grad of {call} is 9x^2 v"


def doublings(norm: float, threshold: float = 1000.0) -> int:
    """How many times notes 002's loop multiplies by 2: once, then while the norm < threshold."""
    k = 1
    while norm * 2**k < threshold:
        k += 1
    return k


@pytest.mark.claim("autograd.example.doubling-loop")
@given(
    x=float_arrays((3,), st.floats(-2, 2, width=32).filter(lambda f: abs(f) >= 0.01)),
    v=float_arrays((3,)),
)
@example(x=np.array([1.0, 1.0, 1.0]), v=np.array([0.1, 1.0, 0.0001]))  # notes 002's v; k = 10
def test_doubling_until_the_norm_passes_1000_scales_v_by_two_to_the_k(device, x, v):
    xt = leaf(x, device)
    y = xt * 2
    k = 1
    while y.detach().norm() < 1000:
        y = y * 2
        k += 1
    assert k == doublings(float(np.linalg.norm(x))), f"x = {x.tolist()}"
    y.backward(torch.tensor(v, dtype=torch.float32, device=device))
    expected = torch.tensor(v, dtype=torch.float32) * 2**k  # exact: a power of two
    assert torch.equal(xt.grad.cpu(), expected), f"x = {x.tolist()}, v = {v.tolist()}, k = {k}"


@pytest.mark.claim("autograd.example.doubling-loop")
def test_notes_002_doubling_loop_reads_the_norm_through_data(device):
    with seeded(device=device):
        x = torch.randn(3, requires_grad=True, device=device)
    y = x * 2
    k = 1
    while y.data.norm() < 1000:
        y = y * 2
        k += 1
    assert k == doublings(float(x.detach().double().norm())), f"x = {x.tolist()}"
    gradients = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(gradients.to(device))
    assert torch.equal(x.grad.cpu(), gradients * 2**k), f"x = {x.tolist()}, k = {k}"


# Accumulation --------------------------------------------------------------------------------


@pytest.mark.claim("autograd.accumulate.adds-into-grad")
@given(
    x=float_arrays(shapes(min_side=1, max_side=3), st.integers(-8, 8).map(float)),
    k=st.integers(1, 5),
)
def test_k_backward_calls_give_k_times_the_gradient(device, x, k):
    xt = leaf(x, device, torch.float64)
    for _ in range(k):
        (xt * xt).sum().backward()  # a fresh graph each time
    assert torch.equal(xt.grad.cpu(), as_float64(k * 2 * x)), f"x = {x.tolist()}, k = {k}"
    w = leaf(x, device, torch.float64)
    loss = (w * w).sum()
    for _ in range(k):
        loss.backward(retain_graph=True)  # the same graph, kept
    assert torch.equal(w.grad.cpu(), as_float64(k * 2 * x))


@pytest.mark.claim("autograd.backward.graph-freed")
def test_a_second_backward_through_saved_tensors_raises(device):
    w = torch.ones(1, device=device, requires_grad=True)
    z = w * torch.tensor([2.0], device=device) + 1  # MulBackward0 saves the 2
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()
    assert w.grad.item() == 2.0  # unchanged by the refused call
    kept = w * torch.tensor([2.0], device=device)
    kept.backward(retain_graph=True)
    kept.backward()
    assert w.grad.item() == 6.0


@pytest.mark.claim("autograd.backward.graph-freed")
def test_a_graph_that_saved_nothing_can_be_run_twice(device):
    x = torch.ones(2, device=device, requires_grad=True)
    total = (x + 2).sum()  # AddBackward0 and SumBackward0 save no tensor
    total.backward()
    total.backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.claim("autograd.backward.retain-graph-not-accumulation")
def test_notes_003_retain_graph_line_gives_the_same_gradient(device):
    grads = []
    for retain in (False, True):
        w = torch.ones(1, device=device, requires_grad=True)
        z = w * torch.tensor([2.0], device=device) + 1
        z.backward(retain_graph=retain)  # the notes' z.backward(), and its commented alternative
        grads.append(w.grad.tolist())
    assert grads == [[2.0], [2.0]], "z.backward() vs z.backward(retain_graph=True)"
    (w * torch.tensor([3.0], device=device)).backward()  # a graph of its own, no retain_graph
    assert w.grad.tolist() == [5.0]


@pytest.mark.claim("autograd.backward.retain-graph-not-accumulation")
@given(w=float_arrays(shapes(min_side=1, max_side=3)), data=st.data())
def test_retain_graph_adds_nothing_and_accumulating_needs_no_retain_graph(device, w, data):
    x = torch.tensor(data.draw(float_arrays(w.shape), label="x"), device=device)

    def notes_graph(weight):  # notes 003's z = w * x + b, summed, b = 1
        return (weight * x + 1).sum()

    plain, kept = leaf(w, device, torch.float64), leaf(w, device, torch.float64)
    notes_graph(plain).backward()
    notes_graph(kept).backward(retain_graph=True)
    call = f"w = {w.tolist()}, x = {x.tolist()}"
    assert torch.equal(kept.grad, plain.grad), f"{call}: backward(retain_graph=True) added more"
    assert torch.equal(plain.grad, x), call
    notes_graph(plain).backward()  # a second graph, neither call with retain_graph
    assert torch.equal(plain.grad, 2 * x), f"{call}: two backward calls did not accumulate"


@pytest.mark.claim("autograd.zero-grad.none-since-2-0")
@pytest.mark.parametrize("owner", ["optimizer", "module"])
def test_zero_grad_sets_none_or_zeros(device, owner):
    model = tiny_model(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    zero_grad = optimizer.zero_grad if owner == "optimizer" else model.zero_grad
    default = inspect.signature(zero_grad).parameters["set_to_none"].default
    assert default is (torch_version() >= (2, 0)), f"{owner}.zero_grad(set_to_none={default})"
    # Two distinct samples for BatchNorm to train on. The first one's outputs give every parameter
    # a gradient that is not 0 but the Linear's bias (~0: BatchNorm subtracts the batch mean).
    batch = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], device=device)
    model(batch)[0].sum().backward()
    zero_grad()
    if torch_version() >= (2, 0):
        assert all(p.grad is None for p in model.parameters()), f"{owner}.zero_grad()"
    else:
        assert all(torch.equal(p.grad, torch.zeros_like(p)) for p in model.parameters())
    model(batch)[0].sum().backward()
    zero_grad(set_to_none=False)
    for p in model.parameters():
        assert p.grad is not None, f"{owner}.zero_grad(set_to_none=False)"
        assert torch.equal(p.grad, torch.zeros_like(p)), f"{owner}.zero_grad(set_to_none=False)"


@pytest.mark.claim("autograd.zero-grad.stale-gradient")
@given(
    first=float_arrays((2, 3), st.integers(-4, 4).map(float)),
    second=float_arrays((2, 3), st.integers(-4, 4).map(float)),
)
@settings(max_examples=examples(5 / 8))  # two models, three backward passes each, per example
def test_forgetting_zero_grad_adds_the_stale_gradient_to_the_step(device, first, second):
    lr = 0.5

    def one_step(forget: bool):
        """Train on `first`, then take an SGD step on `second`, with or without zero_grad
        between: the step's size per parameter, the gradient it used, and `first`'s gradient."""
        model = tiny_model(device).double()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)

        def loss(batch):
            return (model(torch.tensor(batch, device=device)) ** 2).sum()

        loss(first).backward()
        stale = [p.grad.clone() for p in model.parameters()]
        if not forget:
            optimizer.zero_grad()
        fresh = torch.autograd.grad(loss(second), list(model.parameters()))  # leaves .grad alone
        before = [p.detach().clone() for p in model.parameters()]
        loss(second).backward()
        used = [p.grad.clone() for p in model.parameters()]
        optimizer.step()
        moved = [b - p.detach() for b, p in zip(before, model.parameters(), strict=True)]
        return moved, used, stale, fresh

    kept, used_kept, _, fresh = one_step(forget=False)
    forgot, used_forgot, stale, _ = one_step(forget=True)
    call = f"SGD(lr={lr}) on batches {first.tolist()} then {second.tolist()}"
    for k, f, uk, uf, s, g in zip(kept, forgot, used_kept, used_forgot, stale, fresh, strict=True):
        assert torch.equal(uk, g), f"{call}: with zero_grad the step used another gradient"
        assert torch.equal(uf, s + g), f"{call}: without zero_grad .grad is not stale + fresh"
        assert_close(
            f - k, lr * s, f"{call}: the step without zero_grad less the step with it", REORDERED
        )


# Non-scalar backward -------------------------------------------------------------------------


@pytest.mark.claim("autograd.backward.scalar-only")
@given(shape=shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
@example(shape=())  # notes 002's scalar
@example(shape=(1, 1))  # one element, two dims
@example(shape=(3,))  # several elements: a gradient is needed
def test_backward_without_gradient_needs_one_element(device, shape):
    x = torch.ones(shape, device=device, requires_grad=True)
    y = x * 2
    if y.numel() == 1:
        y.backward()  # a one-element tensor counts as a scalar, whatever its shape
        assert x.grad.tolist() == torch.full(shape, 2.0).tolist()
        return
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        y.backward()
    assert x.grad is None


@pytest.mark.claim("autograd.backward.tensor-by-tensor")
def test_notes_003_q_differentiated_by_a_tensor(device):
    x = torch.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = torch.tensor([2.0, 3.0], device=device, requires_grad=True)
    q = 3 * x**2 - y**2  # two elements: a tensor, not a scalar
    ones = torch.ones(2, device=device)
    grad_x, grad_y = torch.autograd.grad(q, (x, y), grad_outputs=ones)
    assert grad_x.tolist() == [6.0, 12.0], "dQ/dx . [1, 1]"
    assert grad_y.tolist() == [-4.0, -6.0], "dQ/dy . [1, 1]"
    jac_x, jac_y = torch.autograd.functional.jacobian(
        lambda a, b: 3 * a**2 - b**2, (x.detach(), y.detach())
    )
    assert jac_x.tolist() == [[6.0, 0.0], [0.0, 12.0]], "dQ/dx"
    assert jac_y.tolist() == [[-4.0, 0.0], [0.0, -6.0]], "dQ/dy"


@pytest.mark.claim("autograd.backward.tensor-by-tensor")
@pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)
@given(case=smooth_functions())
@settings(max_examples=examples(5 / 8))  # one backward pass per element of f(x)
def test_jacobian_of_a_tensor_by_a_tensor(device, dtype, case):
    f, x, _ = case
    jac = torch.autograd.functional.jacobian(f, torch.tensor(x, dtype=dtype, device=device))
    out_shape = np.shape(f(x))
    assert jac.shape == out_shape + x.shape, f"f = {f}: jacobian of shape {tuple(jac.shape)}"
    for index in np.ndindex(out_shape):  # row `index` of J is J^T e_index
        unit = np.zeros(out_shape)
        unit[index] = 1.0
        assert_grad_is_vjp(jac[index], f, x, unit, device)


@pytest.mark.claim("autograd.backward.vector-jacobian-product")
@pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)
@given(case=smooth_functions())
@settings(max_examples=examples(5 / 4))
def test_backward_with_gradient_is_j_transpose_v(device, dtype, case):
    f, x, v = case
    xt = leaf(x, device, dtype)
    out = f(xt)
    assert out.shape == v.shape
    out.backward(gradient=torch.tensor(v, dtype=dtype, device=device))
    assert_grad_is_vjp(xt.grad, f, x, v, device)


FIXED_OPERANDS = {
    "scale": -1.5,
    "shift": 0.75,
    "matmul": np.array([[1.0, -0.5], [0.25, 0.5], [2.0, -1.0]]),
    "addrow": np.array([0.5, -1.0, 0.25]),
    "mulcol": np.array([[2.0], [-0.5], [1.0]]),
}


@pytest.mark.claim("autograd.backward.vector-jacobian-product")
@pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)
def test_every_step_kind_gives_j_transpose_v(device, dtype):
    """Each kind of step, which the drawn chains reach only by chance, between a product with a
    matrix (so the input mixes) and a tanh: on a fixed (3, 2) input, against central
    differences, and through gradcheck in float64."""
    x = np.array([[0.3, -1.2], [1.5, 0.4], [-0.7, 0.9]])
    mix = Step("matmul", np.array([[1.0, -0.5, 0.25], [0.5, 2.0, -1.0]]))  # (3, 2) -> (3, 3)
    for name in STEP_NAMES:
        f = SmoothFunction((mix, Step(name, FIXED_OPERANDS.get(name)), Step("tanh")))
        out_shape = np.shape(f(x))
        v = np.linspace(-1.0, 1.0, int(np.prod(out_shape))).reshape(out_shape)
        xt = leaf(x, device, dtype)
        f(xt).backward(gradient=torch.tensor(v, dtype=dtype, device=device))
        assert_grad_is_vjp(xt.grad, f, x, v, device)
        x64 = torch.tensor(x, dtype=torch.float64, device=device, requires_grad=True)
        assert torch.autograd.gradcheck(f, (x64,)), f"gradcheck of f = {f}"


@pytest.mark.claim("autograd.backward.vector-jacobian-product")
@given(case=smooth_functions())
@settings(max_examples=examples(5 / 8))  # gradcheck differences f once for every input element
def test_gradcheck_agrees_on_the_same_functions(device, case):
    f, x, _ = case
    xt = torch.tensor(x, dtype=torch.float64, device=device, requires_grad=True)
    assert torch.autograd.gradcheck(f, (xt,), eps=1e-6, atol=1e-5, rtol=1e-3), f"f = {f}"


@pytest.mark.claim("autograd.backward.implicit-one")
@given(case=smooth_functions(), dtype=st.sampled_from(WIDE_FLOATING))
@settings(max_examples=examples(5 / 4))
def test_backward_of_a_scalar_seeds_one(device, case, dtype):
    f, x, _ = case
    grads = []
    for seed in (
        None,
        torch.tensor(1.0, dtype=dtype, device=device),
        torch.tensor(1, device=device),
    ):
        xt = leaf(x, device, dtype)
        out = f(xt).sum()
        out.backward() if seed is None else out.backward(seed)
        grads.append(xt.grad)
    assert torch.equal(grads[0], grads[1]), f"f = {f}: backward() vs backward(tensor(1.))"
    assert torch.equal(grads[0], grads[2]), f"f = {f}: backward() vs backward(tensor(1))"


# Non-leaves ----------------------------------------------------------------------------------


@pytest.mark.claim("autograd.non-leaf.grad-is-none")
@given(array=float_arrays(shapes(min_side=1, max_side=3)), keep=st.booleans())
def test_non_leaf_grad_is_kept_only_with_retain_grad(device, array, keep):
    x = leaf(array, device)
    y = x * 2
    if keep:
        y.retain_grad()
    (y * y).sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grad = y.grad
    warned = [w for w in caught if "not a leaf Tensor" in str(w.message)]
    if keep:
        assert not warned, "y.retain_grad(); y.grad warned"
        assert torch.equal(grad, 2 * y.detach()), "y.retain_grad(); y.grad"
    else:
        assert grad is None, "y.grad of a non-leaf"
        assert warned, f"no warning on y.grad: {[str(w.message) for w in caught]}"
        assert all(w.category is UserWarning for w in warned)
    assert torch.equal(x.grad, 8 * x.detach())


# Grad modes ----------------------------------------------------------------------------------


@torch.no_grad()
def doubler(x):
    return x * 2


@pytest.mark.claim("autograd.no-grad.context-and-decorator")
@given(array=float_arrays())
def test_no_grad_records_nothing(device, array):
    x = leaf(array, device)
    with torch.no_grad():
        y = x * 2
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    z = doubler(x)
    for result, how in ((y, "with torch.no_grad()"), (z, "@torch.no_grad()")):
        assert not result.requires_grad, how
        assert result.grad_fn is None, how
        assert result.is_leaf, how
        assert torch.equal(result, x.detach() * 2), how
    assert x.requires_grad
    assert (x**2).requires_grad


@pytest.mark.claim("autograd.no-grad.context-and-decorator")
def test_no_grad_restores_the_mode_when_the_block_raises(device):
    @torch.no_grad()
    def failing(t):
        raise ValueError(f"inside with grad mode {torch.is_grad_enabled()}")

    with pytest.raises(ValueError, match="grad mode False"):
        failing(torch.ones(1, device=device))
    assert torch.is_grad_enabled()
    with pytest.raises(ValueError, match="in the block"), torch.no_grad():
        raise ValueError("in the block")
    assert torch.is_grad_enabled()


@pytest.mark.claim("autograd.enable-grad.inside-no-grad")
def test_enable_grad_turns_recording_back_on(device):
    x = torch.ones(2, device=device, requires_grad=True)

    @torch.enable_grad()
    def tracked(t):
        return t * 2

    with torch.no_grad():
        with torch.enable_grad():
            inner = x * 2
        outer = x * 2
        decorated = tracked(x)
    assert inner.requires_grad
    assert type(inner.grad_fn).__name__ == "MulBackward0"
    assert decorated.requires_grad
    assert not outer.requires_grad


@pytest.mark.claim("autograd.set-grad-enabled.notes-table")
def test_notes_003_set_grad_enabled_table(device):
    x = torch.ones(2, 2, device=device, requires_grad=True)
    try:
        torch.set_grad_enabled(False)
        y = x * 2
        w = torch.ones(3, 3, device=device)
        z = torch.ones(3, 3, device=device, requires_grad=True)
    finally:
        torch.set_grad_enabled(True)
    m = x**2
    table = {name: t.requires_grad for name, t in zip("xywzm", (x, y, w, z, m), strict=True)}
    assert table == {"x": True, "y": False, "w": False, "z": True, "m": True}


@pytest.mark.claim("autograd.set-grad-enabled.no-mode-default")
def test_notes_003_m_is_on_because_x_is(device):
    x = torch.ones(2, 2, device=device, requires_grad=True)
    try:
        torch.set_grad_enabled(False)
        y = x * 2
        w = torch.ones(3, 3, device=device)
    finally:
        torch.set_grad_enabled(True)
    m = x**2
    assert m.requires_grad
    # notes 003: "tensors made after turning it on are all on by default"; they are not
    assert not torch.ones(3, 3, device=device).requires_grad, "a tensor made with grad mode on"
    assert not (w**2).requires_grad, "w ** 2, with grad mode on"
    assert not y.requires_grad, "set_grad_enabled(True) turned y on"


NEW_TENSORS = {
    "torch.ones(2, 3)": lambda device: torch.ones(2, 3, device=device),
    "torch.zeros(2, 3)": lambda device: torch.zeros(2, 3, device=device),
    "torch.full((2,), 0.5)": lambda device: torch.full((2,), 0.5, device=device),
    "torch.empty(3)": lambda device: torch.empty(3, device=device),
    "torch.eye(2)": lambda device: torch.eye(2, device=device),
    "torch.arange(3.0)": lambda device: torch.arange(3.0, device=device),
    "torch.tensor([1.0, 2.0])": lambda device: torch.tensor([1.0, 2.0], device=device),
}


@pytest.mark.claim("autograd.set-grad-enabled.no-mode-default")
@given(mode=st.booleans(), made=st.sampled_from(sorted(NEW_TENSORS)))
def test_grad_mode_is_no_default_for_new_tensors(device, mode, made):
    with torch.set_grad_enabled(mode):
        tensor = NEW_TENSORS[made](device)
        result = tensor * 2
    assert not tensor.requires_grad, f"{made} under set_grad_enabled({mode})"
    assert not result.requires_grad, f"{made} * 2 under set_grad_enabled({mode})"


@pytest.mark.claim("autograd.set-grad-enabled.notes-table")
@given(mode=st.booleans(), array=float_arrays())
def test_set_grad_enabled_as_a_context_follows_its_argument(device, mode, array):
    x = leaf(array, device)
    before = torch.is_grad_enabled()
    with torch.set_grad_enabled(mode):
        assert torch.is_grad_enabled() == mode
        y = x * 2
    assert torch.is_grad_enabled() == before
    assert y.requires_grad == mode, f"x * 2 under set_grad_enabled({mode})"

    try:

        @torch.set_grad_enabled(mode)
        def doubled(t):
            return t * 2

        after_decorating = torch.is_grad_enabled()
        result = doubled(x)
        after_calling = torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(before)  # before 2.2 decorating leaks `mode`: turn it back here
    assert result.requires_grad == mode, f"x * 2 in a function under @set_grad_enabled({mode})"
    if torch_version() >= (2, 2):
        assert after_decorating == before, f"@set_grad_enabled({mode}) changed the grad mode"
        assert after_calling == before, f"calling a @set_grad_enabled({mode}) function leaked"
    else:  # the constructor sets the mode, and nothing restores it when it decorates
        assert after_decorating == mode, f"@set_grad_enabled({mode}) did not set the mode"
        assert after_calling == mode, f"a call did not restore the leaked mode {mode}"


@pytest.mark.claim("autograd.detach.shares-storage")
@given(array=float_arrays(shapes(min_side=1, max_side=4)))
def test_detach_is_an_untracked_view_of_the_same_memory(device, array):
    x = leaf(array, device)
    y = x * 1  # a non-leaf, to detach from a graph
    for source in (x, y):
        d = source.detach()
        assert not d.requires_grad
        assert d.grad_fn is None
        assert d.is_leaf
        assert d.data_ptr() == source.data_ptr()
        assert d.shape == source.shape
        assert d.stride() == source.stride()
        with torch.no_grad():
            source.add_(1)  # seen through the detached tensor
        assert torch.equal(d, source.detach())
        assert not (d * 2).requires_grad
        assert d.clone().data_ptr() != source.data_ptr(), "detach().clone() shares memory"
    saved = x.exp()  # ExpBackward0 saves its output
    saved.detach().add_(1)  # the version counter is shared too: autograd notices
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.sum().backward()


@pytest.mark.claim("autograd.variable.plain-tensor")
@given(array=float_arrays(), requires=st.booleans())
def test_variable_returns_a_plain_tensor(device, array, requires):
    from torch.autograd import Variable

    t = torch.tensor(array, dtype=torch.float32, device=device)
    v = Variable(t, requires_grad=requires)
    assert type(v) is torch.Tensor, f"type(Variable(t)) is {type(v)}"
    assert v.requires_grad == requires
    assert v.is_leaf
    assert torch.equal(v.detach(), t)
    assert isinstance(t, Variable)  # every tensor passes isinstance(..., Variable)
    bare = Variable(t)  # notes 000's `x = Variable(x)`
    assert type(bare) is torch.Tensor, f"type(Variable(t)) is {type(bare)}"
    assert not bare.requires_grad, "Variable(t) requires grad"
    assert bare.is_leaf
    assert torch.equal(bare, t)


@pytest.mark.claim("autograd.inference-mode.inference-tensors")
@given(array=float_arrays(shapes(min_side=1, max_side=3)))
def test_inference_tensors_stay_out_of_autograd(device, array):
    w = leaf(array, device)
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled()
        assert not torch.is_grad_enabled()
        made = torch.tensor(array, dtype=torch.float32, device=device)
        computed = w * 2
    assert torch.is_grad_enabled()
    assert not torch.is_inference_mode_enabled()
    assert made.is_inference()
    assert computed.is_inference()
    assert not computed.requires_grad
    assert not w.is_inference()
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        w * made  # MulBackward0 would save `made`
    with pytest.raises(RuntimeError, match="inference tensor"):
        made.requires_grad_()
    assert (w + made).requires_grad  # AddBackward0 saves nothing: allowed
    ordinary = made.clone()  # outside inference mode: a normal tensor
    (w * ordinary).sum().backward()
    assert torch.equal(w.grad, ordinary)


# Safety --------------------------------------------------------------------------------------


IN_PLACE_WRITES = {
    "b.add_(1)": lambda b: b.add_(1.0),
    "b.mul_(2)": lambda b: b.mul_(2.0),
    "b.zero_()": lambda b: b.zero_(),
    "b[...] = 1": lambda b: b.__setitem__(Ellipsis, 1.0),
    "b.view(-1)[:1] += 1": lambda b: b.view(-1)[:1].add_(1.0),  # through a view
}


@pytest.mark.claim("autograd.saved-tensor.modified-raises")
@given(
    array=float_arrays(shapes(min_side=1, max_side=3)),
    write=st.sampled_from(sorted(IN_PLACE_WRITES)),
)
def test_changing_a_saved_tensor_in_place_fails_backward(device, array, write):
    x = leaf(array, device)
    a = x * 1
    b = a.exp()  # ExpBackward0 saves its output b
    version = b._version
    IN_PLACE_WRITES[write](b)
    assert b._version == version + 1, write
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()
    assert x.grad is None, "a refused backward wrote a gradient"


@pytest.mark.claim("autograd.saved-tensor.modified-raises")
@given(array=float_arrays(shapes(min_side=1, max_side=3)))
def test_changing_a_tensor_that_was_not_saved_is_fine(device, array):
    x = leaf(array, device)
    a = x * 1
    c = a + 1  # AddBackward0 saves nothing
    c.mul_(3)  # recorded: the graph now has MulBackward0 after AddBackward0
    c.sum().backward()
    assert torch.equal(x.grad, torch.full_like(x, 3.0))


@pytest.mark.claim("autograd.saved-tensor.modified-raises")
@given(array=float_arrays(shapes(min_side=1, max_side=3)))
def test_a_write_through_data_is_not_caught_and_gives_a_wrong_gradient(device, array):
    x = leaf(array, device, torch.float64)
    b = (x * 1).exp()  # ExpBackward0 saves b and returns grad * b
    b.data.add_(1)  # bypasses the version counter
    b.sum().backward()  # no error
    expected = np.exp(array) + 1  # the true gradient is exp(x): off by one
    call = "x.grad of (x * 1).exp().sum() after b.data.add_(1)"
    assert_close(x.grad, expected, call, ROUNDED_ONCE, inputs={"x": x})


# Non-differentiable points -------------------------------------------------------------------


@pytest.mark.claim("autograd.relu.zero-at-zero")
@given(
    array=float_arrays(elements=st.sampled_from([-1.5, -0.0, 0.0, 0.5, 2.0])),
    dtype=st.sampled_from(WIDE_FLOATING),
)
@example(array=np.array([-1.5, 0.0, 2.0]), dtype=torch.float32)
@example(array=np.array([-0.0, 0.0, 0.5]), dtype=torch.float64)
def test_relu_gradient_is_one_above_zero_and_zero_elsewhere(device, array, dtype):
    expected = as_float64((array > 0).astype(np.float64)).to(dtype)
    for name, relu in (
        ("torch.relu", torch.relu),
        ("F.relu", nn.functional.relu),
        ("nn.ReLU()", nn.ReLU()),
    ):
        x = leaf(array, device, dtype)
        relu(x).sum().backward()
        assert torch.equal(x.grad.cpu(), expected), f"{name}'({array.tolist()})"

"""spec/inplace.md: what in-place ops and `out=` write, what they cannot change, what they cost."""

from __future__ import annotations

import math
import operator
import warnings
from collections import Counter

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reference.promotion import can_cast, category, result_type
from reference.shapes import broadcast_shape
from tests.harness.assertions import assert_copies, assert_same_values, assert_shares, describe
from tests.harness.dtypes import (
    FLOATING_DTYPES,
    INTEGRAL_SAMPLE,
    PROMOTION_MODELLED,
    REAL_ARITHMETIC_DTYPES,
    dtype_name,
    torch_dtype,
)
from tests.harness.strategies import (
    arrays,
    broadcastable_shapes,
    numpy_dtypes,
    shapes,
    tensors,
    torch_dtypes,
    view_recipes,
)
from tests.harness.versions import torch_version

# Steps to add or multiply by. The tensors they meet are of REAL_ARITHMETIC_DTYPES (what torch
# does arithmetic in on every device, complex left out: it has no clamp), each of which holds
# 100 + 13 + 13, the largest drawn value plus two steps, exactly.
STEPS = st.integers(min_value=1, max_value=13)
NON_EMPTY = shapes(min_side=1)
# The dtypes reference.promotion models (bool, the integers up to int64, the floats), by name.
MODELLED_DTYPE_NAMES = torch_dtypes(PROMOTION_MODELLED).map(dtype_name)
# Python numbers of each category: a float is drawn in halves, so 1.0 (a float) turns up too.
NUMBERS = st.one_of(st.booleans(), st.integers(0, 50), st.integers(0, 100).map(lambda n: n / 2))
# Messages of the dtype check: CPU and CUDA say "result type Float can't be cast to the desired
# output type Long"; meta says "... can't be cast because it is not safe!", or for add_ and sub_
# "Promotion of int.add/sub_(float) in in-place ops are not possible ...".
CAST_REFUSED = r"can't be cast|Promotion of .* in in-place ops"


def operands(dtype: str, shape, device: str) -> st.SearchStrategy[torch.Tensor]:
    """A tensor of `dtype` (a reference.promotion name, bfloat16 included) on `device`, with
    values 0..50 (or booleans): the sum of two is exact in every modelled dtype."""
    return tensors(device, dtype=torch_dtype(dtype), shape=shape, max_value=50)


def operand_text(operand: object) -> str:
    return f"a {dtype_name(operand.dtype)} tensor" if torch.is_tensor(operand) else repr(operand)


# The trailing underscore --------------------------------------------------------------------------

# name -> (the in-place op, the out-of-place op that computes the same values)
IN_PLACE_OPS = {
    "t.add_(x)": (lambda t, x: t.add_(x), lambda t, x: t.add(x)),
    "t.sub_(x)": (lambda t, x: t.sub_(x), lambda t, x: t.sub(x)),
    "t.mul_(x)": (lambda t, x: t.mul_(x), lambda t, x: t.mul(x)),
    "t.clamp_(10, 60)": (lambda t, x: t.clamp_(10, 60), lambda t, x: t.clamp(10, 60)),
    "t.copy_(x)": (lambda t, x: t.copy_(x), lambda t, x: x.clone()),
    "t.fill_(7)": (lambda t, x: t.fill_(7), lambda t, x: torch.full_like(t, 7)),
    "t.zero_()": (lambda t, x: t.zero_(), lambda t, x: torch.zeros_like(t)),
}


@pytest.mark.claim("inplace.underscore.writes-into-self")
@given(
    dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES),
    shape=shapes(),
    op=st.sampled_from(sorted(IN_PLACE_OPS)),
    data=st.data(),
)
def test_underscore_ops_write_the_out_of_place_result_into_self(dtype, shape, op, data, device):
    in_place, out_of_place = IN_PLACE_OPS[op]
    t = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="t")
    x = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="x")
    expected = out_of_place(t.clone(), x)
    pointer, before = t.data_ptr(), describe(t)

    in_place(t, x)

    assert t.data_ptr() == pointer, f"{op} moved t's memory; t was {before}"
    assert (t.dtype, t.shape) == (expected.dtype, expected.shape), f"{op} on {before}"
    assert torch.equal(t, expected), (
        f"{op} on t = {before}, x = {describe(x)}: gave {describe(t)}, "
        f"the out-of-place op gave {describe(expected)}"
    )


@pytest.mark.claim("inplace.underscore.writes-into-self")
def test_notes_003_int_tensor_add_stays_int32(device):
    a = torch.IntTensor([2]).to(device)
    pointer = a.data_ptr()
    a.add_(torch.IntTensor([3]).to(device))
    assert a.dtype == torch.int32
    assert a.tolist() == [5]
    assert a.data_ptr() == pointer


@pytest.mark.claim("inplace.underscore.returns-self")
def test_notes_003_add_underscore_returns_the_tensor_itself(device):
    a = torch.IntTensor([2]).to(device)
    b = torch.IntTensor([3]).to(device)
    returned = a.add_(b)
    # notes 003: "instead of returning a tensor variable"; it returns one, a itself
    assert returned is not None, "a.add_(b) returned None"
    assert returned is a, "a.add_(b) returned another object"
    assert returned.tolist() == [5]
    assert returned.dtype == torch.int32
    assert a.add(b) is not a  # out of place: a new tensor, the contrast the notes draw


@pytest.mark.claim("inplace.underscore.returns-self")
@given(
    dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES),
    shape=NON_EMPTY,
    op=st.sampled_from(sorted(IN_PLACE_OPS)),
    data=st.data(),
)
def test_underscore_ops_return_self_and_no_new_tensor(dtype, shape, op, data, device):
    in_place, out_of_place = IN_PLACE_OPS[op]
    t = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="t")
    x = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="x")
    before = describe(t)
    fresh = out_of_place(t, x)
    assert fresh is not t, f"the out-of-place {op} returned t"
    assert fresh.data_ptr() != t.data_ptr(), f"the out-of-place {op} wrote into t's memory"

    alias = in_place(t, x)

    assert alias is t, f"{op} on t = {before} returned {alias!r}, not t"
    alias.fill_(1)  # a write through the returned name is a write into t
    assert torch.equal(t, torch.ones_like(t)), f"y = {op}; y.fill_(1) left t = {describe(t)}"


@pytest.mark.claim("inplace.underscore.returns-self")
@given(
    t=tensors(dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES), shape=NON_EMPTY),
    first=STEPS,
    second=STEPS,
)
def test_in_place_calls_chain_on_the_same_tensor(t, first, second, device):
    t = t.to(device)
    expected = t.add(first).mul(second)
    assert t.add_(first).mul_(second) is t
    assert torch.equal(t, expected), f"t.add_({first}).mul_({second}) gave {describe(t)}"


@pytest.mark.claim("inplace.underscore.seen-through-views")
@given(
    base=tensors(dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES), shape=shapes(min_dims=1, min_side=1)),
    first=STEPS,
    second=STEPS,
    data=st.data(),
)
def test_in_place_writes_are_seen_through_every_view(base, first, second, data, device):
    recipe = data.draw(view_recipes(tuple(base.shape)), label="view")
    expected = base.numpy().copy()  # the oracle: NumPy, doing the same in place on its own views
    base = base.to(device)
    alias = base
    # each view of t, and where its elements lie in the NumPy oracle
    views = {
        f"the view {recipe}": (recipe.apply(base), recipe.apply),
        "t.detach()": (base.detach(), lambda array: array),
        "t.view(-1)": (base.view(-1), lambda array: array.reshape(-1)),
    }
    if device == "cpu":
        for name, (view, _) in views.items():
            assert_shares(base, view, name)

    base.add_(first)
    expected += first
    assert_same_values(alias.cpu(), expected, f"another name for t, after t.add_({first})")
    for name, (view, part) in views.items():
        assert_same_values(view.cpu(), part(expected), f"{name}, after t.add_({first})")

    view, part = views[f"the view {recipe}"]
    view.add_(second)
    part(expected)[...] += second
    assert_same_values(base.cpu(), expected, f"t, after {recipe}.add_({second}) on a view of it")


def _set_items(t: torch.Tensor, x: torch.Tensor) -> None:
    t[...] = x


# In-place writes whose names carry no underscore: each writes into t, as its out-of-place form
# (the second function, run on a copy) computes. `_set_items` is `t[...] = x`.
UNDERSCORE_FREE_WRITES = {
    "t += x": (operator.iadd, operator.add),
    "t[...] = x": (_set_items, lambda t, x: x.clone()),
    "torch.add(t, x, out=t)": (lambda t, x: torch.add(t, x, out=t), torch.add),
    "torch.mul(t, x, out=t)": (lambda t, x: torch.mul(t, x, out=t), torch.mul),
    "F.relu(t, inplace=True)": (
        lambda t, x: torch.nn.functional.relu(t, inplace=True),
        lambda t, x: torch.relu(t),
    ),
    "nn.ReLU(inplace=True)(t)": (
        lambda t, x: torch.nn.ReLU(inplace=True)(t),
        lambda t, x: torch.relu(t),
    ),
    "F.hardtanh(t, inplace=True)": (
        lambda t, x: torch.nn.functional.hardtanh(t, inplace=True),
        lambda t, x: t.clamp(-1, 1),
    ),
}


@pytest.mark.claim("inplace.underscore.not-the-only-in-place-ops")
@pytest.mark.parametrize("write", sorted(UNDERSCORE_FREE_WRITES))
@given(t=tensors(dtype=numpy_dtypes(FLOATING_DTYPES), shape=NON_EMPTY), data=st.data())
def test_writes_without_an_underscore_are_in_place(write, t, data, device):
    assert "_" not in write, f"{write} is named with an underscore"
    in_place, out_of_place = UNDERSCORE_FREE_WRITES[write]
    t = (t - 50).to(device)  # -50..50: relu and hardtanh change some elements
    x = data.draw(tensors(device, dtype=t.dtype, shape=t.shape), label="x") - 50
    expected = out_of_place(t.clone(), x)
    pointer, version, before = t.data_ptr(), t._version, describe(t)

    in_place(t, x)

    assert t.data_ptr() == pointer, f"{write} on t = {before} moved t's memory"
    assert t._version > version, f"{write} on t = {before} did not count a write"
    assert torch.equal(t, expected), (
        f"{write} on t = {before}, x = {describe(x)}: gave {describe(t)}, "
        f"the out-of-place form gave {describe(expected)}"
    )


@pytest.mark.claim("inplace.underscore.not-the-only-in-place-ops")
def test_notes_003_sentence_fails_for_the_first_non_underscore_write(device):
    t = torch.tensor([-1.0, 2.0], device=device)
    pointer, version = t.data_ptr(), t._version
    t += 1
    t[0] = 5.0
    torch.add(t, 1, out=t)
    torch.nn.functional.relu(t.neg_(), inplace=True)
    assert t.tolist() == [0.0, 0.0]
    assert t.data_ptr() == pointer
    assert t._version == version + 5  # four writes without an underscore, and neg_


AUGMENTED = {
    "t += k": (operator.iadd, operator.add),
    "t -= k": (operator.isub, operator.sub),
    "t *= k": (operator.imul, operator.mul),
}


@pytest.mark.claim("inplace.operator.augmented-assignment")
@given(
    t=tensors(dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES), shape=shapes()),
    step=STEPS,
    statement=st.sampled_from(sorted(AUGMENTED)),
)
def test_augmented_assignment_is_in_place_and_rebinding_is_not(t, step, statement, device):
    in_place, out_of_place = AUGMENTED[statement]
    t = t.to(device)
    alias, pointer = t, t.data_ptr()
    expected = out_of_place(t.clone(), step)

    t = in_place(t, step)  # what Python runs for the statement
    assert t is alias, f"{statement} made a new tensor"
    assert t.data_ptr() == pointer, f"{statement} moved t's memory"
    assert torch.equal(alias, expected), f"{statement}: the other name sees {describe(alias)}"

    old_values = alias.clone()
    t = out_of_place(t, step)  # t = t + k, and so on
    assert t is not alias, f"{statement.replace('=', '')} returned the old tensor"
    assert torch.equal(alias, old_values), "rebinding t changed the tensor the other name holds"


@pytest.mark.claim("inplace.operator.augmented-assignment")
@pytest.mark.parametrize("dtype", INTEGRAL_SAMPLE, ids=dtype_name)
@pytest.mark.parametrize(
    ("statement", "apply"),
    [("t += 1.5", lambda t: operator.iadd(t, 1.5)), ("t /= 2", lambda t: operator.itruediv(t, 2))],
    ids=["iadd-float", "itruediv"],
)
def test_augmented_assignment_keeps_an_integer_tensors_dtype(dtype, statement, apply, device):
    t = torch.ones(3, dtype=dtype, device=device)
    with pytest.raises(RuntimeError, match=CAST_REFUSED):
        apply(t)
    assert t.dtype == dtype, f"{statement} changed t's dtype"
    assert t.tolist() == [1, 1, 1], f"{statement} raised but changed t"


@pytest.mark.claim("inplace.operator.augmented-assignment")
@given(values=st.lists(st.integers(-50, 50), min_size=2, max_size=6))
def test_notes_004_total_loss_plus_equals_loss(values, device):
    weight = torch.tensor(1.0, device=device, requires_grad=True)
    losses = [weight * value for value in values]
    total_loss = 0
    total_loss += losses[0]  # a Python int has no in-place add: a new tensor
    first = total_loss
    assert torch.is_tensor(first)
    assert first is not losses[0]
    for loss in losses[1:]:
        total_loss += loss
        assert total_loss is first, "a later `total_loss += loss` made a new tensor"
    assert total_loss.item() == sum(values)
    assert total_loss.requires_grad
    assert total_loss.grad_fn is not None

    total = 0
    for loss in losses:
        total += loss.item()
    assert isinstance(total, float)
    assert total == sum(values)


@pytest.mark.claim("inplace.operator.augmented-assignment")
@given(
    length=st.integers(1, 6),
    data=st.data(),
)
def test_indexed_plus_equals_counts_a_repeated_position_once(length, data, device):
    positions = data.draw(st.lists(st.integers(0, length - 1), min_size=1, max_size=8))
    index = torch.tensor(positions, device=device)
    counts = torch.zeros(length, dtype=torch.int64, device=device)
    counts[index] += 1
    once = [1 if position in positions else 0 for position in range(length)]
    assert_same_values(counts.cpu(), once, f"t[torch.tensor({positions})] += 1")

    counts.zero_()
    ones = torch.ones(len(positions), dtype=torch.int64, device=device)
    counts.index_put_((index,), ones, accumulate=True)
    tally = Counter(positions)
    every = [tally[position] for position in range(length)]
    assert_same_values(counts.cpu(), every, f"t.index_put_(({positions},), 1, accumulate=True)")


@pytest.mark.claim("inplace.operator.augmented-assignment")
def test_notes_004_confusion_matrix_plus_equals_one(device):
    # notes 004: `x = preds.argmax(dim=1).item()`, `y = labels.item()`, then `cmt[x,y] += 1`;
    # and `for x, y in stack: cmt[x,y] += 1`, whose x and y are 0-d int32 tensors
    pairs = [(1, 2), (1, 2), (0, 0)]
    expected = [[1, 0, 0], [0, 0, 2], [0, 0, 0]]  # (1, 2) twice, (0, 0) once
    cmt = torch.zeros(3, 3, dtype=torch.int64, device=device)
    for x, y in pairs:
        cmt[x, y] += 1
    assert cmt.tolist() == expected, f"cmt[x, y] += 1 over {pairs}"

    stack = torch.tensor(pairs, dtype=torch.int32, device=device)
    cmt.zero_()
    for x, y in stack:
        cmt[x, y] += 1
    assert cmt.tolist() == expected, "cmt[x, y] += 1 over the rows of an int32 stack"


# out= -------------------------------------------------------------------------------------------


@pytest.mark.claim("inplace.out.writes-into-out")
@given(dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES), shape=shapes(), data=st.data())
def test_out_receives_the_result_in_its_own_memory(dtype, shape, data, device):
    x = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="x")
    y = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="y")
    x_before, y_before = x.clone(), y.clone()
    result = torch.empty_like(x)
    pointer = result.data_ptr()

    returned = torch.add(x, y, out=result)

    assert returned is result, "torch.add(x, y, out=result) returned another tensor"
    assert result.data_ptr() == pointer, "out of the right shape was given new memory"
    assert torch.equal(result, x_before + y_before), f"torch.add(x, y, out=...) on {describe(x)}"
    assert torch.equal(x, x_before), "out= changed an input"
    assert torch.equal(y, y_before), "out= changed an input"


@pytest.mark.claim("inplace.out.writes-into-out")
@given(x=tensors(dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES), shape=NON_EMPTY), step=STEPS)
def test_out_may_be_an_input(x, step, device):
    x = x.to(device)
    expected = x + step
    pointer = x.data_ptr()
    assert torch.add(x, step, out=x) is x
    assert x.data_ptr() == pointer
    assert torch.equal(x, expected), f"torch.add(x, {step}, out=x) gave {describe(x)}"


@pytest.mark.claim("inplace.out.writes-into-out")
def test_notes_out_example(device):
    x = torch.ones(5, 3, device=device)
    y = torch.full((5, 3), 2.0, device=device)
    result = torch.empty(5, 3, device=device)
    assert torch.add(x, y, out=result) is result
    assert result.tolist() == [[3.0] * 3] * 5


@pytest.mark.claim("inplace.out.resizes-with-warning")
@given(pair=broadcastable_shapes(num_shapes=2), out_numel=st.integers(0, 40), data=st.data())
def test_out_of_the_wrong_shape_is_resized(pair, out_numel, data, device):
    x = data.draw(tensors(device=device, dtype=np.float32, shape=pair[0]), label="x")
    y = data.draw(tensors(device=device, dtype=np.float32, shape=pair[1]), label="y")
    shape = broadcast_shape(*pair)
    out = torch.zeros(out_numel, device=device)
    if tuple(out.shape) == shape:
        out = out.reshape(1, out_numel)  # the wrong shape, whatever was drawn
    # where its memory is (an empty tensor's data_ptr() reads 0, whatever its storage holds)
    pointer, room = out.untyped_storage().data_ptr(), out.untyped_storage().nbytes()
    needed = math.prod(shape) * out.element_size()
    where = f"torch.add(x, y, out=torch.zeros{tuple(out.shape)}) for x, y of shapes {pair}"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        returned = torch.add(x, y, out=out)
    resized = [w for w in caught if "resized" in str(w.message)]

    assert returned is out, where
    assert tuple(out.shape) == shape, where
    assert torch.equal(out, x + y), where
    if out_numel > 0:
        assert [w.category for w in resized] == [UserWarning], f"{where}: {caught}"
        assert "deprecated" in str(resized[0].message)
    else:
        assert resized == [], f"{where} warned about an out with no elements"
    if needed <= room:
        assert out.untyped_storage().data_ptr() == pointer, f"{where}: had room, yet moved"
    else:
        assert out.untyped_storage().data_ptr() != pointer, f"{where}: grew in place"


@pytest.mark.claim("inplace.out.resizes-with-warning")
def test_resize_warning_comes_on_every_call(device):
    x = torch.ones(2, 3, device=device)
    for _ in range(2):
        out = torch.empty(5, device=device)
        with pytest.warns(UserWarning, match="resized since it had shape \\[5\\]"):
            torch.add(x, x, out=out)
    out.resize_(0)  # the documented way to reuse an out silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.add(x, x, out=out)
    assert out.shape == (2, 3)


@pytest.mark.claim("inplace.out.dtype-must-hold-result")
@given(
    x_dtype=MODELLED_DTYPE_NAMES,
    y_dtype=MODELLED_DTYPE_NAMES,
    out_dtype=MODELLED_DTYPE_NAMES,
    shape=shapes(max_dims=2),
    data=st.data(),
)
def test_out_keeps_its_dtype_if_the_result_can_be_cast_into_it(
    x_dtype, y_dtype, out_dtype, shape, data, device
):
    x = data.draw(operands(x_dtype, shape, device), label="x")
    y = data.draw(operands(y_dtype, shape, device), label="y")
    out = torch.zeros(shape, dtype=torch_dtype(out_dtype), device=device)
    computed_in = result_type(x_dtype, y_dtype)
    call = f"torch.add({x_dtype} x, {y_dtype} y, out={out_dtype} out)"

    if not can_cast(computed_in, out_dtype):
        with pytest.raises(RuntimeError, match=CAST_REFUSED):
            torch.add(x, y, out=out)
        assert out.dtype == torch_dtype(out_dtype)
        if device != "meta":
            assert not out.any(), f"{call} raised but wrote into out"
        return

    assert torch.add(x, y, out=out) is out, call
    assert out.dtype == torch_dtype(out_dtype), f"{call} changed out's dtype to {out.dtype}"
    if device != "meta":
        xs, ys = x.cpu().to(torch.int64).numpy(), y.cpu().to(torch.int64).numpy()
        sums = (xs | ys) if category(computed_in) == "bool" else xs + ys  # exact: 0..100
        assert_same_values(out.cpu().to(torch.int64), sums, call)


@pytest.mark.claim("inplace.out.dtype-must-hold-result")
def test_a_float_result_is_refused_by_an_int64_out(device):
    floats = torch.tensor([1.5, 2.5], device=device)
    longs = torch.zeros(2, dtype=torch.int64, device=device)
    refusal = (
        "Attempting to cast from torch.float32 to out tensor with dtype torch.int64"
        if device == "meta"
        else "result type Float can't be cast to the desired output type Long"
    )
    with pytest.raises(RuntimeError, match=refusal):
        torch.add(floats, floats, out=longs)
    assert longs.dtype == torch.int64
    if device != "meta":
        assert longs.tolist() == [0, 0], "torch.add refused the int64 out but wrote into it"


# What an in-place op cannot change --------------------------------------------------------------


# The first release whose meta add_ refuses a result of a higher category (earlier, no check).
META_ADD_CHECKS_SINCE = (2, 6)


def meta_add_refusal(self_dtype: str) -> str:
    """The start of meta's message refusing `t.add_(x)`: a bool `t` was misspelt "book"
    before torch 2.13; an integer `t` refuses a float."""
    if self_dtype == "bool":
        return f"Promotion of {'bool' if torch_version() >= (2, 13) else 'book'}.add/sub_(others)"
    return "Promotion of int.add/sub_(float)"


@pytest.mark.claim("inplace.dtype.category-cannot-rise")
@given(
    self_dtype=MODELLED_DTYPE_NAMES,
    other=st.one_of(MODELLED_DTYPE_NAMES, NUMBERS),
    op=st.sampled_from(["add_", "mul_"]),
    shape=shapes(max_dims=2),
    data=st.data(),
)
def test_in_place_succeeds_iff_the_result_casts_to_selfs_dtype(
    self_dtype, other, op, shape, data, device
):
    if device == "meta" and op == "mul_":
        op = "add_"  # meta's mul_ does not check: see the test below
    t = data.draw(operands(self_dtype, shape, device), label="t")
    x = data.draw(operands(other, shape, device), label="x") if isinstance(other, str) else other
    before = t.clone()
    call = f"{self_dtype} t.{op}({operand_text(x)})"
    refused = not can_cast(result_type(self_dtype, other), self_dtype)
    if device == "meta" and torch_version() < META_ADD_CHECKS_SINCE:
        refused = False  # meta's add_ stores any result into t's dtype before torch 2.6

    if refused:
        with pytest.raises(RuntimeError, match=CAST_REFUSED) as caught:
            getattr(t, op)(x)
        if device == "meta":
            assert str(caught.value).startswith(meta_add_refusal(self_dtype)), str(caught.value)
        assert t.dtype == before.dtype
        if device != "meta":
            assert torch.equal(t, before), f"{call} raised but changed t"
        return

    getattr(t, op)(x)
    assert t.dtype == torch_dtype(self_dtype), f"{call} changed t's dtype to {t.dtype}"
    if device != "meta":
        expected = getattr(before, op.rstrip("_"))(x).to(t.dtype)
        assert torch.equal(t, expected), f"{call} gave {describe(t)}, expected {describe(expected)}"


@pytest.mark.claim("inplace.dtype.category-cannot-rise")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_float32_add_float64_stays_float32(device):
    t = torch.ones(3, device=device)
    t.add_(torch.full((3,), 0.25, dtype=torch.float64, device=device))
    assert t.dtype == torch.float32
    assert t.tolist() == [1.25] * 3


@pytest.mark.claim("inplace.dtype.category-cannot-rise")
@pytest.mark.devices("meta")
@pytest.mark.parametrize("other", [2.5, torch.full((3,), 2.5)], ids=["number", "float-tensor"])
def test_meta_mul_does_not_check_the_category(other, device):
    t = torch.ones(3, dtype=torch.int64, device=device)
    t.mul_(other.to(device) if torch.is_tensor(other) else other)  # raises on cpu and cuda
    assert t.dtype == torch.int64


@pytest.mark.claim("inplace.shape.self-cannot-broadcast")
@given(pair=broadcastable_shapes(num_shapes=2), data=st.data())
def test_in_place_succeeds_iff_self_already_has_the_broadcast_shape(pair, data, device):
    a_shape, b_shape = pair
    a = data.draw(tensors(device=device, dtype=np.float32, shape=a_shape), label="a")
    b = data.draw(tensors(device=device, dtype=np.float32, shape=b_shape), label="b")
    for t, x in ((a, b), (b, a)):
        before = t.clone()
        call = f"t.add_(x) with t of shape {tuple(t.shape)}, x of shape {tuple(x.shape)}"
        if broadcast_shape(t.shape, x.shape) != tuple(t.shape):
            with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
                t.add_(x)
            assert t.shape == before.shape
            if device != "meta":
                assert torch.equal(t, before), f"{call} raised but changed t"
            continue
        expected = before + x
        t.add_(x)
        assert t.shape == before.shape, f"{call} gave shape {tuple(t.shape)}"
        if device != "meta":
            assert torch.equal(t, expected), f"{call} gave {describe(t)}"


# Autograd and in-place writes -------------------------------------------------------------------

LEAF_WRITES = {
    "w.add_(1)": lambda w: w.add_(1),
    "w.mul_(2)": lambda w: w.mul_(2),
    "w.zero_()": lambda w: w.zero_(),
    "w += 1": lambda w: operator.iadd(w, 1),
    "w[...] = 0": lambda w: w.__setitem__(Ellipsis, 0),
    "w.view(-1).add_(1)": lambda w: w.view(-1).add_(1),
}


@pytest.mark.claim("inplace.autograd.leaf-requires-grad")
@given(
    array=arrays(dtype=numpy_dtypes(FLOATING_DTYPES), shape=shapes()),
    write=st.sampled_from(sorted(LEAF_WRITES)),
)
def test_leaf_that_requires_grad_refuses_in_place_ops(array, write, device):
    w = torch.tensor(array, device=device, requires_grad=True)
    version = w._version
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        LEAF_WRITES[write](w)
    assert w._version == version, f"{write} raised but counted a write"
    if device != "meta":
        assert_same_values(w.detach().cpu(), array, f"w, after {write} raised")


@pytest.mark.claim("inplace.autograd.leaf-requires-grad")
@given(array=arrays(dtype=numpy_dtypes(FLOATING_DTYPES), shape=shapes()), step=STEPS)
def test_leaf_accepts_in_place_ops_under_no_grad(array, step, device):
    w = torch.tensor(array, device=device, requires_grad=True)
    with torch.no_grad():
        returned = w.sub_(step)
    assert returned is w
    assert w.requires_grad
    assert w.is_leaf
    assert w.grad_fn is None
    if device != "meta":
        assert_same_values(w.detach().cpu(), array - step, f"w.sub_({step}) under no_grad")


@pytest.mark.claim("inplace.autograd.leaf-requires-grad")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_a_parameter_is_such_a_leaf(device):
    parameter = torch.nn.Parameter(torch.ones(3, device=device))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        parameter.add_(1)
    with torch.no_grad():
        parameter.add_(1)
    assert isinstance(parameter, torch.nn.Parameter)
    assert parameter.is_leaf
    assert parameter.tolist() == [2.0] * 3


@pytest.mark.claim("inplace.autograd.leaf-requires-grad")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_a_non_leaf_that_requires_grad_accepts_in_place_ops(device):
    w = torch.ones(3, device=device, requires_grad=True)
    doubled = w * 2
    assert doubled.add_(1) is doubled
    assert doubled.requires_grad
    assert not doubled.is_leaf
    assert doubled.grad_fn is not None
    assert doubled.tolist() == [3.0] * 3


WRITES = {  # name -> (op, how many writes it counts)
    "t.add_(1)": (lambda t: t.add_(1), 1),
    "t.mul_(2)": (lambda t: t.mul_(2), 1),
    "t.zero_()": (lambda t: t.zero_(), 1),
    "t.clamp_(0, 1)": (lambda t: t.clamp_(0, 1), 1),
    "t.copy_(t.clone())": (lambda t: t.copy_(t.clone()), 1),
    "t.fill_(3)": (lambda t: t.fill_(3), 1),
    "t += 1": (lambda t: operator.iadd(t, 1), 1),
    "t[...] = 0": (lambda t: t.__setitem__(Ellipsis, 0), 1),
    "torch.add(t, 1, out=t)": (lambda t: torch.add(t, 1, out=t), 1),
    "t[0] += 1": (lambda t: t.__setitem__(0, operator.iadd(t[0], 1)), 2),
    "t.add(1)": (lambda t: t.add(1), 0),
    "t + 1": (lambda t: t + 1, 0),
    "t.clone()": (lambda t: t.clone(), 0),
    "t.sum()": (lambda t: t.sum(), 0),
    "t.reshape(-1)": (lambda t: t.reshape(-1), 0),
    "t.t()": (lambda t: t.t(), 0),
}
# Tensors over one memory, made from `base` before any write: they share one counter.
SHARERS = {
    "base": lambda base: base,
    "base[1]": lambda base: base[1],
    "base.t()": lambda base: base.t(),
    "base.view(-1)": lambda base: base.view(-1),
    "base.detach()": lambda base: base.detach(),
}


@pytest.mark.claim("inplace.version.counts-writes")
@given(
    base=tensors(dtype=np.float32, shape=st.just((2, 3))),
    program=st.lists(
        st.tuples(st.sampled_from(sorted(SHARERS)), st.sampled_from(sorted(WRITES))), max_size=8
    ),
)
def test_version_counts_in_place_writes_through_every_view(base, program, device):
    base = base.to(device)
    sharers = {name: make(base) for name, make in SHARERS.items()}
    start = base._version
    count, done = 0, []
    for target, write in program:
        op, writes = WRITES[write]
        op(sharers[target])
        count += writes
        done.append(f"{write} on {target}")
        for name, tensor in sharers.items():
            assert tensor._version == start + count, f"{name}._version after {done}"


@pytest.mark.claim("inplace.version.counts-writes")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_data_has_a_counter_of_its_own(device):
    t = torch.zeros(3, device=device)
    start = t._version
    t.data.add_(1)
    assert t._version == start
    assert t.tolist() == [1.0] * 3
    t.detach().add_(1)
    assert t._version == start + 1


@pytest.mark.claim("inplace.version.counts-writes")
def test_an_inference_tensor_has_no_counter(device):
    with torch.inference_mode():
        t = torch.zeros(3, device=device)
    with pytest.raises(RuntimeError, match="version counter"):
        _ = t._version


# The cost ---------------------------------------------------------------------------------------


@pytest.mark.claim("inplace.cost.no-allocation")
@given(dtype=numpy_dtypes(REAL_ARITHMETIC_DTYPES), shape=NON_EMPTY, data=st.data())
def test_only_the_out_of_place_op_gets_new_memory(dtype, shape, data, device):
    a = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="a")
    b = data.draw(tensors(device=device, dtype=dtype, shape=shape), label="b")
    c = torch.empty_like(a)
    pointers = {"a": a.data_ptr(), "b": b.data_ptr(), "c": c.data_ptr()}

    fresh = torch.add(a, b)
    assert fresh.data_ptr() not in pointers.values(), "torch.add(a, b) reused an input's memory"
    if device == "cpu":
        assert_copies(a, fresh, "torch.add(a, b)")
        assert_copies(b, fresh, "torch.add(a, b)")
    assert torch.add(a, b, out=c).data_ptr() == pointers["c"], "out= moved c"
    assert a.add_(b).data_ptr() == pointers["a"], "a.add_(b) moved a"


@pytest.mark.claim("inplace.cost.no-allocation")
@pytest.mark.devices("cuda")
@pytest.mark.parametrize("numel", [1, 1000, 1 << 20], ids=["1", "1000", "1M"])
def test_cuda_allocator_sees_no_allocation_in_place(numel, device):
    a = torch.ones(numel, device=device)
    b = torch.ones(numel, device=device)
    c = torch.empty(numel, device=device)
    torch.cuda.synchronize()
    held = torch.cuda.memory_allocated()
    a.add_(b)
    torch.add(a, b, out=c)
    assert torch.cuda.memory_allocated() == held, "an in-place op or out= allocated"
    fresh = torch.add(a, b)
    grown = torch.cuda.memory_allocated() - held
    assert grown >= fresh.nbytes, f"torch.add(a, b) of {fresh.nbytes} bytes grew by {grown}"
    assert fresh.data_ptr() not in (a.data_ptr(), b.data_ptr(), c.data_ptr())

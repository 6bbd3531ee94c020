"""spec/reductions.md: what sum, mean, max and argmax keep of a shape, and which index they pick."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.reductions import argmax, reduce_shape, sum_dtype
from tests.harness.assertions import assert_close, assert_same_values, describe
from tests.harness.dtypes import INTEGRAL_DTYPES, NARROW_INTEGRAL_DTYPES, SHARED_DTYPES, torch_dtype
from tests.harness.strategies import arrays, dims, numpy_dtypes, shapes
from tests.harness.tolerances import SUMMED

NON_EMPTY = shapes(min_side=1)
REDUCTIONS = ("sum", "mean", "amax", "argmax")
NOTES_004_T = [[1, 0, 0, 2], [0, 3, 3, 0], [4, 0, 0, 5]]
NOTES_004_SQUARE = [[0, 1, 0], [2, 0, 2], [0, 3, 0]]


@st.composite
def dim_choices(draw, ndim: int, allow_tuple: bool):
    """A dim of an `ndim`-d shape, or (when allowed) a tuple of distinct dims."""
    if allow_tuple and ndim and draw(st.booleans()):
        chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        return tuple(dim - ndim if draw(st.booleans()) else dim for dim in chosen)
    return draw(dims(ndim))


@st.composite
def tied_arrays(draw, shape=NON_EMPTY) -> np.ndarray:
    """Integers or floats from a handful of values, so that maxima are often tied; floats may
    hold NaN, which counts as the largest."""
    dtype = draw(st.sampled_from([np.int64, np.float32]))
    pool = [0, 1, 2] if dtype is np.int64 else [0.0, 1.0, 2.0, float("nan")]
    return draw(npst.arrays(dtype, draw(shape), elements=st.sampled_from(pool)))


# Whole-tensor reductions ---------------------------------------------------------------------


@pytest.mark.claim("reductions.whole.zero-dim-result")
@given(shape=NON_EMPTY)
def test_reducing_everything_gives_a_zero_dim_tensor(device, shape):
    tensor = torch.zeros(shape, device=device)
    for name in ("sum", "mean", "max", "argmax"):
        result = getattr(tensor, name)()
        assert result.shape == (), f"torch.zeros({shape}).{name}() has shape {tuple(result.shape)}"
        assert result.device == tensor.device
    assert tensor.sum(dim=()).shape == ()
    assert tuple(tensor.sum(dim=None, keepdim=True).shape) == reduce_shape(shape, keepdim=True)


@pytest.mark.claim("reductions.whole.zero-dim-result")
@pytest.mark.devices("cpu", "cuda")
@given(array=arrays(dtype=np.int64))
@example(array=np.array(NOTES_004_SQUARE))  # notes 004: tensor(8), numel 1
def test_a_whole_sum_is_exact(device, array):
    total = torch.tensor(array, device=device).sum()
    assert total.shape == ()
    assert total.numel() == 1
    assert total.item() == sum(int(value) for value in array.ravel()), describe(array)


# Reducing along dims -------------------------------------------------------------------------


@pytest.mark.claim("reductions.dim.removes-the-dim")
@given(shape=NON_EMPTY, keepdim=st.booleans(), data=st.data())
def test_reducing_a_dim_removes_it_or_keeps_it_as_one(device, shape, keepdim, data):
    tensor = torch.zeros(shape, device=device)
    for name in REDUCTIONS:
        dim = data.draw(dim_choices(len(shape), allow_tuple=name in ("sum", "mean")), label=name)
        got = getattr(tensor, name)(dim=dim, keepdim=keepdim).shape
        assert tuple(got) == reduce_shape(shape, dim, keepdim), (
            f"torch.zeros({shape}).{name}(dim={dim}, keepdim={keepdim})"
        )


@pytest.mark.claim("reductions.dim.removes-the-dim")
@pytest.mark.devices("cpu", "cuda")
@given(array=arrays(dtype=np.int64, shape=NON_EMPTY), keepdim=st.booleans(), data=st.data())
def test_the_values_are_the_reduction_along_the_dim(device, array, keepdim, data):
    dim = data.draw(dim_choices(array.ndim, allow_tuple=True), label="dim")
    axis = dim if array.ndim else None
    tensor = torch.tensor(array, device=device)
    call = f"{describe(tensor)}.sum(dim={dim}, keepdim={keepdim})"
    assert_same_values(tensor.sum(dim, keepdim), array.sum(axis, keepdims=keepdim), call)
    assert_close(
        tensor.double().mean(dim, keepdim),
        array.mean(axis, keepdims=keepdim),
        call.replace("sum", "double().mean"),
        SUMMED,
    )


@pytest.mark.claim("reductions.dim.removes-the-dim")
@pytest.mark.devices("cpu", "cuda")
def test_notes_004_sum_of_rows_and_max_of_each_row(device):
    rows = torch.tensor([[1.0] * 4, [2.0] * 4, [3.0] * 4], device=device)
    t = torch.tensor(NOTES_004_T, device=device)
    assert rows.sum(dim=0).tolist() == [6.0, 6.0, 6.0, 6.0], "t.sum(dim=0) of notes 004's rows"
    assert rows.sum(dim=1).tolist() == [4.0, 8.0, 12.0], "t.sum(dim=1) of notes 004's rows"
    assert rows.sum(dim=0).dtype == torch.float32
    assert t.max(dim=1).values.tolist() == [2, 3, 5], "t.max(dim=1) of notes 004's t"


@pytest.mark.claim("reductions.dim.removes-the-dim")
def test_a_dim_named_twice_or_out_of_range_is_refused(device):
    tensor = torch.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match=r"multiple times|duplicate"):  # worded per device
        tensor.sum(dim=(0, -2))
    with pytest.raises(IndexError, match="out of range"):
        tensor.sum(dim=2)


# Shape messages of a (3, 4) tensor minus a (3,) one: CPU and CUDA name the sizes, meta the
# dimension it tried to broadcast.
BROADCAST_REFUSED = r"must match the size|Attempting to broadcast a dimension"


@pytest.mark.claim("reductions.dim.not-kept-as-size-one")
def test_notes_004_results_are_4_and_3_not_1x4_and_3x1(device):
    rows = torch.tensor([[1.0] * 4, [2.0] * 4, [3.0] * 4], device=device)
    t = torch.tensor(NOTES_004_T, device=device)
    # notes 004: "so the result is a 1*4 tensor"; "it ends up 3*1"
    assert tuple(rows.sum(dim=0).shape) == (4,), "t.sum(dim=0) of a 3x4 tensor"
    values, indices = t.max(dim=1)
    assert tuple(values.shape) == tuple(indices.shape) == (3,), "t.max(dim=1) of a 3x4 tensor"
    assert tuple(t.argmax(dim=1).shape) == (3,)
    assert tuple(rows.sum(dim=0, keepdim=True).shape) == (1, 4)
    assert tuple(t.max(dim=1, keepdim=True).values.shape) == (3, 1)
    with pytest.raises(RuntimeError, match=BROADCAST_REFUSED):
        t - values
    assert tuple((t - t.max(dim=1, keepdim=True).values).shape) == (3, 4)


@pytest.mark.claim("reductions.dim.not-kept-as-size-one")
@pytest.mark.devices("cpu", "cuda")
def test_notes_004_square_a_result_without_keepdim_broadcasts_as_a_row(device):
    square = torch.tensor(NOTES_004_SQUARE, device=device)
    row_max = square.max(dim=1).values
    assert row_max.tolist() == [1, 2, 3]
    # a (3,) result lines up with the last dim: column j loses row j's maximum
    assert (square - row_max).tolist() == [[-1, -1, -3], [1, -2, -1], [-1, 1, -3]]
    kept = square.max(dim=1, keepdim=True).values
    assert (square - kept).tolist() == [[-1, 0, -1], [0, -2, 0], [-3, 0, -3]]


@pytest.mark.claim("reductions.dim.not-kept-as-size-one")
@given(shape=shapes(min_dims=1, min_side=1), data=st.data())
def test_a_reduced_dim_is_not_kept_as_size_one(device, shape, data):
    tensor = torch.zeros(shape, device=device)
    for name in REDUCTIONS:
        dim = data.draw(dims(len(shape)), label=name)
        got = tuple(getattr(tensor, name)(dim=dim).shape)
        kept = tuple(getattr(tensor, name)(dim=dim, keepdim=True).shape)
        call = f"torch.zeros({shape}).{name}(dim={dim})"
        assert len(got) == len(shape) - 1, f"{call} has shape {got}"
        assert len(kept) == len(shape), f"{call[:-1]}, keepdim=True) has shape {kept}"
        assert kept[dim] == 1, f"{call[:-1]}, keepdim=True) has shape {kept}"
        axis = dim % len(shape)
        assert got == kept[:axis] + kept[axis + 1 :], f"{call}: {got}, keepdim=True: {kept}"


# Dtypes --------------------------------------------------------------------------------------


@pytest.mark.claim("reductions.sum.integers-add-in-int64")
@given(dtype=numpy_dtypes(SHARED_DTYPES), shape=NON_EMPTY, data=st.data())
def test_sum_of_bools_and_integers_is_int64(device, dtype, shape, data):
    tensor = torch.zeros(shape, dtype=torch_dtype(dtype), device=device)
    dim = data.draw(dims(len(shape)), label="dim")
    expected = f"torch.{sum_dtype(dtype.name)}"
    assert str(tensor.sum().dtype) == expected, f"{dtype.name} tensor.sum()"
    assert str(tensor.sum(dim).dtype) == expected, f"{dtype.name} tensor.sum({dim})"


@pytest.mark.claim("reductions.sum.integers-add-in-int64")
@pytest.mark.devices("cpu", "cuda")
@given(
    dtype=numpy_dtypes(NARROW_INTEGRAL_DTYPES),  # int64 can overflow
    count=st.integers(1, 2000),
)
@example(dtype=np.dtype(bool), count=2000)  # a count of 2000 Trues: more than uint8 holds
def test_sum_does_not_overflow_the_input_dtype(device, dtype, count):
    largest = 1 if dtype == np.bool_ else int(np.iinfo(dtype).max)
    tensor = torch.full((count,), largest, dtype=torch_dtype(dtype), device=device)
    assert tensor.sum().item() == count * int(largest), f"{count} x {largest} as {dtype.name}"


@pytest.mark.claim("reductions.sum.integers-add-in-int64")
@pytest.mark.devices("cpu", "cuda")
def test_notes_003_and_004_count_the_correct_predictions(device):
    preds = torch.tensor(
        [[0.1, 0.7, 0.2], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]], device=device
    )
    labels = torch.tensor([1, 0, 0, 2], device=device)
    predicted = preds.argmax(dim=1)
    assert predicted.tolist() == [1, 2, 0, 2]
    correct = predicted.eq(labels).sum()  # notes 004
    assert correct.dtype == torch.int64, f"a sum of bools is {correct.dtype}"
    assert correct.shape == ()
    count = correct.item()
    assert type(count) is int, f".item() gave {count!r}"
    assert count == 3, f".item() gave {count!r}"
    assert torch.eq(predicted, labels).sum().item() == 3  # notes 003


@pytest.mark.claim("reductions.mean.needs-floating-point")
def test_notes_004_mean_of_a_float32_matrix_converts_on():
    t = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=torch.float32)
    mean = t.mean()
    assert mean.dtype == torch.float32
    assert mean.shape == ()
    assert type(mean.item()) is float, "t.mean().item()"
    assert mean.item() == 5.0, "t.mean().item()"
    assert t.mean(dim=0).tolist() == [4.0, 5.0, 6.0], "t.mean(dim=0).tolist()"
    columns = t.mean(dim=0).numpy()
    assert isinstance(columns, np.ndarray)
    assert columns.dtype == np.float32
    assert columns.tolist() == [4.0, 5.0, 6.0], "t.mean(dim=0).numpy()"


@pytest.mark.claim("reductions.mean.needs-floating-point")
@given(dtype=numpy_dtypes(INTEGRAL_DTYPES), shape=NON_EMPTY, data=st.data())
def test_mean_of_an_integer_tensor_raises(device, dtype, shape, data):
    tensor = torch.zeros(shape, dtype=torch_dtype(dtype), device=device)
    dim = data.draw(dims(len(shape)), label="dim")
    with pytest.raises(RuntimeError, match="floating point or complex"):
        tensor.mean()
    with pytest.raises(RuntimeError, match="floating point or complex"):
        tensor.mean(dim)
    assert tensor.mean(dtype=torch.float32).dtype == torch.float32


# argmax and max ------------------------------------------------------------------------------


@pytest.mark.claim("reductions.argmax.flat-index")
@given(array=tied_arrays())
@example(array=np.array(NOTES_004_T))  # notes 004: tensor(11)
def test_argmax_without_dim_is_an_index_into_flatten(device, array):
    tensor = torch.tensor(array, device=device)
    index = tensor.argmax()
    assert index.shape == ()
    assert index.dtype == torch.int64
    assert index.item() == argmax(array), f"{describe(tensor)}.argmax()"


@pytest.mark.claim("reductions.argmax.flat-index")
@given(array=arrays(dtype=np.int64, shape=NON_EMPTY))
@example(array=np.array(NOTES_004_T))
def test_the_flat_index_points_at_the_maximum(device, array):
    tensor = torch.tensor(array, device=device)
    assert tensor.flatten()[tensor.argmax()].item() == array.max(), describe(tensor)


@pytest.mark.claim("reductions.argmax.flat-index")
def test_argmax_of_an_empty_tensor_needs_a_dim(device):
    with pytest.raises((IndexError, RuntimeError), match="Expected reduction dim"):
        torch.zeros(0, device=device).argmax()


@pytest.mark.claim("reductions.max.values-and-indices")
@given(array=tied_arrays(), keepdim=st.booleans(), data=st.data())
def test_max_along_a_dim_returns_values_and_their_indices(device, array, keepdim, data):
    dim = data.draw(dims(array.ndim), label="dim")
    tensor = torch.tensor(array, device=device)
    call = f"{describe(tensor)}.max(dim={dim}, keepdim={keepdim})"
    result = tensor.max(dim=dim, keepdim=keepdim)
    values, indices = result
    assert torch.equal(result[1], result.indices), call
    assert torch.equal(indices, tensor.argmax(dim=dim, keepdim=keepdim)), call
    gathered = tensor.gather(dim, indices if keepdim else indices.unsqueeze(dim))
    gathered = gathered if keepdim else gathered.squeeze(dim)
    torch.testing.assert_close(values, gathered, rtol=0, atol=0, equal_nan=True, msg=call)


@pytest.mark.claim("reductions.max.values-and-indices")
def test_notes_004_max_along_each_dim(device):
    t = torch.tensor(NOTES_004_T, device=device)
    values, indices = t.max(dim=0)
    assert values.tolist() == [4, 3, 3, 5], "t.max(dim=0).values"
    assert indices.tolist() == [2, 1, 1, 2], "t.max(dim=0).indices"
    assert t.argmax(dim=0).tolist() == [2, 1, 1, 2]
    by_row = torch.max(t, 1)
    assert isinstance(by_row, tuple)
    assert len(by_row) == 2
    assert by_row.values.tolist() == by_row[0].tolist() == [2, 3, 5], "torch.max(t, 1)[0]"
    assert by_row[1].tolist() == t.argmax(dim=1).tolist() == [3, 1, 3], "torch.max(t, 1)[1]"


@pytest.mark.claim("reductions.max.values-and-indices")
def test_max_without_dim_returns_the_value_alone():
    result = torch.tensor([[1, 5], [3, 2]]).max()
    assert isinstance(result, torch.Tensor)
    assert result.shape == ()
    assert result.item() == 5


@pytest.mark.claim("reductions.argmax.first-occurrence")
def test_notes_004_row_with_two_threes_gives_the_first(device):
    t = torch.tensor(NOTES_004_T, device=device)
    # the notes print [3, 2, 3]: the second 3 of [0, 3, 3, 0], before torch 1.7
    assert t.max(dim=1).indices.tolist() == [3, 1, 3], "t.max(dim=1).indices"
    assert t.argmax(dim=1).tolist() == [3, 1, 3], "t.argmax(dim=1)"
    assert torch.max(t, 1)[1].tolist() == [3, 1, 3], "torch.max(t, 1)[1]"


@pytest.mark.claim("reductions.argmax.first-occurrence")
@given(array=tied_arrays(), data=st.data())
def test_ties_go_to_the_first_maximum(device, array, data):
    dim = data.draw(dims(array.ndim), label="dim")
    tensor = torch.tensor(array, device=device)
    expected = argmax(array, dim)
    assert_same_values(tensor.argmax(dim), expected, f"{describe(tensor)}.argmax({dim})")
    assert_same_values(tensor.max(dim).indices, expected, f"{describe(tensor)}.max({dim})")
    assert_same_values(tensor.argmax(), argmax(array), f"{describe(tensor)}.argmax()")
    first_smallest = argmax(-array, dim)  # the first maximum of the negation
    assert_same_values(tensor.min(dim).indices, first_smallest, f"{describe(tensor)}.min({dim})")
    assert_same_values(tensor.argmin(dim), first_smallest, f"{describe(tensor)}.argmin({dim})")

"""spec/shapes.md: reshaping, squeezing, flattening, joining, splitting and broadcasting."""

from __future__ import annotations

import itertools
import math
import warnings
from functools import reduce

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from reference.promotion import promote_types
from reference.shapes import (
    broadcast_shape,
    cat_shape,
    chunk_sizes,
    flatten_shape,
    reshape_shape,
    split_sizes,
    squeeze_shape,
    stack_shape,
    unsqueeze_shape,
    viewable_as_flat,
)
from tests.harness.assertions import assert_same_values, describe
from tests.harness.dtypes import FLOATING, PROMOTION_MODELLED, dtype_name
from tests.harness.strategies import (
    arrays,
    broadcastable_shapes,
    dims,
    shapes,
    strided_views,
    tensors,
    torch_dtypes,
    view_recipes,
)
from tests.harness.torch_settings import seeded, warn_always

# Shapes rich in the sizes that shape functions treat specially: 1 (squeezed, broadcast) and 0.
SHAPES_WITH_ONES = st.lists(st.sampled_from([0, 1, 1, 2, 3]), max_size=5).map(tuple)
NON_EMPTY = shapes(min_side=1)
LENGTHS = st.integers(min_value=0, max_value=40)
RANK_THREE_WITH_ONES = st.tuples(*[st.sampled_from([0, 1, 1, 2, 3])] * 3)
# notes 004's `data`, which they reshape and squeeze.
NOTES_DATA = [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]


def zeros(shape, device):
    return torch.zeros(shape, device=device)


def outcome(call):
    """What `call()` gives: its value, or the exception type it raises (torch or reference)."""
    try:
        return call()
    except (RuntimeError, ValueError, IndexError) as error:
        return type(error)


def same_memory(view: torch.Tensor, base: torch.Tensor) -> bool:
    """Whether `view` lies in `base`'s storage (compared by storage, so empty views count)."""
    return view.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()


def same_outcome(torch_call, reference_call) -> bool:
    """Both succeed with the same shape, or both refuse (torch and the reference may use
    different exception types: the reference always raises ValueError)."""
    got, want = outcome(torch_call), outcome(reference_call)
    if isinstance(got, type) or isinstance(want, type):
        return isinstance(got, type) and isinstance(want, type)
    return tuple(got) == tuple(want)


@st.composite
def regroupings(draw, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape with `shape`'s element count (its prime factors dealt into 1-4 sizes), perhaps
    with one size replaced by -1."""
    numel = math.prod(shape)
    factors = [0] if numel == 0 else _prime_factors(numel)
    sizes = [1] * draw(st.integers(1, 4))
    for factor in factors:
        slot = draw(st.integers(0, len(sizes) - 1))
        sizes[slot] *= factor
    if numel == 0:  # beside a 0, the other sizes are free
        sizes = [size if size == 0 else draw(st.integers(1, 3)) for size in sizes]
    if draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    return tuple(sizes)


def reshape_targets(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    """Mostly regroupings of `shape`, sometimes any sizes at all (-2 included), mostly invalid."""
    anything = st.lists(st.integers(-2, 6), max_size=4).map(tuple)
    return st.one_of(regroupings(shape), regroupings(shape), regroupings(shape), anything)


def _prime_factors(number: int) -> list[int]:
    factors, divisor = [], 2
    while number > 1:
        while number % divisor == 0:
            factors.append(divisor)
            number //= divisor
        divisor += 1
    return factors


# Reshaping ---------------------------------------------------------------------------------------


@pytest.mark.claim("shapes.reshape.infers-minus-one")
@given(data=st.data(), shape=shapes(max_side=4))
def test_reshape_and_view_follow_the_element_count(device, data, shape):
    target = data.draw(reshape_targets(shape), label="target")
    tensor = zeros(shape, device)
    for method in ("reshape", "view"):
        assert same_outcome(
            lambda method=method: getattr(tensor, method)(target).shape,
            lambda: reshape_shape(shape, target),
        ), f"torch.zeros({shape}).{method}({target}) on {device}"


@pytest.mark.claim("shapes.reshape.infers-minus-one")
@given(array=arrays(shape=NON_EMPTY))
def test_reshape_keeps_the_values_in_row_major_order(array):
    tensor = torch.tensor(array)
    assert_same_values(tensor.reshape(-1), array.ravel(), f"{describe(tensor)}.reshape(-1)")


@pytest.mark.claim("shapes.reshape.infers-minus-one")
@pytest.mark.parametrize(
    ("target", "message"),
    [
        ((4, -1), "invalid for input of size 6"),
        ((-1, -1), "only one dimension can be inferred"),
        ((-2, 3), "invalid shape dimension -2"),
    ],
)
def test_reshape_names_the_problem(target, message):
    with pytest.raises(RuntimeError, match=message):
        torch.zeros(6).reshape(target)


@pytest.mark.claim("shapes.reshape.infers-minus-one")
def test_a_minus_one_beside_a_zero_is_refused(device):
    with pytest.raises(RuntimeError, match="the unspecified dimension size -1 can be any value"):
        zeros((0,), device).reshape(0, -1)
    assert zeros((0,), device).reshape(0, 3).shape == (0, 3)


@pytest.mark.claim("shapes.reshape.infers-minus-one")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_the_reshapes_of_the_notes(device):
    x = torch.arange(16.0, device=device).reshape(4, 4)
    assert x.view(16).tolist() == list(range(16)), "x.view(16)"  # notes 001
    assert x.view(-1, 8).tolist() == [list(range(8)), list(range(8, 16))], "x.view(-1, 8)"
    t1 = torch.tensor([[1, 2], [3, 4], [5, 6]], device=device)
    assert torch.reshape(t1, (-1, 3)).tolist() == [[1, 2, 3], [4, 5, 6]]  # notes 003
    data = torch.tensor(NOTES_DATA, device=device)
    assert data.reshape(-1, 2, 3).tolist() == [  # notes 004
        [[1, 1, 1], [1, 2, 2]],
        [[2, 2, 3], [3, 3, 3]],
    ]
    with pytest.raises(RuntimeError, match=r"shape '\[5, -1\]' is invalid for input of size 12"):
        data.reshape(5, -1)


@pytest.mark.claim("shapes.view.shares-memory")
@given(array=arrays(shape=NON_EMPTY), data=st.data())
def test_view_and_reshape_of_a_contiguous_tensor_share_memory(device, array, data):
    tensor = torch.tensor(array, device=device)
    target = data.draw(regroupings(array.shape), label="target")
    original = tensor.clone()
    flipped = original == 0  # every element changes when this is copied in, in every dtype
    for method in ("view", "reshape"):
        view = getattr(tensor, method)(target)
        call = f"{describe(tensor)}.{method}({target})"
        assert view.data_ptr() == tensor.data_ptr(), call
        view.copy_(flipped.reshape(target))
        assert_same_values(tensor, flipped.to(tensor.dtype), f"a write through {call}")
        tensor.copy_(original)
        assert_same_values(view, original.reshape(target), f"a write to the base of {call}")


@pytest.mark.claim("shapes.view.refuses-what-it-cannot-lay-over")
@given(data=st.data(), base_shape=shapes(min_dims=1, max_dims=4, min_side=1))
def test_view_flattens_exactly_when_the_strides_allow(device, data, base_shape):
    view = data.draw(view_recipes(base_shape), label="recipe").apply(zeros(base_shape, device))
    layout = f"shape {tuple(view.shape)}, strides {view.stride()}"
    if viewable_as_flat(tuple(view.shape), view.stride()):
        assert view.view(-1).shape == (view.numel(),), f"view(-1) of {layout}"
    else:
        with pytest.raises(RuntimeError, match="reshape"):
            view.view(-1)


@pytest.mark.claim("shapes.view.refuses-what-it-cannot-lay-over")
def test_view_needs_the_merged_dims_laid_out_one_after_another(device):
    transposed = zeros((2, 3), device).t()
    with pytest.raises(RuntimeError, match=r"Use \.reshape\(\.\.\.\) instead"):
        transposed.view(-1)
    columns = zeros((4, 3), device)[:, :2]
    assert not columns.is_contiguous()
    assert columns.view(4, 1, 2).data_ptr() == columns.data_ptr(), "t[:, :2].view(4, 1, 2)"
    every_other = zeros((10,), device)[::2]
    assert every_other.view(-1).stride() == (2,), "a strided 1-d tensor viewed as (-1,)"


@pytest.mark.claim("shapes.view.refuses-what-it-cannot-lay-over")
@given(array=strided_views())
def test_reshape_copies_exactly_when_view_cannot(array):
    tensor = torch.from_numpy(array)
    flat = tensor.reshape(-1)
    expected_view = viewable_as_flat(tuple(tensor.shape), tensor.stride())
    assert (flat.data_ptr() == tensor.data_ptr()) == expected_view, (
        f"{describe(tensor)}.reshape(-1) {'copied' if expected_view else 'did not copy'}"
    )
    assert_same_values(flat, array.ravel(), f"{describe(tensor)}.reshape(-1)")


# Indexing ----------------------------------------------------------------------------------------


@st.composite
def basic_indices(draw, shape: tuple[int, ...]) -> tuple:
    """A NumPy basic index into `shape`: per dim an int or a positive-step slice, with `None`
    and `...` sometimes mixed in."""
    index = []
    for side in shape:
        if side and draw(st.booleans()):
            index.append(draw(st.integers(-side, side - 1)))
        else:
            start = draw(st.none() | st.integers(-side - 1, side + 1))
            stop = draw(st.none() | st.integers(-side - 1, side + 1))
            index.append(slice(start, stop, draw(st.none() | st.integers(1, 3))))
    if draw(st.booleans()):
        index.insert(draw(st.integers(0, len(index))), None)
    if index and draw(st.booleans()):
        cut = draw(st.integers(0, len(index)))
        index = [*index[:cut], Ellipsis]
    return tuple(index)


@pytest.mark.claim("shapes.index.like-numpy")
@given(array=arrays(dtype=np.int64, shape=shapes(min_dims=1)), data=st.data())
def test_basic_indexing_picks_numpys_elements_as_a_view(device, array, data):
    index = data.draw(basic_indices(array.shape), label="index")
    tensor = torch.tensor(array, device=device)
    picked = tensor[index]
    assert_same_values(picked, array[index], f"{describe(tensor)}[{index}]")
    if picked.numel():
        picked.fill_(-1)
        assert (tensor[index] == -1).all(), f"{describe(tensor)}[{index}] is not a view"


@pytest.mark.claim("shapes.index.like-numpy")
def test_the_column_of_notes_001_is_a_view(device):
    array = np.arange(15).reshape(5, 3)
    x = torch.tensor(array, device=device)
    column = x[:, 1]  # notes 001
    assert column.tolist() == array[:, 1].tolist() == [1, 4, 7, 10, 13]
    column[0] = -1
    assert x[0].tolist() == [0, -1, 2], "x[:, 1] is not a view"


@pytest.mark.claim("shapes.index.like-numpy")
@given(array=arrays(dtype=np.int64, shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_negative_steps_and_out_of_range_ints_are_refused(device, array, data):
    tensor = torch.tensor(array, device=device)
    step = data.draw(st.integers(-3, -1), label="step")
    with pytest.raises(ValueError, match="step must be greater than zero"):
        tensor[::step]
    with pytest.raises(IndexError, match="out of bounds"):
        tensor[array.shape[0]]
    assert_same_values(tensor.flip(0), array[::-1], f"{describe(tensor)}.flip(0)")


@pytest.mark.claim("shapes.index.like-numpy")
@given(array=arrays(dtype=np.int64, shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_advanced_indexing_copies(array, data):
    rows = data.draw(st.lists(st.integers(0, array.shape[0] - 1), min_size=1), label="rows")
    tensor = torch.tensor(array)
    picked = tensor[rows]
    assert_same_values(picked, array[rows], f"{describe(tensor)}[{rows}]")
    picked.fill_(-1)
    assert_same_values(
        tensor, array, f"{describe(tensor)} after filling {describe(tensor)}[{rows}]"
    )


SIGNED_INTEGERS = (torch.int8, torch.int16, torch.int32, torch.int64)
INDEX_REFUSAL = r"^tensors used as indices must be long, int, byte or bool tensors$"


def assert_refused_as_index(index: torch.Tensor) -> None:
    cmt = torch.zeros(3, 3, dtype=torch.int64, device=index.device)
    with pytest.raises(IndexError, match=INDEX_REFUSAL):
        cmt[index]
    with pytest.raises(IndexError, match=INDEX_REFUSAL):
        cmt[index, index] += 1
    with pytest.raises(IndexError, match=INDEX_REFUSAL):
        cmt[index] = 1
    assert not cmt.any(), f"{describe(index)} as an index wrote to cmt"


@pytest.mark.claim("shapes.index.integer-tensors-only")
@pytest.mark.parametrize("dtype", FLOATING, ids=dtype_name)
@given(index_shape=shapes(max_dims=2, max_side=3))
@example(index_shape=())  # the 0-d tensors of notes 004's `cmt[x, y] += 1`
def test_float_index_tensors_are_refused_at_every_rank(device, dtype, index_shape):
    assert_refused_as_index(torch.zeros(index_shape, dtype=dtype, device=device))


@pytest.mark.claim("shapes.index.integer-tensors-only")
@pytest.mark.parametrize("dtype", [torch.int8, torch.int16], ids=dtype_name)
@given(index_shape=shapes(min_dims=1, max_dims=2, max_side=3))
def test_int8_and_int16_index_tensors_with_dims_are_refused(device, dtype, index_shape):
    assert_refused_as_index(torch.zeros(index_shape, dtype=dtype, device=device))


@pytest.mark.claim("shapes.index.integer-tensors-only")
@pytest.mark.parametrize("dtype", SIGNED_INTEGERS, ids=dtype_name)
@given(row=st.integers(-3, 2), column=st.integers(-3, 2))
def test_a_zero_dim_signed_integer_tensor_is_read_as_its_int(device, dtype, row, column):
    table = torch.arange(9, device=device).reshape(3, 3)
    x = torch.tensor(row, dtype=dtype, device=device)
    y = torch.tensor(column, dtype=dtype, device=device)
    assert table[x, y].item() == table[row, column].item() == (row % 3) * 3 + column % 3
    assert table[x].tolist() == table[row].tolist()


@pytest.mark.claim("shapes.index.integer-tensors-only")
def test_the_confusion_matrix_of_notes_004_needs_integer_indices(device):
    assert torch.tensor([]).dtype == torch.float32  # what the notes avoid with dtype=int32
    with pytest.raises(IndexError, match=r"^only integers, slices"):
        torch.zeros(3, device=device)[1.0]
    cmt = torch.zeros(3, 3, dtype=torch.int64, device=device)
    stack = torch.tensor([[0, 0], [1, 2], [1, 2]], dtype=torch.int32, device=device)
    for x, y in stack:
        cmt[x, y] += 1  # notes 004
    assert cmt.tolist() == [[1, 0, 0], [0, 0, 2], [0, 0, 0]]
    with pytest.raises(IndexError, match=INDEX_REFUSAL):
        cmt[stack[0].float()[0], stack[0].float()[1]] += 1


@pytest.mark.claim("shapes.index.integer-tensors-only")
@pytest.mark.parametrize("dtype", [torch.int32, torch.int64], ids=dtype_name)
@given(array=arrays(dtype=np.int64, shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_int32_and_int64_tensors_index_like_numpy(device, dtype, array, data):
    side = array.shape[0]
    rows = data.draw(st.lists(st.integers(-side, side - 1), max_size=5), label="rows")
    tensor = torch.tensor(array, device=device)
    picked = tensor[torch.tensor(rows, dtype=dtype, device=device)]
    assert_same_values(picked, array[np.array(rows, dtype=np.int64)], f"{describe(tensor)}[{rows}]")


@pytest.mark.claim("shapes.index.integer-tensors-only")
@given(array=arrays(dtype=np.int64, shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_uint8_and_bool_tensors_are_masks(device, array, data):
    side = array.shape[0]
    mask = data.draw(st.lists(st.integers(0, 2), min_size=side, max_size=side), label="mask")
    tensor = torch.tensor(array, device=device)
    expected = array[np.array(mask) != 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a bool mask is not deprecated
        by_bool = tensor[torch.tensor(mask, device=device) != 0]
    assert_same_values(by_bool, expected, f"{describe(tensor)}[bool mask of {mask}]")
    uint8_mask = torch.tensor(mask, dtype=torch.uint8, device=device)
    with warn_always(), pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now"):
        by_uint8 = tensor[uint8_mask]
    assert_same_values(by_uint8, expected, f"{describe(tensor)}[{describe(uint8_mask)}]")


@pytest.mark.claim("shapes.index.integer-tensors-only")
def test_zero_dim_uint8_labels_add_to_every_cell(device):
    cmt = torch.zeros(3, 3, dtype=torch.int64, device=device)
    x = torch.tensor(1, dtype=torch.uint8, device=device)
    y = torch.tensor(2, dtype=torch.uint8, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a 0-d mask does not warn
        cmt[x, y] += 1
    assert cmt.tolist() == [[1, 1, 1]] * 3, "cmt[x, y] += 1 with 0-d uint8 x = 1, y = 2"
    cmt[x.long(), y.long()] += 1
    assert cmt.tolist() == [[1, 1, 1], [1, 1, 2], [1, 1, 1]]


@pytest.mark.claim("shapes.index.integer-tensors-only")
def test_a_uint8_tensor_of_positions_is_read_as_a_mask(device):
    values = torch.tensor([10, 20, 30], device=device)
    positions = torch.tensor([1, 0, 2], device=device)
    assert values[positions].tolist() == [20, 10, 30]
    assert values[positions.int()].tolist() == [20, 10, 30]
    with warn_always(), pytest.warns(UserWarning, match="please use a dtype torch.bool instead"):
        assert values[positions.to(torch.uint8)].tolist() == [10, 30]
    with pytest.raises(IndexError, match="The shape of the mask"):
        values[torch.tensor([1, 0], dtype=torch.bool, device=device)]


# Removing and adding dims of size 1 --------------------------------------------------------------


@pytest.mark.claim("shapes.squeeze.every-size-one-dim")
@given(shape=SHAPES_WITH_ONES)
@example(shape=(2, 1, 3, 1))
@example(shape=(1, 1, 1))
def test_squeeze_drops_every_size_one_dim(device, shape):
    tensor = zeros(shape, device)
    squeezed = tensor.squeeze()
    assert tuple(squeezed.shape) == squeeze_shape(shape), f"torch.zeros({shape}).squeeze()"
    assert same_memory(squeezed, tensor), f"torch.zeros({shape}).squeeze() copied"


@pytest.mark.claim("shapes.squeeze.every-size-one-dim")
@given(shape=SHAPES_WITH_ONES, data=st.data())
def test_squeeze_dim_drops_only_that_dim(device, shape, data):
    dim = data.draw(dims(len(shape)), label="dim")
    got = zeros(shape, device).squeeze(dim).shape
    assert tuple(got) == squeeze_shape(shape, dim), f"torch.zeros({shape}).squeeze({dim})"


@pytest.mark.claim("shapes.squeeze.every-size-one-dim")
@given(shape=SHAPES_WITH_ONES.filter(len), data=st.data())
def test_squeeze_takes_a_tuple_of_dims(device, shape, data):
    chosen = data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1), label="dims")
    dim = tuple(sorted(chosen))
    got = zeros(shape, device).squeeze(dim).shape
    assert tuple(got) == squeeze_shape(shape, dim), f"torch.zeros({shape}).squeeze({dim})"


@pytest.mark.claim("shapes.squeeze.every-size-one-dim")
def test_squeeze_rejects_a_dim_out_of_range():
    with pytest.raises(IndexError, match="out of range"):
        torch.zeros(2, 3).squeeze(2)


@pytest.mark.claim("shapes.squeeze.every-size-one-dim")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_squeeze_as_in_notes_004(device):
    data = torch.tensor(NOTES_DATA, device=device)
    for shape in [(-1, 1), (1, 12)]:
        squeezed = data.reshape(shape).squeeze()
        assert squeezed.tolist() == [1] * 4 + [2] * 4 + [3] * 4, f"data.reshape{shape}.squeeze()"


@pytest.mark.claim("shapes.squeeze.three-dims-too")
@given(shape=RANK_THREE_WITH_ONES)
@example(shape=(3, 1, 4))
def test_squeeze_drops_the_size_one_dims_of_a_three_dim_tensor(device, shape):
    tensor = zeros(shape, device)
    squeezed = tensor.squeeze()
    kept = tuple(size for size in shape if size != 1)
    assert tuple(squeezed.shape) == kept == squeeze_shape(shape), f"torch.zeros({shape}).squeeze()"
    assert same_memory(squeezed, tensor), f"torch.zeros({shape}).squeeze() copied"


@pytest.mark.claim("shapes.squeeze.three-dims-too")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
@given(array=arrays(dtype=np.int64, shape=RANK_THREE_WITH_ONES))
@example(array=np.arange(12).reshape(3, 1, 4))
def test_squeeze_of_a_three_dim_tensor_keeps_the_values_in_order(device, array):
    tensor = torch.tensor(array, device=device)
    assert_same_values(tensor.squeeze(), array.squeeze(), f"{describe(tensor)}.squeeze()")


@pytest.mark.claim("shapes.squeeze.three-dims-too")
def test_squeeze_of_notes_004s_tensors_at_rank_three():
    data = torch.tensor(NOTES_DATA)
    assert data.reshape(3, 1, 4).squeeze().tolist() == NOTES_DATA
    assert data.reshape(1, 12, 1).squeeze().tolist() == [1] * 4 + [2] * 4 + [3] * 4
    t1 = torch.ones(4, 4)
    batch = torch.stack([t1, t1 * 2, t1 * 3])  # notes 004's batch: no size-1 dim to drop
    assert batch.squeeze().shape == (3, 4, 4)
    assert batch.reshape(3, 1, 4, 4).squeeze().shape == (3, 4, 4)


@pytest.mark.claim("shapes.unsqueeze.inserts-a-dim")
@given(shape=shapes(), data=st.data())
def test_unsqueeze_inserts_a_dim_that_squeeze_removes(device, shape, data):
    dim = data.draw(dims(len(shape), extra=1), label="dim")
    tensor = zeros(shape, device)
    grown = tensor.unsqueeze(dim)
    assert tuple(grown.shape) == unsqueeze_shape(shape, dim), (
        f"torch.zeros({shape}).unsqueeze({dim})"
    )
    assert grown.squeeze(dim).shape == tensor.shape
    assert same_memory(grown, tensor), f"torch.zeros({shape}).unsqueeze({dim}) copied"


@pytest.mark.claim("shapes.unsqueeze.inserts-a-dim")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_unsqueeze_as_in_the_notes(device):
    line = torch.linspace(-1, 1, 100, device=device)
    x = torch.unsqueeze(line, dim=1)  # notes 000, 003
    assert x.shape == (100, 1)
    assert x[:, 0].tolist() == line.tolist()
    assert torch.zeros(2, 3, device=device).unsqueeze(-1).shape == (2, 3, 1), "-1 appends"
    row = torch.tensor(NOTES_DATA, device=device).reshape(1, 12).squeeze()
    assert row.unsqueeze(dim=0).shape == (1, 12)  # notes 004


# Flattening and reordering -----------------------------------------------------------------------


@pytest.mark.claim("shapes.flatten.keeps-the-batch")
@given(shape=shapes(), data=st.data())
def test_flatten_merges_the_dims_between_start_and_end(device, shape, data):
    start = data.draw(dims(len(shape)), label="start_dim")
    end = data.draw(dims(len(shape)), label="end_dim")
    assert same_outcome(
        lambda: zeros(shape, device).flatten(start, end).shape,
        lambda: flatten_shape(shape, start, end),
    ), f"torch.zeros({shape}).flatten({start}, {end}) on {device}"


@pytest.mark.claim("shapes.flatten.keeps-the-batch")
@given(array=arrays(shape=shapes(min_dims=2, min_side=1)))
def test_flatten_from_dim_one_keeps_each_sample_in_its_row(array):
    batch = torch.tensor(array)
    flat = batch.flatten(start_dim=1)
    assert torch.equal(flat, batch.reshape(batch.size(0), -1)), describe(batch)
    for sample, row in zip(array, flat, strict=True):
        assert_same_values(row, sample.ravel(), f"row of {describe(batch)}.flatten(start_dim=1)")


@pytest.mark.claim("shapes.flatten.keeps-the-batch")
def test_flatten_of_notes_004s_batch_of_three_images():
    t1 = torch.ones(4, 4)
    t = torch.stack([t1, t1 * 2, t1 * 3]).reshape(3, 1, 4, 4)  # notes 004
    assert torch.equal(t.flatten(), t.reshape(-1))
    assert t.flatten().tolist() == [1.0] * 16 + [2.0] * 16 + [3.0] * 16
    assert t.flatten(start_dim=1).tolist() == [[1.0] * 16, [2.0] * 16, [3.0] * 16]
    assert torch.equal(t.flatten(start_dim=1), t.view(t.size(0), -1))  # notes 001
    assert t.flatten(start_dim=1).data_ptr() == t.data_ptr(), "flatten(start_dim=1) copied"
    assert torch.tensor(5.0).flatten().shape == (1,)
    with pytest.raises(RuntimeError, match="start_dim"):
        t.flatten(start_dim=2, end_dim=1)


FC1_FEATURES = 12 * 4 * 4  # notes 004's `t.reshape(-1, 12*4*4)`, the in_features of fc1


@st.composite
def batches(draw) -> tuple[int, tuple[int, int, int]]:
    """A batch size and a per-sample (C, H, W); half the time the batch is a multiple of what
    makes its element count divisible by 192, so that reshape(-1, 192) succeeds."""
    sample = draw(st.tuples(st.integers(1, 12), st.integers(1, 6), st.integers(1, 6)))
    step = FC1_FEATURES // math.gcd(math.prod(sample), FC1_FEATURES)
    count = draw(st.integers(1, 4).map(lambda k: k * step) | st.integers(1, 32))
    return count, sample


@pytest.mark.claim("shapes.reshape.minus-one-is-not-the-batch")
@given(batch=batches())
@example(batch=(16, (12, 5, 5)))  # 32x32 images: 300 features, 25 rows from 16 samples
@example(batch=(4, (12, 4, 4)))  # 28x28 images: 192 features, one row per sample
def test_reshape_minus_one_counts_elements_not_samples(device, batch):
    count, sample = batch
    features = math.prod(sample)
    numel = count * features
    call = f"torch.arange({numel}).reshape({count}, *{sample}).reshape(-1, 192) on {device}"
    t = torch.arange(numel, device=device).reshape(count, *sample)
    assert t.flatten(start_dim=1).shape == (count, features), call
    if numel % FC1_FEATURES:
        with pytest.raises(
            RuntimeError, match=rf"shape '\[-1, 192\]' is invalid for input of size {numel}$"
        ):
            t.reshape(-1, FC1_FEATURES)
        return
    rows = t.reshape(-1, FC1_FEATURES)
    assert tuple(rows.shape) == (numel // FC1_FEATURES, FC1_FEATURES), call
    assert (rows.shape[0] == count) == (features == FC1_FEATURES), call
    if device != "meta":
        for r in (0, rows.shape[0] - 1):
            start = r * FC1_FEATURES
            assert rows[r].tolist() == list(range(start, start + FC1_FEATURES)), f"row {r}: {call}"


@pytest.mark.claim("shapes.reshape.minus-one-is-not-the-batch")
def test_a_wrong_feature_count_mixes_samples_silently_and_flatten_keeps_them_apart():
    t = torch.stack([torch.full((12, 5, 5), float(sample)) for sample in range(16)])  # 32x32
    t_reshaped = t.reshape(-1, 12 * 4 * 4)  # notes 004
    assert t_reshaped.shape == (25, 192) == reshape_shape((16, 12, 5, 5), (-1, 192))
    assert t_reshaped[1].tolist() == [0] * 108 + [1] * 84  # the end of sample 0, then sample 1
    flat = t.flatten(start_dim=1)
    assert flat.shape == (16, 300)
    assert flat[1].tolist() == [1] * 300
    with seeded(0):
        fc1 = torch.nn.Linear(in_features=192, out_features=120)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(16x300"):
        fc1(flat)
    with pytest.raises(
        RuntimeError, match=r"shape '\[-1, 192\]' is invalid for input of size 4500"
    ):
        t[:15].reshape(-1, 12 * 4 * 4)


@pytest.mark.claim("shapes.permute.hwc-to-chw")
@given(image=arrays(shape=shapes(min_dims=3, max_dims=3, min_side=1)))
def test_permute_is_numpys_transpose(device, image):
    chw = torch.tensor(image, device=device).permute(2, 0, 1)
    assert_same_values(chw, image.transpose((2, 0, 1)), "torch.tensor(image).permute(2, 0, 1)")


@pytest.mark.claim("shapes.permute.hwc-to-chw")
def test_torch_transpose_swaps_two_dims_only():
    image = torch.zeros(2, 3, 4)
    with pytest.raises(TypeError):
        image.transpose((2, 0, 1))
    assert image.transpose(0, 2).shape == (4, 3, 2)
    chw = image.permute(2, 0, 1)
    assert chw.data_ptr() == image.data_ptr()
    assert not chw.is_contiguous()


# Joining and splitting ---------------------------------------------------------------------------


@st.composite
def joinable_shapes(draw, vary_dim: bool) -> tuple[list[tuple[int, ...]], int]:
    """2-4 shapes of one rank (>= 1) and a dim; with `vary_dim` they may differ along that dim."""
    base = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    dim = draw(dims(len(base)))
    count = draw(st.integers(2, 4))
    if not vary_dim:
        return [base] * count, dim
    sizes = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
    position = dim % len(base)
    return [(*base[:position], size, *base[position + 1 :]) for size in sizes], dim


@pytest.mark.claim("shapes.cat.along-an-existing-dim")
@given(joined=joinable_shapes(vary_dim=True))
def test_cat_adds_up_sizes_along_dim(device, joined):
    shape_list, dim = joined
    got = torch.cat([zeros(shape, device) for shape in shape_list], dim).shape
    assert tuple(got) == cat_shape(shape_list, dim), f"torch.cat of {shape_list}, dim={dim}"


@pytest.mark.claim("shapes.cat.along-an-existing-dim")
@pytest.mark.devices("cpu", "cuda")
@given(joined=joinable_shapes(vary_dim=True), data=st.data())
def test_cat_keeps_every_value_in_order(device, joined, data):
    shape_list, dim = joined
    pieces = [data.draw(arrays(dtype=np.int64, shape=shape)) for shape in shape_list]
    got = torch.cat([torch.tensor(piece, device=device) for piece in pieces], dim)
    assert_same_values(got, np.concatenate(pieces, axis=dim), f"torch.cat(..., dim={dim})")


@pytest.mark.claim("shapes.cat.along-an-existing-dim")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_the_cats_of_notes_003(device):
    t1 = torch.tensor([[1, 2], [3, 4]], device=device)
    t2 = torch.tensor([[5, 6], [7, 8]], device=device)
    assert torch.cat([t1, t2], dim=0).tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert torch.cat([t1, t2], dim=1).tolist() == [[1, 2, 5, 6], [3, 4, 7, 8]]
    tt_1 = torch.tensor([[[1, 1], [2, 2]], [[3, 3], [4, 4]], [[5, 5], [6, 6]]], device=device)
    tt_2 = tt_1 * 11
    depth, rows, columns = (torch.cat([tt_1, tt_2], dim=dim) for dim in (0, 1, 2))
    assert depth.shape == (6, 2, 2)
    assert depth[3].tolist() == [[11, 11], [22, 22]]
    assert rows.shape == (3, 4, 2)
    assert rows[0].tolist() == [[1, 1], [2, 2], [11, 11], [22, 22]]
    assert columns.shape == (3, 2, 4)
    assert columns[0].tolist() == [[1, 1, 11, 11], [2, 2, 22, 22]]


@pytest.mark.claim("shapes.cat.along-an-existing-dim")
def test_cat_refuses_mismatched_sizes(device):
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        torch.cat([zeros((2, 3), device), zeros((2, 4), device)], dim=0)


@pytest.mark.claim("shapes.cat.along-an-existing-dim")
@pytest.mark.devices("cpu", "cuda")
def test_cat_refuses_zero_dim_tensors(device):
    with pytest.raises(RuntimeError, match="zero-dimensional"):
        torch.cat([zeros((), device), zeros((), device)])


@pytest.mark.claim("shapes.cat.along-an-existing-dim")
@pytest.mark.devices("meta")
def test_cat_of_zero_dim_tensors_on_meta_raises_index_error(device):
    with pytest.raises(IndexError):
        torch.cat([zeros((), device), zeros((), device)])


def common_dtype(dtypes) -> str:
    """The reference's promotion of the dtypes, pair by pair."""
    return reduce(promote_types, [dtype_name(dtype) for dtype in dtypes])


@pytest.mark.claim("shapes.cat.promotes-dtypes")
@given(
    dtypes=st.lists(torch_dtypes(PROMOTION_MODELLED), min_size=2, max_size=4),
    shape=shapes(min_dims=1, max_dims=2, max_side=3),
)
@example(dtypes=[torch.int32, torch.int64], shape=(3,))  # notes 004's all_preds and preds
def test_cat_promotes_to_the_common_dtype(device, dtypes, shape):
    pieces = [torch.zeros(shape, dtype=dtype, device=device) for dtype in dtypes]
    got = torch.cat(pieces)
    call = f"torch.cat of {[str(dtype) for dtype in dtypes]}"
    assert dtype_name(got.dtype) == common_dtype(dtypes), f"{call} gave {got.dtype}"
    assert got.dtype == reduce(torch.promote_types, dtypes), call


@pytest.mark.claim("shapes.cat.promotes-dtypes")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
@given(data=st.data(), count=st.integers(2, 4))
def test_cat_converts_every_value_into_the_common_dtype(device, data, count):
    dtype = torch_dtypes(PROMOTION_MODELLED)
    pieces = [
        data.draw(tensors(device, dtype=dtype, shape=shapes(min_dims=1, max_dims=1)))
        for _ in range(count)
    ]
    got = torch.cat(pieces)
    expected = [value for piece in pieces for value in piece.tolist()]  # exact in every dtype
    assert_same_values(got, expected, f"torch.cat of {[describe(piece) for piece in pieces]}")


@pytest.mark.claim("shapes.cat.promotes-dtypes")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_all_preds_of_notes_004_becomes_int64(device):
    all_preds = torch.tensor([], dtype=torch.int32, device=device)
    outputs = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], device=device)
    for batch in outputs.split(2):
        preds = batch.argmax(dim=1)
        all_preds = torch.cat([all_preds, preds], dim=0)  # notes 004
    assert all_preds.dtype == torch.int64
    assert all_preds.dtype == torch.result_type(torch.ones(1, dtype=torch.int32), preds)
    assert all_preds.tolist() == [1, 0, 1]
    untyped = torch.cat([torch.tensor([], device=device), preds])
    assert untyped.dtype == torch.float32, "torch.tensor([]) beside int64 preds"
    with pytest.raises(IndexError, match="tensors used as indices must be"):
        torch.zeros(3, 3, device=device)[untyped, untyped]


@pytest.mark.claim("shapes.cat.promotes-dtypes")
@given(
    empty_dtype=torch_dtypes(PROMOTION_MODELLED),
    other_dtype=torch_dtypes(PROMOTION_MODELLED),
    shape=shapes(min_dims=1, max_dims=3, max_side=3),
    choice=st.integers(0, 5),
)
@example(empty_dtype=torch.float32, other_dtype=torch.int64, shape=(2, 3), choice=0)
def test_an_empty_one_dim_tensor_is_skipped_for_shape_but_not_for_dtype(
    device, empty_dtype, other_dtype, shape, choice
):
    dim = range(-len(shape), len(shape))[choice % (2 * len(shape))]  # any dim `other` has
    empty = torch.zeros(0, dtype=empty_dtype, device=device)
    other = torch.zeros(shape, dtype=other_dtype, device=device)
    got = torch.cat([empty, other], dim)
    call = f"torch.cat([{describe(empty)}, torch.zeros({shape}, dtype={other_dtype})], {dim})"
    assert tuple(got.shape) == shape, call
    assert dtype_name(got.dtype) == common_dtype([empty_dtype, other_dtype]), call


@pytest.mark.claim("shapes.cat.promotes-dtypes")
def test_an_empty_tensor_of_another_shape_must_match(device):
    empty = torch.zeros(0, 3, dtype=torch.int32, device=device)
    assert torch.cat([empty, zeros((2, 3), device)]).dtype == torch.float32
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        torch.cat([empty, zeros((2, 4), device)])


@pytest.mark.claim("shapes.stack.adds-a-dim")
@given(joined=joinable_shapes(vary_dim=False), data=st.data())
def test_stack_inserts_a_dim_of_the_count(device, joined, data):
    shape_list, _ = joined
    dim = data.draw(dims(len(shape_list[0]), extra=1), label="dim")
    got = torch.stack([zeros(shape, device) for shape in shape_list], dim).shape
    assert tuple(got) == stack_shape(shape_list, dim), f"torch.stack of {shape_list}, dim={dim}"


@pytest.mark.claim("shapes.stack.adds-a-dim")
@pytest.mark.devices("cpu", "cuda")
@given(joined=joinable_shapes(vary_dim=False), data=st.data())
def test_stack_is_cat_of_unsqueezed_tensors(device, joined, data):
    shape_list, _ = joined
    dim = data.draw(dims(len(shape_list[0]), extra=1), label="dim")
    pieces = [data.draw(tensors(device, dtype=np.int64, shape=shape)) for shape in shape_list]
    expected = torch.cat([piece.unsqueeze(dim) for piece in pieces], dim)
    assert torch.equal(torch.stack(pieces, dim), expected), f"torch.stack(..., dim={dim})"


@pytest.mark.claim("shapes.stack.adds-a-dim")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_stack_and_cat_of_notes_004(device):
    a = torch.tensor([1, 1, 1], device=device)
    b = torch.tensor([2, 2, 2], device=device)
    assert torch.cat([a, b], dim=0).tolist() == [1, 1, 1, 2, 2, 2]  # no new dim
    assert torch.stack([a, b], dim=0).tolist() == [[1, 1, 1], [2, 2, 2]]  # notes 004
    assert torch.stack([a, b], dim=1).tolist() == [[1, 2], [1, 2], [1, 2]]
    assert torch.stack([a, b], dim=-1).shape == (3, 2)


@pytest.mark.claim("shapes.stack.adds-a-dim")
def test_stack_refuses_unequal_shapes():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        torch.stack([torch.zeros(2, 3), torch.zeros(3, 2)])


@pytest.mark.claim("shapes.chunk.may-return-fewer")
@given(length=LENGTHS, chunks=st.integers(1, 12))
def test_chunk_sizes(device, length, chunks):
    pieces = zeros((length, 2), device).chunk(chunks)
    assert [len(piece) for piece in pieces] == chunk_sizes(length, chunks), (
        f"torch.zeros({length}, 2).chunk({chunks})"
    )


@pytest.mark.claim("shapes.chunk.may-return-fewer")
@given(length=st.integers(1, 40), chunks=st.integers(1, 12))
def test_chunk_returns_fewer_pieces_exactly_when_the_rounded_size_runs_out(length, chunks):
    pieces = torch.arange(length).chunk(chunks)
    size = -(-length // chunks)
    assert len(pieces) == -(-length // size) <= chunks
    if length % chunks == 0:
        assert len(pieces) == chunks
    assert torch.cat(pieces).tolist() == list(range(length))
    starts = itertools.accumulate((len(piece) for piece in pieces[:-1]), initial=0)
    for piece, start in zip(pieces, starts, strict=True):
        assert piece.data_ptr() == pieces[0].data_ptr() + start * piece.element_size(), (
            f"piece at {start} of torch.arange({length}).chunk({chunks}) is not a view"
        )


@pytest.mark.claim("shapes.chunk.may-return-fewer")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_the_chunks_of_notes_003_and_fewer_pieces(device):
    a = torch.tensor([[1, 2], [2, 4], [3, 6], [4, 8]], device=device)
    rows = torch.chunk(a, chunks=2, dim=0)  # notes 003
    assert [piece.tolist() for piece in rows] == [[[1, 2], [2, 4]], [[3, 6], [4, 8]]]
    columns = torch.chunk(a, chunks=2, dim=1)
    assert [piece.tolist() for piece in columns] == [[[1], [2], [3], [4]], [[2], [4], [6], [8]]]
    # ceil(6 / 4) = 2 per piece uses the 6 up in 3 pieces; 5 in pieces of 2 leaves 1 at the end.
    assert [len(piece) for piece in zeros((6,), device).chunk(4)] == [2, 2, 2]
    assert [len(piece) for piece in zeros((5,), device).chunk(4)] == [2, 2, 1]
    assert [len(piece) for piece in zeros((0,), device).chunk(4)] == [0, 0, 0, 0]


@pytest.mark.claim("shapes.chunk.may-return-fewer")
def test_chunk_refuses_zero_chunks():
    with pytest.raises(RuntimeError, match="greater than 0"):
        torch.zeros(5).chunk(0)


@pytest.mark.claim("shapes.split.sizes-or-sections")
@given(length=LENGTHS, size=st.integers(0, 12))
def test_split_by_size(device, length, size):
    assert same_outcome(
        lambda: [len(piece) for piece in zeros((length,), device).split(size)],
        lambda: split_sizes(length, size),
    ), f"torch.zeros({length}).split({size})"


@pytest.mark.claim("shapes.split.sizes-or-sections")
@given(sections=st.lists(st.integers(0, 5), min_size=1, max_size=5), extra=st.integers(-2, 2))
def test_split_by_sections_needs_them_to_add_up(device, sections, extra):
    length = max(sum(sections) + extra, 0)
    assert same_outcome(
        lambda: [len(piece) for piece in zeros((length,), device).split(sections)],
        lambda: split_sizes(length, sections),
    ), f"torch.zeros({length}).split({sections})"


@pytest.mark.claim("shapes.split.sizes-or-sections")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_the_splits_of_notes_003(device):
    a = torch.tensor([[1, 2, 3], [2, 4, 6], [3, 6, 9], [4, 8, 12], [5, 10, 15]], device=device)
    b = torch.split(a, split_size_or_sections=3, dim=0)  # notes 003
    assert [piece.tolist() for piece in b] == [a[:3].tolist(), a[3:].tolist()]
    c = torch.split(a, split_size_or_sections=2, dim=1)
    assert [tuple(piece.shape) for piece in c] == [(5, 2), (5, 1)]
    assert c[1].tolist() == [[3], [6], [9], [12], [15]]
    assert [len(piece) for piece in a.split([1, 4])] == [1, 4]
    with pytest.raises(RuntimeError, match="to sum exactly to 5"):
        a.split([1, 3])


@pytest.mark.claim("shapes.split.sizes-or-sections")
@pytest.mark.devices("cpu", "cuda")
@given(length=st.integers(1, 40), size=st.integers(1, 12))
def test_split_pieces_are_views_in_order(device, length, size):
    tensor = torch.arange(length, device=device)
    pieces = tensor.split(size)
    assert all(same_memory(piece, tensor) for piece in pieces), f"torch.arange({length}).split"
    assert torch.cat(pieces).tolist() == list(range(length))


# Broadcasting ------------------------------------------------------------------------------------


@pytest.mark.claim("shapes.broadcast.trailing-dims")
@given(shape_pair=broadcastable_shapes())
def test_broadcast_shape_of_an_elementwise_op(device, shape_pair):
    a, b = shape_pair
    got = (zeros(a, device) + zeros(b, device)).shape
    assert tuple(got) == broadcast_shape(a, b), f"torch.zeros({a}) + torch.zeros({b})"


@pytest.mark.claim("shapes.broadcast.trailing-dims")
@given(a=shapes(max_dims=3, max_side=3), b=shapes(max_dims=3, max_side=3))
def test_shapes_that_break_the_rule_are_refused(device, a, b):
    assert same_outcome(
        lambda: (zeros(a, device) + zeros(b, device)).shape,
        lambda: broadcast_shape(a, b),
    ), f"torch.zeros({a}) + torch.zeros({b}) on {device}"


@pytest.mark.claim("shapes.broadcast.trailing-dims")
def test_a_row_and_a_column_broadcast_and_unequal_sizes_are_named(device):
    row = torch.tensor([10, 20, 30], device=device)
    column = torch.tensor([[1], [2]], device=device)
    assert (row + column).shape == (2, 3) == torch.broadcast_shapes((3,), (2, 1))
    if device != "meta":
        assert (row + column).tolist() == [[11, 21, 31], [12, 22, 32]]
    assert (zeros((1,), device) + zeros((0,), device)).shape == (0,), "1 against 0"
    message = (
        r"^Attempting to broadcast a dimension of length 4"  # meta's own check
        if device == "meta"
        else r"^The size of tensor a \(2\) must match the size of tensor b \(4\) "
        r"at non-singleton dimension 0$"
    )
    with pytest.raises(RuntimeError, match=message):
        zeros((2,), device) + zeros((4,), device)


@pytest.mark.claim("shapes.broadcast.trailing-dims")
@pytest.mark.devices("cpu", "cuda")
@given(shape_pair=broadcastable_shapes(), data=st.data())
def test_broadcast_values_are_numpys(device, shape_pair, data):
    a, b = (data.draw(arrays(dtype=np.int64, shape=shape)) for shape in shape_pair)
    got = torch.tensor(a, device=device) + torch.tensor(b, device=device)
    assert_same_values(got, a + b, f"{describe(a)} + {describe(b)} as tensors")


@pytest.mark.claim("shapes.broadcast.scalar")
@given(array=arrays(dtype=np.int64), number=st.integers(1, 9))
@example(array=np.array([[1, 1], [2, 2]]), number=2)  # notes 004's t + 2, t / 2, t * 2
def test_a_number_reaches_every_element(device, array, number):
    tensor = torch.tensor(array, device=device)
    spread = torch.tensor(np.broadcast_to(number, array.shape), device=device)
    for op in ("__add__", "__mul__", "__truediv__"):
        got = getattr(tensor, op)(number)
        assert got.shape == tensor.shape, f"{describe(tensor)}.{op}({number})"
        assert torch.equal(got, getattr(tensor, op)(spread)), f"{describe(tensor)}.{op}({number})"
    assert (tensor / number).is_floating_point()
    assert (tensor + number).dtype == tensor.dtype


@pytest.mark.claim("shapes.broadcast.expand-without-copying")
@pytest.mark.devices("cpu", "cuda")
@given(shape_pair=broadcastable_shapes(), data=st.data())
def test_expand_repeats_size_one_dims_with_stride_zero(device, shape_pair, data):
    small, other = shape_pair
    target = broadcast_shape(small, other)
    tensor = data.draw(tensors(device, dtype=np.int64, shape=small), label="tensor")
    wide = tensor.expand(target)
    assert_same_values(wide, np.broadcast_to(tensor.cpu().numpy(), target), "t.expand(shape)")
    padded = (1,) * (len(target) - len(small)) + tuple(small)
    for position, (size, new_size) in enumerate(zip(padded, target, strict=True)):
        if size == 1 and new_size > 1:
            assert wide.stride()[position] == 0, f"{describe(tensor)}.expand({target})"
    if wide.numel():
        assert wide.data_ptr() == tensor.data_ptr(), f"{describe(tensor)}.expand({target})"


@pytest.mark.claim("shapes.broadcast.expand-without-copying")
def test_expand_refuses_to_change_a_size_that_is_not_one(device):
    with pytest.raises(RuntimeError, match="must match the existing size"):
        zeros((2, 3), device).expand(2, 4)
    assert zeros((2, 3), device).expand(-1, 3).shape == (2, 3)
    assert zeros((2, 1), device).expand_as(zeros((3, 2, 4), device)).shape == (3, 2, 4)
    with pytest.raises(RuntimeError, match="must match the existing size"):
        zeros((2, 3), device).expand_as(zeros((2, 4), device))


@pytest.mark.claim("shapes.broadcast.expand-without-copying")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_a_write_to_the_expanded_tensor_is_seen_in_every_copy(device):
    column = torch.tensor([[1], [2]], device=device)
    wide = column.expand(2, 4)
    column[0, 0] = 9
    assert wide.tolist() == [[9, 9, 9, 9], [2, 2, 2, 2]], (
        "column.expand(2, 4) after column[0, 0] = 9"
    )

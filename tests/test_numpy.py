"""spec/numpy.md: which conversions between NumPy and torch share memory, and which copy."""

from __future__ import annotations

import gc
import platform
import re
import struct
import warnings
import weakref

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from reference.dtypes import default_integer_dtype, torch_dtype_name
from reference.memory import buffer_of, shares_memory
from tests.harness.assertions import (
    assert_copies,
    assert_same_values,
    assert_shares,
    changed,
    describe,
)
from tests.harness.dtypes import (
    ARITHMETIC_DTYPES,
    ARRAY_LIST_DTYPES,
    BOOL_OR_FLOATING_DTYPES,
    FLOAT_TARGETS,
    INEXACT_DTYPES,
    INTEGER,
    INTEGER_DTYPES,
    REAL_DTYPES,
    SHARED_DTYPES,
    TORCH_ONLY,
    torch_dtype,
)
from tests.harness.strategies import (
    arrays,
    numpy_dtypes,
    shapes,
    strided_views,
    tensors,
    torch_dtypes,
    view_recipes,
)
from tests.harness.torch_settings import default_dtype, warn_always
from tests.harness.versions import release, torch_version

NON_EMPTY = shapes(min_side=1)
ARRAY_SHAPES = shapes(min_dims=1, min_side=1)  # not 0-d: `a + 1` of a 0-d array is a NumPy scalar
# Steps to add. The arrays they meet are of ARITHMETIC_DTYPES (what torch does arithmetic in:
# uint16/32/64 are storage-only, no CPU add kernel), all of which hold 100 + 2 * 13, the largest
# drawn value plus two steps, exactly.
STEPS = st.integers(min_value=1, max_value=13)
# NumPy 2.3 removed `np.bool.__index__` (deprecated since 1.14); torch before 2.9 converts a NumPy
# bool through it, so with NumPy 2.3+ that conversion raises (spec: numpy.scalars.bool-converts).
NUMPY = release(np.__version__)
NUMPY_BOOL_CONVERTS = torch_version() >= (2, 9) or NUMPY < (2, 3)
NUMPY_BOOL_TYPE_ERROR = r"^'numpy\.bool' object cannot be interpreted as an integer$"
NUMPY_BOOL_INDEX_WARNING = (
    r"it will be an error for 'np\.bool_?' scalars to be interpreted as an index"
)
legacy_constructors = pytest.mark.parametrize(
    "constructor", [torch.Tensor, torch.FloatTensor], ids=["Tensor", "FloatTensor"]
)


def plus(array: np.ndarray, step: int) -> list:
    """The values of `array` plus `step`, computed in Python ints: the oracle for the trap."""
    return (np.real(array).astype(np.int64) + step).tolist()


# From NumPy to torch ----------------------------------------------------------------------------


@pytest.mark.claim("numpy.from_numpy.shares-memory")
@given(array=strided_views(), data=st.data())
def test_from_numpy_shares_memory_both_ways(array, data):
    tensor = torch.from_numpy(array)
    assert_shares(array, tensor, "torch.from_numpy(a)")
    byte_strides = tuple(stride * tensor.element_size() for stride in tensor.stride())
    assert (tuple(tensor.shape), byte_strides) == (array.shape, array.strides), describe(tensor)

    array[...] = changed(array)
    assert_same_values(tensor, array, "a tensor from torch.from_numpy(a), after a[...] = new")

    new_values = data.draw(arrays(dtype=array.dtype, shape=array.shape), label="new_values")
    tensor.copy_(torch.tensor(new_values))
    assert_same_values(array, new_values, "the array a, after torch.from_numpy(a).copy_(new)")


@pytest.mark.claim("numpy.from_numpy.dtype-follows-array")
@given(array=arrays())
def test_from_numpy_keeps_the_arrays_dtype(array):
    assert str(torch.from_numpy(array).dtype) == torch_dtype_name(array.dtype.name), describe(array)


@pytest.mark.claim("numpy.from_numpy.dtype-follows-array")
def test_default_integer_is_numpys_choice_on_this_platform():
    numpy_version = tuple(int(part) for part in np.__version__.split(".")[:2])
    pointer_bits = struct.calcsize("P") * 8
    expected = default_integer_dtype(numpy_version, platform.system(), pointer_bits)
    notes = np.array([1, 2, 3, 4])
    assert notes.dtype.name == expected, f"NumPy {np.__version__} on {platform.system()}"
    assert str(torch.from_numpy(notes).dtype) == f"torch.{expected}"


@pytest.mark.claim("numpy.from_numpy.rejects-negative-strides")
@given(array=arrays(shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_from_numpy_rejects_negative_strides(array, data):
    axis = data.draw(st.integers(0, array.ndim - 1), label="axis")
    flipped = np.flip(array, axis)
    assert flipped.strides[axis] < 0, "the test's premise: np.flip gives a negative stride"
    with pytest.raises(ValueError, match="negative"):
        torch.from_numpy(flipped)
    assert_same_values(torch.from_numpy(flipped.copy()), flipped, "torch.from_numpy(a.copy())")


@pytest.mark.claim("numpy.from_numpy.warns-read-only")
@given(array=arrays(shape=NON_EMPTY))
def test_from_numpy_warns_on_a_read_only_array_and_still_shares(array):
    array.flags.writeable = False
    with warn_always(), pytest.warns(UserWarning, match="not writable"):
        tensor = torch.from_numpy(array)
    assert_shares(array, tensor, "torch.from_numpy(read_only)")


@pytest.mark.claim("numpy.from_numpy.warns-read-only")
def test_from_numpy_warns_about_read_only_arrays_once_per_process():
    frozen = np.arange(3.0)
    frozen.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.from_numpy(frozen)  # warns here unless an earlier test in this process did
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.from_numpy(frozen)
    assert not [w for w in caught if "not writable" in str(w.message)]


@pytest.mark.claim("numpy.as_tensor.shares-when-nothing-changes")
@given(array=strided_views())
@example(array=np.array([1, 2, 3]))  # notes 004's data
def test_as_tensor_shares_when_dtype_and_device_match(array):
    assert_shares(array, torch.as_tensor(array), "torch.as_tensor(a)")
    same = torch.as_tensor(array, dtype=torch_dtype(array.dtype), device="cpu")
    assert_shares(
        array, same, f"torch.as_tensor(a, dtype={torch_dtype(array.dtype)}, device='cpu')"
    )


@pytest.mark.claim("numpy.as_tensor.copies-otherwise")
@pytest.mark.filterwarnings("ignore:Casting complex values to real discards the imaginary part")
@given(array=arrays(shape=NON_EMPTY), data=st.data())
def test_as_tensor_copies_to_convert_the_dtype(array, data):
    target = data.draw(
        st.sampled_from([d for d in SHARED_DTYPES if d != array.dtype]), label="target"
    )
    expression = f"torch.as_tensor(a, dtype={torch_dtype(target)})"
    tensor = torch.as_tensor(array, dtype=torch_dtype(target))
    assert_copies(array, tensor, expression)
    assert_same_values(tensor, array.astype(target), expression)


@pytest.mark.claim("numpy.as_tensor.copies-otherwise")
@pytest.mark.filterwarnings(
    "ignore:Creating a tensor from a list of numpy.ndarrays is extremely slow"
)
@given(
    array=arrays(
        dtype=numpy_dtypes(ARRAY_LIST_DTYPES),
        shape=shapes(min_dims=2, min_side=1),
    )
)
def test_as_tensor_copies_a_list_of_arrays(array):
    rows = list(array)  # each row is a view into `array`
    if array.dtype == np.bool_ and not NUMPY_BOOL_CONVERTS:
        # torch < 2.9 with NumPy 2.3+ reads each NumPy bool of the rows through __index__
        with pytest.raises(TypeError, match=NUMPY_BOOL_TYPE_ERROR):
            torch.as_tensor(rows)
        return
    tensor = torch.as_tensor(rows)
    assert_copies(array, tensor, "torch.as_tensor(list(a))")
    assert_same_values(tensor, array, "torch.as_tensor(list(a))")


@pytest.mark.claim("numpy.as_tensor.copies-otherwise")
def test_as_tensor_refuses_a_list_of_uint64_arrays():
    refusal = "an integer is required" if torch_version() >= (2, 3) else NO_WIDE_UNSIGNED
    with pytest.raises(TypeError, match=refusal.format(name="uint64")):
        torch.as_tensor([np.zeros(2, dtype=np.uint64)])


NO_WIDE_UNSIGNED = "can't convert np.ndarray of type numpy.{name}"


@pytest.mark.claim("numpy.from_numpy.shares-memory")
@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
def test_wide_unsigned_arrays_share_memory_from_torch_2_3(name):
    array = np.arange(3, dtype=name)
    if torch_version() < (2, 3):
        assert not hasattr(torch, name), f"torch {torch.__version__} has {name}"
        with pytest.raises(TypeError, match=NO_WIDE_UNSIGNED.format(name=name)):
            torch.from_numpy(array)
        return
    tensor = torch.from_numpy(array)
    assert tensor.dtype == getattr(torch, name), f"torch.from_numpy(<{name} array>)"
    assert shares_memory(array, tensor), f"torch.from_numpy(<{name} array>)"


@pytest.mark.claim("numpy.as_tensor.copies-otherwise")
@pytest.mark.devices("cuda")
@given(array=strided_views())
def test_as_tensor_copies_to_another_device(array, device):
    tensor = torch.as_tensor(array, device=device)
    assert tensor.device.type == device
    before = array.copy()
    array[...] = changed(array)
    assert_same_values(
        tensor.cpu(), before, f"torch.as_tensor(a, device='{device}') after a changed"
    )


@pytest.mark.claim("numpy.tensor.always-copies")
@given(array=strided_views())
def test_tensor_always_copies(array, device):
    tensor = torch.tensor(array, device=device)
    if device == "cpu":
        assert_copies(array, tensor, "torch.tensor(a)")
    before = array.copy()
    array[...] = changed(array)
    assert_same_values(tensor.cpu(), before, "torch.tensor(a), after a[...] = new")
    tensor.zero_()
    assert_same_values(array, changed(before), "a, after torch.tensor(a).zero_()")


@pytest.mark.claim("numpy.tensor.always-copies")
def test_tensor_of_the_notes_array_keeps_its_values_after_the_array_is_zeroed():
    data = np.array([1, 2, 3])  # notes 004; not an @example above, which writes to its input
    t2 = torch.tensor(data)
    assert_copies(data, t2, "torch.tensor(data)")
    data[0] = 0
    data[1] = 0
    data[2] = 0
    assert t2.tolist() == [1, 2, 3], "torch.tensor(data), after data was zeroed"
    t2.add_(5)
    assert data.tolist() == [0, 0, 0], "data, after torch.tensor(data).add_(5)"


def converts_numpy_bools(call, expected: list | bool, dtype: torch.dtype, expression: str) -> None:
    """`call()` gives a `dtype` tensor of `expected` on the releases where NumPy bools convert
    into `dtype`, with NumPy's DeprecationWarning where torch reads them through `__index__`;
    elsewhere it raises the TypeError of that missing `__index__`."""
    through_index = dtype != torch.bool or torch_version() < (2, 9)  # the bool path reads truth
    if through_index and NUMPY >= (2, 3):
        with pytest.raises(TypeError, match=NUMPY_BOOL_TYPE_ERROR):
            call()
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tensor = call()
    index_warnings = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    if through_index:
        assert index_warnings, f"{expression} gave no DeprecationWarning on NumPy {np.__version__}"
        assert all(re.search(NUMPY_BOOL_INDEX_WARNING, str(w.message)) for w in index_warnings), [
            str(w.message) for w in index_warnings
        ]
    else:
        assert not index_warnings, f"{expression} warned: {index_warnings[0].message}"
    assert tensor.dtype == dtype, expression
    assert tensor.tolist() == expected, expression


@pytest.mark.claim("numpy.scalars.bool-converts")
@given(values=st.lists(st.booleans(), min_size=1, max_size=6))
@example(values=[True, False])  # mask[0] is np.True_
def test_numpy_bools_convert_to_a_bool_tensor_unless_torch_reads_them_as_integers(values):
    mask = np.array(values)
    scalars = list(mask)  # NumPy bool scalars
    assert all(type(v) is np.bool_ for v in scalars)
    calls = {
        "torch.tensor(mask[0])": (lambda: torch.tensor(scalars[0]), values[0]),
        "torch.as_tensor(mask[0])": (lambda: torch.as_tensor(scalars[0]), values[0]),
        "torch.tensor(list(mask))": (lambda: torch.tensor(scalars), values),
        "torch.as_tensor(list(mask))": (lambda: torch.as_tensor(scalars), values),
        "torch.as_tensor([mask, mask])": (lambda: torch.as_tensor([mask, mask]), [values] * 2),
    }
    assert torch.equal(torch.from_numpy(mask), torch.tensor(values))  # the array itself converts
    for expression, (call, expected) in calls.items():
        converts_numpy_bools(call, expected, torch.bool, expression)
    # the side this torch and NumPy are on, as the spec states it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.tensor(scalars[0])
    except TypeError:
        assert not NUMPY_BOOL_CONVERTS
    else:
        assert NUMPY_BOOL_CONVERTS


@pytest.mark.claim("numpy.scalars.bool-converts")
@given(
    values=st.lists(st.booleans(), min_size=1, max_size=6),
    dtype=torch_dtypes(INTEGER),
)
def test_numpy_bools_into_an_integer_dtype_need_numpy_before_2_3(values, dtype):
    scalars = list(np.array(values))
    ints = [int(v) for v in values]
    expression = f"torch.tensor(list(mask), dtype={dtype})"
    converts_numpy_bools(lambda: torch.tensor(scalars, dtype=dtype), ints, dtype, expression)
    expression = f"torch.as_tensor(mask[0], dtype={dtype})"
    converts_numpy_bools(
        lambda: torch.as_tensor(scalars[0], dtype=dtype), ints[0], dtype, expression
    )


@pytest.mark.claim("numpy.scalars.bool-converts")
@given(
    values=st.lists(st.booleans(), min_size=1, max_size=6),
    dtype=torch_dtypes(FLOAT_TARGETS),
)
def test_numpy_bools_into_a_float_dtype_and_0d_bool_arrays_convert_everywhere(values, dtype):
    scalars = list(np.array(values))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # __float__, not __index__
        tensor = torch.tensor(scalars, dtype=dtype)
        zero_d = [torch.tensor(np.array(v)) for v in values]
    assert tensor.dtype == dtype
    assert tensor.tolist() == [float(v) for v in values]
    assert [t.dtype for t in zero_d] == [torch.bool] * len(values)
    assert [t.item() for t in zero_d] == values


@pytest.mark.claim("numpy.tensor_class.float32")
@legacy_constructors
@given(array=arrays(dtype=numpy_dtypes(REAL_DTYPES), shape=shapes(min_dims=1)))
@example(array=np.array([1, 2, 3]))  # notes 004's torch.Tensor(data)
@example(array=np.array([[1, 2, 3], [4, 5, 6]]))  # notes 003's torch.FloatTensor(arr)
def test_tensor_class_makes_float32_from_any_array(constructor, array):
    tensor = constructor(array)
    assert tensor.dtype == torch.float32, describe(array)
    assert_same_values(tensor, array.astype(np.float32), f"torch.{constructor.__name__}(a)")


@pytest.mark.claim("numpy.tensor_class.float32")
@legacy_constructors
@given(scalar=arrays(dtype=numpy_dtypes(INTEGER_DTYPES), shape=()))
def test_tensor_class_reads_a_0d_integer_array_as_a_size(constructor, scalar):
    tensor = constructor(scalar)
    assert tuple(tensor.shape) == (int(scalar),), (
        f"torch.{constructor.__name__}({describe(scalar)})"
    )
    assert tensor.dtype == torch.float32


@pytest.mark.claim("numpy.tensor_class.float32")
@given(scalar=arrays(dtype=numpy_dtypes(BOOL_OR_FLOATING_DTYPES), shape=()))
def test_tensor_class_reads_a_0d_float_or_bool_array_as_a_value(scalar):
    tensor = torch.Tensor(scalar)
    assert tuple(tensor.shape) == (), f"torch.Tensor({describe(scalar)})"
    assert tensor.item() == float(scalar)


@pytest.mark.claim("numpy.tensor_class.float32")
def test_tensor_class_keeps_the_real_part_of_a_complex_array_with_a_warning():
    array = np.array([1.5 + 2j, -3 - 1j], dtype=np.complex64)
    with warn_always(), pytest.warns(UserWarning, match="discards the imaginary part"):
        tensor = torch.Tensor(array)
    assert tensor.dtype == torch.float32
    assert tensor.tolist() == [1.5, -3.0]


@pytest.mark.claim("numpy.tensor_class.float32")
def test_tensor_class_follows_the_default_dtype():
    with default_dtype(torch.float64):
        assert torch.Tensor(np.array([1, 2])).dtype == torch.float64


@pytest.mark.claim("numpy.tensor_class.shares-float32")
@legacy_constructors
@given(array=strided_views(dtype=numpy_dtypes(REAL_DTYPES)))
def test_tensor_class_shares_exactly_when_the_array_is_float32(constructor, array):
    tensor = constructor(array)
    if array.dtype == np.float32:
        assert_shares(array, tensor, f"torch.{constructor.__name__}(float32 array)")
    else:
        assert_copies(array, tensor, f"torch.{constructor.__name__}({array.dtype.name} array)")


# From torch to NumPy ----------------------------------------------------------------------------


@pytest.mark.claim("numpy.tensor_numpy.shares-memory")
@given(base=tensors(shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_numpy_shares_the_tensors_memory_both_ways(base, data):
    tensor = data.draw(view_recipes(tuple(base.shape)), label="view").apply(base)
    array = tensor.numpy()
    assert_shares(tensor, array, "t.numpy()")
    byte_strides = tuple(stride * tensor.element_size() for stride in tensor.stride())
    assert (array.shape, array.strides) == (tuple(tensor.shape), byte_strides), describe(tensor)

    tensor.copy_(torch.tensor(changed(array)))
    assert_same_values(array, tensor, "t.numpy(), after t.copy_(new)")

    new_values = data.draw(arrays(dtype=array.dtype, shape=array.shape), label="new_values")
    array[...] = new_values
    assert_same_values(tensor, new_values, "t, after t.numpy()[...] = new")


@pytest.mark.claim("numpy.tensor_numpy.shares-memory")
def test_numpy_of_ones_sees_add_():
    a = torch.ones(5)  # notes 002 and 001
    b = a.numpy()
    a.add_(1)
    assert b.dtype == np.float32, describe(b)
    assert b.tolist() == [2.0] * 5, "b = a.numpy(), after a.add_(1)"
    assert_shares(a, b, "a.numpy()")


@pytest.mark.claim("numpy.tensor_numpy.requires-grad-raises")
@given(array=arrays(dtype=numpy_dtypes(INEXACT_DTYPES), shape=NON_EMPTY))
def test_numpy_refuses_a_tensor_that_requires_grad(array):
    tensor = torch.tensor(array, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\)\.numpy\(\)"):
        tensor.numpy()
    assert_shares(tensor, tensor.detach().numpy(), "t.detach().numpy()")
    assert_shares(tensor, tensor.data.numpy(), "t.data.numpy()")  # notes 000
    assert_shares(tensor, torch.detach(tensor).numpy(), "torch.detach(t).numpy()")  # notes 003
    assert_shares(tensor, tensor.numpy(force=True), "t.numpy(force=True)")


@pytest.mark.claim("numpy.tensor_numpy.host-only")
def test_numpy_refuses_a_tensor_off_the_cpu(device):
    tensor = torch.arange(3, device=device)
    with pytest.raises(TypeError, match=rf"can't convert {device}.*Tensor\.cpu\(\)"):
        tensor.numpy()


@pytest.mark.claim("numpy.tensor_numpy.host-only")
@pytest.mark.devices("cuda")
def test_numpy_of_cpu_copy_of_a_device_tensor(device):
    tensor = torch.arange(3, device=device)
    array = tensor.cpu().numpy()
    array[0] = 7
    assert array.tolist() == [7, 1, 2]
    assert tensor.tolist() == [0, 1, 2], "t.cpu().numpy() of a device tensor is a copy"


@pytest.mark.claim("numpy.tensor_numpy.torch-only-dtypes-raise")
@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")
@pytest.mark.parametrize("dtype", TORCH_ONLY, ids=str)
def test_numpy_refuses_dtypes_numpy_lacks(dtype):
    with pytest.raises(TypeError, match="unsupported ScalarType"):
        torch.zeros(2, dtype=dtype).numpy()


@pytest.mark.claim("numpy.tensor_numpy.int8-converts")
@given(values=st.lists(st.integers(-128, 127), min_size=1, max_size=20))
def test_int8_tensors_convert_to_numpy(values):
    tensor = torch.tensor(values, dtype=torch.int8)
    array = tensor.numpy()
    assert array.dtype == np.int8
    assert array.tolist() == values
    assert_shares(tensor, array, "int8 t.numpy()")


# What sharing saves -----------------------------------------------------------------------------

TEBIBYTE = 2**40


@pytest.mark.claim("numpy.zero_copy.allocates-nothing")
@given(array=strided_views())
def test_from_numpy_makes_no_storage_of_its_own(array):
    tensor = torch.from_numpy(array)
    storage = tensor.untyped_storage()
    spans = (storage.data_ptr(), storage.data_ptr() + storage.nbytes())
    assert spans == buffer_of(array).extent(), f"torch.from_numpy({describe(array)})"
    assert tensor.data_ptr() == array.ctypes.data, f"torch.from_numpy({describe(array)})"


@pytest.mark.claim("numpy.zero_copy.allocates-nothing")
def test_from_numpy_keeps_the_array_alive_instead_of_copying_it():
    array = np.arange(5.0)
    alive = weakref.ref(array)
    tensor = torch.from_numpy(array)
    del array
    gc.collect()
    assert alive() is not None, "the tensor does not hold the array: its memory is its own"
    assert tensor.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    del tensor
    gc.collect()
    assert alive() is None, "the array outlived the tensor made from it"


@pytest.mark.claim("numpy.zero_copy.allocates-nothing")
@given(base=tensors(shape=shapes(min_dims=1, min_side=1)), data=st.data())
def test_numpy_makes_no_array_memory_of_its_own(base, data):
    tensor = data.draw(view_recipes(tuple(base.shape)), label="view").apply(base)
    array = tensor.numpy()
    assert not array.flags.owndata, f"{describe(tensor)}.numpy() owns its data"
    assert array.ctypes.data == tensor.data_ptr(), describe(tensor)
    storage = tensor.untyped_storage()
    low, high = buffer_of(array).extent()
    assert storage.data_ptr() <= low, describe(tensor)
    assert high <= storage.data_ptr() + storage.nbytes(), describe(tensor)
    expected = tensor.tolist()
    del tensor, base  # a tensor holds no cycle: dropping the last name frees it, unless held
    assert isinstance(array.base, torch.Tensor), type(array.base)
    assert array.tolist() == expected, "the array's memory did not outlive the tensor"


@pytest.mark.claim("numpy.zero_copy.allocates-nothing")
def test_a_tebibyte_converts_both_ways_because_nothing_is_copied():
    four_bytes = np.zeros(1, dtype=np.float32)
    huge = np.lib.stride_tricks.as_strided(four_bytes, shape=(TEBIBYTE // 4,), strides=(0,))
    assert huge.nbytes == TEBIBYTE
    tensor = torch.from_numpy(huge)  # a copy would need the whole tebibyte
    assert (tuple(tensor.shape), tensor.stride()) == ((TEBIBYTE // 4,), (0,))
    assert tensor.untyped_storage().nbytes() == 4
    tensor[0] = 3.0
    assert four_bytes[0] == 3.0, "the tensor's one element is not the array's"
    expanded = torch.zeros(1).expand(TEBIBYTE // 4)
    back = expanded.numpy()
    assert (back.nbytes, back.strides) == (TEBIBYTE, (0,))
    assert not back.flags.owndata
    assert back.ctypes.data == expanded.data_ptr()


# The trap of notes 003 --------------------------------------------------------------------------

NUMPY_IN_PLACE = {
    "arr += k": lambda arr, k: arr.__iadd__(k),
    "np.add(arr, k, out=arr)": lambda arr, k: np.add(arr, k, out=arr),
    "arr[...] = arr + k": lambda arr, k: arr.__setitem__(Ellipsis, arr + k),
}
TORCH_IN_PLACE = {
    "t.add_(k)": lambda t, k: t.add_(k),
    "t += k": lambda t, k: t.__iadd__(k),
    "t[...] = t + k": lambda t, k: t.__setitem__(Ellipsis, t + k),
}


@pytest.mark.claim("numpy.trap.in-place-is-seen")
@given(
    array=arrays(dtype=numpy_dtypes(ARITHMETIC_DTYPES), shape=ARRAY_SHAPES),
    step=STEPS,
    numpy_op=st.sampled_from(sorted(NUMPY_IN_PLACE)),
    torch_op=st.sampled_from(sorted(TORCH_IN_PLACE)),
)
def test_in_place_changes_are_seen_through_the_other_object(array, step, numpy_op, torch_op):
    original = array.copy()
    tensor = torch.from_numpy(array)
    NUMPY_IN_PLACE[numpy_op](array, step)
    assert_same_values(tensor, plus(original, step), f"t = torch.from_numpy(arr); {numpy_op}; t")
    TORCH_IN_PLACE[torch_op](tensor, step)
    assert_same_values(array, plus(original, 2 * step), f"... {torch_op}; arr")


@pytest.mark.claim("numpy.trap.in-place-is-seen")
def test_the_notes_in_place_trap():
    arr = np.array([1, 2, 3, 4])  # notes 003
    t1 = torch.from_numpy(arr)
    arr += 1
    assert t1.tolist() == [2, 3, 4, 5], "t1, after arr += 1"
    t1.add_(2)
    assert arr.tolist() == [4, 5, 6, 7], "arr, after t1.add_(2)"
    assert t1.tolist() == [4, 5, 6, 7]


@pytest.mark.claim("numpy.trap.rebinding-is-not")
@given(array=arrays(dtype=numpy_dtypes(ARITHMETIC_DTYPES), shape=ARRAY_SHAPES), step=STEPS)
def test_rebinding_to_a_new_object_leaves_the_other_alone(array, step):
    original = array.copy()
    tensor = torch.from_numpy(array)

    new_array = array + step
    assert_same_values(tensor, original, "t, after arr = arr + k")
    assert_same_values(new_array, plus(original, step), "arr + k")
    assert not shares_memory(new_array, tensor), "arr + k must be new memory"

    new_tensor = tensor.add(step)
    assert_same_values(array, original, "arr, after t = t.add(k)")
    assert_same_values(new_tensor, plus(original, step), "t.add(k)")
    assert not shares_memory(new_tensor, array), "t.add(k) must be new memory"


@pytest.mark.claim("numpy.trap.rebinding-is-not")
def test_the_notes_rebinding_escape():
    arr2 = np.array([1, 2, 3, 4])  # notes 003
    t2 = torch.from_numpy(arr2)
    shared = arr2
    arr2 = arr2 + 1
    assert t2.tolist() == [1, 2, 3, 4], "t2, after arr2 = arr2 + 1"
    t2 = t2.add(2)
    assert t2.tolist() == [3, 4, 5, 6], "t2.add(2)"
    assert arr2.tolist() == [2, 3, 4, 5], "arr2, after t2 = t2.add(2)"
    assert shared.tolist() == [1, 2, 3, 4], "the array t2 was made from, after t2 = t2.add(2)"
    assert not shares_memory(shared, t2), "t2.add(2) must be new memory"


@pytest.mark.claim("numpy.from_numpy.shares-memory")
@pytest.mark.parametrize("dtype", SHARED_DTYPES, ids=str)
def test_every_shared_dtype_round_trips_without_copying(dtype):
    array = np.zeros(3, dtype=dtype)
    tensor = torch.from_numpy(array)
    back = tensor.numpy()
    assert back.dtype == dtype
    assert_shares(array, back, "torch.from_numpy(a).numpy()")

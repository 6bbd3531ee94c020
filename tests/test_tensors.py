"""spec/tensors.md: creating tensors, looking at them, their dtypes and converting between them."""

from __future__ import annotations

import importlib
import importlib.metadata
import math
import operator

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from torch.torch_version import TorchVersion

from reference.promotion import DTYPES, category, result_type, true_division_type
from tests.harness.assertions import assert_copies, assert_same_values, describe
from tests.harness.dtypes import (
    FLOATING,
    HALF_FLOATING,
    INTEGER,
    INTEGRAL,
    PROMOTION_MODELLED,
    SPARSE_DTYPES,
    WIDE_FLOATING,
    dtype_name,
)
from tests.harness.strategies import (
    arrays,
    numpy_dtypes,
    shapes,
    small_values,
    tensors,
    torch_dtypes,
)
from tests.harness.torch_settings import default_dtype, deterministic_algorithms, seeded
from tests.harness.versions import release, torch_version

DTYPE_OR_DEFAULT = st.none() | torch_dtypes(PROMOTION_MODELLED)
SHAPES = shapes()
SOURCE_SHAPES = shapes(max_dims=3, max_side=4)  # at most 64 elements, each drawn
ONE_ELEMENT_SHAPES = st.integers(0, 4).map(lambda ndim: (1,) * ndim)

# Legacy tensor types: the constructor's name, and the dtype it makes (None: the default dtype).
LEGACY_TYPES = {
    "Tensor": None,
    "BoolTensor": torch.bool,
    "ByteTensor": torch.uint8,
    "CharTensor": torch.int8,
    "ShortTensor": torch.int16,
    "IntTensor": torch.int32,
    "LongTensor": torch.int64,
    "HalfTensor": torch.float16,
    "BFloat16Tensor": torch.bfloat16,
    "FloatTensor": torch.float32,
    "DoubleTensor": torch.float64,
}
TYPE_NAMES = {dtype: name for name, dtype in LEGACY_TYPES.items() if dtype is not None}


def typed_tensors(device: str) -> st.SearchStrategy[torch.Tensor]:
    """A tensor of a modelled dtype (bfloat16 included, which NumPy lacks) on `device`."""
    return tensors(device, dtype=torch_dtypes(PROMOTION_MODELLED), shape=SOURCE_SHAPES)


def flat(tensor: torch.Tensor) -> list:
    return tensor.reshape(-1).tolist()


def addressing_strides(tensor: torch.Tensor) -> tuple[int, ...]:
    """The strides of the dimensions longer than 1: a size-1 dimension's stride is never used."""
    return tuple(s for s, n in zip(tensor.stride(), tensor.shape, strict=True) if n > 1)


def filled(value: int, dtype: torch.dtype):
    """The element a fill of `value` leaves in a tensor of `dtype` (`True` for bool, not 7)."""
    return bool(value) if dtype == torch.bool else value


# Creating tensors -------------------------------------------------------------------------------


@pytest.mark.claim("tensors.empty.uninitialised")
@given(shape=SHAPES, dtype=DTYPE_OR_DEFAULT, spread=st.booleans())
@example(shape=(5, 3), dtype=None, spread=True)  # notes 001's torch.empty(5, 3)
def test_empty_has_the_shape_dtype_and_device_asked(shape, dtype, spread, device):
    options = {"device": device} if dtype is None else {"device": device, "dtype": dtype}
    call = f"torch.empty({'*' if spread else ''}{shape}, **{options})"
    tensor = torch.empty(*shape, **options) if spread and shape else torch.empty(shape, **options)
    assert tuple(tensor.shape) == shape, call
    assert tensor.dtype == (dtype or torch.get_default_dtype()), call
    assert tensor.device.type == device, call
    assert (tensor.layout, tensor.requires_grad) == (torch.strided, False), call


def generator_states(device: str) -> list[torch.Tensor]:
    """The global generators' states: the CPU's, and the current CUDA device's on `cuda`."""
    states = [torch.random.get_rng_state()]
    if device == "cuda":
        states.append(torch.cuda.get_rng_state())
    return states


def deterministic_fill(dtype: torch.dtype):
    """What deterministic mode writes into uninitialised memory of `dtype` (None: NaN)."""
    if dtype == torch.bool:
        return True
    return None if dtype.is_floating_point else torch.iinfo(dtype).max


@pytest.mark.claim("tensors.empty.not-random")
def test_empty_draws_nothing_from_the_generators(device):
    before = generator_states(device)
    torch.empty(5, 3, device=device)
    after = generator_states(device)
    assert all(map(torch.equal, before, after)), "torch.empty(5, 3) advanced a generator"
    with seeded(0, device):
        seeded_state = generator_states(device)[-1]
        torch.rand(5, 3, device=device)
        # The contrast: the generator torch.rand draws from on this device moves.
        assert not torch.equal(seeded_state, generator_states(device)[-1]), "rand drew nothing"


@pytest.mark.claim("tensors.empty.not-random")
def test_empty_takes_no_generator():
    generator = torch.Generator().manual_seed(0)
    with pytest.raises(TypeError):
        torch.empty(5, 3, generator=generator)
    assert torch.rand(5, 3, generator=generator).shape == (5, 3)


@pytest.mark.claim("tensors.empty.not-random")
def test_empty_5_3_is_all_nan_under_deterministic_algorithms(device):
    with deterministic_algorithms():
        made = [torch.empty(5, 3, device=device) for _ in range(2)]
    for tensor in made:  # the same fill on every call
        assert tensor.shape == (5, 3)
        assert tensor.isnan().all(), f"torch.empty(5, 3) in deterministic mode: {tensor}"


@pytest.mark.claim("tensors.empty.not-random")
@pytest.mark.parametrize("dtype", PROMOTION_MODELLED, ids=dtype_name)
@given(shape=SHAPES)
def test_empty_under_deterministic_algorithms_is_filled_with_a_fixed_value(dtype, shape, device):
    with deterministic_algorithms():
        tensor = torch.empty(shape, dtype=dtype, device=device)
    fill = deterministic_fill(dtype)
    call = f"torch.empty({shape}, dtype={dtype}) under use_deterministic_algorithms(True)"
    if fill is None:
        assert tensor.isnan().all(), call
    else:
        assert flat(tensor) == [fill] * math.prod(shape), call


@pytest.mark.claim("tensors.empty.not-random")
def test_the_flag_that_turns_the_fill_off_arrives_in_torch_2_2():
    if torch_version() < (2, 2):
        missing = r"^No module named 'torch\.utils\.deterministic'$"
        with pytest.raises(ModuleNotFoundError, match=missing):
            importlib.import_module("torch.utils.deterministic")
        return
    flag = importlib.import_module("torch.utils.deterministic")
    assert flag.fill_uninitialized_memory is True, "the fill's default"
    try:
        flag.fill_uninitialized_memory = False
        assert flag.fill_uninitialized_memory is False
    finally:
        flag.fill_uninitialized_memory = True


@pytest.mark.claim("tensors.empty.uninitialised")
@pytest.mark.claim("tensors.filled.zeros-ones")
@pytest.mark.parametrize("default", WIDE_FLOATING, ids=dtype_name)
@pytest.mark.parametrize(
    "factory", [torch.empty, torch.zeros, torch.ones], ids=lambda f: f.__name__
)
def test_factories_follow_the_default_dtype(factory, default, device):
    with default_dtype(default):
        made = factory(5, 3, device=device)
    assert made.dtype == default, f"torch.{factory.__name__}(5, 3) under default {default}"


@pytest.mark.claim("tensors.filled.zeros-ones")
@pytest.mark.parametrize(
    ("factory", "fill"), [(torch.zeros, 0), (torch.ones, 1)], ids=["zeros", "ones"]
)
@given(shape=SHAPES, dtype=DTYPE_OR_DEFAULT)
@example(shape=(2, 3), dtype=None)  # notes 003's torch.ones(2, 3)
@example(shape=(5,), dtype=None)  # and torch.zeros(5)
def test_zeros_and_ones_are_filled_with_their_constant(factory, fill, shape, dtype, device):
    options = {} if dtype is None else {"dtype": dtype}
    call = f"torch.{factory.__name__}({shape}, dtype={dtype}, device='{device}')"
    tensor = factory(shape, device=device, **options)
    assert tuple(tensor.shape) == shape, call
    assert tensor.dtype == (dtype or torch.get_default_dtype()), call
    if device != "meta":
        assert flat(tensor) == [fill] * math.prod(shape), call


@pytest.mark.claim("tensors.filled.zeros-ones")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_zeros_long_as_in_the_notes(device):
    tensor = torch.zeros(5, 3, dtype=torch.long, device=device)
    assert tensor.dtype == torch.int64
    assert tensor.tolist() == [[0, 0, 0]] * 5
    assert all(type(value) is int for row in tensor.tolist() for value in row)


@pytest.mark.claim("tensors.filled.eye")
@given(rows=st.integers(0, 7), columns=st.none() | st.integers(0, 7), dtype=DTYPE_OR_DEFAULT)
@example(rows=2, columns=None, dtype=None)  # notes 004's torch.eye(2)
@example(rows=3, columns=2, dtype=torch.bfloat16)  # no CPU kernel before torch 2.3
def test_eye_has_ones_exactly_on_the_diagonal(rows, columns, dtype, device):
    options = {} if dtype is None else {"dtype": dtype}
    args = (rows,) if columns is None else (rows, columns)
    call = f"torch.eye{args} with dtype={dtype}"
    if dtype == torch.bfloat16 and device == "cpu" and torch_version() < (2, 3):
        # No CPU kernel for bfloat16 before torch 2.3, whatever the size, 0 included.
        with pytest.raises(RuntimeError, match=r"^\"eye\" not implemented for 'BFloat16'$"):
            torch.eye(*args, device=device, **options)
        return
    tensor = torch.eye(*args, device=device, **options)
    width = rows if columns is None else columns
    expected = [[int(i == j) for j in range(width)] for i in range(rows)]
    assert tuple(tensor.shape) == (rows, width), call
    assert tensor.dtype == (dtype or torch.get_default_dtype()), call
    assert_same_values(tensor, expected, call)


# Random numbers: the Dvoretzky–Kiefer–Wolfowitz bound (see "Checking a distribution" in the spec)

SAMPLE_SIZE = 20_000
FALSE_ALARM = 1e-9  # the probability that a correct generator fails one check, for any seed
EACH_WIDE_FLOATING = pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)


def dkw_epsilon(n: int, p: float = FALSE_ALARM) -> float:
    """The ε with P(sup |F_n − F| > ε) ≤ p, from P(...) ≤ 2·exp(−2nε²)."""
    return math.sqrt(math.log(2 / p) / (2 * n))


EPSILON = dkw_epsilon(SAMPLE_SIZE)


def ks_distance(sample: list[float], cdf) -> float:
    """sup_x |F_n(x) − cdf(x)|, which for a continuous cdf is attained at the sample points."""
    xs = sorted(sample)
    n = len(xs)
    return max(max(i / n - cdf(x), cdf(x) - (i - 1) / n) for i, x in enumerate(xs, start=1))


def uniform_cdf(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def normal_cdf(mean: float, std: float):
    return lambda x: 0.5 * (1.0 + math.erf((x - mean) / (std * math.sqrt(2.0))))


def seeded_rng(device: str, seed: int) -> torch.Generator:
    """A generator of the test's own, so that the global one is left alone."""
    return torch.Generator(device=device).manual_seed(seed)


def sample_of(tensor: torch.Tensor) -> list[float]:
    return tensor.cpu().tolist()


@pytest.mark.claim("tensors.random.rand-is-not-gaussian")
@pytest.mark.claim("tensors.random.normal-std-not-variance")
def test_the_separations_the_not_claims_rely_on_exceed_two_epsilon():
    """`D(G) > ε` follows from `D(F) ≤ ε` only where `sup |F − G| > 2ε`: check each `G` used."""
    grid = [i / 1000 for i in range(-10_000, 10_001)]

    def separation(f, g):
        return max(abs(f(x) - g(x)) for x in grid)

    assert separation(uniform_cdf, normal_cdf(0.5, math.sqrt(1 / 12))) > 2 * EPSILON
    assert separation(normal_cdf(0.5, 2.0), normal_cdf(0.5, math.sqrt(2.0))) > 2 * EPSILON
    assert 0.023 < EPSILON < 0.0232


@pytest.mark.claim("tensors.random.rand-uniform")
@EACH_WIDE_FLOATING
def test_rand_is_uniform_on_the_half_open_unit_interval(dtype, device):
    sample = sample_of(
        torch.rand(SAMPLE_SIZE, generator=seeded_rng(device, 11), dtype=dtype, device=device)
    )
    outside = [value for value in sample if not 0.0 <= value < 1.0]
    assert not outside, f"torch.rand gave values outside [0, 1): {outside[:5]}"
    distance = ks_distance(sample, uniform_cdf)
    assert distance <= EPSILON, (
        f"torch.rand({SAMPLE_SIZE}, dtype={dtype}) with seed 11 is {distance:.4f} from uniform, "
        f"more than the DKW bound {EPSILON:.4f}"
    )


@pytest.mark.claim("tensors.random.rand-uniform")
@pytest.mark.parametrize("dtype", HALF_FLOATING, ids=dtype_name)
def test_rand_in_low_precision_stays_below_one_on_the_cpu(dtype):
    sample = torch.rand(1_000_000, generator=seeded_rng("cpu", 15), dtype=dtype)
    ones = int((sample == 1).sum())
    assert ones == 0, f"torch.rand(10**6, dtype={dtype}) with seed 15 drew 1.0 {ones} times"
    assert float(sample.min()) >= 0.0


@pytest.mark.claim("tensors.random.rand-uniform")
def test_rand_has_the_shape_and_default_dtype(device):
    with seeded(0, device):
        assert torch.rand(5, 3, device=device).shape == (5, 3)
        assert torch.rand(5, 3, device=device).dtype == torch.get_default_dtype()
        with default_dtype(torch.float64):
            assert torch.rand(2, device=device).dtype == torch.float64


@pytest.mark.claim("tensors.random.rand-is-not-gaussian")
def test_rand_is_not_gaussian(device):
    sample = sample_of(torch.rand(SAMPLE_SIZE, generator=seeded_rng(device, 12), device=device))
    assert all(0.0 <= value < 1.0 for value in sample), "torch.rand gave a value outside [0, 1)"
    for mean, std in [(0.0, 1.0), (0.5, math.sqrt(1 / 12))]:
        distance = ks_distance(sample, normal_cdf(mean, std))
        assert distance > EPSILON, (
            f"torch.rand({SAMPLE_SIZE}) with seed 12 is only {distance:.4f} from N({mean}, {std}²)"
        )


@pytest.mark.claim("tensors.random.randn-standard-normal")
@EACH_WIDE_FLOATING
def test_randn_is_standard_normal(dtype, device):
    sample = sample_of(
        torch.randn(SAMPLE_SIZE, generator=seeded_rng(device, 13), dtype=dtype, device=device)
    )
    distance = ks_distance(sample, normal_cdf(0.0, 1.0))
    assert distance <= EPSILON, (
        f"torch.randn({SAMPLE_SIZE}, dtype={dtype}) with seed 13 is {distance:.4f} from N(0, 1), "
        f"more than the DKW bound {EPSILON:.4f}"
    )


@pytest.mark.claim("tensors.random.normal-std-not-variance")
def test_normal_takes_the_standard_deviation_not_the_variance(device):
    generator = seeded_rng(device, 14)
    drawn = torch.normal(mean=0.5, std=2.0, size=(SAMPLE_SIZE,), generator=generator, device=device)
    sample = sample_of(drawn)
    as_std = ks_distance(sample, normal_cdf(0.5, 2.0))
    as_variance = ks_distance(sample, normal_cdf(0.5, math.sqrt(2.0)))
    call = f"torch.normal(mean=0.5, std=2.0, size=({SAMPLE_SIZE},)) with seed 14"
    assert as_std <= EPSILON, f"{call} is {as_std:.4f} from N(0.5, 2²), bound {EPSILON:.4f}"
    assert as_variance > EPSILON, f"{call} is only {as_variance:.4f} from N(0.5, variance 2)"


@pytest.mark.claim("tensors.random.normal-std-not-variance")
def test_normal_with_a_size_as_in_the_notes(device):
    with seeded(0, device):
        drawn = torch.normal(mean=0.5, std=2, size=(3, 3), device=device)
    assert (drawn.shape, drawn.dtype) == ((3, 3), torch.get_default_dtype())


# *_like and new_* -------------------------------------------------------------------------------

LIKE = {
    "zeros_like": (torch.zeros_like, 0),
    "ones_like": (torch.ones_like, 1),
    "full_like(x, 7)": (lambda x, **options: torch.full_like(x, 7, **options), 7),
    "empty_like": (torch.empty_like, None),
    "rand_like": (torch.rand_like, None),
    "randn_like": (torch.randn_like, None),
}
RANDOM_LIKE = ("rand_like", "randn_like")


@pytest.mark.claim("tensors.like.keeps-source")
@given(data=st.data(), name=st.sampled_from(sorted(LIKE)), override=DTYPE_OR_DEFAULT)
def test_like_keeps_shape_dtype_and_device(data, name, override, device):
    source = data.draw(typed_tensors(device), label="source")
    wanted = override or source.dtype
    if name in RANDOM_LIKE and not wanted.is_floating_point:
        override = data.draw(torch_dtypes(FLOATING), label="floating override")
        wanted = override
    function, fill = LIKE[name]
    options = {} if override is None else {"dtype": override}
    with seeded(0, device):
        result = function(source, **options)
    call = f"torch.{name} of {describe(source)} with {options}"
    assert result.shape == source.shape, call
    assert result.dtype == wanted, call
    assert result.device == source.device, call
    assert (result.layout, result.requires_grad) == (torch.strided, False), call
    if fill is not None and device != "meta":
        assert flat(result) == [filled(fill, wanted)] * source.numel(), call


@pytest.mark.claim("tensors.like.keeps-source")
@pytest.mark.parametrize("name", sorted(LIKE))
@given(shape=shapes(min_dims=1, min_side=1), data=st.data())
def test_like_keeps_the_strides_of_a_permuted_tensor(name, shape, data, device):
    order = data.draw(st.permutations(range(len(shape))), label="order")
    source = torch.zeros(shape, device=device).permute(order)
    with seeded(0, device):
        result = LIKE[name][0](source)
    assert addressing_strides(result) == addressing_strides(source), (
        f"torch.{name} of zeros({shape}).permute({order}): strides {result.stride()}"
    )


@pytest.mark.claim("tensors.like.keeps-source")
@pytest.mark.parametrize("name", sorted(LIKE))
def test_like_does_not_copy_requires_grad(name, device):
    source = torch.ones(3, device=device, requires_grad=True)
    with seeded(0, device):
        result = LIKE[name][0](source)
    assert not result.requires_grad, f"torch.{name}(x) where x requires grad"


@pytest.mark.claim("tensors.like.keeps-source")
@pytest.mark.parametrize("name", RANDOM_LIKE)
@pytest.mark.parametrize("dtype", INTEGRAL, ids=dtype_name)
def test_random_like_needs_a_floating_dtype(name, dtype, device):
    source = torch.zeros(3, dtype=dtype, device=device)
    with seeded(0, device):
        if device == "meta" and name == "rand_like":  # nothing is drawn, and nothing checked
            assert LIKE[name][0](source).dtype == dtype
        else:
            with pytest.raises(RuntimeError):  # NotImplementedError (a RuntimeError) on the CPU
                LIKE[name][0](source)
        assert LIKE[name][0](source, dtype=torch.float64).dtype == torch.float64


@pytest.mark.claim("tensors.like.keeps-source")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_ones_like_as_in_the_notes(device):
    b = torch.zeros(5, dtype=torch.float64, device=device)
    c = torch.ones_like(b)  # notes 003
    assert (c.shape, c.dtype, c.device) == ((5,), torch.float64, b.device)
    assert c.tolist() == [1.0] * 5
    assert b.tolist() == [0.0] * 5
    y = torch.ones_like(b, device="cpu", dtype=torch.int32)  # notes 001 name the device
    assert (y.device.type, y.dtype, y.tolist()) == ("cpu", torch.int32, [1] * 5)


@pytest.mark.claim("tensors.like.keeps-source")
def test_randn_like_as_in_the_notes(device):
    x = torch.ones(5, device=device)
    with seeded(0, device):
        y = torch.randn_like(x, dtype=torch.float)
    assert (y.shape, y.dtype, y.device) == ((5,), torch.float32, x.device)
    x = torch.tensor([5.5, 3], device=device).new_ones(5, 3, dtype=torch.double)
    with seeded(0, device):
        y = torch.randn_like(x, dtype=torch.float)
    assert (y.shape, y.dtype, y.device) == ((5, 3), torch.float32, x.device)


NEW = {
    "new_zeros": (lambda x, size, **options: x.new_zeros(size, **options), 0),
    "new_ones": (lambda x, size, **options: x.new_ones(size, **options), 1),
    "new_full(size, 7)": (lambda x, size, **options: x.new_full(size, 7, **options), 7),
    "new_empty": (lambda x, size, **options: x.new_empty(size, **options), None),
}


@pytest.mark.claim("tensors.new.keeps-dtype-and-device")
@given(data=st.data(), name=st.sampled_from(sorted(NEW)), size=SHAPES, override=DTYPE_OR_DEFAULT)
def test_new_keeps_dtype_and_device_and_takes_the_new_size(data, name, size, override, device):
    source = data.draw(typed_tensors(device), label="source")
    function, fill = NEW[name]
    options = {} if override is None else {"dtype": override}
    result = function(source, size, **options)
    call = f"x.{name}({size}, **{options}) for x = {describe(source)}"
    assert tuple(result.shape) == size, call
    assert result.dtype == (override or source.dtype), call
    assert result.device == source.device, call
    assert not result.requires_grad, call
    if fill is not None and device != "meta":
        assert flat(result) == [filled(fill, result.dtype)] * math.prod(size), call


@pytest.mark.claim("tensors.new.keeps-dtype-and-device")
@given(
    data=st.data(),
    values=st.lists(st.integers(0, 200).map(lambda k: k / 2), max_size=8),
    override=DTYPE_OR_DEFAULT,
)
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_new_tensor_and_new_full_convert_the_data_to_the_sources_dtype(
    data, values, override, device
):
    source = data.draw(typed_tensors(device), label="source")
    options = {} if override is None else {"dtype": override}
    result = source.new_tensor(values, **options)
    dtype = override or source.dtype
    if dtype == torch.bool:
        expected = [value != 0 for value in values]
    elif dtype.is_floating_point:
        expected = values  # halves up to 100 are exact in every floating dtype, bfloat16 too
    else:
        expected = [math.trunc(value) for value in values]
    call = f"x.new_tensor({values}, **{options}) for x of dtype {source.dtype}"
    assert (result.dtype, result.device) == (dtype, source.device), call
    assert_same_values(result, expected, call)
    for value, element in zip(values, expected, strict=True):
        full = source.new_full((2,), value, **options)
        call = f"x.new_full((2,), {value}, **{options}) for x of dtype {source.dtype}"
        assert (full.dtype, full.device) == (dtype, source.device), call
        assert_same_values(full, [element] * 2, call)


@pytest.mark.claim("tensors.new.keeps-dtype-and-device")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_new_ones_as_in_the_notes(device):
    x = torch.tensor([5.5, 3], device=device, requires_grad=True)
    made = x.new_ones(5, 3, dtype=torch.double)
    assert (made.shape, made.dtype, made.device) == ((5, 3), torch.float64, x.device)
    assert made.tolist() == [[1.0] * 3] * 5
    assert not made.requires_grad


# The Tensor constructor and the legacy types ----------------------------------------------------


@pytest.mark.claim("tensors.tensor_class.uninitialised-shape")
@pytest.mark.parametrize("default", WIDE_FLOATING, ids=dtype_name)
@given(shape=shapes(min_dims=1))
def test_tensor_class_with_sizes_is_an_uninitialised_tensor_of_that_shape(shape, default):
    with default_dtype(default):
        from_ints = torch.Tensor(*shape)
        from_size = torch.Tensor(torch.Size(shape))
    for tensor, call in [(from_ints, f"torch.Tensor(*{shape})"), (from_size, "torch.Tensor(Size)")]:
        assert tuple(tensor.shape) == shape, call
        assert tensor.dtype == default, f"{call} under default dtype {default}"
        assert tensor.device.type == "cpu", call


@pytest.mark.claim("tensors.tensor_class.uninitialised-shape")
@given(values=st.lists(st.integers(0, 100), min_size=1, max_size=4))
def test_tensor_class_reads_a_list_or_tuple_as_data(values):
    for data in (values, tuple(values)):
        tensor = torch.Tensor(data)
        assert tuple(tensor.shape) == (len(values),), f"torch.Tensor({data!r})"
        assert tensor.tolist() == [float(value) for value in values], f"torch.Tensor({data!r})"
    assert torch.Tensor().shape == (0,)


@pytest.mark.claim("tensors.tensor_class.uninitialised-shape")
def test_tensor_class_shapes_of_the_notes():
    assert torch.Tensor(5).shape == (5,)
    assert torch.Tensor(2, 3).shape == (2, 3)
    assert torch.Tensor(2, 3, 4).shape == (2, 3, 4)


@pytest.mark.claim("tensors.tensor_class.legacy-types")
@pytest.mark.parametrize("default", WIDE_FLOATING, ids=dtype_name)
@pytest.mark.parametrize("name", sorted(LEGACY_TYPES))
@given(values=st.lists(st.integers(0, 100), max_size=6))
def test_legacy_constructors_make_their_dtype(name, default, values):
    with default_dtype(default):
        tensor = getattr(torch, name)(values)
    expected_dtype = LEGACY_TYPES[name] or default
    call = f"torch.{name}({values}) under default dtype {default}"
    assert tensor.dtype == expected_dtype, call
    expected = [bool(v) for v in values] if expected_dtype == torch.bool else values
    assert_same_values(tensor, expected, call)


@pytest.mark.claim("tensors.tensor_class.legacy-types")
def test_the_table_of_notes_003():
    made = {
        name: getattr(torch, name)([1, 3])
        for name in ("Tensor", "FloatTensor", "DoubleTensor", "IntTensor", "LongTensor")
    }
    assert {name: t.dtype for name, t in made.items()} == {
        "Tensor": torch.float32,
        "FloatTensor": torch.float32,
        "DoubleTensor": torch.float64,
        "IntTensor": torch.int32,
        "LongTensor": torch.int64,
    }
    assert all(t.tolist() == [1, 3] for t in made.values())


@pytest.mark.claim("tensors.tensor_class.constructor-vs-factories")
@given(values=st.lists(st.integers(-100, 100), min_size=1, max_size=6))
def test_tensor_class_makes_floats_where_the_factory_infers_the_dtype(values):
    assert torch.Tensor(values).dtype == torch.get_default_dtype(), f"torch.Tensor({values})"
    assert torch.tensor(values).dtype == torch.int64, f"torch.tensor({values})"
    assert torch.tensor([float(v) for v in values]).dtype == torch.get_default_dtype()
    assert torch.tensor([v > 0 for v in values]).dtype == torch.bool
    assert_same_values(torch.Tensor(values), [float(v) for v in values], f"torch.Tensor({values})")


@pytest.mark.claim("tensors.tensor_class.constructor-vs-factories")
def test_tensor_is_a_class_and_the_factories_are_functions():
    assert isinstance(torch.Tensor, type)
    assert isinstance(torch.tensor([1]), torch.Tensor)
    for factory in (torch.tensor, torch.as_tensor, torch.from_numpy):
        assert callable(factory), factory
        assert not isinstance(factory, type), factory


@pytest.mark.claim("tensors.tensor_class.constructor-vs-factories")
@pytest.mark.parametrize("option", [{"dtype": torch.int64}, {"requires_grad": True}], ids=str)
def test_only_the_factory_takes_dtype_and_requires_grad(option):
    with pytest.raises(TypeError):
        torch.Tensor([1.0, 2.0], **option)
    made = torch.tensor([1.0, 2.0], **option)
    assert made.dtype == option.get("dtype", torch.float32)
    assert made.requires_grad == option.get("requires_grad", False)


@pytest.mark.claim("tensors.tensor_class.constructor-vs-factories")
def test_factories_take_a_device(device):
    assert torch.tensor([1], device=device).device.type == device
    assert torch.as_tensor(np.arange(2), device=device).device.type == device


@pytest.mark.claim("tensors.tensor.zero-dim")
@given(number=st.booleans() | st.integers(-(2**31), 2**31) | st.floats(-1e6, 1e6, width=32))
@example(number=5)  # notes 003's torch.tensor(5)
def test_tensor_of_a_python_number_is_zero_dimensional(number, device):
    tensor = torch.tensor(number, device=device)
    call = f"torch.tensor({number!r})"
    assert (tensor.shape, tensor.dim(), tensor.numel()) == ((), 0, 1), call
    assert tensor.item() == number, call
    assert type(tensor.item()) is type(number), call


@pytest.mark.claim("tensors.tensor.zero-dim")
@given(values=st.lists(st.integers(-100, 100), max_size=6))
def test_tensor_of_a_sequence_has_one_dimension(values, device):
    for data in (values, np.asarray(values, dtype=np.int64)):
        assert torch.tensor(data, device=device).shape == (len(values),), f"torch.tensor({data!r})"
    assert torch.tensor(np.asarray([4]), device=device).shape == (1,)


# Looking at a tensor -----------------------------------------------------------------------------


@pytest.mark.claim("tensors.is_tensor.only-tensors")
@given(array=arrays())
def test_is_tensor_tells_tensors_from_everything_else(array, device):
    tensor = torch.tensor(array, device=device)
    assert torch.is_tensor(tensor), describe(tensor)
    if tensor.is_floating_point():
        assert torch.is_tensor(torch.nn.Parameter(tensor)), "a Parameter"
    others = [array, array.tolist(), tuple(array.shape), torch.Size(array.shape)]
    if array.size:
        others += [array.reshape(-1)[0], array.reshape(-1)[0].item()]
    for other in others:
        assert not torch.is_tensor(other), f"torch.is_tensor({other!r})"


@pytest.mark.claim("tensors.is_tensor.only-tensors")
def test_is_tensor_as_in_notes_003():
    a = torch.Tensor(2)
    assert torch.is_tensor(a)  # notes 003: True
    b = np.array([1, 2, 3, 4, 5])
    assert not torch.is_tensor(b)  # notes 003: False
    assert torch.is_tensor(torch.nn.Parameter(torch.ones(1)))
    assert not torch.is_tensor(torch.Size([2]))


@pytest.mark.claim("tensors.size.is-a-tuple")
@given(shape=SHAPES)
@example(shape=(5, 3))  # notes 001's x.size()
def test_size_is_a_tuple_equal_to_the_shape(shape, device):
    tensor = torch.empty(shape, device=device)
    size = tensor.size()
    assert isinstance(size, torch.Size), type(size)
    assert isinstance(size, tuple), type(size)
    assert size == shape, size
    assert size == tensor.shape, size
    assert tuple(size) == shape, size
    assert len(size) == tensor.dim()
    for dim in range(-len(shape), len(shape)):
        assert tensor.size(dim) == shape[dim], f"torch.empty({shape}).size({dim})"


@pytest.mark.claim("tensors.numel.product-of-sizes")
@given(shape=SHAPES)
def test_numel_is_the_product_of_the_sizes(shape, device):
    tensor = torch.zeros(shape, device=device)
    assert tensor.numel() == math.prod(shape), f"torch.zeros({shape}).numel()"
    total = tensor.sum()
    assert (total.shape, total.numel()) == ((), 1), f"torch.zeros({shape}).sum()"


@pytest.mark.claim("tensors.numel.product-of-sizes")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_numel_as_in_notes_004(device):
    t = torch.tensor([[0, 1, 0], [2, 0, 2], [0, 3, 0]], device=device)
    assert (t.numel(), t.sum().item(), t.sum().numel()) == (9, 8, 1)


PYTHON_TYPE = {"bool": bool, "integer": int, "floating": float}


@pytest.mark.claim("tensors.item.one-element-only")
@given(data=st.data(), shape=ONE_ELEMENT_SHAPES, dtype=torch_dtypes(PROMOTION_MODELLED))
def test_item_returns_the_element_of_any_one_element_shape(data, shape, dtype, device):
    value = data.draw(small_values(dtype), label="value")
    tensor = torch.tensor(value, dtype=dtype, device=device).reshape(shape)
    item = tensor.item()
    call = f"{describe(tensor)}.item()"
    assert item == value, call
    assert type(item) is PYTHON_TYPE[category(dtype_name(dtype))], f"{call} is {type(item)}"


@pytest.mark.claim("tensors.item.one-element-only")
def test_item_as_in_the_notes(device):
    t = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=torch.float32, device=device)
    mean = t.mean().item()  # notes 004
    assert (type(mean), mean) == (float, 5.0)
    with seeded(0, device):
        x = torch.randn(1, device=device)
    assert type(x.item()) is float
    assert x.item() == x.tolist()[0]
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted"):
        t.mean(dim=0).item()


@pytest.mark.claim("tensors.item.one-element-only")
@given(shape=SHAPES.filter(lambda shape: math.prod(shape) != 1))
def test_item_refuses_any_other_number_of_elements(shape, device):
    tensor = torch.zeros(shape, device=device)
    elements = math.prod(shape)
    with pytest.raises(
        RuntimeError, match=f"a Tensor with {elements} elements cannot be converted to Scalar"
    ):
        tensor.item()


def leaves(nested) -> list:
    return (
        [leaf for item in nested for leaf in leaves(item)] if isinstance(nested, list) else [nested]
    )


@pytest.mark.claim("tensors.tolist.nested-python-numbers")
@given(array=arrays())
def test_tolist_gives_nested_python_numbers_like_numpy(array, device):
    tensor = torch.tensor(array, device=device)
    listed = tensor.tolist()
    call = f"{describe(tensor)}.tolist()"
    assert listed == array.tolist(), call
    python_type = {"b": bool, "i": int, "u": int, "f": float, "c": complex}[array.dtype.kind]
    assert all(type(leaf) is python_type for leaf in leaves(listed)), call
    if array.ndim == 0:
        assert type(listed) is python_type, call


@pytest.mark.claim("tensors.tolist.nested-python-numbers")
def test_tolist_as_in_notes_004(device):
    t = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=torch.float32, device=device)
    listed = t.mean(dim=0).tolist()  # notes 004
    assert listed == [4.0, 5.0, 6.0]
    assert all(type(value) is float for value in listed)
    assert t.int().tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert type(t.mean().tolist()) is float


@pytest.mark.claim("tensors.linspace.steps-points")
@pytest.mark.parametrize("dtype", WIDE_FLOATING, ids=dtype_name)
@given(
    start=st.floats(-1e4, 1e4, width=32),
    end=st.floats(-1e4, 1e4, width=32),
    steps=st.integers(2, 300),
)
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_linspace_has_steps_points_from_start_to_end(start, end, steps, dtype, device):
    points = torch.linspace(start, end, steps, dtype=dtype, device=device)
    call = f"torch.linspace({start!r}, {end!r}, {steps}, dtype={dtype})"
    assert points.shape == (steps,), call
    assert (points[0].item(), points[-1].item()) == (start, end), call
    step = (end - start) / (steps - 1)
    expected = torch.tensor([start + i * step for i in range(steps)], dtype=torch.float64)
    # The step is rounded once (half an ulp, or half the smallest subnormal where the step is
    # subnormal), and that error is multiplied by up to `steps`; each point is rounded again.
    info = torch.finfo(dtype)
    tolerance = 4 * info.eps * max(abs(start), abs(end)) + steps * info.tiny * info.eps
    torch.testing.assert_close(
        points.cpu().double(), expected, rtol=0, atol=tolerance, msg=lambda m: f"{call}: {m}"
    )


@pytest.mark.claim("tensors.linspace.steps-points")
@given(steps=st.integers(0, 300), start=st.floats(-10, 10, width=32))
def test_linspace_shape_and_dtype(steps, start, device):
    points = torch.linspace(start, start + 1, steps, device=device)
    assert (points.shape, points.dtype) == ((steps,), torch.get_default_dtype())
    if steps == 1 and device != "meta":
        assert points.tolist() == [start], "torch.linspace(start, end, 1) is [start]"


@pytest.mark.claim("tensors.linspace.steps-points")
def test_the_lines_of_notes_000(device):
    assert torch.linspace(-5, 5, 200, device=device).shape == (200,)
    assert torch.unsqueeze(torch.linspace(-1, 1, 100, device=device), dim=1).shape == (100, 1)


@pytest.mark.claim("tensors.layout.strided-default")
@given(shape=SHAPES)
def test_factories_make_strided_tensors(shape, device):
    with seeded(0, device):
        made = {
            "zeros": torch.zeros(shape, device=device),
            "ones": torch.ones(shape, device=device),
            "empty": torch.empty(shape, device=device),
            "rand": torch.rand(shape, device=device),
            "full": torch.full(shape, 2.0, device=device),
            "tensor": torch.tensor(np.zeros(shape), device=device),
        }
    made["zeros_like"] = torch.zeros_like(made["ones"])
    for name, tensor in made.items():
        assert tensor.layout == torch.strided, f"torch.{name}({shape}).layout"


@pytest.mark.claim("tensors.layout.strided-default")
def test_zeros_2_2_is_strided(device):
    tensor = torch.zeros(2, 2, device=device)
    assert tensor.layout == torch.strided, f"{describe(tensor)}.layout"
    assert isinstance(torch.strided, torch.layout)


@pytest.mark.claim("tensors.layout.stried-does-not-exist")
def test_there_is_no_torch_stried():
    with pytest.raises(AttributeError, match=r"^module 'torch' has no attribute 'stried'$"):
        torch.zeros(2, 2, layout=torch.stried)
    assert not hasattr(torch, "stried")
    assert str(torch.strided) == "torch.strided"
    assert torch.zeros(2, 2, layout=torch.strided).layout == torch.strided


@pytest.mark.claim("tensors.layout.stried-does-not-exist")
@pytest.mark.parametrize(
    "name", ["sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"]
)
def test_the_sparse_layouts_are_more_than_sparse_coo(name):
    layout = getattr(torch, name)
    assert isinstance(layout, torch.layout)
    assert str(layout) == f"torch.{name}"
    assert layout != torch.strided


@pytest.mark.claim("tensors.layout.sparse-coo-is-coordinates")
@given(array=arrays(dtype=numpy_dtypes(SPARSE_DTYPES), shape=shapes(min_dims=1)))
def test_sparse_coo_stores_the_coordinates_and_values_of_the_non_zeros(array, device):
    dense = torch.tensor(array, device=device)
    sparse = dense.to_sparse()
    assert sparse.layout == torch.sparse_coo
    coalesced = sparse.coalesce()
    indices, values = coalesced.indices(), coalesced.values()
    call = f"{describe(dense)}.to_sparse().coalesce()"
    nonzero = np.argwhere(array)
    assert indices.dtype == torch.int64, call
    assert tuple(indices.shape) == (array.ndim, len(nonzero)), call
    assert indices.tolist() == nonzero.T.tolist(), call
    assert values.tolist() == array[array != 0].tolist(), call
    assert_same_values(coalesced.to_dense(), array, f"{call}.to_dense()")


def coo_bytes(dense: torch.Tensor) -> int:
    stored = dense.to_sparse()
    return stored.indices().nbytes + stored.values().nbytes


@pytest.mark.claim("tensors.layout.sparse-coo-pays-off-when-mostly-zero")
@given(array=arrays(dtype=numpy_dtypes(SPARSE_DTYPES), shape=shapes(min_dims=1)))
def test_sparse_coo_keeps_a_value_and_ndim_int64_coordinates_per_non_zero(array, device):
    dense = torch.tensor(array, device=device)
    per_element = 8 * array.ndim + array.itemsize
    assert coo_bytes(dense) == np.count_nonzero(array) * per_element, (
        f"{describe(dense)}.to_sparse(): bytes of indices() and values()"
    )


@pytest.mark.claim("tensors.layout.sparse-coo-pays-off-when-mostly-zero")
@pytest.mark.parametrize(
    ("dtype", "shape", "one_in"),
    [(torch.float32, (20, 20), 5), (torch.float32, (7, 7, 4), 7), (torch.bool, (17, 17), 17)],
)
def test_sparse_coo_is_smaller_only_below_its_density(dtype, shape, one_in, device):
    """At exactly one non-zero in `one_in`, the two layouts take the same bytes; one more
    non-zero and the sparse layout is the larger."""
    dense = torch.zeros(shape, dtype=dtype, device=device)
    flat = dense.view(-1)
    flat[::one_in] = 1
    call = f"{describe(dense)} with one element in {one_in} non-zero"
    assert coo_bytes(dense) == dense.nbytes, call
    flat[1] = 1
    assert coo_bytes(dense) > dense.nbytes, f"{call}, and one more"
    flat[: 2 * one_in] = 0
    assert coo_bytes(dense) < dense.nbytes, f"{call}, but two fewer"


@pytest.mark.claim("tensors.layout.sparse-coo-pays-off-when-mostly-zero")
def test_a_float32_matrix_half_zero_takes_more_room_sparse(device):
    half = torch.eye(2, device=device).repeat(50, 1)
    assert coo_bytes(half) == 2.5 * half.nbytes == 2_000
    identity = torch.eye(100, device=device)
    assert coo_bytes(identity) == 2_000 < identity.nbytes == 40_000


@pytest.mark.claim("tensors.type.cpu-and-gpu-names")
@pytest.mark.parametrize("dtype", sorted(TYPE_NAMES, key=str), ids=str)
def test_type_names_the_dtype_and_the_device(dtype, device):
    prefix = {"cpu": "torch.", "cuda": "torch.cuda.", "meta": "torch.meta."}[device]
    tensor = torch.zeros(2, dtype=dtype, device=device)
    assert tensor.type() == f"{prefix}{TYPE_NAMES[dtype]}", f"{describe(tensor)}.type()"
    assert isinstance(tensor.type(), str)


# Conversion --------------------------------------------------------------------------------------

CONVERSIONS = {
    ".int()": (lambda t: t.int(), torch.int32),
    ".long()": (lambda t: t.long(), torch.int64),
    ".float()": (lambda t: t.float(), torch.float32),
    ".double()": (lambda t: t.double(), torch.float64),
    ".type(torch.int32)": (lambda t: t.type(torch.int32), torch.int32),
    ".type(torch.float64)": (lambda t: t.type(torch.float64), torch.float64),
    ".to(torch.int64)": (lambda t: t.to(torch.int64), torch.int64),
}
LEGACY_CONVERSIONS = {
    ".type(torch.IntTensor)": (lambda t: t.type(torch.IntTensor), torch.int32),
    ".type('torch.DoubleTensor')": (lambda t: t.type("torch.DoubleTensor"), torch.float64),
    ".type(torch.FloatTensor)": (lambda t: t.type(torch.FloatTensor), torch.float32),
}


@st.composite
def signed_tensors(draw, device: str) -> torch.Tensor:
    """A 1-d tensor with negative values and fractions where its dtype has them."""
    dtype = draw(torch_dtypes(PROMOTION_MODELLED))
    if dtype == torch.bool:
        values = st.booleans()
    elif dtype.is_floating_point:
        values = st.integers(-200, 200).map(lambda k: k / 2)  # exact in every floating dtype
    else:
        values = st.integers(0 if dtype == torch.uint8 else -100, 100)
    return torch.tensor(draw(st.lists(values, max_size=10)), dtype=dtype, device=device)


def converted(values: list, dtype: torch.dtype) -> list:
    """What a conversion to an int or float dtype makes of Python values: trunc, or float."""
    if dtype.is_floating_point:
        return [float(value) for value in values]
    return [math.trunc(value) for value in values]


@pytest.mark.claim("tensors.convert.casts-values")
@given(data=st.data(), name=st.sampled_from(sorted(CONVERSIONS)))
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_conversions_give_the_dtype_and_the_converted_values(data, name, device):
    source = data.draw(signed_tensors(device), label="source")
    convert, dtype = CONVERSIONS[name]
    result = convert(source)
    call = f"{describe(source)}{name}"
    assert (result.dtype, result.device, result.shape) == (dtype, source.device, source.shape), call
    assert_same_values(result, converted(source.tolist(), dtype), call)


@pytest.mark.claim("tensors.convert.casts-values")
@given(data=st.data(), name=st.sampled_from(sorted(LEGACY_CONVERSIONS)))
def test_legacy_type_conversions_on_the_cpu(data, name):
    source = data.draw(signed_tensors("cpu"), label="source")
    convert, dtype = LEGACY_CONVERSIONS[name]
    result = convert(source)
    call = f"{describe(source)}{name}"
    assert (result.dtype, result.device.type) == (dtype, "cpu"), call
    assert_same_values(result, converted(source.tolist(), dtype), call)


@pytest.mark.claim("tensors.convert.casts-values")
@pytest.mark.devices("cuda", "meta")
def test_a_legacy_type_name_also_names_the_cpu(device):
    tensor = torch.ones(3, device=device)
    assert tensor.type(torch.int32).device.type == device
    assert tensor.int().device.type == device
    if device == "meta":
        with pytest.raises(NotImplementedError, match="meta"):
            tensor.type(torch.IntTensor)  # would copy the (absent) data to the CPU
    else:
        moved = tensor.type(torch.IntTensor)
        assert (moved.device.type, moved.dtype, moved.tolist()) == ("cpu", torch.int32, [1] * 3)


@pytest.mark.claim("tensors.convert.casts-values")
def test_the_conversions_of_notes_003():
    t_float = torch.FloatTensor([1, 2, 3, 4])
    t_int = t_float.type(torch.IntTensor)
    t_int2 = t_float.int()
    t_double = t_int.double()
    assert [t.dtype for t in (t_int, t_int2, t_double)] == [torch.int32, torch.int32, torch.float64]
    assert t_int.tolist() == t_int2.tolist() == [1, 2, 3, 4]
    assert t_double.tolist() == [1.0, 2.0, 3.0, 4.0]


ALL_CONVERSIONS = {**CONVERSIONS, **LEGACY_CONVERSIONS}


@pytest.mark.claim("tensors.convert.same-object-if-same-dtype")
@given(data=st.data(), name=st.sampled_from(sorted(ALL_CONVERSIONS)))
def test_a_conversion_returns_the_same_tensor_exactly_when_the_dtype_already_matches(data, name):
    convert, dtype = ALL_CONVERSIONS[name]
    source = data.draw(signed_tensors("cpu") | st.just(torch.zeros(3, dtype=dtype)), label="source")
    result = convert(source)
    call = f"{describe(source)}{name}"
    if source.dtype == dtype:
        assert result is source, f"{call} was expected to return the tensor itself"
    else:
        assert result is not source, call
        if source.numel():
            assert_copies(source, result, call)


@pytest.mark.claim("tensors.convert.same-object-if-same-dtype")
@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_writing_to_an_unconverted_tensor_writes_to_the_original(name, device):
    convert, dtype = CONVERSIONS[name]
    original = torch.zeros(3, dtype=dtype, device=device)
    convert(original)[0] = 5
    assert original.tolist()[0] == 5, f"{name} of a {dtype} tensor is the tensor itself"
    assert original.to(dtype, copy=True) is not original
    assert original.clone() is not original


# Type promotion ----------------------------------------------------------------------------------

NUMBERS = st.booleans() | st.integers(0, 100) | st.integers(0, 200).map(lambda k: k / 2)
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}
COMPARISONS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@st.composite
def operand_pairs(draw, device: str):
    """(left, right, left_description, right_description): tensors of one shape with at least
    one dimension, or Python numbers; never two numbers. Values every dtype holds exactly."""
    shape = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    operands = []
    for side in ("left", "right"):
        if side == "right" and not isinstance(operands[0], torch.Tensor):
            kind = "tensor"
        else:
            kind = draw(st.sampled_from(["tensor", "number"]))
        if kind == "tensor":
            modelled = torch_dtypes(PROMOTION_MODELLED)
            operands.append(draw(tensors(device, dtype=modelled, shape=shape)))
        else:
            operands.append(draw(NUMBERS))
    return tuple(operands)


def reference_operand(operand):
    """What the reference takes: a tensor's dtype name, or the Python number itself."""
    return dtype_name(operand.dtype) if isinstance(operand, torch.Tensor) else operand


def show(operand) -> str:
    return describe(operand) if isinstance(operand, torch.Tensor) else repr(operand)


def elements(operand, count: int) -> list:
    return flat(operand) if isinstance(operand, torch.Tensor) else [operand] * count


DEFAULTS = pytest.mark.parametrize("default", WIDE_FLOATING, ids=dtype_name)


def involves_bool(operand) -> bool:
    if isinstance(operand, torch.Tensor):
        return operand.dtype == torch.bool
    return isinstance(operand, bool)


# The releases where `-` with bools changed: the refusal's type, and meta's check.
SUBTRACTION_NOT_IMPLEMENTED_SINCE = (2, 14)
META_REFUSES_TWO_BOOLS_SINCE = (2, 5)


def subtraction_refusal(left, right, device: str) -> str | None:
    """The message fragment of torch's refusal of `left - right`, or None where it subtracts:
    any bool operand where there is data, a Python bool included ("two bool tensors" when both
    are bools, "a bool tensor" when one is); on meta only two bool tensors, from torch 2.5
    (before, meta subtracts them too)."""
    if device == "meta":
        both = all(isinstance(x, torch.Tensor) and x.dtype == torch.bool for x in (left, right))
        refused = both and torch_version() >= META_REFUSES_TWO_BOOLS_SINCE
        return "two bool tensors" if refused else None
    if involves_bool(left) and involves_bool(right):
        return "two bool tensors"
    return "a bool tensor" if involves_bool(left) or involves_bool(right) else None


def subtraction_error() -> type[Exception]:
    """`NotImplementedError` from torch 2.14; plain `RuntimeError` before (its base class)."""
    return (
        NotImplementedError
        if torch_version() >= SUBTRACTION_NOT_IMPLEMENTED_SINCE
        else RuntimeError
    )


@pytest.mark.claim("tensors.promotion.mixed-dtypes")
@DEFAULTS
@given(data=st.data(), symbol=st.sampled_from(sorted(ARITHMETIC)))
def test_arithmetic_promotes_as_the_reference_says(data, symbol, default, device):
    left, right = data.draw(operand_pairs(device), label="operands")
    call = f"({show(left)}) {symbol} ({show(right)}) under default dtype {default}"
    with default_dtype(default):
        refusal = subtraction_refusal(left, right, device) if symbol == "-" else None
        if refusal is not None:
            with pytest.raises(
                RuntimeError, match=f"Subtraction, the `-` operator, with {refusal}"
            ) as caught:
                ARITHMETIC[symbol](left, right)
            assert caught.type is subtraction_error(), f"{call} raised {caught.type.__name__}"
            return
        result = ARITHMETIC[symbol](left, right)
    expected = result_type(
        reference_operand(left), reference_operand(right), default_float=dtype_name(default)
    )
    assert dtype_name(result.dtype) == expected, (
        f"{call} gave {result.dtype}, expected torch.{expected}"
    )


@pytest.mark.claim("tensors.promotion.mixed-dtypes")
def test_every_pair_of_modelled_dtypes_promotes_as_the_reference_says(device):
    wrong = []
    for first in DTYPES:
        for second in DTYPES:
            left = torch.ones(2, dtype=getattr(torch, first), device=device)
            right = torch.ones(2, dtype=getattr(torch, second), device=device)
            expected = result_type(first, second)
            product = dtype_name((left * right).dtype)
            promoted = dtype_name(torch.promote_types(left.dtype, right.dtype))
            if {product, promoted} != {expected}:
                wrong.append(
                    f"{first} * {second}: {product}, promote_types {promoted}, reference {expected}"
                )
    assert wrong == [], "pairs whose product or promote_types differs from the reference"


@pytest.mark.claim("tensors.promotion.mixed-dtypes")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_mixed_arithmetic_computes_in_the_promoted_dtype(device):
    ints = torch.tensor([1, 2], dtype=torch.int32, device=device)
    assert (ints + torch.tensor([0.5, 0.25], device=device)).tolist() == [1.5, 2.25]
    assert (ints + 0.5).tolist() == [1.5, 2.5]
    assert (torch.tensor([10], device=device) * 1.9).tolist() == [19.0]
    assert (torch.tensor([True, False], device=device) + ints).tolist() == [2, 2]
    wrapped = torch.tensor([1], dtype=torch.int8, device=device) + 1000
    assert (wrapped.dtype, wrapped.tolist()) == (torch.int8, [1001 - 1024])


@pytest.mark.claim("tensors.promotion.true-division")
@DEFAULTS
@given(data=st.data())
def test_division_promotes_as_the_reference_says(data, default, device):
    left, right = data.draw(operand_pairs(device), label="operands")
    with default_dtype(default):
        result = left / right
    expected = true_division_type(
        reference_operand(left), reference_operand(right), default_float=dtype_name(default)
    )
    assert dtype_name(result.dtype) == expected, (
        f"({show(left)}) / ({show(right)}) under default dtype {default} gave {result.dtype}, "
        f"expected torch.{expected}"
    )


@pytest.mark.claim("tensors.promotion.true-division")
@given(
    numerators=st.lists(st.integers(-100, 100), min_size=1, max_size=6),
    denominator=st.integers(1, 9),
    dtype=torch_dtypes(INTEGER),
)
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_integer_division_is_true_division(numerators, denominator, dtype, device):
    if dtype == torch.uint8:
        numerators = [abs(n) for n in numerators]
    top = torch.tensor(numerators, dtype=dtype, device=device)
    bottom = torch.tensor([denominator] * len(numerators), dtype=dtype, device=device)
    call = f"{describe(top)} / {describe(bottom)}"
    quotient = top / bottom
    assert quotient.dtype == torch.get_default_dtype(), call
    expected = torch.tensor([n / denominator for n in numerators], dtype=torch.float64)
    # One correctly rounded division in float32: half an ulp (2**-24 relative) at most, and 0
    # exactly. The ROUNDED_ONCE policy (rtol 1.3e-6, atol 1e-6) is looser, so the bound is here.
    torch.testing.assert_close(quotient.cpu().double(), expected, rtol=1.2e-7, atol=0)
    floored = top // bottom
    assert floored.dtype == dtype, f"{call} with //"
    assert floored.tolist() == [n // denominator for n in numerators], f"{call} with //"
    with default_dtype(torch.float64):
        assert (top / bottom).dtype == torch.float64, f"{call} under default float64"


@pytest.mark.claim("tensors.promotion.true-division")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_true_division_of_notes_004(device):
    t = torch.tensor([[1, 1], [2, 2]], device=device)
    halved = t / 2  # notes 004
    assert (halved.dtype, halved.tolist()) == (torch.float32, [[0.5, 0.5], [1.0, 1.0]])
    assert (torch.tensor([5], device=device) / 2).tolist() == [2.5]
    floored = t // 2
    assert (floored.dtype, floored.tolist()) == (torch.int64, [[0, 0], [1, 1]])
    assert (t + 2).dtype == (t * 2).dtype == torch.int64


@pytest.mark.claim("tensors.promotion.comparisons-give-bool")
@given(data=st.data(), symbol=st.sampled_from(sorted(COMPARISONS)))
def test_comparisons_give_bool_and_compare_the_values(data, symbol, device):
    left, right = data.draw(operand_pairs(device), label="operands")
    compare = COMPARISONS[symbol]
    result = compare(left, right)
    call = f"({show(left)}) {symbol} ({show(right)})"
    assert result.dtype == torch.bool, f"{call} gave {result.dtype}"
    # The common dtype of any two operands holds every drawn value exactly, so comparing there
    # gives Python's answer; casting a number to an integer tensor's dtype (torch < 1.3) would not.
    if device != "meta":
        count = result.numel()
        pairs = zip(elements(left, count), elements(right, count), strict=True)
        expected = [compare(a, b) for a, b in pairs]
        assert flat(result) == expected, call


@pytest.mark.claim("tensors.promotion.comparisons-give-bool")
@pytest.mark.devices("cpu", "cuda")  # values, which meta has not
def test_comparisons_of_notes_004(device):
    t = torch.tensor([[0, 5, 7], [6, 0, 7], [0, 8, 0]], dtype=torch.float32, device=device)
    for symbol, compare in COMPARISONS.items():
        result = compare(t, 0)
        assert result.dtype == torch.bool, f"t {symbol} 0"
        assert result.tolist() == [[compare(v, 0) for v in row] for row in t.tolist()]
    assert (torch.tensor([0, 1], device=device) == 0.5).tolist() == [False, False]
    assert (torch.tensor([0, 1], device=device) < 0.5).tolist() == [True, False]


# The installed release --------------------------------------------------------------------------

VERSION_PARTS = st.tuples(st.integers(0, 3), st.integers(0, 20), st.integers(0, 3))


def dotted(parts: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in parts)


@pytest.mark.claim("tensors.version.compares-as-a-version")
def test_the_version_prints_as_the_installed_release(capsys):
    print(torch.__version__)  # notes 003
    printed = capsys.readouterr().out
    assert printed == f"{torch.__version__!s}\n"
    assert isinstance(torch.__version__, str)
    assert type(torch.__version__) is TorchVersion
    installed = importlib.metadata.version("torch")  # the wheel's own record of its release
    assert printed.split("+")[0].strip() == installed.split("+")[0], f"{printed!r}, {installed}"
    assert release(installed) == torch_version()


@pytest.mark.claim("tensors.version.compares-as-a-version")
def test_the_installed_version_compares_with_strings_and_tuples():
    major, minor = torch_version()
    version = torch.__version__
    for floor in ("2.1", (2, 1), f"{major}.{minor}", (major, minor)):
        assert version >= floor, f"{version} >= {floor!r}"
    for ceiling in (f"{major}.{minor + 1}", (major, minor + 1)):
        assert version < ceiling, f"{version} < {ceiling!r}"
    assert version >= version.split("+")[0], f"{version} against its own release"
    with pytest.raises(TypeError):
        version >= 2.1  # noqa: B015 - the comparison is the test


@pytest.mark.claim("tensors.version.compares-as-a-version")
@given(mine=VERSION_PARTS, other=VERSION_PARTS)
@example(mine=(2, 10, 0), other=(2, 9, 0))  # as plain strings, "2.10.0" < "2.9.0"
def test_comparisons_order_the_numbers_not_the_characters(mine, other):
    version = TorchVersion(dotted(mine))
    for op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq):
        expected = op(mine, other)
        call = f"TorchVersion({dotted(mine)!r}) {op.__name__} {other}"
        assert op(version, other) is expected, call
        assert op(version, dotted(other)) is expected, f"{call} as a string"


@pytest.mark.claim("tensors.version.compares-as-a-version")
def test_local_tags_prereleases_inequality_and_non_versions():
    assert "2.10.0" < "2.9"  # the plain strings, for contrast
    assert TorchVersion("2.10.0") > "2.9"
    tagged = TorchVersion("2.1.2+cu121")
    assert (tagged == "2.1.2") is False
    assert (tagged == (2, 1, 2)) is False
    assert tagged > (2, 1, 2)
    assert tagged >= (2, 1)
    assert tagged.split("+")[0] == "2.1.2"
    assert TorchVersion("2.10.0+cu128") > (2, 10)
    assert TorchVersion("2.5.0a0+git1234") < (2, 5)
    assert TorchVersion("2.5.0a0+git1234") < "2.5"
    bare = TorchVersion("2.10.0")
    assert bare == "2.10", "== compares the versions"
    assert bare != "2.10", "!= compares the strings"
    assert (bare < "parrot") is ("2.10.0" < "parrot")

"""The convolution and pooling oracles checked without torch: sizes against counting the windows
one by one, values against small cases worked by hand, NumPy ints and pairs against Python ones,
and the bad-argument messages."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.conv import avg_pool2d, conv2d, conv_output_size, max_pool2d, pool_output_size
from tests.meta.numpy_inputs import INT_CONVERTERS, INT_SEQUENCE_CONVERTERS, numpy_ints, outcome


def window_starts(n: int, span: int, stride: int, padding: int, ceil_mode: bool) -> list[int]:
    """Offsets in the padded input where a window starts, found by walking along it: a window
    counts if it fits, or (ceil_mode) if it starts before the end of the previous window's room
    and inside the input or its left padding."""
    starts, start = [], 0
    while True:
        fits = start + span <= n + 2 * padding
        partial = ceil_mode and start < n + padding and start - stride + span < n + 2 * padding
        if not (fits or partial):
            return starts
        starts.append(start)
        start += stride


@given(
    n=st.integers(1, 200),
    kernel=st.integers(1, 20),
    stride=st.integers(1, 20),
    padding=st.integers(0, 20),
    dilation=st.integers(1, 5),
)
def test_conv_output_size_counts_the_windows_that_fit(n, kernel, stride, padding, dilation):
    span = dilation * (kernel - 1) + 1
    count = len(window_starts(n, span, stride, padding, ceil_mode=False))
    if span > n + 2 * padding:
        with pytest.raises(ValueError, match="larger than padded input"):
            conv_output_size(n, kernel, stride, padding, dilation)
    else:
        assert conv_output_size(n, kernel, stride, padding, dilation) == count


@given(
    n=st.integers(1, 200),
    kernel=st.integers(1, 20),
    stride=st.integers(1, 20),
    dilation=st.integers(1, 5),
    ceil_mode=st.booleans(),
    data=st.data(),
)
def test_pool_output_size_counts_the_windows(n, kernel, stride, dilation, ceil_mode, data):
    padding = data.draw(st.integers(0, kernel // 2), label="padding")
    span = dilation * (kernel - 1) + 1
    count = len(window_starts(n, span, stride, padding, ceil_mode))
    if count == 0:
        with pytest.raises(ValueError, match="no window fits"):
            pool_output_size(n, kernel, stride, padding, dilation, ceil_mode)
    else:
        assert pool_output_size(n, kernel, stride, padding, dilation, ceil_mode) == count


@given(
    n=st.integers(1, 10_000),
    f=st.integers(1, 100),
    s=st.integers(1, 100),
    p=st.integers(0, 100),
)
def test_conv_output_size_is_the_notes_formula_floored_when_dilation_is_one(n, f, s, p):
    assume(f <= n + 2 * p)
    assert conv_output_size(n, f, s, p) == (n - f + 2 * p) // s + 1, f"n={n} f={f} s={s} p={p}"


def test_sizes_worked_by_hand():
    assert conv_output_size(28, 5) == 24  # (28 - 5) / 1 + 1
    assert conv_output_size(28, 3, stride=2, padding=1) == 14  # floor(27 / 2) + 1
    assert conv_output_size(7, 3, stride=2, padding=1) == 4  # floor(6 / 2) + 1
    assert conv_output_size(5, 3, dilation=2) == 1  # spans 5
    assert pool_output_size(24, 2) == 12  # stride defaults to the kernel
    assert pool_output_size(5, 2) == 2
    assert pool_output_size(5, 2, ceil_mode=True) == 3  # a last window over element 4 alone
    assert pool_output_size(6, 3, 2, ceil_mode=True) == 3
    assert pool_output_size(5, 2, 3, 1, ceil_mode=True) == 2  # a third would start in the padding
    assert (
        pool_output_size(5, 3, 2, 1, ceil_mode=True) == 3
    )  # the third starts on element 3, inside


def test_conv2d_worked_by_hand():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    diagonal_difference = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    # out[i, j] = x[i, j] - x[i + 1, j + 1] = -4 everywhere
    assert conv2d(x, diagonal_difference).tolist() == [[[[-4.0, -4.0], [-4.0, -4.0]]]]
    assert conv2d(x, diagonal_difference, np.array([4.0])).tolist() == [[[[0.0, 0.0], [0.0, 0.0]]]]
    ones = np.ones((1, 1, 3, 3))
    # padding 1: the centre sees all 9 values (45), a corner 4 (1 + 2 + 4 + 5 = 12)
    out = conv2d(x, ones, padding=1)
    assert out[0, 0, 1, 1] == 45.0
    assert out[0, 0, 0, 0] == 12.0
    assert conv2d(x, ones, stride=2, padding=1).tolist() == [[[[12.0, 16.0], [24.0, 28.0]]]]
    # dilation 2 with a 2x2 kernel of ones: the four corners, 1 + 3 + 7 + 9
    assert conv2d(x, np.ones((1, 1, 2, 2)), dilation=2).tolist() == [[[[20.0]]]]


def test_conv2d_sums_over_input_channels_and_groups_split_them():
    x = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 10.0)])[None]  # [1, 2, 2, 2]
    assert conv2d(x, np.ones((1, 2, 1, 1))).tolist() == [[[[11.0, 11.0], [11.0, 11.0]]]]
    grouped = conv2d(x, np.ones((2, 1, 1, 1)), groups=2)
    assert grouped[0, :, 0, 0].tolist() == [1.0, 10.0]


@given(
    x=npst.arrays(np.float64, (2, 3, 4, 5), elements=st.integers(-9, 9)),
    weight=npst.arrays(np.float64, (2, 3, 1, 1), elements=st.integers(-9, 9)),
)
def test_a_one_by_one_convolution_mixes_channels_only(x, weight):
    expected = np.einsum("bchw,oc->bohw", x, weight[:, :, 0, 0])
    assert np.array_equal(conv2d(x, weight), expected)


@given(
    x=npst.arrays(np.float64, (1, 1, 5, 6), elements=st.integers(-9, 9)),
    u=st.integers(0, 2),
    v=st.integers(0, 2),
)
def test_a_one_hot_kernel_shifts_the_input(x, u, v):
    kernel = np.zeros((1, 1, 3, 3))
    kernel[0, 0, u, v] = 1.0
    assert np.array_equal(conv2d(x, kernel), x[:, :, u : u + 3, v : v + 4])


def plain_convolution(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Stride 1, no padding, no dilation, one group: every kh x kw window of `x` (NumPy's
    sliding_window_view) times the kernel, summed over channels and window."""
    windows = np.lib.stride_tricks.sliding_window_view(x, weight.shape[2:], axis=(2, 3))
    return np.einsum("bcijuv,ocuv->boij", windows, weight)


@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    in_channels, out_channels = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = [
        draw(st.integers(max(1, dilation[d] * (kernel[d] - 1) + 1 - 2 * padding[d]), 8))
        for d in (0, 1)
    ]
    small = st.integers(-9, 9)
    x = draw(npst.arrays(np.float64, (2, in_channels, *size), elements=small))
    weight = draw(
        npst.arrays(np.float64, (out_channels, in_channels // groups, *kernel), elements=small)
    )
    bias = draw(st.none() | npst.arrays(np.float64, (out_channels,), elements=small))
    options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    return x, weight, {"bias": bias, **options}


@given(case=conv_cases())
def test_conv2d_is_padding_then_dilated_kernel_then_subsampling_per_group(case):
    """Each argument taken apart: padding is np.pad with zeros, dilation a kernel with
    `dilation - 1` zeros between its taps, stride keeps every s-th output of stride 1, groups
    convolve their own slices of channels side by side, and bias[o] is added to channel o."""
    x, weight, options = case
    (sh, sw), (ph, pw), (dh, dw) = options["stride"], options["padding"], options["dilation"]
    groups = options["groups"]
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out_channels, per_group, kh, kw = weight.shape
    spread = np.zeros((out_channels, per_group, dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    spread[:, :, ::dh, ::dw] = weight
    step = out_channels // groups
    expected = np.concatenate(
        [
            plain_convolution(
                padded[:, g * per_group : (g + 1) * per_group], spread[g * step : (g + 1) * step]
            )[:, :, ::sh, ::sw]
            for g in range(groups)
        ],
        axis=1,
    )
    if options["bias"] is not None:
        expected += options["bias"][:, None, None]
    assert np.array_equal(conv2d(x, weight, **options), expected)  # integers: exact


def test_conv2d_computes_in_the_dtype_numpy_promotes_x_and_weight_to():
    def dtype(x_dtype, weight_dtype):
        x, weight = np.ones((1, 1, 2, 2), x_dtype), np.ones((1, 1, 2, 2), weight_dtype)
        out = conv2d(x, weight)
        assert out.tolist() == [[[[4]]]]
        return out.dtype

    assert dtype(np.float32, np.float32) == np.float32
    assert dtype(np.float32, np.float64) == np.float64
    assert dtype(np.float64, np.float32) == np.float64
    assert dtype(np.int32, np.int32) == np.int32


def test_pooling_worked_by_hand():
    x = np.array([[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 6.0], [7.0, 0.0, 1.0, 1.0]]])
    assert max_pool2d(x, 2).tolist() == [[[5.0, 8.0]]]
    assert max_pool2d(x, 2, stride=1).tolist() == [[[5.0, 8.0, 8.0], [7.0, 8.0, 8.0]]]
    assert max_pool2d(-x, 2, padding=1)[0, 0, 0] == -1.0  # the padding never wins
    assert avg_pool2d(x, 2).tolist() == [[[13 / 4, 16 / 4]]]
    assert avg_pool2d(x.astype(np.float32), 2).dtype == np.float32
    assert np.isnan(max_pool2d(np.array([[[1.0, np.nan], [0.0, 2.0]]]), 2)[0, 0, 0])


@st.composite
def pool_cases(draw):
    """`x` of 3 or 4 dims with several channels, and a kernel, stride and padding whose height
    and width differ, so that a dim taken for the other shows."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    size = (draw(st.integers(kernel[0], 7)), draw(st.integers(kernel[1], 7)))
    leading = draw(st.sampled_from([(3,), (2, 3)]))
    x = draw(npst.arrays(np.int64, (*leading, *size), elements=st.integers(-99, 99)))
    return x, kernel, stride, padding


def window_maximum(x: np.ndarray, rows: range, columns: range) -> np.ndarray:
    """The maximum over those rows and columns of `x` that lie inside it: padding left out."""
    rows = [r for r in rows if 0 <= r < x.shape[-2]]
    columns = [c for c in columns if 0 <= c < x.shape[-1]]
    return x[..., rows, :][..., columns].max(axis=(-2, -1))


@given(case=pool_cases())
@example(case=(np.arange(-24, 24).reshape(2, 3, 2, 4), (1, 2), (1, 3), (0, 1)))
def test_max_pool2d_is_the_maximum_of_each_window_inside_the_input(case):
    """Each window walked by hand: starts at multiples of the stride minus the padding, the
    cells of it that are outside the input skipped; one maximum per channel and sample."""
    x, (kh, kw), (sh, sw), (ph, pw) = case
    height, width = x.shape[-2:]
    tops = range(-ph, height + ph - kh + 1, sh)
    lefts = range(-pw, width + pw - kw + 1, sw)
    expected = np.stack(
        [
            np.stack([window_maximum(x, range(t, t + kh), range(s, s + kw)) for s in lefts], -1)
            for t in tops
        ],
        -2,
    )
    got = max_pool2d(x, (kh, kw), (sh, sw), (ph, pw))
    assert got.dtype == x.dtype
    assert np.array_equal(got, expected)


@given(case=pool_cases())
@example(case=(np.arange(-24, 24).reshape(2, 3, 2, 4), (1, 2), (1, 3), (0, 0)))
def test_avg_pool2d_is_the_mean_of_each_window(case):
    """The windows of NumPy's sliding_window_view, every stride-th one kept, averaged."""
    x, kernel, stride, _ = case
    windows = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(-2, -1))
    expected = windows[..., :: stride[0], :: stride[1], :, :].sum(axis=(-2, -1)) / (
        kernel[0] * kernel[1]
    )
    got = avg_pool2d(x, kernel, stride)
    assert got.dtype == np.float64  # a mean of ints, as NumPy's mean gives it
    assert np.allclose(got, expected)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv_output_size(0, 3), "n must be a positive int, got 0"),
        (lambda: conv_output_size(5, 0), "kernel_size must be a positive int, got 0"),
        (lambda: conv_output_size(5, 3, stride=0), "stride must be a positive int, got 0"),
        (lambda: conv_output_size(5, 3, padding=-1), "padding must be a non-negative int, got -1"),
        (lambda: conv_output_size(5, 3, dilation=0), "dilation must be a positive int, got 0"),
        (
            lambda: conv_output_size(3, 5),
            "kernel_size 5 (spanning 5 with dilation 1) is larger than padded input 3",
        ),
        (
            lambda: conv_output_size(3, 3, dilation=2),
            "kernel_size 3 (spanning 5 with dilation 2) is larger than padded input 3",
        ),
        (lambda: pool_output_size(5, 2, padding=2), "padding 2 is more than half of kernel_size 2"),
        (
            lambda: pool_output_size(1, 3, padding=1, dilation=3),
            "kernel_size 3 (spanning 7) is larger than padded input 3: no window fits",
        ),
        (
            lambda: conv2d(np.zeros((1, 3, 4, 4)), np.zeros((4, 1, 3, 3)), groups=2),
            "groups 2 must divide in_channels 3 and out_channels 4",
        ),
        (
            lambda: conv2d(np.zeros((1, 4, 4, 4)), np.zeros((3, 2, 3, 3)), groups=2),
            "groups 2 must divide in_channels 4 and out_channels 3",
        ),
        (
            lambda: conv2d(np.zeros((1, 4, 4, 4)), np.zeros((4, 4, 3, 3)), groups=2),
            "weight (4, 4, 3, 3) needs in_channels / groups = 2 in its dim 1, got 4",
        ),
        (
            lambda: conv2d(np.zeros((3, 4, 4)), np.zeros((1, 3, 3, 3))),
            "x must have 4 dims [N, C, H, W], got shape (3, 4, 4)",
        ),
        (
            lambda: conv2d(np.zeros((1, 3, 4, 4)), np.zeros((3, 3, 3))),
            "weight must have 4 dims [out, in/groups, kh, kw], got (3, 3, 3)",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((2, 1, 3, 3)), np.zeros(3)),
            "bias must have shape (2,), got (3,)",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))),
            "kernel_size 3 (spanning 3 with dilation 1) is larger than padded input 2",
        ),
        (
            lambda: max_pool2d(np.zeros((4, 4)), 2),
            "x must have 3 or 4 dims ([N,] C, H, W), got shape (4, 4)",
        ),
        (
            lambda: avg_pool2d(np.zeros((1, 1, 1, 4, 4)), 2),
            "x must have 3 or 4 dims ([N,] C, H, W), got shape (1, 1, 1, 4, 4)",
        ),
        (
            lambda: max_pool2d(np.zeros((1, 4, 4)), (2, 2, 2)),
            "kernel_size must be an int or a pair (height, width), got (2, 2, 2)",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), stride=(1, 0)),
            "stride must be a positive int, got 0",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_rule(call, message):
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        call()
    assert str(raised.value) == message  # whole, not a prefix


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), stride=1.0), "stride"),
        (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), padding=1.0), "padding"),
        (lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), dilation=1.0), "dilation"),
        (lambda: max_pool2d(np.zeros((1, 4, 4)), 1.0), "kernel_size"),
        (lambda: max_pool2d(np.zeros((1, 4, 4)), 2, stride=1.0), "stride"),
        (lambda: max_pool2d(np.zeros((1, 4, 4)), 2, padding=1.0), "padding"),
        (lambda: avg_pool2d(np.zeros((1, 4, 4)), 1.0), "kernel_size"),
        (lambda: avg_pool2d(np.zeros((1, 4, 4)), 2, stride=1.0), "stride"),
    ],
)
def test_a_size_that_is_neither_an_int_nor_a_pair_is_a_type_error(call, name):
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value) == f"{name} must be an int or a pair (height, width), got 1.0"


# NumPy inputs -------------------------------------------------------------------------------


@given(
    n=st.integers(1, 60),
    kernel=st.integers(1, 12),
    stride=st.integers(1, 6),
    dilation=st.integers(1, 3),
    ceil_mode=st.booleans(),
    data=st.data(),
)
def test_numpy_sizes_give_the_sizes_or_refusals_of_python_ints(
    n, kernel, stride, dilation, ceil_mode, data
):
    padding = data.draw(st.integers(0, kernel // 2 + 1), label="padding")
    python = (n, kernel, stride, padding, dilation)
    given_as = tuple(data.draw(numpy_ints(st.just(value)), label="as") for value in python)
    got = outcome(lambda: conv_output_size(*given_as))
    assert got == outcome(lambda: conv_output_size(*python))
    assert isinstance(got, tuple) or type(got) is int
    mode = data.draw(st.sampled_from([ceil_mode, np.bool_(ceil_mode)]), label="ceil_mode")
    assert outcome(lambda: pool_output_size(*given_as, mode)) == outcome(
        lambda: pool_output_size(*python, ceil_mode)
    )


@pytest.mark.parametrize("convert", [*INT_CONVERTERS, *INT_SEQUENCE_CONVERTERS])
def test_conv2d_and_pooling_take_numpy_ints_and_pairs(convert):
    def given_as(value):
        return convert(value) if convert in INT_CONVERTERS else convert([value, value])

    x = np.arange(2.0 * 7 * 6).reshape(1, 2, 7, 6)
    weight = np.arange(2.0 * 1 * 3 * 2).reshape(2, 1, 3, 2)
    options = {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}
    expected = conv2d(x, weight, **options)
    numpy_options = {name: given_as(value) for name, value in options.items() if name != "groups"}
    got = conv2d(x, weight, groups=np.int64(2), **numpy_options)
    assert np.array_equal(got, expected)
    assert np.array_equal(
        max_pool2d(x, given_as(3), given_as(2), given_as(1)), max_pool2d(x, 3, 2, 1)
    )
    assert np.array_equal(avg_pool2d(x, given_as(2), given_as(1)), avg_pool2d(x, 2, 1))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: conv_output_size(5, True), TypeError, r"^kernel_size must be an int, not bool"),
        (lambda: conv_output_size(5.0, 3), TypeError, r"^n must be an int, not float \(5\.0\)$"),
        (
            lambda: conv_output_size(5, np.float64(3.0)),
            TypeError,
            r"^kernel_size must be an int, not numpy\.float64 \(3\.0\)$",
        ),
        (
            lambda: conv_output_size(5, 3, stride=np.True_),
            TypeError,
            r"^stride must be an int, not numpy\.bool_ \(True\)$",
        ),
        (
            lambda: conv_output_size(5, 3, padding=np.int64(-1)),
            ValueError,
            r"^padding must be a non-negative int, got -1$",
        ),
        (
            lambda: pool_output_size(5, 2, ceil_mode=1),
            TypeError,
            r"^ceil_mode must be a bool, not int \(1\)$",
        ),
        (
            lambda: conv2d(np.zeros((1, 2, 4, 4)), np.zeros((2, 1, 3, 3)), groups=np.float64(2)),
            TypeError,
            r"^groups must be an int, not numpy\.float64 \(2\.0\)$",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), groups=np.int64(0)),
            ValueError,
            r"^groups must be a positive int, got 0$",
        ),
        (
            lambda: max_pool2d(np.zeros((1, 4, 4)), np.array([2.0, 2.0])),
            TypeError,
            r"^kernel_size must be an int or a pair \(height, width\), got array\(\[2\., 2\.\]\)$",
        ),
        (
            lambda: max_pool2d(np.zeros((1, 4, 4)), (2, np.True_)),
            TypeError,
            # The repr of np.True_ is NumPy's own: "True" before NumPy 2.
            r"^kernel_size must be an int or a pair \(height, width\), got "
            rf"\(2, {re.escape(repr(np.True_))}\)$",
        ),
        (
            lambda: max_pool2d(np.zeros((1, 4, 4)), np.array([[2, 2]])),
            ValueError,
            r"^kernel_size must be 1-d, not an array of shape \(1, 2\)$",
        ),
        (
            lambda: avg_pool2d(np.zeros((1, 4, 4)), np.array([2, 2, 2])),
            ValueError,
            r"^kernel_size must be an int or a pair \(height, width\), got \[2 2 2\]$",
        ),
    ],
)
def test_numpy_values_that_are_wrong_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()

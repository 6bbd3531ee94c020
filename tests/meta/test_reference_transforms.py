"""The transform oracles checked without torch: the axis move and the scaling by hand, normalize
against its formula written out per channel, and with NumPy means and stds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.transforms import normalize, to_tensor

HWC = npst.arrays(np.uint8, st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4)))


@given(image=HWC)
def test_to_tensor_puts_pixel_h_w_c_at_c_h_w(image):
    chw = to_tensor(image)
    height, width, channels = image.shape
    assert chw.shape == (channels, height, width)
    assert chw.dtype == np.float32
    for h, w, c in np.ndindex(image.shape):
        assert chw[c, h, w] == np.float32(image[h, w, c]) / np.float32(255)


def test_to_tensor_known_values():
    assert to_tensor(np.array([[0, 255]], np.uint8)).tolist() == [[[0.0, 1.0]]]
    assert to_tensor(np.array([[[51, 102, 204]]], np.uint8)).ravel().tolist() == pytest.approx(
        [0.2, 0.4, 0.8]
    )


def test_to_tensor_refuses_non_bytes_and_wrong_ranks():
    with pytest.raises(ValueError, match="scales uint8 only"):
        to_tensor(np.zeros((2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="has 4 dims"):
        to_tensor(np.zeros((1, 2, 2, 3), np.uint8))


@given(
    image=HWC,
    data=st.data(),
)
def test_normalize_is_the_formula_per_channel(image, data):
    x = to_tensor(image)
    channels = x.shape[0]
    mean = data.draw(st.lists(st.floats(-1, 1), min_size=channels, max_size=channels))
    std = data.draw(st.lists(st.floats(0.125, 2), min_size=channels, max_size=channels))
    y = normalize(x, mean, std)
    for c in range(channels):
        expected = (x[c] - np.float32(mean[c])) / np.float32(std[c])
        assert np.array_equal(y[c], expected)


def test_halves_map_zero_and_one_to_minus_one_and_one():
    x = np.array([0.0, 0.25, 1.0], np.float32).reshape(1, 1, 3)
    assert normalize(x, (0.5,), (0.5,)).ravel().tolist() == [-1.0, -0.5, 1.0]


def test_normalize_refuses_bad_arguments():
    x = np.zeros((3, 2, 2), np.float32)
    with pytest.raises(ValueError, match="mean has 2 values for 3 channels"):
        normalize(x, (0.5, 0.5), (0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match=r"std .* holds a zero"):
        normalize(x, (0.5,), (0.0,))
    with pytest.raises(ValueError, match="needs a float image"):
        normalize(x.astype(np.uint8), (0.5,), (0.5,))
    with pytest.raises(ValueError, match=r"needs \(\.\.\., C, H, W\)"):
        normalize(x[0], (0.5,), (0.5,))


# NumPy inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mean", "std"),
    [
        (np.array([0.5, 0.25, 0.0], np.float32), np.array([0.5, 2.0, 1.0])),
        ((np.float32(0.5), np.float64(0.25), np.int64(0)), [np.float16(0.5), 2, 1.0]),
        (np.float32(0.5), np.array(0.25)),
        (np.array([1, 0, 2]), np.array([1, 2, 4], np.uint8)),
    ],
    ids=["arrays", "numpy scalars", "one for every channel", "integer arrays"],
)
def test_normalize_takes_numpy_means_and_stds(mean, std):
    x = to_tensor(np.arange(3 * 2 * 3, dtype=np.uint8).reshape(3, 2, 3))
    expected = normalize(x, np.asarray(mean).tolist(), np.asarray(std).tolist())
    assert np.array_equal(normalize(x, mean, std), expected)


@pytest.mark.parametrize(
    ("mean", "std", "error", "message"),
    [
        (np.array([[0.5]]), 0.5, ValueError, r"^mean must be a number or a 1-d sequence, not of "),
        (0.5, [True], TypeError, r"^std must hold real numbers, not bool$"),
        (["a"], 0.5, TypeError, r"^mean must hold real numbers, not <U1$"),
        (0.5, np.float32(0), ValueError, r"^std \[0\.0\] holds a zero: division by zero$"),
        (np.zeros(2), 0.5, ValueError, r"^mean has 2 values for 3 channels$"),
    ],
)
def test_normalize_refuses_numpy_values_that_are_wrong_by_name(mean, std, error, message):
    with pytest.raises(error, match=message):
        normalize(np.zeros((3, 2, 2), np.float32), mean, std)

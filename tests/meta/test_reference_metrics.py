"""The metric oracles checked without torch: against NumPy's argmax and np.add.at, against the
sums a confusion matrix must have, on the NumPy arrays and ints users pass, and for the messages
of bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.metrics import accuracy, confusion_matrix, num_correct, predicted_classes
from tests.meta.numpy_inputs import INT_SEQUENCE_CONVERTERS, numpy_ints


@st.composite
def labelled(draw):
    n = draw(st.integers(1, 8))
    size = draw(st.integers(0, 30))
    labels = draw(npst.arrays(np.int64, size, elements=st.integers(0, n - 1)))
    predicted = draw(npst.arrays(np.int64, size, elements=st.integers(0, n - 1)))
    return n, labels, predicted


@given(
    scores=npst.arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 5)),
        elements=st.sampled_from([0.0, 1.0, -2.0, float("nan"), float("inf")]),
    )
)
def test_predicted_classes_is_numpys_argmax(scores):
    assert predicted_classes(scores.tolist()) == np.argmax(scores, axis=1).tolist()


@given(drawn=labelled())
def test_confusion_matrix_is_numpys_add_at(drawn):
    n, labels, predicted = drawn
    expected = np.zeros((n, n), dtype=np.int64)
    np.add.at(expected, (labels, predicted), 1)
    matrix = np.array(confusion_matrix(labels.tolist(), predicted.tolist(), n))
    assert matrix.tolist() == expected.tolist()
    assert matrix.sum(axis=1).tolist() == np.bincount(labels, minlength=n).tolist()
    assert matrix.sum(axis=0).tolist() == np.bincount(predicted, minlength=n).tolist()
    assert int(np.trace(matrix)) == num_correct(labels.tolist(), predicted.tolist())


def test_small_cases_by_hand():
    assert confusion_matrix([0, 1, 1], [1, 1, 0], 2) == [[0, 1], [1, 1]]
    assert num_correct([0, 1, 1], [1, 1, 0]) == 1
    assert accuracy([0, 1, 1, 2], [0, 1, 0, 2]) == 0.75
    assert predicted_classes([[1, 3, 3], [2, 0, 2]]) == [1, 0]  # ties: the first


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: confusion_matrix([0, 3], [0, 1], 3), ValueError, "labels holds 3, outside [0, 3)"),
        (lambda: confusion_matrix([0], [-1], 3), ValueError, "predicted holds -1, outside [0, 3)"),
        (lambda: confusion_matrix([0], [3], 3), ValueError, "predicted holds 3, outside [0, 3)"),
        (lambda: num_correct([-1], [0]), ValueError, "labels holds -1: a class is never negative"),
        (
            lambda: num_correct([0], [-2]),
            ValueError,
            "predicted holds -2: a class is never negative",
        ),
        (
            lambda: confusion_matrix([0], [0], 0),
            ValueError,
            "num_classes must be a positive int, got 0",
        ),
        (
            lambda: confusion_matrix([0], [0], 2.0),
            TypeError,
            "num_classes must be an int, not float (2.0)",
        ),
        (
            lambda: num_correct([0, 1], [0]),
            ValueError,
            "labels has 2 entries but predicted has 1",
        ),
        (
            lambda: num_correct([0.5], [0]),
            TypeError,
            "labels must hold ints, not float (0.5) at index 0",
        ),
        (
            lambda: accuracy([], []),
            ValueError,
            "labels is empty: the accuracy of no samples is undefined",
        ),
        (
            lambda: predicted_classes([[1.0], []]),
            ValueError,
            "scores row 1 is empty: it has no largest score",
        ),
        (lambda: predicted_classes(3.0), TypeError, "scores must be a sequence of rows, not float"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


# NumPy inputs -------------------------------------------------------------------------------


def test_confusion_matrix_takes_the_int64_arrays_argmax_gives():
    """The case of issue 14: `preds.argmax(1).numpy()` is an int64 array, not a list of ints."""
    labels = np.array([0, 2, 1, 2], dtype=np.int64)
    predicted = np.array([[0.9, 0.1, 0.0], [0.1, 0.2, 0.7], [0.0, 0.2, 0.8], [0.3, 0.6, 0.1]])
    matrix = confusion_matrix(labels, predicted.argmax(1), 3)
    assert matrix == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    assert all(type(count) is int for row in matrix for count in row)
    assert confusion_matrix(labels, predicted.argmax(1), np.int64(3)) == matrix
    assert num_correct(labels, predicted.argmax(1)) == 2
    assert accuracy(labels, predicted.argmax(1)) == 0.5


@given(drawn=labelled(), data=st.data())
def test_numpy_labels_and_sizes_give_what_their_lists_give(drawn, data):
    n, labels, predicted = drawn
    as_labels = data.draw(st.sampled_from(INT_SEQUENCE_CONVERTERS), label="labels as")
    as_predicted = data.draw(st.sampled_from(INT_SEQUENCE_CONVERTERS), label="predicted as")
    got_labels, got_predicted = as_labels(labels.tolist()), as_predicted(predicted.tolist())
    classes = data.draw(numpy_ints(st.just(n)), label="num_classes")
    expected = confusion_matrix(labels.tolist(), predicted.tolist(), n)
    assert confusion_matrix(got_labels, got_predicted, classes) == expected
    assert num_correct(got_labels, got_predicted) == num_correct(
        labels.tolist(), predicted.tolist()
    )
    if labels.size:
        assert accuracy(got_labels, got_predicted) == accuracy(labels.tolist(), predicted.tolist())


@given(
    scores=npst.arrays(
        st.sampled_from([np.float16, np.float32, np.float64, np.int32, np.uint8]),
        st.tuples(st.integers(1, 6), st.integers(1, 5)),
    )
)
def test_predicted_classes_takes_a_2d_array_of_any_real_dtype(scores):
    assert predicted_classes(scores) == predicted_classes(scores.tolist())
    assert predicted_classes(list(scores)) == np.argmax(scores, axis=1).tolist()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: confusion_matrix(np.array([True, False]), [0, 1], 2),
            TypeError,
            r"^labels must hold ints, not an array of bool$",
        ),
        (
            lambda: confusion_matrix([0, 1], np.array([0.0, 1.0]), 2),
            TypeError,
            r"^predicted must hold ints, not an array of float64$",
        ),
        (
            lambda: num_correct([np.int64(0), np.float64(1.0)], [0, 1]),
            TypeError,
            r"^labels must hold ints, not numpy\.float64 \(1\.0\) at index 1$",
        ),
        (
            lambda: num_correct([0, True], [0, 1]),
            TypeError,
            r"^labels must hold ints, not bool \(True\) at index 1$",
        ),
        (
            lambda: confusion_matrix(np.zeros((2, 1), np.int64), [0, 0], 2),
            ValueError,
            r"^labels must be 1-d, not an array of shape \(2, 1\)$",
        ),
        (
            lambda: confusion_matrix(np.array([0, 3]), [0, 1], np.int32(3)),
            ValueError,
            r"^labels holds 3, outside \[0, 3\)$",
        ),
        (
            lambda: confusion_matrix([0], [0], np.float64(3.0)),
            TypeError,
            r"^num_classes must be an int, not numpy\.float64 \(3\.0\)$",
        ),
        (
            lambda: confusion_matrix([0], [0], True),
            TypeError,
            r"^num_classes must be an int, not bool \(True\)$",
        ),
        (
            lambda: confusion_matrix([0], [0], np.int64(0)),
            ValueError,
            r"^num_classes must be a positive int, got 0$",
        ),
        (
            lambda: predicted_classes(np.zeros(3)),
            ValueError,
            r"^scores must be 2-d \(one row per sample\), not of shape \(3,\)$",
        ),
        (
            lambda: predicted_classes([[True, False]]),
            TypeError,
            r"^scores row 0 must hold real numbers, not bool$",
        ),
        (
            lambda: predicted_classes([[1.0], 2.0]),
            ValueError,
            r"^scores row 1 must be 1-d, not of shape \(\)$",
        ),
        (lambda: predicted_classes(3.0), TypeError, r"^scores must be a sequence of rows"),
    ],
)
def test_numpy_inputs_that_are_wrong_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()

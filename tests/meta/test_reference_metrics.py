"""The metric oracles checked without torch: against NumPy's argmax and np.add.at, against the
sums a confusion matrix must have, and for the messages of bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from reference.metrics import accuracy, confusion_matrix, num_correct, predicted_classes


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
        (lambda: confusion_matrix([0, 3], [0, 1], 3), ValueError, r"labels holds 3, outside"),
        (lambda: confusion_matrix([0], [-1], 3), ValueError, "predicted holds -1"),
        (lambda: confusion_matrix([0], [0], 0), ValueError, "num_classes 0 must be at least 1"),
        (lambda: confusion_matrix([0], [0], 2.0), TypeError, "num_classes must be an int"),
        (lambda: num_correct([0, 1], [0]), ValueError, "labels has 2 entries but predicted"),
        (lambda: num_correct([0.5], [0]), TypeError, "labels must hold ints"),
        (lambda: accuracy([], []), ValueError, "labels is empty"),
        (lambda: predicted_classes([[1.0], []]), ValueError, "scores row 1 is empty"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()

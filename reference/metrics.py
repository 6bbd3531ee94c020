"""Classification metrics in plain Python: the predicted class of each row of scores, the number
and fraction of correct predictions, and the confusion matrix.

The confusion matrix follows the usual convention (scikit-learn's, torchmetrics'): row = the
true label, column = the predicted class, so `matrix[i][j]` counts samples of class `i` that
were predicted as `j`; the diagonal holds the correct ones.

Labels and predictions are lists or tuples of Python or NumPy ints, or 1-d integer arrays (what
`preds.argmax(1).numpy()` gives); scores are rows of real numbers, or a 2-d array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reference.arguments import as_int, as_int_list, as_real_array, type_name


def _classes(name: str, values: Sequence[int], num_classes: int | None = None) -> list[int]:
    values = as_int_list(values, name)
    for value in values:
        if num_classes is not None and not 0 <= value < num_classes:
            raise ValueError(f"{name} holds {value}, outside [0, {num_classes})")
        if value < 0:
            raise ValueError(f"{name} holds {value}: a class is never negative")
    return values


def _pair(labels, predicted, num_classes=None) -> tuple[list[int], list[int]]:
    labels = _classes("labels", labels, num_classes)
    predicted = _classes("predicted", predicted, num_classes)
    if len(labels) != len(predicted):
        raise ValueError(f"labels has {len(labels)} entries but predicted has {len(predicted)}")
    return labels, predicted


def predicted_classes(scores: Sequence[Sequence[float]]) -> list[int]:
    """The index of the first largest score of each row (a NaN counts as the largest)."""
    if isinstance(scores, np.ndarray) and scores.ndim != 2:
        raise ValueError(f"scores must be 2-d (one row per sample), not of shape {scores.shape}")
    if not isinstance(scores, np.ndarray | Sequence) or isinstance(scores, str | bytes):
        raise TypeError(f"scores must be a sequence of rows, not {type_name(scores)}")
    result = []
    for row_number, row in enumerate(scores):
        row = as_real_array(row, f"scores row {row_number}")
        if row.ndim != 1:
            raise ValueError(f"scores row {row_number} must be 1-d, not of shape {row.shape}")
        row = row.tolist()
        if not row:
            raise ValueError(f"scores row {row_number} is empty: it has no largest score")
        best = 0
        for index, value in enumerate(row):
            if value != value:  # the first NaN wins, as torch.argmax and np.argmax have it
                best = index
                break
            if value > row[best]:
                best = index
        result.append(best)
    return result


def num_correct(labels: Sequence[int], predicted: Sequence[int]) -> int:
    """How many positions hold the same class in both."""
    labels, predicted = _pair(labels, predicted)
    return sum(1 for label, guess in zip(labels, predicted, strict=True) if label == guess)


def accuracy(labels: Sequence[int], predicted: Sequence[int]) -> float:
    """The fraction of correct predictions; there is none of no samples."""
    labels, predicted = _pair(labels, predicted)
    if not labels:
        raise ValueError("labels is empty: the accuracy of no samples is undefined")
    return num_correct(labels, predicted) / len(labels)


def confusion_matrix(
    labels: Sequence[int], predicted: Sequence[int], num_classes: int
) -> list[list[int]]:
    """`num_classes` x `num_classes` counts: row = true label, column = predicted class."""
    num_classes = as_int(num_classes, "num_classes", minimum=1)
    labels, predicted = _pair(labels, predicted, num_classes)
    matrix = [[0] * num_classes for _ in range(num_classes)]
    for label, guess in zip(labels, predicted, strict=True):
        matrix[label][guess] += 1
    return matrix

"""Classification metrics in plain Python: the predicted class of each row of scores, the number
and fraction of correct predictions, and the confusion matrix.

The confusion matrix follows the usual convention (scikit-learn's, torchmetrics'): row = the
true label, column = the predicted class, so `matrix[i][j]` counts samples of class `i` that
were predicted as `j`; the diagonal holds the correct ones.
"""

from __future__ import annotations

from collections.abc import Sequence


def _classes(name: str, values: Sequence[int], num_classes: int | None = None) -> list[int]:
    values = list(values)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must hold ints, not {type(value).__name__} ({value!r})")
        if value < 0 or (num_classes is not None and value >= num_classes):
            bound = f"[0, {num_classes})" if num_classes is not None else "non-negative"
            raise ValueError(f"{name} holds {value}, outside {bound}")
    return values


def _pair(labels, predicted, num_classes=None) -> tuple[list[int], list[int]]:
    labels = _classes("labels", labels, num_classes)
    predicted = _classes("predicted", predicted, num_classes)
    if len(labels) != len(predicted):
        raise ValueError(f"labels has {len(labels)} entries but predicted has {len(predicted)}")
    return labels, predicted


def predicted_classes(scores: Sequence[Sequence[float]]) -> list[int]:
    """The index of the first largest score of each row (a NaN counts as the largest)."""
    result = []
    for row_number, row in enumerate(scores):
        row = list(row)
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
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise TypeError(f"num_classes must be an int, not {type(num_classes).__name__}")
    if num_classes < 1:
        raise ValueError(f"num_classes {num_classes} must be at least 1")
    labels, predicted = _pair(labels, predicted, num_classes)
    matrix = [[0] * num_classes for _ in range(num_classes)]
    for label, guess in zip(labels, predicted, strict=True):
        matrix[label][guess] += 1
    return matrix

"""Do two buffers share memory? Decided from raw addresses, never from the library under test.

A CPU tensor and a NumPy array are both a pointer to their first element, a shape, strides and
an element size. From those alone we list every byte each one's elements occupy and intersect
the two lists. Nothing here asks torch or NumPy whether memory is shared: NumPy only does the
arithmetic, and torch is never imported (a tensor is read through `data_ptr`, `stride`,
`element_size` and `device`, which it has had since 0.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Buffer:
    """Where the elements of a strided array lie in the address space: all in bytes."""

    address: int  # of the first element
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    itemsize: int

    def __post_init__(self) -> None:
        if len(self.strides) != len(self.shape):
            raise ValueError(
                f"strides must give one stride per dimension of shape {self.shape}, "
                f"got {self.strides}"
            )

    @property
    def is_empty(self) -> bool:
        return 0 in self.shape

    def extent(self) -> tuple[int, int]:
        """The half-open byte range [low, high) that holds every element."""
        low = high = self.address
        for axis, size in enumerate(self.shape):  # one stride each, as __post_init__ checked
            reach = (size - 1) * self.strides[axis]
            low, high = low + min(reach, 0), high + max(reach, 0)
        return low, high + self.itemsize

    def byte_addresses(self) -> np.ndarray:
        """Every byte address that some element occupies, sorted, without repeats."""
        element_starts = np.array([self.address], dtype=np.int64)
        for axis, size in enumerate(self.shape):
            # In int64 whatever NumPy's default integer (int32 on Windows before NumPy 2).
            steps = np.arange(size).astype(np.int64) * self.strides[axis]
            element_starts = (element_starts[:, None] + steps[None, :]).ravel()
        every_byte = element_starts[:, None] + np.arange(self.itemsize)
        return np.unique(every_byte)


def buffer_of(obj: object, name: str = "obj") -> Buffer:
    """Describe a NumPy array or a CPU torch tensor as a `Buffer`.

    `name` is the argument's name in error messages.
    """
    if isinstance(obj, np.ndarray):
        interface = obj.__array_interface__
        return Buffer(
            address=interface["data"][0],
            shape=tuple(obj.shape),
            strides=tuple(obj.strides),
            itemsize=obj.itemsize,
        )
    if _is_torch_tensor(obj):
        device = obj.device.type
        if device != "cpu":
            raise ValueError(
                f"{name} is a tensor on {device}: only host (cpu) buffers share an address "
                "space with NumPy, so only they can be compared"
            )
        itemsize = obj.element_size()
        return Buffer(
            address=obj.data_ptr(),
            shape=tuple(obj.shape),
            strides=tuple(stride * itemsize for stride in obj.stride()),
            itemsize=itemsize,
        )
    raise TypeError(f"{name} must be a numpy.ndarray or a torch.Tensor, not {type(obj).__name__}")


def shares_memory(a: object, b: object) -> bool:
    """True when some byte belongs to an element of `a` and to an element of `b`.

    Exact, like `np.shares_memory` (not the bounds-only `np.may_share_memory`): `x[::2]` and
    `x[1::2]` interleave without sharing. Empty buffers share nothing. The cost grows with the
    number of bytes, so keep it to the small buffers that tests draw.
    """
    first, second = buffer_of(a, "a"), buffer_of(b, "b")
    if first.is_empty or second.is_empty:
        return False
    (low_a, high_a), (low_b, high_b) = first.extent(), second.extent()
    if high_a <= low_b or high_b <= low_a:
        return False
    common = np.intersect1d(first.byte_addresses(), second.byte_addresses(), assume_unique=True)
    return common.size > 0


def _is_torch_tensor(obj: object) -> bool:
    """torch.Tensor or a subclass (Parameter, say), recognised without importing torch."""
    return any(cls.__module__ == "torch" and cls.__name__ == "Tensor" for cls in type(obj).__mro__)

"""Which dtype NumPy gives an array of Python ints, and which torch dtype matches a NumPy one."""

from __future__ import annotations

from reference.arguments import as_int, is_int

# Every NumPy dtype that torch also has (uint16/32/64 only since torch 2.3), named alike in both.
SHARED_DTYPE_NAMES = (
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)


def default_integer_dtype(
    numpy_version: tuple[int, int], system: str, pointer_bits: int = 64
) -> str:
    """The dtype name of `np.array([1, 2, 3])` for a NumPy version on a platform.

    Before NumPy 2.0 the default integer was the C `long`: 32 bits on Windows whatever the
    pointer size (LLP64), the pointer's size elsewhere. NumPy 2.0 made it `intp`, the pointer's
    size, on every platform. The version's parts and `pointer_bits` may be Python or NumPy ints.
    """
    if not (
        isinstance(numpy_version, tuple)
        and len(numpy_version) >= 2
        and all(is_int(part) for part in numpy_version)
    ):
        raise TypeError(
            f"numpy_version must be a (major, minor) tuple of ints, not {numpy_version!r}"
        )
    major = int(numpy_version[0])
    if not isinstance(system, str) or not system:
        raise TypeError(
            f"system must be a platform name such as 'Linux' or 'Windows', not {system!r}"
        )
    pointer = as_int(pointer_bits, "pointer_bits")
    if pointer not in (32, 64):
        raise ValueError(f"pointer_bits must be 32 or 64, not {pointer}")
    c_long_bits = 32 if system == "Windows" else pointer
    bits = pointer if major >= 2 else c_long_bits
    return f"int{bits}"


def torch_dtype_name(numpy_dtype_name: str) -> str:
    """The name of the torch dtype that holds the same values as a NumPy dtype: `torch.<name>`.

    Names NumPy has and torch lacks (`float128`, `str`, `object`, `datetime64`) are rejected.
    """
    if not isinstance(numpy_dtype_name, str):
        raise TypeError(f"numpy_dtype_name must be a str, not {type(numpy_dtype_name).__name__}")
    if numpy_dtype_name not in SHARED_DTYPE_NAMES:
        raise ValueError(f"numpy_dtype_name {numpy_dtype_name!r} has no torch counterpart")
    return f"torch.{numpy_dtype_name}"

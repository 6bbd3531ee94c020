"""What a file written by `torch.save` holds, read with the standard library alone.

Since torch 1.6 `torch.save` writes a zip archive (stored, not compressed). Every record sits
under one top-level folder (`archive/` by default):

    archive/data.pkl       the pickled object; each tensor's storage appears in it as a
                           persistent id ('storage', <storage type>, <key>, <location>, <numel>)
    archive/data/<key>     the raw bytes of that storage, whole
    archive/byteorder, archive/version, archive/.data/serialization_id, ...   bookkeeping

`location` is the device the storage was on when saved (`'cpu'`, `'cuda:0'`): `torch.load` puts
it back there unless `map_location` says otherwise. The functions below read the records, the
storages' sizes and locations, and rewrite a location, which is how the spec builds a
"CUDA-saved" file on a machine without CUDA.
"""

from __future__ import annotations

import io
import pickletools
import zipfile

_STRING_OPS = {"BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE"}
_MEMO_PUT_OPS = {"BINPUT", "LONG_BINPUT", "PUT"}
_MEMO_GET_OPS = {"BINGET", "LONG_BINGET", "GET"}


def archive_records(data: bytes) -> dict[str, bytes]:
    """The archive's records by name, without the top-level folder: `{"data.pkl": ..., ...}`."""
    return _folder_and_records(data)[1]


def _folder_and_records(data: bytes) -> tuple[str, dict[str, bytes]]:
    """The archive's one top-level folder, and its records by name within it."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValueError(
            "data is not a zip archive: torch.save writes one since torch 1.6 "
            "(an older file, or one saved with _use_new_zipfile_serialization=False, is not)"
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        parts = [name.partition("/") for name in names]
        folders = {folder for folder, _, _ in parts}
        if len(folders) != 1 or not all(slash for _, slash, _ in parts):
            raise ValueError(f"data holds records {names}, not one top-level folder of records")
        records = {name.partition("/")[2]: archive.read(name) for name in names}
    return folders.pop(), records


def storage_nbytes(data: bytes) -> dict[str, int]:
    """The bytes each storage takes in the archive, by key: a storage is saved whole."""
    records = archive_records(data)
    return {
        name.removeprefix("data/"): len(raw)
        for name, raw in records.items()
        if name.startswith("data/")
    }


def _protocol_2_pickle(data: bytes) -> bytes:
    """`data.pkl`, checked to be written without frames and with GLOBAL opcodes (protocol 2 or
    3, as torch.save writes by default), which is what the functions below parse."""
    pickled = archive_records(data)["data.pkl"]
    names = {opcode.name for opcode, _, _ in pickletools.genops(pickled)}
    if "FRAME" in names or "STACK_GLOBAL" in names:
        raise ValueError(
            "data.pkl uses FRAME or STACK_GLOBAL opcodes (pickle protocol 4 or later); "
            "torch.save's default protocol 2 is the one supported"
        )
    return pickled


def _strings_in_order(pickled: bytes) -> list[str | None]:
    """The pickle's opcodes as the string each pushes (memo lookups resolved), None for others."""
    memo: dict[int, str | None] = {}
    pushed: list[str | None] = []
    for opcode, arg, _ in pickletools.genops(pickled):
        if opcode.name in _STRING_OPS:
            pushed.append(arg)
        elif opcode.name in _MEMO_PUT_OPS:  # stores the top of the stack, pushes nothing
            memo[arg] = pushed[-1] if pushed else None
        elif opcode.name in _MEMO_GET_OPS:
            pushed.append(memo.get(arg))  # None where the memo holds something else
        else:
            pushed.append(None)
    return pushed


def storage_locations(data: bytes) -> dict[str, str]:
    """The location tag of each storage in `data.pkl`, by key: `{"0": "cpu"}`.

    A persistent id is pickled as the string 'storage', the storage type (one GLOBAL opcode),
    the key and the location, in that order.
    """
    pushed = _strings_in_order(_protocol_2_pickle(data))
    return {
        key: location
        for value, key, location in zip(pushed, pushed[2:], pushed[3:])  # noqa: B905 - windows
        if value == "storage" and key is not None and location is not None
    }


def _binunicode(text: str) -> bytes:
    encoded = text.encode()
    return b"X" + len(encoded).to_bytes(4, "little") + encoded


def retag_location(data: bytes, old: str, new: str) -> bytes:
    """The archive with every storage whose location is `old` moved, in name only, to `new`.

    Only the location string in `data.pkl` changes; the storages' bytes are untouched. The
    pickle must be protocol 2 (torch.save's default): it has no frames, so a string may change
    length. The other records are copied as they are, uncompressed.
    """
    for name, value in (("old", old), ("new", new)):
        if not isinstance(value, str) or not value:
            raise TypeError(f"{name} must be a non-empty str (a location such as 'cuda:0')")
    if old not in storage_locations(data).values():
        raise ValueError(f"old location {old!r} is not the location of any storage in data")
    folder, records = _folder_and_records(data)
    pickled = records["data.pkl"]
    if pickled.count(_binunicode(old)) != 1:
        raise ValueError(f"old location {old!r} is not pickled exactly once as BINUNICODE")
    records["data.pkl"] = pickled.replace(_binunicode(old), _binunicode(new))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # ZIP_STORED, ZipFile's default
        for name, raw in records.items():
            archive.writestr(f"{folder}/{name}", raw)
    return out.getvalue()

"""The archive reader of reference/serialization.py checked without torch: on archives built by
hand with `zipfile` and `pickle`, laid out as its docstring says torch.save lays them out."""

from __future__ import annotations

import io
import pickle
import pickletools
import zipfile
from collections import OrderedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.serialization import (
    archive_records,
    retag_location,
    storage_locations,
    storage_nbytes,
)


class _Pickler(pickle.Pickler):
    """Pickles a `_Storage` as the persistent id torch.save writes for a storage."""

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", OrderedDict, obj.key, obj.location, len(obj.raw) // 4)
        return None


class _Storage:
    def __init__(self, key: str, location: str, raw: bytes):
        self.key, self.location, self.raw = key, location, raw


def archive(
    storages: list[_Storage], protocol: int = 2, folder: str = "archive", memo: bool = True
) -> bytes:
    pickled = io.BytesIO()
    pickler = _Pickler(pickled, protocol=protocol)
    pickler.fast = not memo  # fast: no memo, so a repeated string is pickled again in full
    pickler.dump({s.key: s for s in storages})
    return archive_of(pickled.getvalue(), {f"data/{s.key}": s.raw for s in storages}, folder)


def archive_of(pickled: bytes, records: dict[str, bytes] | None = None, folder="archive") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{folder}/data.pkl", pickled)
        zf.writestr(f"{folder}/byteorder", b"little")
        for name, raw in (records or {}).items():
            zf.writestr(f"{folder}/{name}", raw)
    return out.getvalue()


TWO = archive([_Storage("0", "cpu", bytes(16)), _Storage("1", "cpu", bytes(40))])


def test_records_are_named_without_the_top_level_folder():
    records = archive_records(archive([_Storage("0", "cpu", b"abcd")], folder="mynet"))
    assert sorted(records) == ["byteorder", "data.pkl", "data/0"]
    assert records["data/0"] == b"abcd"
    assert records["byteorder"] == b"little"


def test_storage_sizes_are_their_records_sizes():
    assert storage_nbytes(TWO) == {"0": 16, "1": 40}


def test_locations_are_read_also_through_the_memo():
    # The second storage's 'storage' and 'cpu' strings are memo lookups (BINGET), not strings.
    assert storage_locations(TWO) == {"0": "cpu", "1": "cpu"}
    mixed = archive([_Storage("0", "cpu", bytes(4)), _Storage("1", "cuda:1", bytes(4))])
    assert storage_locations(mixed) == {"0": "cpu", "1": "cuda:1"}


@given(new=st.sampled_from(["cuda:0", "cuda:1", "meta", "mps", "x" * 300]))
def test_retagging_changes_the_location_and_nothing_else(new):
    retagged = retag_location(TWO, "cpu", new)
    assert storage_locations(retagged) == {"0": new, "1": new}
    before, after = archive_records(TWO), archive_records(retagged)
    assert {k: v for k, v in after.items() if k != "data.pkl"} == {
        k: v for k, v in before.items() if k != "data.pkl"
    }
    # The pickle still loads, with the new tag in its persistent ids.
    ids = []
    unpickler = pickle.Unpickler(io.BytesIO(after["data.pkl"]))
    unpickler.persistent_load = ids.append
    unpickler.load()
    assert [pid[3] for pid in ids] == [new, new]


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        archive_records("archive/data.pkl")
    with pytest.raises(ValueError, match="data is not a zip archive"):
        archive_records(b"\x80\x02N.")
    with pytest.raises(ValueError, match="old location 'cuda:0' is not the location"):
        retag_location(TWO, "cuda:0", "cpu")
    with pytest.raises(TypeError, match="new must be a non-empty str"):
        retag_location(TWO, "cpu", 0)
    with pytest.raises(TypeError, match="old must be a non-empty str"):
        retag_location(TWO, None, "cuda:0")
    framed = archive([_Storage("0", "cpu", bytes(4))], protocol=4)
    with pytest.raises(ValueError, match="FRAME or STACK_GLOBAL"):
        retag_location(framed, "cpu", "cuda:0")
    loose = io.BytesIO()
    with zipfile.ZipFile(loose, "w") as zf:
        zf.writestr("data.pkl", b"N.")
    with pytest.raises(ValueError, match="not one top-level folder"):
        archive_records(loose.getvalue())


# Pickles written opcode by opcode (pickle's own constants), to reach each kind of string and
# memo opcode that a protocol 0 to 3 pickle may hold, whichever the pickler would choose.
_STRING = {
    "BINUNICODE": lambda b: pickle.BINUNICODE + len(b).to_bytes(4, "little") + b,
    "SHORT_BINUNICODE": lambda b: pickle.SHORT_BINUNICODE + len(b).to_bytes(1, "little") + b,
    "BINUNICODE8": lambda b: pickle.BINUNICODE8 + len(b).to_bytes(8, "little") + b,
    "UNICODE": lambda b: pickle.UNICODE + b + b"\n",
}
_MEMO = {  # put, get
    "BINPUT": (
        lambda i: pickle.BINPUT + i.to_bytes(1, "little"),
        lambda i: pickle.BINGET + i.to_bytes(1, "little"),
    ),
    "LONG_BINPUT": (
        lambda i: pickle.LONG_BINPUT + i.to_bytes(4, "little"),
        lambda i: pickle.LONG_BINGET + i.to_bytes(4, "little"),
    ),
    "PUT": (lambda i: pickle.PUT + b"%d\n" % i, lambda i: pickle.GET + b"%d\n" % i),
}
_ORDERED_DICT = pickle.GLOBAL + b"collections\nOrderedDict\n"


def _two_persistent_ids(string_op: str, memo_op: str) -> bytes:
    """(pid 0 at cpu, pid 1 at cpu), the second's 'storage' and 'cpu' read from the memo."""
    string, (put, get) = _STRING[string_op], _MEMO[memo_op]
    one = pickle.BININT1 + b"\x01"
    first = pickle.MARK + string(b"storage") + put(0) + _ORDERED_DICT + string(b"0")
    first += string(b"cpu") + put(1) + one + pickle.TUPLE + pickle.BINPERSID
    second = pickle.MARK + get(0) + _ORDERED_DICT + string(b"1") + get(1) + one
    second += pickle.TUPLE + pickle.BINPERSID
    return pickle.PROTO + b"\x02" + pickle.MARK + first + second + pickle.TUPLE + pickle.STOP


@pytest.mark.parametrize("memo_op", sorted(_MEMO))
@pytest.mark.parametrize("string_op", sorted(_STRING))
def test_locations_are_read_from_every_kind_of_string_and_memo_opcode(string_op, memo_op):
    pickled = _two_persistent_ids(string_op, memo_op)
    unpickler = pickle.Unpickler(io.BytesIO(pickled))
    unpickler.persistent_load = lambda pid: pid
    assert unpickler.load() == (
        ("storage", OrderedDict, "0", "cpu", 1),
        ("storage", OrderedDict, "1", "cpu", 1),
    )
    assert storage_locations(archive_of(pickled)) == {"0": "cpu", "1": "cpu"}


@pytest.mark.parametrize(
    "obj",
    [
        ["storage", None, "k", 3],  # a key, but no location after it
        ["storage", None, 3, "cpu"],  # a location, but no key before it
        ["storage", "k", "cpu"],  # too close to be 'storage', type, key, location
        "storage",
    ],
)
def test_a_plain_storage_string_is_not_a_persistent_id(obj):
    assert storage_locations(archive_of(pickle.dumps(obj, protocol=2))) == {}


def test_a_memo_put_before_anything_is_pushed_stores_no_string():
    # Malformed (an unpickler finds the stack empty), but read without an IndexError.
    pickled = pickle.BINPUT + b"\x00" + pickle.MARK + pickle.BINGET + b"\x00" + pickle.STOP
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(pickled)
    assert storage_locations(archive_of(pickled)) == {}


def test_a_storage_key_and_location_are_the_second_and_third_strings_after_storage():
    assert storage_locations(archive_of(pickle.dumps(["storage", None, "k", "loc"], 2))) == {
        "k": "loc"
    }


_PROTOCOL_4 = (
    "data.pkl uses FRAME or STACK_GLOBAL opcodes (pickle protocol 4 or later); "
    "torch.save's default protocol 2 is the one supported"
)


def _opcode_names(pickled: bytes) -> set[str]:
    return {opcode.name for opcode, _, _ in pickletools.genops(pickled)}


FRAMED = pickle.dumps(["storage"], protocol=4)
STACK_GLOBAL = (
    pickle.PROTO
    + b"\x02"
    + _STRING["BINUNICODE"](b"collections")
    + _STRING["BINUNICODE"](b"OrderedDict")
    + pickle.STACK_GLOBAL
    + pickle.STOP
)


def test_the_protocol_4_pickles_hold_a_frame_alone_and_a_stack_global_alone():
    assert "FRAME" in _opcode_names(FRAMED)
    assert "STACK_GLOBAL" not in _opcode_names(FRAMED)
    assert pickle.loads(STACK_GLOBAL) is OrderedDict
    assert "FRAME" not in _opcode_names(STACK_GLOBAL)


def test_retagging_keeps_the_top_level_folder_and_stores_uncompressed():
    original = archive([_Storage("0", "cpu", bytes(8))], folder="mynet")
    retagged = retag_location(original, "cpu", "cuda:0")
    with zipfile.ZipFile(io.BytesIO(retagged)) as zf:
        infos = zf.infolist()
    assert sorted(info.filename for info in infos) == [
        "mynet/byteorder",
        "mynet/data.pkl",
        "mynet/data/0",
    ]
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
    assert storage_locations(retagged) == {"0": "cuda:0"}


def test_records_are_read_from_a_bytearray_too():
    assert archive_records(bytearray(TWO)) == archive_records(TWO)


def _loose(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in names:
            zf.writestr(name, b"N.")
    return out.getvalue()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: archive_records("archive/data.pkl"), TypeError, "data must be bytes, got str"),
        (
            lambda: archive_records(b"\x80\x02N."),
            ValueError,
            "data is not a zip archive: torch.save writes one since torch 1.6 (an older file, or "
            "one saved with _use_new_zipfile_serialization=False, is not)",
        ),
        (
            lambda: archive_records(_loose("data.pkl")),
            ValueError,
            "data holds records ['data.pkl'], not one top-level folder of records",
        ),
        (
            lambda: archive_records(_loose("a/data.pkl", "b/data/0")),
            ValueError,
            "data holds records ['a/data.pkl', 'b/data/0'], not one top-level folder of records",
        ),
        (
            lambda: archive_records(_loose()),
            ValueError,
            "data holds records [], not one top-level folder of records",
        ),
        (
            lambda: retag_location(TWO, "cuda:0", "cpu"),
            ValueError,
            "old location 'cuda:0' is not the location of any storage in data",
        ),
        (
            lambda: retag_location(TWO, "", "cuda:0"),
            TypeError,
            "old must be a non-empty str (a location such as 'cuda:0')",
        ),
        (
            lambda: retag_location(TWO, None, "cuda:0"),
            TypeError,
            "old must be a non-empty str (a location such as 'cuda:0')",
        ),
        (
            lambda: retag_location(TWO, "cpu", ""),
            TypeError,
            "new must be a non-empty str (a location such as 'cuda:0')",
        ),
        (
            lambda: retag_location(TWO, "cpu", 0),
            TypeError,
            "new must be a non-empty str (a location such as 'cuda:0')",
        ),
        (lambda: storage_locations(archive_of(FRAMED)), ValueError, _PROTOCOL_4),
        (lambda: storage_locations(archive_of(STACK_GLOBAL)), ValueError, _PROTOCOL_4),
        (
            lambda: retag_location(archive([_Storage("0", "cpu", bytes(4))], 4), "cpu", "cuda:0"),
            ValueError,
            _PROTOCOL_4,
        ),
        (  # no memo: 'cpu' is pickled twice
            lambda: retag_location(TWO_WITHOUT_MEMO, "cpu", "cuda:0"),
            ValueError,
            "old location 'cpu' is not pickled exactly once as BINUNICODE",
        ),
        (  # 'cpu' is pickled once, but as SHORT_BINUNICODE
            lambda: retag_location(
                archive_of(_two_persistent_ids("SHORT_BINUNICODE", "BINPUT")), "cpu", "cuda:0"
            ),
            ValueError,
            "old location 'cpu' is not pickled exactly once as BINUNICODE",
        ),
    ],
)
def test_the_archive_readers_refuse_with_their_whole_message(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


TWO_WITHOUT_MEMO = archive(
    [_Storage("0", "cpu", bytes(16)), _Storage("1", "cpu", bytes(40))], memo=False
)


def test_without_a_memo_each_location_is_pickled_in_full():
    assert storage_locations(TWO_WITHOUT_MEMO) == {"0": "cpu", "1": "cpu"}
    assert archive_records(TWO_WITHOUT_MEMO)["data.pkl"].count(b"X\x03\x00\x00\x00cpu") == 2

"""The archive reader of reference/serialization.py checked without torch: on archives built by
hand with `zipfile` and `pickle`, laid out as its docstring says torch.save lays them out."""

from __future__ import annotations

import io
import pickle
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


def archive(storages: list[_Storage], protocol: int = 2, folder: str = "archive") -> bytes:
    pickled = io.BytesIO()
    _Pickler(pickled, protocol=protocol).dump({s.key: s for s in storages})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{folder}/data.pkl", pickled.getvalue())
        zf.writestr(f"{folder}/byteorder", b"little")
        for storage in storages:
            zf.writestr(f"{folder}/data/{storage.key}", storage.raw)
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
    with pytest.raises(ValueError, match="pickle frames"):
        retag_location(framed, "cpu", "cuda:0")
    loose = io.BytesIO()
    with zipfile.ZipFile(loose, "w") as zf:
        zf.writestr("data.pkl", b"N.")
    with pytest.raises(ValueError, match="not one top-level folder"):
        archive_records(loose.getvalue())

import hashlib
import os
import stat

import pytest

from app.storage import FileStore, StorageIntegrityError


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "blobs")


def test_put_get_roundtrip(store):
    data = b"petitie \x00\xff" * 100
    address = store.put(data)
    assert address == hashlib.sha256(data).hexdigest()
    assert store.get(address) == data
    assert store.exists(address)


def test_address_layout_and_readonly(store, tmp_path):
    address = store.put(b"hello")
    expected = tmp_path / "blobs" / address[:2] / address[2:4] / address
    assert store.path(address) == expected
    assert expected.is_file()
    assert stat.S_IMODE(expected.stat().st_mode) == 0o440
    # No temp files left behind.
    assert os.listdir(expected.parent) == [address]


def test_put_is_idempotent(store):
    first = store.put(b"same content")
    mtime = store.path(first).stat().st_mtime_ns
    second = store.put(b"same content")
    assert first == second
    assert store.path(first).stat().st_mtime_ns == mtime


def test_empty_content_is_storable(store):
    address = store.put(b"")
    assert store.get(address) == b""


def test_missing_content(store):
    address = "0" * 64
    assert not store.exists(address)
    with pytest.raises(FileNotFoundError):
        store.get(address)


def test_integrity_error_after_tampering(store):
    address = store.put(b"original")
    path = store.path(address)
    os.chmod(path, 0o640)
    path.write_bytes(b"tampered")
    with pytest.raises(StorageIntegrityError):
        store.get(address)


@pytest.mark.parametrize(
    "address",
    [
        "../etc/passwd",
        "../../" + "a" * 58,
        "A" * 64,
        "abc",
        "a" * 63,
        "a" * 65,
        "g" * 64,
        "a" * 63 + "\n",
        "",
        None,
    ],
)
def test_invalid_addresses_rejected(store, address):
    for method in (store.get, store.path, store.exists):
        with pytest.raises(ValueError):
            method(address)


def test_delete_and_addresses(store):
    first, second = store.put(b"one"), store.put(b"two")
    assert sorted(store.addresses()) == sorted([first, second])
    assert store.delete(first) is True
    assert store.delete(first) is False
    assert list(store.addresses()) == [second]
    assert store.location(second).endswith(second)

"""The S3 backend against a real S3-compatible server: moto's standalone server on 127.0.0.1 (a separate HTTP
server speaking the S3 protocol, started by the test), reached by boto3 over a socket."""

import hashlib

import pytest

from app.storage import StorageIntegrityError, store_from_config
from app.storage.s3 import S3Store


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    import uuid

    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    bucket = f"arhiva-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-central-1").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    return store_from_config(
        {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": "eu-central-1",
            "S3_PREFIX": "blobs/",
            "STORAGE_DIR": "/nonexistent",
        }
    )


def test_put_get_exists_roundtrip(s3):
    assert isinstance(s3, S3Store)
    data = "Petiție cu diacritice ș ț".encode() * 50
    address = s3.put(data)
    assert address == hashlib.sha256(data).hexdigest()
    assert s3.exists(address) and s3.get(address) == data
    assert s3.put(data) == address  # idempotent
    assert list(s3.addresses()) == [address]
    assert s3.location(address) == f"s3://{s3.bucket}/blobs/{address}"


def test_altered_object_is_refused(s3):
    address = s3.put(b"original")
    # Someone with bucket rights overwrites the object behind the application's back.
    s3.client.put_object(Bucket=s3.bucket, Key=f"blobs/{address}", Body=b"altered")
    with pytest.raises(StorageIntegrityError):
        s3.get(address)


def test_missing_object_and_delete(s3):
    address = s3.put(b"to be destroyed")
    assert s3.delete(address) is True
    assert not s3.exists(address)
    with pytest.raises(FileNotFoundError):
        s3.get(address)
    with pytest.raises(ValueError):
        s3.get("../etc/passwd")


def test_unknown_backend_is_refused():
    with pytest.raises(RuntimeError):
        store_from_config({"STORAGE_BACKEND": "ftp", "STORAGE_DIR": "/x"})
    with pytest.raises(RuntimeError):
        store_from_config({"STORAGE_BACKEND": "s3", "STORAGE_DIR": "/x"})

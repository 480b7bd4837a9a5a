"""The archive on S3-compatible object storage (a real S3 server: moto's standalone server on 127.0.0.1): records
are written to the bucket, the fixity check reads them back and reports an object altered behind the
application's back. The registry's working files stay on the filesystem store."""

import uuid

import pytest

from app.archive.fixity import run_fixity
from app.archive.models import ItemKind
from app.storage import current_store
from app.storage.s3 import S3Store
from tests.archive.helpers import archived_petition


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_archive(app, s3_endpoint, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    bucket = f"arhiva-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    for key, value in {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_PREFIX": "arhiva/",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    app.extensions.pop("storage_s3", None)
    yield bucket
    app.extensions.pop("storage_s3", None)


def test_archive_on_s3_and_fixity_finds_an_altered_object(ctx, s3_archive):
    record = archived_petition()
    store = current_store()
    assert isinstance(store, S3Store) and store.bucket == s3_archive
    assert {i.sha256 for i in record.items} <= set(store.addresses())
    assert run_fixity().ok
    card = next(i for i in record.items if i.kind == ItemKind.CARD)
    store.client.put_object(Bucket=s3_archive, Key=f"arhiva/{card.sha256}", Body=b"{}")
    result = run_fixity()
    assert [(p["file"], p["problem"]) for p in result.problems] == [("fisa-arhivare.json", "modificat")]

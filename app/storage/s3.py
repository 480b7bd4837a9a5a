"""The S3-compatible backend (AWS S3, MinIO, Ceph RGW, Garage...): the same content addressing as the filesystem
store, so a deployment can move its blobs between the two by copying objects under the same keys.

Objects are written once under `<prefix><sha256>`; reads re-hash the bytes and refuse altered content, exactly as
`FileStore.get` does. Configuration comes from the environment (docs/operators.md): S3_BUCKET, S3_ENDPOINT_URL,
S3_REGION, S3_PREFIX and boto3's usual credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)."""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _

from app.storage.store import StorageIntegrityError, _validate


class S3Store:
    kind = "s3"

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
        access_key: str | None = None,
        secret_key: str | None = None,
        client=None,
    ) -> None:
        import boto3  # only deployments that choose S3 need it loaded

        self.bucket = bucket
        self.prefix = prefix
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
        )

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}{_validate(sha256)}"

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if self.exists(digest):
            return digest  # same content, same key: never rewritten
        # ChecksumSHA256 makes the server refuse bytes damaged on the way.
        import base64

        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(digest),
            Body=data,
            ChecksumSHA256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
        )
        return digest

    def get(self, sha256: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(sha256) from exc
            raise
        if hashlib.sha256(body).hexdigest() != sha256:
            raise StorageIntegrityError(
                _("Conținutul %(sha256)s a fost modificat în depozitul S3.", sha256=sha256)
            )
        return body

    def delete(self, sha256: str) -> bool:
        existed = self.exists(sha256)
        self.client.delete_object(Bucket=self.bucket, Key=self._key(sha256))
        return existed

    def addresses(self):
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(self.prefix) :]
                try:
                    yield _validate(name)
                except ValueError:
                    continue

    def location(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self._key(sha256)}"

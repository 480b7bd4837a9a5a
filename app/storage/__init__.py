"""File storage behind one interface (put / get / exists / delete / addresses / location), addressed by sha256:
the content-addressed filesystem by default, S3-compatible object storage as the production option
(`STORAGE_BACKEND=s3`, docs/operators.md). Upload validation lives here too."""

import os

from .store import FileStore, StorageIntegrityError
from .uploads import ACCEPTED_TYPES, UploadRejected, check_upload, safe_filename

__all__ = [
    "ACCEPTED_TYPES",
    "FileStore",
    "StorageIntegrityError",
    "UploadRejected",
    "check_upload",
    "current_store",
    "safe_filename",
    "store_from_config",
]


def _setting(config, name: str, default=None):
    value = config.get(name) if config is not None else None
    return value if value is not None else os.environ.get(name, default)


def store_from_config(config) -> "FileStore":
    """The configured backend: STORAGE_BACKEND=filesystem (STORAGE_DIR) or s3 (S3_* settings, from the app's
    config or else the environment)."""
    backend = (_setting(config, "STORAGE_BACKEND", "filesystem") or "filesystem").lower()
    if backend == "s3":
        from .s3 import S3Store

        bucket = _setting(config, "S3_BUCKET")
        if not bucket:
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return S3Store(
            bucket,
            endpoint_url=_setting(config, "S3_ENDPOINT_URL"),
            region=_setting(config, "S3_REGION"),
            prefix=_setting(config, "S3_PREFIX", "") or "",
            access_key=_setting(config, "S3_ACCESS_KEY_ID"),
            secret_key=_setting(config, "S3_SECRET_ACCESS_KEY"),
        )
    if backend != "filesystem":
        raise RuntimeError(f"unknown STORAGE_BACKEND {backend!r} (filesystem or s3)")
    return FileStore(config["STORAGE_DIR"])


def current_store():
    """The application's store; an S3 client is built once per application (boto3 clients are thread-safe)."""
    from flask import current_app

    if (_setting(current_app.config, "STORAGE_BACKEND", "filesystem") or "").lower() != "s3":
        return FileStore(current_app.config["STORAGE_DIR"])
    store = current_app.extensions.get("storage_s3")
    if store is None:
        store = current_app.extensions["storage_s3"] = store_from_config(current_app.config)
    return store

"""Upload limits of the submission form, said before upload, checked in the browser (app/static/upload-limits.js)
and here field by field, with the typed text kept. The form's request may exceed the usual whole-request cap by a
margin, so an over-limit batch of phone photos is parsed and answered on the form instead of a bare 413 page."""

from flask import current_app, request
from flask_babel import gettext as _

from app.storage.uploads import upload_limits as storage_upload_limits

# How far beyond MAX_CONTENT_LENGTH the submission form's request is still read (then refused field by field).
PARSE_MARGIN = 3


def upload_limits() -> dict:
    """The storage's limits (app/storage/uploads.py), with the byte counts the form's checks compare."""
    limits = storage_upload_limits()
    return {
        **limits,
        "file_bytes": limits["file_mb"] * 1024 * 1024,
        "total_bytes": limits["total_mb"] * 1024 * 1024,
    }


def allow_large_submission() -> None:
    """before_request of the submission form: read over-limit requests (up to the margin) to answer on the form."""
    total = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.endpoint == "portal.submit_document" and request.method == "POST" and total:
        request.max_content_length = total * PARSE_MARGIN


def _size(upload) -> int:
    stream = upload.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def oversize_errors(files, field_names) -> dict[str, list[str]]:
    """Per-field messages for files over the per-file limit, and for a total over the whole-submission limit."""
    limits = upload_limits()
    errors: dict[str, list[str]] = {}
    total = 0
    for name in field_names:
        for upload in files.getlist(name):
            if not upload or not upload.filename:
                continue
            size = _size(upload)
            total += size
            if size > limits["file_bytes"]:
                # The same words as the storage check (app/storage/uploads.py), said before reading the file.
                errors.setdefault(name, []).append(
                    _(
                        "Fișierul „%(name)s” depășește limita de %(mb)s MB.",
                        name=upload.filename,
                        mb=limits["file_mb"],
                    )
                )
    if total > limits["total_bytes"]:
        message = _(
            "Fișierele atașate au împreună %(size)s MB; limita este %(limit)d MB pentru o depunere. Atașați mai "
            "puține fișiere sau fișiere mai mici.",
            size=_mb(total),
            limit=limits["total_mb"],
        )
        for name in field_names:
            if any(u and u.filename for u in files.getlist(name)):
                errors.setdefault(name, []).append(message)
    return errors

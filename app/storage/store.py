"""Content-addressed, write-once file store.

Files are addressed by the SHA-256 of their content, so an address is also a
tamper seal: ``get`` re-hashes on every read and refuses altered content.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import re
import tempfile

from flask_babel import gettext as _

# Exactly 64 lowercase hex digits: anything else (``..``, ``/``, uppercase) never
# reaches the filesystem, which rules out path traversal by construction.
_ADDRESS_RE = re.compile(r"[0-9a-f]{64}")
_FILE_MODE = 0o440


class StorageIntegrityError(Exception):
    """Stored content no longer hashes to its address (corruption or tampering)."""


def _validate(sha256: str) -> str:
    if not isinstance(sha256, str) or not _ADDRESS_RE.fullmatch(sha256):
        raise ValueError(_("Adresă de conținut invalidă: %(sha256)s", sha256=repr(sha256)))
    return sha256


class FileStore:
    """The filesystem backend (the default); `app.storage.s3.S3Store` has the same methods."""

    kind = "filesystem"

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = pathlib.Path(root)

    def path(self, sha256: str) -> pathlib.Path:
        _validate(sha256)
        # Two levels of fan-out keep directories small even with millions of files.
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.is_file():
            # Same content, same address: never rewrite an existing (read-only) file.
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same directory so os.replace is an atomic rename on one filesystem;
        # readers never observe a partially written file.
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp_name, _FILE_MODE)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        self._fsync_dir(target.parent)
        return digest

    def get(self, sha256: str) -> bytes:
        target = self.path(sha256)
        data = target.read_bytes()  # FileNotFoundError propagates for unknown addresses
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StorageIntegrityError(_("Conținutul %(sha256)s a fost modificat pe disc.", sha256=sha256))
        return data

    def delete(self, sha256: str) -> bool:
        """Only the archive's recorded disposal calls this (a blob no row references any more)."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def addresses(self):
        """Every stored address (for the fixity check and backups)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if _ADDRESS_RE.fullmatch(path.name):
                yield path.name

    def location(self, sha256: str) -> str:
        return str(self.path(sha256))

    @staticmethod
    def _fsync_dir(directory: pathlib.Path) -> None:
        # Persist the rename itself; not supported on every platform/filesystem.
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

"""Content-addressed file storage and upload validation."""

from .store import FileStore, StorageIntegrityError
from .uploads import ACCEPTED_TYPES, UploadRejected, check_upload, safe_filename

__all__ = [
    "ACCEPTED_TYPES",
    "FileStore",
    "StorageIntegrityError",
    "UploadRejected",
    "check_upload",
    "safe_filename",
]

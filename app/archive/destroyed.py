"""Documents whose archived files were destroyed by a disposal: every place that would read their files answers
"destroyed on ..., disposal report nr. ..." (HTTP 410 Gone in the API) instead of failing on a missing blob."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import String, cast, select

from app.archive.models import ArchiveRecord, Destruction, Disposal
from app.dates import format_date
from app.extensions import db
from app.operations.bad_input import Gone


@dataclass
class DestroyedNotice:
    at: datetime
    report_number: str

    def message(self) -> str:
        return _(
            "Fișierele documentului au fost eliminate la %(date)s, conform procesului-verbal de eliminare nr. "
            "%(report)s (Legea nr. 16/1996). Evidența lor se păstrează în arhivă.",
            date=format_date(self.at),
            report=self.report_number,
        )


class DocumentDestroyed(Gone):
    def __init__(self, notice: DestroyedNotice):
        super().__init__(notice.message())
        self.notice = notice


def _notice(destruction: Destruction) -> DestroyedNotice:
    disposal = db.session.get(Disposal, destruction.disposal_id)
    label = disposal.document.registration_label if disposal and disposal.document else None
    return DestroyedNotice(at=destruction.destroyed_at, report_number=label or str(destruction.disposal_id))


def destruction_of(document) -> DestroyedNotice | None:
    """The notice when the document's archived files were destroyed, else None."""
    destruction = db.session.scalar(
        select(Destruction)
        .join(ArchiveRecord, ArchiveRecord.archive_file_id == Destruction.archive_file_id)
        .where(ArchiveRecord.document_id == document.id)
        .limit(1)
    )
    return _notice(destruction) if destruction is not None else None


def destruction_of_blob(sha256: str) -> DestroyedNotice | None:
    """The notice when a disposal deleted this blob (its description lists every file's sha256)."""
    if not sha256 or len(sha256) != 64:
        return None
    destruction = db.session.scalar(
        select(Destruction).where(cast(Destruction.description, String).contains(sha256)).limit(1)
    )
    return _notice(destruction) if destruction is not None else None


def ensure_not_destroyed(document) -> None:
    notice = destruction_of(document)
    if notice is not None:
        raise DocumentDestroyed(notice)


def blob_gone_reason(sha256: str) -> str | None:
    notice = destruction_of_blob(sha256)
    return notice.message() if notice is not None else None

"""Search over archive metadata and text: PostgreSQL full-text search with the 'romanian' configuration (stems, so
"petițiile" finds "petiție"; the expression index of migration 0008 serves it); on SQLite (the local demo only)
every word must appear (LIKE)."""

from sqlalchemy import and_, select, text

from app.archive.access import visible_classes
from app.archive.models import ArchiveFile, ArchiveRecord, FileClass
from app.extensions import db

FTS = "to_tsvector('romanian', archive_records.search_text)"


def search_records(user, query: str, limit: int = 50) -> list[ArchiveRecord]:
    query = (query or "").strip()[:200]
    if not query:
        return []
    statement = (
        select(ArchiveRecord)
        .join(ArchiveFile, ArchiveFile.id == ArchiveRecord.archive_file_id)
        .join(FileClass, FileClass.id == ArchiveFile.file_class_id)
        .where(visible_classes(user))
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.where(
            text(f"{FTS} @@ websearch_to_tsquery('romanian', :q)").bindparams(q=query)
        ).order_by(
            text(f"ts_rank({FTS}, websearch_to_tsquery('romanian', :q)) DESC").bindparams(q=query),
            ArchiveRecord.id.desc(),
        )
    else:
        words = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in query.split()]
        statement = statement.where(
            and_(*(ArchiveRecord.search_text.ilike(f"%{w}%", escape="\\") for w in words))
        ).order_by(ArchiveRecord.id.desc())
    return list(db.session.scalars(statement))

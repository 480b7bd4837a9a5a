"""Searching names and subjects as clerks type them: case- and diacritics-insensitive ("groapa" finds "Groapă"),
words in any order ("Popescu Ion" finds "Ion Popescu"), pieces of words ("popesc").

Every word typed must appear in the column, compared through `f_unaccent(lower(...))`. On PostgreSQL that is an
immutable SQL wrapper around the `unaccent` extension (migration 0013), and trigram GIN indexes (`pg_trgm`) over the
same expression answer `LIKE '%piece%'`. On SQLite (the local demo only) the application registers a Python
function of the same name on every connection, so the query is the same text; it scans, which the demo's size
allows."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, func, or_

MAX_LENGTH = 200
MAX_WORDS = 8
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SearchTextError(ValueError):
    """Text the search refuses: too long, control characters. The message is for the user."""


def plain(text: str) -> str:
    """Lower case without diacritics, as f_unaccent(lower(...)) gives it (ș, ț with comma or cedilla alike)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def check(text: str, label: str | None = None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise SearchTextError(
            _l("%(label)s: cel mult %(n)d de caractere.", label=label or _l("Căutare"), n=MAX_LENGTH)
        )
    if CONTROL.search(text):
        raise SearchTextError(
            _l("%(label)s: textul conține caractere nepermise.", label=label or _l("Căutare"))
        )
    return text


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", plain(text)) if w][:MAX_WORDS]


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def folded(column):
    return func.f_unaccent(func.lower(column))


def matches(text: str, *columns):
    """SQL condition: every word of `text` appears in one of `columns` (None when there is nothing to match)."""
    terms = words(text)
    if not terms:
        return None
    return and_(*(or_(*(folded(c).like(_like(w), escape="\\") for c in columns)) for w in terms))


def install_sqlite(engine) -> None:
    """Give a SQLite engine f_unaccent (Python) on every new connection."""

    @event.listens_for(engine, "connect")
    def _register(dbapi_connection, _record):
        dbapi_connection.create_function(
            "f_unaccent", 1, lambda v: plain(v) if v is not None else None, deterministic=True
        )


def init_app(app) -> None:
    """SQLite (the demo) has neither unaccent nor a Unicode lower(): give it f_unaccent in Python."""
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            install_sqlite(db.engine)

"""Searching names and subjects as clerks type them: case- and diacritics-insensitive ("groapa" finds "Groapă"),
words in any order ("Popescu Ion" finds "Ion Popescu"), pieces of words ("popesc").

Every word typed must appear in the field, folded by `f_unaccent(lower(...))`. On PostgreSQL that is an immutable
SQL wrapper around the `unaccent` extension (migration 0013); on SQLite (the local demo only) the application
registers a Python function of the same name on every connection, so the SQL is the same on both.

A document's subject, sender and recipient are folded once, when they are written, into `documents.search_text`
(one line each, see `document_text`), with one trigram GIN index (`pg_trgm`) on it that answers `LIKE`: folding
them again for every candidate row at each search cost more than the rest of an inbox page. A word is looked for in
some of the lines only by the newlines around it in the pattern (`in_fields`)."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, and_, event, func, literal, or_

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


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(word: str) -> str:
    return "%" + _escaped(word) + "%"


def folded(column):
    return func.f_unaccent(func.lower(column))


# The lines of documents.search_text, in this order.
SUBJECT, SENDER, RECIPIENT = range(3)
FIELDS = 3


def document_text(subject: str | None, sender: str | None, recipient: str | None):
    """SQL for the value of documents.search_text: the fields one per line (a newline typed in a field becomes a
    space: a searched word never holds whitespace, so nothing it finds changes), folded in the database, exactly as
    the trigram indexes on each field folded them before (migration 0020 fills older rows with the same SQL)."""
    lines = "\n".join((value or "").replace("\n", " ") for value in (subject, sender, recipient))
    return folded(literal(lines, Text()))


def _pattern(word: str, first: int, last: int) -> str:
    """LIKE pattern finding `word` in the lines first..last of search_text: as many newlines before it as lines
    before `first`, as many after it as lines after `last` (every value has exactly FIELDS - 1 newlines)."""
    return "%" + "\n%" * first + _escaped(word) + "%" + "\n%" * (FIELDS - 1 - last)


def in_fields(text: str, column, first: int, last: int | None = None):
    """SQL condition: every word of `text` appears in one of the lines first..last (SUBJECT, SENDER, RECIPIENT) of
    the folded `column` (documents.search_text). None when there is nothing to match."""
    terms = words(text)
    if not terms:
        return None
    last = first if last is None else last
    return and_(*(column.like(_pattern(w, first, last), escape="\\") for w in terms))


def matches(text: str, *columns):
    """SQL condition: every word of `text` appears in one of `columns`, folded at each search (None when there is
    nothing to match). For a column without a folded copy; documents are searched with `in_fields`."""
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

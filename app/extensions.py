"""Flask extensions, created unbound so every package can import them without cycles."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# JSON columns: JSONB on PostgreSQL (indexable, compact), plain JSON on the SQLite demo.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def own_session() -> Session:
    """A session with its own transaction, for work that must commit apart from the current request's (one outbox
    message, an incident). On an Engine that is its own connection; where the engine is a single connection already
    in a transaction (the test harness), it nests as a savepoint instead of ending that transaction."""
    return Session(db.engine, join_transaction_mode="create_savepoint")

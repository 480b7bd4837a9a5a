"""lists at a million tasks: the overdue documents' partial index; no JIT for the application's short queries

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 03:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OVERDUE = sa.text("overdue")

# PostgreSQL's JIT compiles a query when its estimated cost passes jit_above_cost; a misestimated inbox query
# (a few milliseconds of work) then spent 50-100 ms compiling. The application runs short queries only; reports
# on the replica may set jit themselves. Only the database's owner may change its defaults: elsewhere the migration
# says so and goes on (docs/operators.md asks for the setting).
JIT = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = {value}', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'not the database owner: set jit = off for this database by hand (docs/operators.md)';
END $$;
"""


def upgrade():
    op.create_index(
        "ix_documents_overdue", "documents", ["id"], postgresql_where=OVERDUE, sqlite_where=OVERDUE
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(JIT.replace("{value}", "off"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(JIT.replace("{value}", "DEFAULT").replace("SET jit = DEFAULT", "RESET jit"))
    op.drop_index("ix_documents_overdue", table_name="documents")

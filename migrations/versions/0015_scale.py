"""lists at a million tasks: covering ready-task indexes, the overdue documents' partial index, no JIT

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


READY = sa.text("status = 'ready'")
READY_UNASSIGNED = sa.text("status = 'ready' AND assignee_id IS NULL")
# The ready-task indexes of 0013, now also carrying the columns an inbox list reads: the list is answered from the
# index alone (an index-only scan), not from the table pages a county's ready tasks are scattered over.
READY_INDEXES = (
    (
        "ix_human_tasks_ready_scope",
        ["institution_id", "role_code", "department_id", "due_at"],
        READY_UNASSIGNED,
        ["id", "document_id", "created_at", "assignee_id", "claimed_by_id", "returned"],
    ),
    (
        "ix_human_tasks_ready_assignee",
        ["assignee_id", "due_at"],
        READY,
        ["id", "document_id", "created_at", "claimed_by_id", "returned"],
    ),
    (
        "ix_human_tasks_ready_claimed",
        ["claimed_by_id", "due_at"],
        READY,
        ["id", "document_id", "created_at", "assignee_id", "returned"],
    ),
)


def _ready_indexes(include: bool) -> None:
    for name, columns, where, extra in READY_INDEXES:
        op.drop_index(name, table_name="human_tasks")
        op.create_index(
            name,
            "human_tasks",
            columns,
            postgresql_where=where,
            sqlite_where=where,
            postgresql_include=extra if include else [],
        )


def upgrade():
    op.create_index(
        "ix_documents_overdue", "documents", ["id"], postgresql_where=OVERDUE, sqlite_where=OVERDUE
    )
    _ready_indexes(include=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(JIT.replace("{value}", "off"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(JIT.replace("{value}", "DEFAULT").replace("SET jit = DEFAULT", "RESET jit"))
    _ready_indexes(include=False)
    op.drop_index("ix_documents_overdue", table_name="documents")

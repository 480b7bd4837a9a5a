"""officials' working day: inbox, reassignment, deputies, letters, notices (slot reserved)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 23:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


READY = sa.text("status = 'ready'")
READY_UNASSIGNED = sa.text("status = 'ready' AND assignee_id IS NULL")
TRIGRAM_COLUMNS = ("subject", "sender_name", "recipient")


def upgrade():
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("returned", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("return_note", sa.Text(), nullable=True))
    # Partial indexes on ready tasks: the inbox's candidate condition is built from memberships
    # (app/workflow/candidates.py) and each branch of it is one of these.
    op.create_index(
        "ix_human_tasks_ready_scope",
        "human_tasks",
        ["institution_id", "role_code", "department_id", "due_at"],
        postgresql_where=READY_UNASSIGNED,
        sqlite_where=READY_UNASSIGNED,
    )
    op.create_index(
        "ix_human_tasks_ready_assignee",
        "human_tasks",
        ["assignee_id", "due_at"],
        postgresql_where=READY,
        sqlite_where=READY,
    )
    op.create_index(
        "ix_human_tasks_ready_claimed",
        "human_tasks",
        ["claimed_by_id", "due_at"],
        postgresql_where=READY,
        sqlite_where=READY,
    )
    # Register search as clerks type (app/registry/text_search.py): diacritics- and case-insensitive substrings.
    # unaccent() is only STABLE (it reads its dictionary); an IMMUTABLE wrapper naming the dictionary may be
    # indexed. SQLite (the demo) gets a Python function of the same name at connect.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
            "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
        )
        for column in TRIGRAM_COLUMNS:
            op.execute(
                f"CREATE INDEX ix_documents_{column}_trgm ON documents "
                f"USING gin (f_unaccent(lower({column})) gin_trgm_ops)"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_documents_{column}_trgm")
        op.execute("DROP FUNCTION IF EXISTS f_unaccent(text)")
    op.drop_index("ix_human_tasks_ready_claimed", table_name="human_tasks")
    op.drop_index("ix_human_tasks_ready_assignee", table_name="human_tasks")
    op.drop_index("ix_human_tasks_ready_scope", table_name="human_tasks")
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("return_note")
        batch.drop_column("returned")

"""inbox and register search on text folded once: documents.search_text and one trigram index

The subject, sender and recipient of a document, folded by f_unaccent(lower(...)), one per line
(app/registry/text_search.py); one trigram GIN index on it replaces the three expression indexes of 0013, which
made every search fold the text of each candidate row again and every insert update three GIN indexes.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 21:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TRIGRAM_COLUMNS = ("subject", "sender_name", "recipient")
BATCH = 20_000

# What text_search.document_text writes, in SQL: the fields one per line, a newline inside a field made a space.
# f_unaccent is the SQL wrapper of 0013 on PostgreSQL and the application's Python function on SQLite.
FOLDED = (
    "f_unaccent(lower("
    + " || char(10) || ".join(f"replace(coalesce({c}, ''), char(10), ' ')" for c in TRIGRAM_COLUMNS)
    + "))"
)


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    folded = FOLDED.replace("char(10)", "chr(10)") if postgresql else FOLDED
    op.add_column("documents", sa.Column("search_text", sa.Text(), nullable=True))
    # In batches of ids, so a large register is filled in short statements rather than one long one.
    last = bind.scalar(sa.text("SELECT max(id) FROM documents")) or 0
    for start in range(0, last + 1, BATCH):
        bind.execute(
            sa.text(
                f"UPDATE documents SET search_text = {folded} WHERE id >= :start AND id < :end"
            ).bindparams(start=start, end=start + BATCH)
        )
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("search_text", existing_type=sa.Text(), nullable=False)
    if postgresql:
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_documents_{column}_trgm")
        op.execute(
            "CREATE INDEX ix_documents_search_text_trgm ON documents USING gin (search_text gin_trgm_ops)"
        )
        op.execute("ANALYZE documents")  # the planner's figures for the new column, before the first search


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_documents_search_text_trgm")
        for column in TRIGRAM_COLUMNS:
            op.execute(
                f"CREATE INDEX ix_documents_{column}_trgm ON documents "
                f"USING gin (f_unaccent(lower({column})) gin_trgm_ops)"
            )
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("search_text")

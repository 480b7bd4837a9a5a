"""Seals of audit entries and checkpoints written before the audit HMAC key existed (append-only)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 03:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_legacy_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref", name="uq_audit_legacy_seals_kind_ref"),
    )
    # Append-only like the log itself (the function comes from migration 0003).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_legacy_seals_append_only BEFORE UPDATE OR DELETE ON audit_legacy_seals "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_legacy_seals_append_only ON audit_legacy_seals")
    op.drop_table("audit_legacy_seals")

"""hardening: outbox retries, incidents, authenticated audit chain, sessions, API tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("outbox_messages", sa.Column("failed_at", sa.DateTime(), nullable=True))
    op.create_index("ix_outbox_messages_failed_at", "outbox_messages", ["failed_at"])
    op.create_table(
        "platform_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("element", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["instance_id"], ["workflow_instances.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_platform_incidents_at", "platform_incidents", ["at"])
    op.create_index("ix_platform_incidents_kind", "platform_incidents", ["kind"])
    op.create_index("ix_platform_incidents_instance_id", "platform_incidents", ["instance_id"])
    op.create_index("ix_platform_incidents_document_id", "platform_incidents", ["document_id"])
    op.add_column("audit_entries", sa.Column("mac", sa.String(length=64), nullable=True))
    op.add_column("audit_checkpoints", sa.Column("token_sha256", sa.String(length=64), nullable=True))
    op.add_column("audit_checkpoints", sa.Column("mac", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_process_versions_one_current",
        "process_versions",
        ["process_id"],
        unique=True,
        postgresql_where=sa.text("is_current"),
        sqlite_where=sa.text("is_current"),
    )
    op.add_column("users", sa.Column("sessions_valid_after", sa.DateTime(), nullable=True))
    op.add_column("api_tokens", sa.Column("name", sa.String(length=100), server_default="", nullable=False))
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(), nullable=True))
    op.add_column("api_tokens", sa.Column("revoked_at", sa.DateTime(), nullable=True))
    op.create_table(
        "ended_sessions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("sid"),
    )
    op.create_index("ix_ended_sessions_user_id", "ended_sessions", ["user_id"])


def downgrade():
    op.drop_table("ended_sessions")
    op.drop_column("api_tokens", "revoked_at")
    op.drop_column("api_tokens", "expires_at")
    op.drop_column("api_tokens", "name")
    op.drop_column("users", "sessions_valid_after")
    op.drop_index("uq_process_versions_one_current", table_name="process_versions")
    op.drop_column("audit_checkpoints", "mac")
    op.drop_column("audit_checkpoints", "token_sha256")
    op.drop_column("audit_entries", "mac")
    op.drop_table("platform_incidents")
    op.drop_index("ix_outbox_messages_failed_at", table_name="outbox_messages")
    op.drop_column("outbox_messages", "failed_at")

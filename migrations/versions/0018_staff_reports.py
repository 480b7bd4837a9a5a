"""outgoing letters' approval: drafts read, approved or returned by the head before signing

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 03:30:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "letter_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("to_institution_id", sa.Integer(), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_address", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("include_source_files", sa.Boolean(), nullable=False),
        sa.Column("files", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_letter_drafts_author_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_letter_drafts_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_letter_drafts_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_letter_drafts_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["outgoing_letters.id"], name=op.f("fk_letter_drafts_letter_id_outgoing_letters")
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"], ["documents.id"], name=op.f("fk_letter_drafts_source_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["to_institution_id"], ["institutions.id"], name=op.f("fk_letter_drafts_to_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_drafts")),
        sa.UniqueConstraint("public_id", name=op.f("uq_letter_drafts_public_id")),
    )
    op.create_index(op.f("ix_letter_drafts_author_id"), "letter_drafts", ["author_id"])
    op.create_index(op.f("ix_letter_drafts_institution_id"), "letter_drafts", ["institution_id"])
    op.create_index(op.f("ix_letter_drafts_source_document_id"), "letter_drafts", ["source_document_id"])
    op.create_index(op.f("ix_letter_drafts_status"), "letter_drafts", ["status"])


def downgrade():
    op.drop_index(op.f("ix_letter_drafts_status"), table_name="letter_drafts")
    op.drop_index(op.f("ix_letter_drafts_source_document_id"), table_name="letter_drafts")
    op.drop_index(op.f("ix_letter_drafts_institution_id"), table_name="letter_drafts")
    op.drop_index(op.f("ix_letter_drafts_author_id"), table_name="letter_drafts")
    op.drop_table("letter_drafts")

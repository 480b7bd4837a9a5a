"""cloud signing: CSC providers and credentials

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'signing_providers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('base_url', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=200), nullable=False),
        sa.Column('client_secret_blob', sa.LargeBinary(), nullable=False),
        sa.Column('trust_roots_pem', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_signing_providers_created_by_id_users')),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_signing_providers_institution_id_institutions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_providers')),
    )
    with op.batch_alter_table('signing_providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_providers_institution_id'), ['institution_id'], unique=False)

    op.create_table(
        'cloud_signings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('credentials', JSON, nullable=False),
        sa.Column('credential_id', sa.String(length=200), nullable=True),
        sa.Column('token_blob', sa.LargeBinary(), nullable=True),
        sa.Column('base_sha256', sa.String(length=64), nullable=True),
        sa.Column('prepared_sha256', sa.String(length=64), nullable=True),
        sa.Column('prepared', JSON, nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_cloud_signings_document_id_documents')),
        sa.ForeignKeyConstraint(['provider_id'], ['signing_providers.id'], name=op.f('fk_cloud_signings_provider_id_signing_providers')),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], name=op.f('fk_cloud_signings_task_id_human_tasks')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cloud_signings_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cloud_signings')),
        sa.UniqueConstraint('public_id', name=op.f('uq_cloud_signings_public_id')),
    )
    with op.batch_alter_table('cloud_signings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cloud_signings_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cloud_signings_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cloud_signings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cloud_signings_user_id'))
        batch_op.drop_index(batch_op.f('ix_cloud_signings_document_id'))
    op.drop_table('cloud_signings')
    with op.batch_alter_table('signing_providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_providers_institution_id'))
    op.drop_table('signing_providers')

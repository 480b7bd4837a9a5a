"""citizens: national eID links, account self-service, company mandates

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roeid_subject', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('privacy_accepted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_roeid_subject'), ['roeid_subject'])

    # Representations that exist before mandates were checked stay approved (server default).
    with op.batch_alter_table('representations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='aprobata'))
        batch_op.add_column(sa.Column('mandate_filename', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('mandate_content_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('mandate_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_representations_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_company_id'), ['company_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_company_id_companies'), 'companies', ['company_id'], ['id'])


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_company_id_companies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_company_id'))
        batch_op.drop_column('company_id')

    with op.batch_alter_table('representations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_representations_decided_by_id_users'), type_='foreignkey')
        for column in ('refusal_reason', 'decided_at', 'decided_by_id', 'mandate_sha256', 'mandate_content_type',
                       'mandate_filename', 'status'):
            batch_op.drop_column(column)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_roeid_subject'), type_='unique')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('privacy_accepted_at')
        batch_op.drop_column('roeid_subject')

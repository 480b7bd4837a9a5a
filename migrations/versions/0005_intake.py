"""intake: paper intake, access codes, enabled types per institution, outgoing correspondence

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 18:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_phone', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=False, server_default='portal'))
        batch_op.add_column(sa.Column('access_code_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('access_code_hash')
        batch_op.drop_column('channel')
        batch_op.drop_column('sender_phone')

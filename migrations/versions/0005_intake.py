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

    op.create_table('institution_document_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('document_type_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('file_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['document_type_id'], ['document_types.id'], name=op.f('fk_institution_document_types_document_type_id_document_types')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_institution_document_types_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_document_types')),
    sa.UniqueConstraint('institution_id', 'document_type_id', name=op.f('uq_institution_document_types_institution_id_document_type_id'))
    )
    with op.batch_alter_table('institution_document_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_document_types_institution_id'), ['institution_id'], unique=False)

    op.create_table('outgoing_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outgoing_document_id', sa.Integer(), nullable=False),
    sa.Column('incoming_document_id', sa.Integer(), nullable=True),
    sa.Column('source_document_id', sa.Integer(), nullable=True),
    sa.Column('from_institution_id', sa.Integer(), nullable=False),
    sa.Column('to_institution_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('recipient_address', sa.String(length=300), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outgoing_letters_created_by_id_users')),
    sa.ForeignKeyConstraint(['from_institution_id'], ['institutions.id'], name=op.f('fk_outgoing_letters_from_institution_id_institutions')),
    sa.ForeignKeyConstraint(['incoming_document_id'], ['documents.id'], name=op.f('fk_outgoing_letters_incoming_document_id_documents')),
    sa.ForeignKeyConstraint(['outgoing_document_id'], ['documents.id'], name=op.f('fk_outgoing_letters_outgoing_document_id_documents')),
    sa.ForeignKeyConstraint(['source_document_id'], ['documents.id'], name=op.f('fk_outgoing_letters_source_document_id_documents')),
    sa.ForeignKeyConstraint(['to_institution_id'], ['institutions.id'], name=op.f('fk_outgoing_letters_to_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_letters')),
    sa.UniqueConstraint('incoming_document_id', name=op.f('uq_outgoing_letters_incoming_document_id')),
    sa.UniqueConstraint('outgoing_document_id', name=op.f('uq_outgoing_letters_outgoing_document_id'))
    )
    with op.batch_alter_table('outgoing_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_letters_from_institution_id'), ['from_institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_letters_source_document_id'), ['source_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_letters_to_institution_id'), ['to_institution_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_letters_to_institution_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_letters_source_document_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_letters_from_institution_id'))
    op.drop_table('outgoing_letters')
    with op.batch_alter_table('institution_document_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_document_types_institution_id'))
    op.drop_table('institution_document_types')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('access_code_hash')
        batch_op.drop_column('channel')
        batch_op.drop_column('sender_phone')

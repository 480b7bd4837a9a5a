"""process operations: institutions own routes, incidents, console actions (slot reserved)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.drop_index("uq_process_versions_one_current", table_name="process_versions")
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deployed_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_process_versions_institution_id'), ['institution_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_process_versions_institution_id_institutions'), 'institutions', ['institution_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_process_versions_deployed_by_id_users'), 'users', ['deployed_by_id'], ['id']
        )
        batch_op.drop_constraint('uq_process_versions_process_id_content_hash', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_process_versions_process_id_institution_id_content_hash'),
            ['process_id', 'institution_id', 'content_hash'],
        )

    # One current version per process and owner: an institution's own, or the platform's template.
    op.create_index(
        "uq_process_versions_one_current",
        "process_versions",
        ["process_id", "institution_id"],
        unique=True,
        postgresql_where=sa.text("is_current AND institution_id IS NOT NULL"),
        sqlite_where=sa.text("is_current AND institution_id IS NOT NULL"),
    )
    op.create_index(
        "uq_process_versions_one_current_template",
        "process_versions",
        ["process_id"],
        unique=True,
        postgresql_where=sa.text("is_current AND institution_id IS NULL"),
        sqlite_where=sa.text("is_current AND institution_id IS NULL"),
    )

    op.create_table(
        'incidents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('element_id', sa.String(length=100), nullable=True),
        sa.Column('element_name', sa.String(length=200), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('details', _json(), nullable=False),
        sa.Column('data', _json(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_incidents_document_id_documents')),
        sa.ForeignKeyConstraint(
            ['institution_id'], ['institutions.id'], name=op.f('fk_incidents_institution_id_institutions')
        ),
        sa.ForeignKeyConstraint(
            ['instance_id'], ['workflow_instances.id'], name=op.f('fk_incidents_instance_id_workflow_instances')
        ),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_incidents_resolved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_instance_id'), ['instance_id'], unique=False)


def downgrade():
    op.drop_index("uq_process_versions_one_current_template", table_name="process_versions")
    op.drop_index("uq_process_versions_one_current", table_name="process_versions")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_instance_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_institution_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_document_id'))
    op.drop_table('incidents')
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_process_versions_process_id_institution_id_content_hash'), type_='unique'
        )
        batch_op.create_unique_constraint(
            'uq_process_versions_process_id_content_hash', ['process_id', 'content_hash']
        )
        batch_op.drop_constraint(batch_op.f('fk_process_versions_deployed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_process_versions_institution_id_institutions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_process_versions_institution_id'))
        batch_op.drop_column('deployed_by_id')
        batch_op.drop_column('institution_id')
    op.create_index(
        "uq_process_versions_one_current",
        "process_versions",
        ["process_id"],
        unique=True,
        postgresql_where=sa.text("is_current"),
        sqlite_where=sa.text("is_current"),
    )

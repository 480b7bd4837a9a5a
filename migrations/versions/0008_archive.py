"""archive: file plan, archive records, fixity, retention and disposal

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 18:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Archive tables that are insert-only (Law 135/2007: the archive is never edited).
INSERT_ONLY = ("archive_records", "archive_items", "archive_destructions")


def upgrade():
    op.create_table(
        'archive_file_classes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('retention_years', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('institution_id', 'department_id', 'code'),
    )
    op.create_index('ix_archive_file_classes_institution_id', 'archive_file_classes', ['institution_id'])
    op.create_table(
        'archive_class_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('document_type_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('file_class_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.ForeignKeyConstraint(['document_type_id'], ['document_types.id']),
        sa.ForeignKeyConstraint(['file_class_id'], ['archive_file_classes.id']),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('institution_id', 'document_type_id', 'department_id'),
    )
    op.create_index('ix_archive_class_mappings_institution_id', 'archive_class_mappings', ['institution_id'])
    op.create_table(
        'archive_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('file_class_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('retention_until', sa.Date(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('legal_hold_reason', sa.Text(), nullable=True),
        sa.Column('legal_hold_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['file_class_id'], ['archive_file_classes.id']),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('file_class_id', 'year'),
        sa.UniqueConstraint('public_id'),
    )
    op.create_index('ix_archive_files_institution_id', 'archive_files', ['institution_id'])
    op.create_index('ix_archive_files_file_class_id', 'archive_files', ['file_class_id'])
    op.create_index('ix_archive_files_institution_year', 'archive_files', ['institution_id', 'year'])
    op.create_table(
        'archive_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('archive_file_id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('registration_label', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('card', JSON, nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('archived_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['archive_file_id'], ['archive_files.id']),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id'),
        sa.UniqueConstraint('public_id'),
    )
    op.create_index('ix_archive_records_archive_file_id', 'archive_records', ['archive_file_id'])
    op.create_index('ix_archive_records_institution_id', 'archive_records', ['institution_id'])
    op.create_table(
        'archive_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('renews_id', sa.Integer(), nullable=True),
        sa.Column('timestamp_expires_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['archive_records.id']),
        sa.ForeignKeyConstraint(['renews_id'], ['archive_items.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_archive_items_record_id', 'archive_items', ['record_id'])
    op.create_index('ix_archive_items_sha256', 'archive_items', ['sha256'])
    op.create_table(
        'archive_fixity_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('checked', sa.Integer(), nullable=False),
        sa.Column('problems', JSON, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'archive_disposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('file_ids', JSON, nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('report_sha256', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id']),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id'),
    )
    op.create_index('ix_archive_disposals_institution_id', 'archive_disposals', ['institution_id'])
    op.create_table(
        'archive_destructions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('disposal_id', sa.Integer(), nullable=False),
        sa.Column('archive_file_id', sa.Integer(), nullable=False),
        sa.Column('description', JSON, nullable=False),
        sa.Column('report_sha256', sa.String(length=64), nullable=False),
        sa.Column('destroyed_at', sa.DateTime(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['archive_file_id'], ['archive_files.id']),
        sa.ForeignKeyConstraint(['disposal_id'], ['archive_disposals.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('archive_file_id'),
    )
    op.create_index('ix_archive_destructions_disposal_id', 'archive_destructions', ['disposal_id'])

    if op.get_bind().dialect.name == "postgresql":
        # Full-text search over the archive with the Romanian configuration (stemming, stop words).
        op.execute(
            "CREATE INDEX ix_archive_records_fts ON archive_records "
            "USING gin (to_tsvector('romanian', search_text))"
        )
        # The archive is never edited: UPDATE and DELETE are refused whoever asks (TRUNCATE stays possible for
        # the test suite's resets). A disposal deletes blobs and inserts into archive_destructions instead.
        op.execute("""
            CREATE FUNCTION archive_insert_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is insert-only: the archive is never edited (% refused)', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql;
        """)
        for table in INSERT_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION archive_insert_only()"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in INSERT_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS archive_insert_only()")
        op.execute("DROP INDEX IF EXISTS ix_archive_records_fts")
    op.drop_table('archive_destructions')
    op.drop_table('archive_disposals')
    op.drop_table('archive_fixity_runs')
    op.drop_table('archive_items')
    op.drop_table('archive_records')
    op.drop_table('archive_files')
    op.drop_table('archive_class_mappings')
    op.drop_table('archive_file_classes')

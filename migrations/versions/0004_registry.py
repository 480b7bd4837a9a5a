"""registry: registers, art. 9 fields, annulments, links, frozen days

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 18:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Columns of a registered entry that never change (the application says so first, see registry/models.py).
IMMUTABLE_COLUMNS = (
    "registration_number",
    "registration_year",
    "registered_at",
    "sender_name",
    "subject",
    "institution_id",
    "register_id",
)


def upgrade():
    op.create_table('registers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_registers_department_id_departments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_registers_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registers')),
    sa.UniqueConstraint('institution_id', 'code', name=op.f('uq_registers_institution_id_code'))
    )
    with op.batch_alter_table('registers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registers_institution_id'), ['institution_id'], unique=False)

    op.create_table('register_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_register_days_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_days')),
    sa.UniqueConstraint('institution_id', 'day', name=op.f('uq_register_days_institution_id_day'))
    )
    with op.batch_alter_table('register_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_days_institution_id'), ['institution_id'], unique=False)

    op.create_table('document_annulments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('annulled_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_annulments_document_id_documents')),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_document_annulments_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_annulments')),
    sa.UniqueConstraint('document_id', name=op.f('uq_document_annulments_document_id'))
    )

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sender_reference', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('sender_reference_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('page_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('annex_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dispatched_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('recipient', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('linked_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('file_code', sa.String(length=60), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_register_id'), ['register_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_linked_document_id'), ['linked_document_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_register_id_registers'), 'registers', ['register_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_documents_linked_document_id_documents'), 'documents', ['linked_document_id'], ['id'])
        batch_op.create_check_constraint('direction', "direction IN ('intrare', 'iesire', 'intern')")

    if op.get_bind().dialect.name == "postgresql":
        # A registered entry keeps its number, date, sender and subject, and is never deleted (annulled instead),
        # whoever asks. TRUNCATE (the test suite's reset) needs table ownership and is not a row operation.
        # The register may still be filled in on an entry registered before registers existed.
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in IMMUTABLE_COLUMNS if c != "register_id")
        changed += " OR (OLD.register_id IS NOT NULL AND NEW.register_id IS DISTINCT FROM OLD.register_id)"
        op.execute(f"""
            CREATE FUNCTION documents_registered_immutable() RETURNS trigger AS $$
            BEGIN
                IF OLD.registration_number IS NULL THEN
                    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'documents: registered entry %/% cannot be deleted (annul it)',
                        OLD.registration_number, OLD.registration_year;
                END IF;
                IF {changed} THEN
                    RAISE EXCEPTION 'documents: registered entry %/% is immutable (number, date, sender, subject)',
                        OLD.registration_number, OLD.registration_year;
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
        """)
        op.execute("""
            CREATE TRIGGER documents_registered_immutable BEFORE UPDATE OR DELETE ON documents
            FOR EACH ROW EXECUTE FUNCTION documents_registered_immutable();
        """)
        # Annulments and frozen days are records: append-only.
        op.execute("""
            CREATE FUNCTION registry_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql;
        """)
        for table in ("document_annulments", "register_days"):
            op.execute(f"""
                CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION registry_append_only();
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("document_annulments", "register_days"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS registry_append_only()")
        op.execute("DROP TRIGGER IF EXISTS documents_registered_immutable ON documents")
        op.execute("DROP FUNCTION IF EXISTS documents_registered_immutable()")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_documents_direction'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_documents_linked_document_id_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_documents_register_id_registers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_linked_document_id'))
        batch_op.drop_index(batch_op.f('ix_documents_register_id'))
        batch_op.drop_column('file_code')
        batch_op.drop_column('linked_document_id')
        batch_op.drop_column('recipient')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('annex_count')
        batch_op.drop_column('page_count')
        batch_op.drop_column('sender_reference_date')
        batch_op.drop_column('sender_reference')
        batch_op.drop_column('register_id')
    op.drop_table('document_annulments')
    with op.batch_alter_table('register_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_days_institution_id'))
    op.drop_table('register_days')
    with op.batch_alter_table('registers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registers_institution_id'))
    op.drop_table('registers')

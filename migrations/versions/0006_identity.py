"""identity: persons and companies, e-mail verification, login log, TOTP, delegation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 18:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=30), nullable=False, server_default='consiliu_judetean'))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cui', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('require_totp', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_institutions_parent_id_institutions'), 'institutions', ['parent_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cnp', sa.String(length=13), nullable=True))
        # Accounts that exist before verification was introduced count as verified.
        batch_op.add_column(sa.Column('email_verified', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('is_platform_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_cnp'), ['cnp'])

    with op.batch_alter_table('history_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_history_entries_on_behalf_of_id_users'), 'users', ['on_behalf_of_id'], ['id'])

    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cui', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('vat_payer', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_companies_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('cui', name=op.f('uq_companies_cui'))
    )
    op.create_table('representations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_representations_company_id_companies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_representations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representations')),
    sa.UniqueConstraint('user_id', 'company_id', name=op.f('uq_representations_user_id_company_id'))
    )
    with op.batch_alter_table('representations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representations_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_representations_user_id'), ['user_id'], unique=False)

    op.create_table('personal_data_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('route', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['users.id'], name=op.f('fk_personal_data_access_subject_id_users')),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_personal_data_access_viewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_data_access'))
    )
    with op.batch_alter_table('personal_data_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_data_access_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_data_access_viewer_id'), ['viewer_id'], unique=False)

    op.create_table('login_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('login', sa.String(length=254), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_events'))
    )
    with op.batch_alter_table('login_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_events_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_events_login'), ['login'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_events_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_delegations_created_by_id_users')),
    sa.ForeignKeyConstraint(['deputy_id'], ['users.id'], name=op.f('fk_delegations_deputy_id_users')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_delegations_institution_id_institutions')),
    sa.ForeignKeyConstraint(['principal_id'], ['users.id'], name=op.f('fk_delegations_principal_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegations_principal_id'), ['principal_id'], unique=False)


def downgrade():
    for table in ('delegations', 'recovery_codes', 'login_events', 'personal_data_access', 'representations',
                  'companies'):
        op.drop_table(table)
    with op.batch_alter_table('history_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_history_entries_on_behalf_of_id_users'), type_='foreignkey')
        batch_op.drop_column('on_behalf_of_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_cnp'), type_='unique')
        for column in ('totp_enabled_at', 'totp_secret', 'is_platform_admin', 'email_verified_at',
                       'email_verified', 'cnp'):
            batch_op.drop_column(column)
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_institutions_parent_id_institutions'), type_='foreignkey')
        for column in ('require_totp', 'cui', 'parent_id', 'kind'):
            batch_op.drop_column(column)

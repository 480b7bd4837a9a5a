"""portal: notifications, completion requests, comments, drafts, tracking by phone

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 18:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_by', sa.String(length=20), nullable=False, server_default='electronic'))

    op.create_table('submission_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_type_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('data', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_type_id'], ['document_types.id'], name=op.f('fk_submission_drafts_document_type_id_document_types')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_submission_drafts_institution_id_institutions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submission_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_drafts')),
    sa.UniqueConstraint('public_id', name=op.f('uq_submission_drafts_public_id'))
    )
    with op.batch_alter_table('submission_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_drafts_user_id'), ['user_id'], unique=False)

    op.create_table('tracking_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_attempts'))
    )
    with op.batch_alter_table('tracking_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_tracking_attempts_ip_at', ['ip', 'at'], unique=False)
        batch_op.create_index('ix_tracking_attempts_number_at', ['number', 'at'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
    sa.Column('attachment_name', sa.String(length=200), nullable=True),
    sa.Column('attachment_type', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_outbox_messages_document_id_documents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_sent_at'), ['sent_at'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('sms', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences'))
    )

    op.create_table('completion_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_completion_requests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_completion_requests_document_id_documents')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_completion_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], name=op.f('fk_completion_requests_task_id_human_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_completion_requests')),
    sa.UniqueConstraint('public_id', name=op.f('uq_completion_requests_public_id'))
    )
    with op.batch_alter_table('completion_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_completion_requests_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_completion_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_completion_requests_task_id'), ['task_id'], unique=False)

    op.create_table('staff_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mentions', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_staff_comments_author_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_staff_comments_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_comments'))
    )
    with op.batch_alter_table('staff_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_comments_document_id'), ['document_id'], unique=False)


def downgrade():
    for table in ('staff_comments', 'completion_requests', 'notification_preferences', 'outbox_messages',
                  'tracking_attempts', 'submission_drafts'):
        op.drop_table(table)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('answer_by')

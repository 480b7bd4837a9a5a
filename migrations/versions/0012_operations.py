"""process operations: institutions own routes, incidents, console actions (slot reserved)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:40:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

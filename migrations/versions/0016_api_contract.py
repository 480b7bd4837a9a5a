"""the API contract and its new resources (slot reserved)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 03:30:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

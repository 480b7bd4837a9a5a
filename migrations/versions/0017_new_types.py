"""document types from the browser, decision tables: a process version keeps its DMN files, and the manifest and
scenario tests of a type created in the modeler (no file in processes/)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 03:30:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("process_versions") as batch:
        batch.add_column(sa.Column("decisions", _JSON, nullable=True))
        batch.add_column(sa.Column("manifest", _JSON, nullable=True))
        batch.add_column(sa.Column("scenarios", _JSON, nullable=True))


def downgrade():
    with op.batch_alter_table("process_versions") as batch:
        batch.drop_column("scenarios")
        batch.drop_column("manifest")
        batch.drop_column("decisions")

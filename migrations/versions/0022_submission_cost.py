"""the cost of a submission: a registration number in one round trip, the frozen day checked under the counter's lock

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 21:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# The counter row is locked first (it waits for a registration or a freeze in flight: app/registry/freeze.py
# locks it too), then the day is checked by a statement of its own, whose snapshot shows a freeze committed
# during that wait (a VOLATILE function takes a new snapshot for each statement in READ COMMITTED). A frozen day
# returns NULL with the counter unchanged; otherwise the number, held with the row's lock until commit.
FUNCTION = """
CREATE OR REPLACE FUNCTION take_registration_number(p_institution integer, p_year integer, p_day date)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    last integer;
BEGIN
    INSERT INTO registration_counters (institution_id, year, last_number) VALUES (p_institution, p_year, 0)
    ON CONFLICT (institution_id, year) DO UPDATE SET last_number = registration_counters.last_number
    RETURNING last_number INTO last;
    IF EXISTS (SELECT 1 FROM register_days WHERE institution_id = p_institution AND day = p_day) THEN
        RETURN NULL;
    END IF;
    UPDATE registration_counters SET last_number = last + 1
    WHERE institution_id = p_institution AND year = p_year;
    RETURN last + 1;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS take_registration_number(integer, integer, date)")

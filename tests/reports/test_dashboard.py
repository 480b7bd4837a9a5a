"""The heads' dashboard: figures of the user's own scope (a head their department, the secretary general the
institution, never another institution), charts with a table each; everyone else is refused."""

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.reports.dashboard import dashboard
from app.reports.scope import scope_for
from tests.reports.helpers import entry, institution
from tests.routes import user
from tests.webflow import csrf_token

pytestmark = pytest.mark.date_sensitive

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def figure(result, key):
    return next(f for f in result["figures"] if f.key == key)


def seed():
    """Council: two petitions in public relations (one answered in 10 days, one open and late), one open in
    urbanism due in 3 days; Săcele: one open petition (never in the council's figures)."""
    answered = entry("cj-brasov", NOW - timedelta(days=40), closed_at=NOW - timedelta(days=30))
    late = entry("cj-brasov", NOW - timedelta(days=35), deadline_at=NOW - timedelta(days=5))
    due = entry(
        "cj-brasov",
        NOW - timedelta(days=2),
        department_code="urbanism",
        deadline_at=NOW + timedelta(days=3),
        subject="Autorizație de construire strada Lungă",
    )
    entry("pm-sacele", NOW - timedelta(days=1), deadline_at=NOW + timedelta(days=2), subject="Săcele doar")
    return answered, late, due


def test_a_head_sees_their_department_and_the_secretary_general_the_institution(ctx):
    seed()
    head = dashboard(scope_for(user("sef.serviciu"), None), NOW)
    months = dict((row[0], row[1:]) for row in figure(head, "luni").rows)
    assert len(months) == 12 and months["oct. 2026"] == (2, 1)  # received, answered in October
    assert figure(head, "compartimente").rows == [("Serviciul Relații cu Publicul", 1, 1)]
    assert figure(head, "mediana").rows == [("Petiție", 10.0, 1)]
    assert head["due_documents"] == []  # the urbanism deadline is not the public relations head's

    council = dashboard(scope_for(user("secretar"), None), NOW)
    departments = {row[0]: row[1:] for row in figure(council, "compartimente").rows}
    assert departments == {
        "Direcția Urbanism și Amenajarea Teritoriului": (1, 0),
        "Serviciul Relații cu Publicul": (1, 1),
    }
    assert [d.subject for d in council["due_documents"]] == ["Autorizație de construire strada Lungă"]
    days = dict(figure(council, "termene").rows)
    assert len(days) == 15 and days["23.11.2026"] == 1 and sum(days.values()) == 1
    assert all("Săcele doar" != d.subject for d in council["due_documents"])


def test_nobody_sees_another_institution(ctx):
    sacele = institution("pm-sacele")
    assert scope_for(user("secretar"), sacele.id) is None
    assert scope_for(user("sef.sacele"), institution("cj-brasov").id) is None
    assert scope_for(user("referent"), None) is None and scope_for(user("registrator"), None) is None


def test_dashboard_page_with_charts_and_tables(app, login_as, time_machine):
    time_machine.move_to(NOW, tick=False)
    with app.app_context():
        seed()
        db.session.commit()
        sacele_id = institution("pm-sacele").id
    head = login_as("sef.serviciu")
    html = head.get("/tablou").get_data(as_text=True)
    assert html.count('<canvas class="dashboard-chart"') == 5
    assert 'id="tabel-compartimente"' in html and "Serviciul Relații cu Publicul" in html
    assert "/vendor/chartjs/chart.umd.min.js" in html and "Săcele doar" not in html
    assert head.get("/vendor/chartjs/chart.umd.min.js").status_code == 200
    # another institution's dashboard, asked for by id, does not exist for this head
    assert head.get(f"/tablou?institutie={sacele_id}").status_code == 404
    assert head.get("/tablou?institutie=abc").status_code == 404
    town = login_as("sef.sacele")
    assert "Săcele doar" in town.get("/tablou").get_data(as_text=True)


@pytest.mark.parametrize("username", ["referent", "registrator", "auditor", "cetatean"])
def test_others_are_refused_even_with_a_valid_token(app, login_as, username):
    client = login_as(username)
    token = csrf_token(
        client, "/cont" if username == "cetatean" else "/sarcini/" if username != "auditor" else "/cont"
    )
    assert client.get("/tablou").status_code == 403
    assert client.post("/tablou", data={"csrf_token": token}).status_code in (403, 405)

"""The inbox's views, counts, search, sorting and paging; the task query reads memberships, never engine state."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.communication.requests import request_completion
from app.dates import now_utc, to_local
from app.extensions import db
from app.identity.models import Delegation
from app.inbox.queries import PAGE_SIZE, inbox_page
from tests.routes import do, open_task, submit_petition, user


def counts(client, **params) -> dict[str, int]:
    html = client.get("/sarcini/", query_string=params).get_data(as_text=True)
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'data-view="([a-z-]+)">(\d+)<', html)}


def listed(client, **params) -> list[int]:
    html = client.get("/sarcini/", query_string=params).get_data(as_text=True)
    return [int(n) for n in re.findall(r'href="/sarcini/(\d+)">', html)]


def assigned_petition(app, subject: str) -> tuple[int, int]:
    """A registered petition assigned to `referent`: (document id, its draft task id)."""
    with app.app_context():
        document = submit_petition(subject=subject)
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
        return document.id, open_task(document, "redactare").id


def test_views_count_and_list_the_right_tasks(app, login_as):
    clerk = login_as("registrator")
    before = counts(clerk)
    with app.app_context():
        first = submit_petition(subject="Iluminat public pe strada Morii")
        second = submit_petition(subject="Groapă pe strada Lungă")
        second_task = open_task(second, "inregistrare").id
    after = counts(clerk)
    assert after["toate"] == before["toate"] + 2 and after["grup"] == before["grup"] + 2
    with app.app_context():
        first = db.session.merge(first)
        do(first, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(first, "repartizare", "sef.serviciu", {"referent": "referent"})
        draft = open_task(first, "redactare").id
    assert counts(clerk)["toate"] == before["toate"] + 1

    official = login_as("referent")
    assert draft in listed(official, vedere="ale-mele")
    assert draft not in listed(official, vedere="grup")
    assert draft not in listed(official, vedere="returnate")

    with app.app_context():
        first = db.session.merge(first)
        do(first, "redactare", "referent", {"raspuns": "Prima variantă a răspunsului nostru."})
        do(
            first,
            "aprobare",
            "sef.serviciu",
            {"decizie": "returneaza", "observatii_sef": "Adăugați termenul."},
        )
        redraft = open_task(first, "redactare")
        assert redraft.returned and redraft.return_note == "Adăugați termenul."
        redraft = redraft.id
    assert redraft in listed(official, vedere="returnate")
    assert counts(official)["returnate"] == 1
    page = official.get(f"/sarcini/{redraft}").get_data(as_text=True)
    # The head's comments stand at the top of the redraft, before the form.
    assert page.index("Adăugați termenul.") < page.index('name="raspuns"')
    assert "Returnat" in official.get("/sarcini/").get_data(as_text=True)

    # A clerk of the other institution never sees these tasks, whatever the view.
    other = login_as("registrator.sacele")
    for view in ("toate", "grup", "ale-mele"):
        assert second_task not in listed(other, vedere=view)


def test_waiting_for_the_citizen_view(app, login_as):
    _, task = assigned_petition(app, "Aviz pentru gard")
    official = login_as("referent")
    assert task not in listed(official, vedere="cetatean")
    with app.app_context():
        from app.workflow.models import HumanTask

        request_completion(
            db.session.get(HumanTask, task), user("referent"), "Trimiteți o fotografie a gardului."
        )
        db.session.commit()
    assert listed(official, vedere="cetatean") == [task]
    assert counts(official)["cetatean"] == 1


def test_search_by_number_subject_and_sender(app, login_as):
    with app.app_context():
        document = submit_petition(subject="Copac căzut în parcul Tractorul")
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        task = open_task(document, "repartizare").id
        number, year, sender = document.registration_number, document.registration_year, document.sender_name
    head = login_as("sef.serviciu")
    assert task in listed(head, q=str(number))
    assert task in listed(head, q=f"{number}/{year}")
    assert task in listed(head, q="parcul tractor")
    assert task in listed(head, q=sender.split()[0].lower())
    assert task not in listed(head, q="nu există așa ceva")
    assert task not in listed(head, q=str(number + 1000))


@pytest.mark.parametrize(
    "query, message",
    [
        ("a" * 10_000, "Căutarea are cel mult 200 de caractere"),
        ("groapă\x00", "caracter nepermis"),  # NUL: refused before any view (app/operations/bad_input.py)
        ("\x1b[31m", "caractere nepermise"),
    ],
)
def test_bad_searches_get_a_clear_message(app, login_as, query, message):
    head = login_as("sef.serviciu")
    response = head.get("/sarcini/", query_string={"q": query})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_paging_and_sorting(app, login_as):
    with app.app_context():
        documents = [
            submit_petition(subject=f"Sesizare de test numărul {i:02d}") for i in range(PAGE_SIZE + 3)
        ]
        newest = open_task(documents[-1], "inregistrare").id
    clerk = login_as("registrator")
    assert counts(clerk, q="Sesizare de test")["toate"] == PAGE_SIZE + 3
    first_page = listed(clerk, q="Sesizare de test", ordine="sosire")
    second_page = listed(clerk, q="Sesizare de test", ordine="sosire", pagina=2)
    assert len(first_page) == PAGE_SIZE and len(second_page) == 3
    assert not set(first_page) & set(second_page)
    assert first_page[0] == newest  # newest arrival first
    by_deadline = listed(clerk, q="Sesizare de test") + listed(clerk, q="Sesizare de test", pagina=2)
    assert sorted(by_deadline) == sorted(first_page + second_page)
    # A page past the end shows the last page; nonsense parameters fall back to the defaults, never an error.
    assert listed(clerk, q="Sesizare de test", ordine="sosire", pagina=99) == second_page
    assert clerk.get("/sarcini/?pagina=abc").status_code == 200
    assert clerk.get("/sarcini/?vedere=necunoscuta&ordine=x").status_code == 200


@pytest.mark.date_sensitive
def test_due_soon_and_overdue_views_follow_the_clock(app, login_as, time_machine):
    with app.app_context():
        document = submit_petition(subject="Canalizare înfundată")
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        task = open_task(document, "repartizare")
        task, deadline = task.id, task.due_at
    assert deadline is not None
    head = login_as("sef.serviciu")
    assert task not in listed(head, vedere="scadente")
    time_machine.move_to(deadline - timedelta(days=3), tick=False)
    assert task in listed(head, vedere="scadente")
    assert task not in listed(head, vedere="depasite")
    time_machine.move_to(deadline + timedelta(days=1), tick=False)
    head = login_as("sef.serviciu")  # a new day, a new session
    assert task in listed(head, vedere="depasite")
    assert task not in listed(head, vedere="scadente")


def test_task_query_reads_no_engine_state_and_a_fixed_number_of_statements(ctx):
    for i in range(5):
        submit_petition(subject=f"Petiție de numărat {i}")
    clerk_id = user("registrator").id
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        listing = inbox_page(clerk_id, query="Petiție de numărat")
        for task in listing.tasks:  # what the page shows
            _ = (task.document.subject, task.document.document_type.code, task.claimed_by)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert listing.total == 5 and len(listing.tasks) == 5
    statements = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert not [s for s in statements if "workflow_instances" in s]
    # Memberships, delegations, the counts with the page's ids, the page, the completion requests: independent of
    # the number of tasks.
    assert len(statements) <= 5, statements
    assert not [s for s in statements if "human_tasks" in s and "memberships" in s]


def test_a_deputy_sees_the_absent_colleagues_tasks_under_mine(app, login_as):
    _, draft = assigned_petition(app, "Stâlp de iluminat înclinat")
    head = login_as("sef.serviciu")
    assert draft not in listed(head)
    with app.app_context():
        today = to_local(now_utc()).date()
        chief = user("sef.serviciu")
        db.session.add(
            Delegation(
                principal_id=user("referent").id,
                deputy_id=chief.id,
                institution_id=chief.memberships[0].institution_id,
                start_date=today,
                end_date=today,
                reason="concediu",
                created_by_id=chief.id,
            )
        )
        db.session.commit()
    assert draft in listed(head, vedere="ale-mele")


def test_history_shows_names_not_codes(app, login_as):
    _, draft = assigned_petition(app, "Istoric cu nume")
    page = login_as("referent").get(f"/sarcini/{draft}").get_data(as_text=True)
    history = page[page.index("timeline") :]
    assert "Serviciul Relații cu Publicul" in history and "relatii-publice" not in history
    assert "Elena Dumitrescu" in history

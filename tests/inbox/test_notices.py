"""In-app notices: marked read one by one or all at once, read ones cleared; only one's own."""

from sqlalchemy import func, select

from app.extensions import db
from app.notifications.models import Notification
from tests.routes import user
from tests.webflow import csrf_token


def add_notices(app, username, *messages) -> list[int]:
    with app.app_context():
        rows = [Notification(user_id=user(username).id, message=m) for m in messages]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def unread(app, username) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user(username).id, Notification.read_at.is_(None)
            )
        )


def test_mark_read_mark_all_and_clear(app, login_as):
    first, _second, _third = add_notices(
        app, "referent", "Termen aproape: 1/2026", "Termen depășit: 2/2026", "Nou: 3/2026"
    )
    official = login_as("referent")
    assert "Termen aproape: 1/2026" in official.get("/sarcini/").get_data(as_text=True)
    token = csrf_token(official, "/sarcini/")
    assert official.post(f"/sarcini/notificari/{first}/citit", data={"csrf_token": token}).status_code == 302
    page = official.get("/sarcini/").get_data(as_text=True)
    assert "Termen aproape: 1/2026" not in page and "Termen depășit: 2/2026" in page
    assert unread(app, "referent") == 2
    official.post("/sarcini/notificari/citite", data={"csrf_token": token})
    assert unread(app, "referent") == 0
    assert "Șterge notificările citite (3)" in official.get("/sarcini/").get_data(as_text=True)
    official.post("/sarcini/notificari/sterge-citite", data={"csrf_token": token})
    with app.app_context():
        assert not db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user("referent").id)
        )


def test_someone_elses_notice_is_404_and_unchanged(app, login_as):
    [theirs] = add_notices(app, "sef.serviciu", "Doar pentru șef")
    official = login_as("referent")
    token = csrf_token(official, "/sarcini/")
    assert official.post(f"/sarcini/notificari/{theirs}/citit", data={"csrf_token": token}).status_code == 404
    official.post("/sarcini/notificari/sterge-citite", data={"csrf_token": token})
    official.post("/sarcini/notificari/citite", data={"csrf_token": token})
    assert unread(app, "sef.serviciu") == 1
    assert official.post(f"/sarcini/notificari/{theirs}/citit").status_code == 400  # no CSRF token
    assert login_as("cetatean").post(
        "/sarcini/notificari/citite", data={"csrf_token": token}
    ).status_code in (400, 403)

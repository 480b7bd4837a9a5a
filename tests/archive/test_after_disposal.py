"""After a disposal destroyed a document's archived files: its pages say "destroyed on ..., disposal report nr.
...", its downloads answer 410 (the API too), `flask audit export` and the audit bundle give the same answer, never
a 500 or a traceback."""

from sqlalchemy import select

from app.archive.models import Disposal
from app.archive.retention import close_file
from app.dates import format_date, now_utc
from app.extensions import db
from app.registry.models import Attachment
from app.workflow.runtime import complete_task
from tests.archive.helpers import Web, archived_petition, old_file, propose
from tests.routes import open_task, user
from tests.webflow import issue_token


def _destroyed(app):
    record = archived_petition()
    archive_file = old_file(record)
    close_file(archive_file, user("arhivar"))
    db.session.commit()
    propose(Web(app, "arhivar"), archive_file.id)
    disposal = db.session.scalar(select(Disposal))
    complete_task(
        open_task(disposal.document, "aprobare_comisie").id, user("secretar"), {"decizie_comisie": "aproba"}
    )
    db.session.commit()
    db.session.expire_all()
    return record, db.session.scalar(select(Disposal))


def test_every_way_to_the_files_says_destroyed(ctx, app):
    record, disposal = _destroyed(app)
    expected = f"eliminate la {format_date(now_utc())}, conform procesului-verbal de eliminare nr. {disposal.document.registration_label}"
    document = record.document
    attachment = db.session.scalar(
        select(Attachment).where(Attachment.document_id == document.id, Attachment.kind != "raspuns").limit(1)
    ) or db.session.scalar(select(Attachment).where(Attachment.document_id == document.id).limit(1))

    citizen = Web(app, "cetatean")
    page = citizen.get(f"/documentele-mele/{document.public_id}")
    assert page.status_code == 200 and expected in page.get_data(as_text=True)
    download = citizen.get(f"/fisiere/{attachment.public_id}")
    assert download.status_code == 410 and expected in download.get_data(as_text=True)

    staff = Web(app, "secretar").get(f"/documente/{document.public_id}")
    assert staff.status_code == 200 and expected in staff.get_data(as_text=True)

    token = issue_token(app, "cetatean")
    api = app.test_client().get(
        f"/api/v1/files/{attachment.public_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 410 and expected in api.get_json()["error"]["message"]

    bundle = Web(app, "auditor").get(f"/audit/documente/{document.public_id}/pachet-audit.zip")
    assert bundle.status_code == 410 and expected in bundle.get_data(as_text=True)

    result = app.test_cli_runner().invoke(
        args=["audit", "export", document.public_id, "-o", "/tmp/nu-se-scrie.zip"]
    )
    assert result.exit_code == 3 and expected in result.output and "Traceback" not in result.output

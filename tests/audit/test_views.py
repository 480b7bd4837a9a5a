"""Auditor pages: search, a document's path, the chain, the bundle; the auditor changes nothing anywhere."""

import hashlib
import io
import json
import re
import zipfile

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from tests.audit.helpers import petition_with_loop
from tests.webflow import concrete, csrf_token

pytestmark = pytest.mark.date_sensitive

AUDIT_PAGES = (
    "/audit/",
    "/audit/lant",
    "/audit/documente/{id}",
    "/audit/documente/{id}/traseu.bpmn",
    "/audit/documente/{id}/pachet-audit.zip",
)


def completed(app) -> dict:
    with app.app_context():
        document = petition_with_loop()
        info = {
            "id": document.public_id,
            "label": document.registration_label,
            "number": document.registration_number,
        }
        db.session.remove()
    return info


def test_auditor_pages_refuse_other_roles_and_citizens(app, login_as):
    doc = completed(app)
    for username in ("cetatean", "registrator", "referent", "sef.serviciu", "secretar", "analist", "admin"):
        client = login_as(username)
        for page in AUDIT_PAGES:
            assert client.get(page.format(id=doc["id"])).status_code == 403, (username, page)
    anonymous = app.test_client()
    for page in AUDIT_PAGES:
        response = anonymous.get(page.format(id=doc["id"]))
        assert response.status_code == 302 and "/autentificare" in response.headers["Location"]


def test_the_auditor_cannot_change_anything_anywhere(app, login_as):
    """Every route that accepts a change (POST/PUT/PATCH/DELETE), in the UI and the API, refuses the auditor; only
    logging out (and the login form, which only redirects a logged-in user) is allowed."""
    doc = completed(app)
    auditor = login_as("auditor")
    token = csrf_token(auditor, "/audit/")
    result = app.test_cli_runner().invoke(args=["users", "token", "auditor"])
    bearer = result.output.strip().splitlines()[-1]
    with app.app_context():
        before = db.session.scalar(select(func.max(AuditEntry.seq)))
    checked = 0
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            if rule.endpoint in ("identity.logout", "identity.login"):
                continue
            path = concrete(rule).replace("0123456789abcdef0123456789abcdef", doc["id"])
            if rule.rule.startswith("/api/"):
                response = app.test_client().open(
                    path, method=method, headers={"Authorization": f"Bearer {bearer}"}
                )
            else:
                response = auditor.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (rule.rule, method, response.status_code)
            checked += 1
    assert checked >= 5
    with app.app_context():
        # Nothing was written: not even an audit entry (no action happened).
        assert db.session.scalar(select(func.max(AuditEntry.seq))) == before


def test_search_by_number_subject_person_official_period_and_action(app, login_as):
    doc = completed(app)
    auditor = login_as("auditor")
    page = auditor.get("/audit/").get_data(as_text=True)
    assert "Jurnal de audit" in page
    for query in (
        {"q": f"{doc['number']}/{doc['label'][-4:]}"},  # number/year, the year of registration
        {"q": doc["label"]},
        {"q": "groapă"},
        {"persoana": "Ana Popescu"},
        {"oficial": "Elena Dumitrescu"},
        {"actiune": "registration"},
        {"de_la": "2000-01-01", "pana_la": "2100-12-31"},
    ):
        html = auditor.get("/audit/", query_string=query).get_data(as_text=True)
        assert f"/audit/documente/{doc['id']}" in html, query
    html = auditor.get("/audit/", query_string={"q": f"999/{doc['label'][-4:]}"}).get_data(as_text=True)
    assert f"/audit/documente/{doc['id']}" not in html
    html = auditor.get("/audit/", query_string={"de_la": "2000-01-01", "pana_la": "2000-01-02"}).get_data(
        as_text=True
    )
    assert "Nicio înregistrare" in html
    html = auditor.get("/audit/", query_string={"oficial": "Elena Dumitrescu", "actiune": "login"}).get_data(
        as_text=True
    )
    assert "Nicio înregistrare" in html


def test_document_page_shows_every_step_and_replay_verified(app, login_as):
    doc = completed(app)
    auditor = login_as("auditor")
    html = auditor.get(f"/audit/documente/{doc['id']}").get_data(as_text=True)
    assert "Reluare verificată" in html
    assert html.count('class="audit-step"') >= 15
    assert "f_returnat" in html  # the flow taken back to the draft
    assert "Precizați termenul." in html and "Diferențe față de pasul anterior" in html
    assert "Versiunea traseului" in html
    with app.app_context():
        viewed = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert viewed.action == "document_viewed" and viewed.actor_name == "Cristina Vasilescu (auditor)"
    assert "bpmn:definitions" in auditor.get(f"/audit/documente/{doc['id']}/traseu.bpmn").get_data(
        as_text=True
    )
    chain = auditor.get("/audit/lant").get_data(as_text=True)
    assert "Lanțul este intact" in chain


def test_audit_bundle(app, login_as, tmp_path, pdftotext):
    doc = completed(app)
    auditor = login_as("auditor")
    response = auditor.get(f"/audit/documente/{doc['id']}/pachet-audit.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert {"document.json", "raport-audit.pdf", "manifest.sha256"} <= set(names)
    assert any(re.match(r"traseu/petitie-v\d+\.bpmn$", n) for n in names)
    assert any(n.startswith("fisiere/") and n.endswith(".pdf") for n in names)  # the answer letter
    for line in archive.read("manifest.sha256").decode().splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
    data = json.loads(archive.read("document.json"))
    assert data["seal"]["sealed"] is True
    assert_sealed_by_institution(archive, tmp_path)
    assert data["replay"]["verified"] is True and data["chain"]["ok"] is True
    assert [s["bpmn_id"] for s in data["steps"]].count("redactare") == 2
    assert all(e["hash_ok"] for e in data["audit_entries"])
    text = pdftotext(archive.read("raport-audit.pdf"), tmp_path)
    assert "Raport de audit" in text and doc["label"] in text and "Precizați termenul." in text
    assert "ș" in text or "ț" in text
    with app.app_context():
        exported = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert exported.action == "audit_export"
        assert exported.data["sha256"] == hashlib.sha256(response.data).hexdigest()


def assert_sealed_by_institution(archive: zipfile.ZipFile, tmp_path) -> None:
    """An independent check (OpenSSL) of the detached e-seal over the manifest, against the demo root."""
    import subprocess

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.signing import testpki

    root = tmp_path / "root.pem"
    root.write_bytes(
        cx509.load_der_x509_certificate(testpki.root_certificate().dump()).public_bytes(Encoding.PEM)
    )
    (tmp_path / "manifest.sha256").write_bytes(archive.read("manifest.sha256"))
    (tmp_path / "manifest.sha256.p7s").write_bytes(archive.read("manifest.sha256.p7s"))

    def verify(content: str):
        return subprocess.run(
            [
                "openssl",
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                str(tmp_path / "manifest.sha256.p7s"),
                "-content",
                str(tmp_path / content),
                "-CAfile",
                str(root),
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
            capture_output=True,
            text=True,
        )

    result = verify("manifest.sha256")
    assert result.returncode == 0, result.stderr
    (tmp_path / "altered").write_bytes(archive.read("manifest.sha256") + b"0" * 64 + b"  fisiere/extra\n")
    assert verify("altered").returncode != 0  # any change to the manifest breaks the seal


def test_export_from_the_command_line(app, tmp_path):
    doc = completed(app)
    out = tmp_path / "pachet.zip"
    result = app.test_cli_runner().invoke(args=["audit", "export", doc["id"], "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "document.json" in zipfile.ZipFile(out).namelist()

"""Keys: an administrator uploads a person's PKCS#12; it is stored encrypted, and a passphrase asked at signing is
never stored. Nobody else reaches the page."""

import io

from sqlalchemy import select

from app.extensions import db
from app.signing import testpki
from app.signing.keys import active_credential, decrypt
from app.signing.models import SigningCredential
from tests.signing.helpers import user
from tests.webflow import csrf_token


def upload(client, owner: str, data: bytes, passphrase: str, ask: bool):
    token = csrf_token(client, "/administrare/chei")
    form = {
        "csrf_token": token,
        "owner": owner,
        "parola": passphrase,
        "fisier": (io.BytesIO(data), "cheie.p12"),
    }
    if ask:
        form["cere_parola"] = "1"
    return client.post("/administrare/chei", data=form, content_type="multipart/form-data")


def test_admin_uploads_a_key_that_is_encrypted_at_rest(app, login_as):
    admin = login_as("admin")
    assert "Chei de semnare" in admin.get("/administrare/chei").get_data(as_text=True)
    data = testpki.pkcs12_for("referent", b"parola-cheii")
    with app.app_context():
        referent_id = user("referent").id
    response = upload(admin, f"u:{referent_id}", data, "parola-cheii", ask=True)
    assert response.status_code == 302
    assert "Elena Dumitrescu" in admin.get("/administrare/chei").get_data(as_text=True)
    with app.app_context():
        credential = active_credential(user=user("referent"))
        assert credential.asks_passphrase and credential.passphrase_blob is None  # never stored
        assert data not in credential.secret_blob and decrypt(credential.secret_blob) == data
        previous = db.session.scalars(
            select(SigningCredential).where(SigningCredential.user_id == referent_id)
        )
        assert [c.active for c in previous].count(True) == 1  # the demo key was retired


def test_a_wrong_passphrase_or_a_foreign_file_is_refused(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        owner = f"u:{user('referent').id}"
    response = upload(admin, owner, testpki.pkcs12_for("referent", b"buna"), "gresita", ask=False)
    assert response.status_code == 400 and "parola este greșită" in response.get_data(as_text=True)
    response = upload(admin, owner, b"nu este un fisier pkcs12", "x", ask=False)
    assert response.status_code == 400


def test_only_administrators_reach_the_keys_page(login_as):
    for username in ("referent", "sef.serviciu", "registrator", "cetatean"):
        assert login_as(username).get("/administrare/chei").status_code == 404, username

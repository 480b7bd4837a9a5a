"""Password strength by zxcvbn (score >= 3) with the person's name, e-mail and CNP as hints; messages in Romanian
and English."""

from app.identity.passwords import password_problem
from tests.webflow import csrf_token

VALID_CNP = "1900101400157"


def _signup(client, password, lang="ro", cnp=""):
    token = csrf_token(client, f"/cont-nou?lang={lang}")
    return client.post(
        "/cont-nou",
        data={
            "csrf_token": token,
            "full_name": "Maria Popescu",
            "email": "maria.popescu@example.ro",
            "cnp": cnp,
            "password": password,
            "password_confirm": password,
            "confidentialitate": "da",
        },
    )


def test_ten_digits_are_refused_in_romanian_and_english(app, client):
    response = _signup(client, "1234567890")
    assert response.status_code == 400
    assert "Parola este prea ușor de ghicit" in response.get_data(as_text=True)
    english = _signup(app.test_client(), "1234567890", lang="en")
    assert english.status_code == 400
    assert "The password is too easy to guess" in english.get_data(as_text=True)


def test_the_persons_own_data_make_a_password_weak(ctx):
    assert password_problem("mariapopescu", "Maria Popescu", "maria.popescu@example.ro") is not None
    assert password_problem(f"{VALID_CNP}", "Ion Pop", "ion@example.ro", VALID_CNP) is not None
    assert password_problem("popescu900101", "Maria Popescu", "m@example.ro", VALID_CNP) is not None
    assert password_problem("cerneală-violetă-pe-ceas", "Maria Popescu", "m@example.ro") is None


def test_a_strong_password_is_accepted(client):
    assert _signup(client, "cerneală-violetă-pe-ceas").status_code == 302

"""The one-sentence signature summary shown to citizens."""

from app.portal.signatures import signature_sentence

VALID = {
    "type": "semnatura",
    "signer": "Ion Pop",
    "organization": "Consiliul Județean Brașov",
    "signing_time": "2026-11-21T08:15:00+00:00",
    "intact": True,
    "valid": True,
    "trusted": True,
    "revoked": False,
}


def test_a_valid_signature_in_one_sentence(app):
    with app.app_context():
        good, sentence = signature_sentence(VALID)
    assert good is True
    assert sentence == "Semnătură validă: Consiliul Județean Brașov, aplicată de Ion Pop la 21.11.2026 10:15."


def test_an_invalid_signature_says_why(app):
    with app.app_context():
        assert signature_sentence({**VALID, "intact": False}) == (
            False,
            "Semnătură invalidă (documentul a fost modificat după semnare): Consiliul Județean Brașov, aplicată de "
            "Ion Pop la 21.11.2026 10:15.",
        )
        assert "certificatul a fost revocat" in signature_sentence({**VALID, "revoked": True})[1]
        assert "autoritate de încredere" in signature_sentence({**VALID, "trusted": False})[1]
        assert signature_sentence({"error": "x"})[0] is False
        # A seal of the institution itself: no "applied by" the same name twice.
        assert signature_sentence({**VALID, "signer": "Consiliul Județean Brașov"})[1].startswith(
            "Semnătură validă: Consiliul Județean Brașov la "
        )

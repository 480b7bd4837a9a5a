import pytest

from app.forms import FormDefinition, validate_submission

from .helpers import OPTIONS, sample_form

VALID = {
    "nume": "Ion Popescu",
    "email": "ion.popescu@example.ro",
    "categorie": "sesizare",
    "mesaj": "Text",
    "acord": True,
}


def errors_for(**changes):
    data = {**VALID, **changes}
    return validate_submission(sample_form(), {k: v for k, v in data.items() if v is not None}, OPTIONS)


def test_valid_submission_has_no_errors():
    assert errors_for() == {}
    assert errors_for(compartiment="urb", teme=["apa"], data_faptei="2024-02-29", suma=3.5) == {}


def test_required_fields_are_reported_per_field():
    errors = validate_submission(sample_form(), {"acord": True}, OPTIONS)
    assert errors == {
        "nume": ["Câmpul este obligatoriu."],
        "email": ["Câmpul este obligatoriu."],
        "categorie": ["Câmpul este obligatoriu."],
        "mesaj": ["Câmpul este obligatoriu."],
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"nume": "Io"}, "nume", "Introduceți cel puțin 3 caractere."),
        ({"nume": "x" * 101}, "nume", "Introduceți cel mult 100 caractere."),
        ({"categorie": "altceva"}, "categorie", "Alegeți o valoare din listă."),
        ({"prioritate": "medie"}, "prioritate", "Alegeți o valoare din listă."),
        ({"teme": ["apa", "lumina"]}, "teme", "Alegeți o valoare din listă."),
        ({"numar_persoane": "doi"}, "numar_persoane", "Introduceți un număr întreg."),
        ({"numar_persoane": 2.5}, "numar_persoane", "Introduceți un număr întreg."),
        ({"suma": "mult"}, "suma", "Introduceți un număr."),
        ({"email": "ion@"}, "email", "Adresa de e-mail nu este validă."),
        ({"email": "ion popescu@example.ro"}, "email", "Adresa de e-mail nu este validă."),
        ({"data_faptei": "2024-02-30"}, "data_faptei", "Data nu este validă (zz.ll.aaaa)."),
        ({"data_faptei": "30.02.2024"}, "data_faptei", "Data nu este validă (zz.ll.aaaa)."),
        ({"numar_persoane": 0}, "numar_persoane", "Valoarea este prea mică (minim 1)."),
        ({"numar_persoane": 51}, "numar_persoane", "Valoarea este prea mare (maxim 50)."),
        ({"acord": False}, "acord", "Bifați căsuța pentru a continua."),
    ],
)
def test_romanian_messages(changes, field, message):
    errors = errors_for(**changes)
    assert list(errors) == [field]
    assert errors[field] == [message]


def test_x_options_value_must_come_from_options():
    assert errors_for(compartiment="reg") == {}
    assert errors_for(compartiment="contabilitate") == {"compartiment": ["Alegeți o valoare din listă."]}


def test_x_options_missing_source_accepts_no_value():
    errors = validate_submission(sample_form(), {**VALID, "compartiment": "reg"}, {})
    assert errors == {"compartiment": ["Alegeți o valoare din listă."]}


def test_x_options_does_not_mutate_form_schema():
    form = sample_form()
    validate_submission(form, VALID, OPTIONS)
    assert "enum" not in form.schema["properties"]["compartiment"]


def test_x_options_in_array_items():
    form = FormDefinition(
        {
            "type": "object",
            "properties": {
                "comps": {"type": "array", "items": {"type": "string", "x-options": "compartimente"}}
            },
        }
    )
    assert validate_submission(form, {"comps": ["reg", "urb"]}, OPTIONS) == {}
    assert validate_submission(form, {"comps": ["reg", "x"]}, OPTIONS) == {
        "comps": ["Alegeți o valoare din listă."]
    }


def test_pattern_message():
    form = FormDefinition(
        {"type": "object", "properties": {"cnp": {"type": "string", "pattern": "^[0-9]{13}$"}}}
    )
    assert validate_submission(form, {"cnp": "123"}) == {"cnp": ["Valoarea nu are formatul cerut."]}


def test_dependent_required_is_attributed_to_missing_field():
    form = FormDefinition(
        {
            "type": "object",
            "properties": {"adresa": {"type": "string"}, "judet": {"type": "string"}},
            "dependentRequired": {"adresa": ["judet"]},
        }
    )
    assert validate_submission(form, {"adresa": "Str. Lungă 1"}) == {"judet": ["Câmpul este obligatoriu."]}


def test_errors_not_tied_to_a_field_are_form_level():
    form = FormDefinition(
        {
            "type": "object",
            "properties": {"telefon": {"type": "string"}, "email": {"type": "string"}},
            "anyOf": [{"required": ["telefon"]}, {"required": ["email"]}],
        }
    )
    errors = validate_submission(form, {})
    assert list(errors) == [""]
    assert errors[""] and all(isinstance(m, str) and m for m in errors[""])


def test_messages_go_through_babel(monkeypatch):
    import app.forms.validate as validate_module

    monkeypatch.setattr(validate_module, "gettext", lambda s, **kw: ("T:" + s) % kw if kw else "T:" + s)
    errors = validate_submission(sample_form(), {**VALID, "nume": "Io"}, OPTIONS)
    assert errors == {"nume": ["T:Introduceți cel puțin 3 caractere."]}

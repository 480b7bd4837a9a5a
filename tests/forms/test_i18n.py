"""A form's English texts (x-i18n): labels, help, choices and the error summary follow the request's language,
Romanian stays the fallback and the data never changes with the language."""

import json
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from app.forms import FormDefinition, check_form_definition, display_rows, render_fields, validate_submission
from app.forms.i18n import localize

FORMS = Path(__file__).resolve().parents[2] / "forms"

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Aprobare",
    "x-i18n": {"en": {"title": "Approval"}},
    "type": "object",
    "required": ["decizie", "observatii"],
    "properties": {
        "decizie": {
            "type": "string",
            "title": "Decizia",
            "x-i18n": {"en": {"title": "Decision"}},
            "oneOf": [
                {"const": "aproba", "title": "Aprob", "x-i18n": {"en": {"title": "I approve"}}},
                {"const": "returneaza", "title": "Returnez"},
            ],
        },
        "observatii": {
            "type": "string",
            "title": "Observații",
            "description": "Pentru referent.",
            "x-i18n": {"en": {"title": "Comments", "description": "For the case officer."}},
        },
        "tip": {"type": "string", "title": "Tip", "enum": ["a", "b"], "x-enumNames": ["Unu", "Doi"]},
    },
}
UI = {"observatii": {"ui:widget": "textarea", "ui:help": "Scurt.", "x-i18n": {"en": {"ui:help": "Short."}}}}


@pytest.fixture
def english():
    app = Flask(__name__)
    Babel(app, default_locale="ro")
    with app.test_request_context(), force_locale("en"):
        yield


def test_english_labels_help_and_choices(english):
    form = FormDefinition(SCHEMA, UI)
    assert form.title == "Approval"
    assert form.label("decizie") == "Decision" and form.label("tip") == "Tip"  # no English: Romanian
    html = str(render_fields(form, {}, {}))
    assert "For the case officer." in html and "Short." in html and "I approve" in html
    assert "Returnez" in html  # an option without English keeps its Romanian label
    assert "Pentru referent." not in html and "Scurt." not in html
    assert display_rows(form, {"decizie": "aproba", "observatii": "x"}) == [
        ("Decision", "I approve"),
        ("Comments", "x"),
    ]


def test_validation_names_the_english_label_and_keeps_the_values(english):
    form = FormDefinition(SCHEMA, UI)
    errors = validate_submission(form, {"decizie": "aproba"})
    assert list(errors) == ["observatii"]
    html = str(render_fields(form, {"decizie": "aproba"}, errors))
    assert 'value="aproba"' in html  # values are the stored codes in every language
    assert "Comments" in html


def test_romanian_is_untouched_by_the_english_texts():
    form = FormDefinition(SCHEMA, UI)  # the forms conftest: a Romanian request
    assert form.title == "Aprobare" and form.label("observatii") == "Observații"
    assert "x-i18n" in form.schema  # the texts of record keep their translations
    html = str(render_fields(form, {}, {}))
    assert "Pentru referent." in html and "For the case officer." not in html


def test_enum_names_of_another_length_are_ignored():
    prop = {"enum": ["a", "b"], "x-enumNames": ["Unu", "Doi"], "x-i18n": {"en": {"x-enumNames": ["One"]}}}
    assert localize(prop, "en")["x-enumNames"] == ["Unu", "Doi"]
    assert "x-i18n" not in localize(prop, "en")


def test_malformed_translations_are_reported():
    schema = json.loads(json.dumps(SCHEMA))
    schema["properties"]["decizie"]["x-i18n"] = {"en": {"title": "", "minLength": 3}}
    schema["x-i18n"] = ["en"]
    problems = check_form_definition(schema, UI)
    assert any("x-i18n.en.title" in p for p in problems)
    assert any("x-i18n.en.minLength" in p and "nu este un text traductibil" in p for p in problems)
    assert any("trebuie să fie un obiect" in p for p in problems)
    assert check_form_definition(SCHEMA, UI) == []


TEXTS = ("title", "description", "x-enumNames", "ui:title", "ui:help", "ui:placeholder")


def untranslated(node, where=""):
    if isinstance(node, list):
        return [m for i, item in enumerate(node) for m in untranslated(item, f"{where}/{i}")]
    if not isinstance(node, dict):
        return []
    english = (node.get("x-i18n") or {}).get("en", {})
    missing = [f"{where}: {key}" for key in TEXTS if key in node and key not in english]
    return missing + [m for k, v in node.items() if k != "x-i18n" for m in untranslated(v, f"{where}/{k}")]


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.json")), ids=lambda p: p.name)
def test_every_shipped_form_has_its_english_texts(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert untranslated(data) == []

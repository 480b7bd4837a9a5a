from app.forms import FormDefinition

from .helpers import sample_form


def test_title_and_default_ui_schema():
    form = FormDefinition({"type": "object", "title": "Cerere"})
    assert form.title == "Cerere"
    assert form.ui_schema == {}
    assert FormDefinition({"type": "object"}, None).ui_schema == {}
    assert FormDefinition({"type": "object"}).title == ""


def test_field_names_follow_ui_order_then_schema_order():
    form = FormDefinition(
        {"type": "object", "properties": {"a": {}, "b": {}, "c": {}, "d": {}}}, {"ui:order": ["c", "a"]}
    )
    assert form.field_names() == ["c", "a", "b", "d"]


def test_field_names_wildcard_and_unknown_entries():
    form = FormDefinition(
        {"type": "object", "properties": {"a": {}, "b": {}, "c": {}}}, {"ui:order": ["b", "*", "zzz", "a"]}
    )
    assert form.field_names() == ["b", "c", "a"]


def test_file_fields():
    assert sample_form().file_fields() == ["anexe"]

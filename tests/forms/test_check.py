import pytest

from app.forms import FormSchemaError, check_form_definition

from .helpers import sample_form


def schema(**props):
    return {"type": "object", "properties": props}


def test_sample_form_is_valid():
    form = sample_form()
    assert check_form_definition(form.schema, form.ui_schema) == []
    assert check_form_definition(form.schema, form.ui_schema, option_sources={"compartimente"}) == []


def test_invalid_json_schema_is_reported():
    problems = check_form_definition({"type": "object", "properties": {"x": {"type": "strin"}}})
    assert any("JSON Schema 2020-12" in p for p in problems)


def test_invalid_keyword_value_is_reported():
    problems = check_form_definition(schema(x={"type": "string", "minLength": -1}))
    assert any("JSON Schema 2020-12" in p and "x/minLength" in p for p in problems)


def test_top_level_must_be_object():
    problems = check_form_definition({"type": "array", "items": {"type": "string"}})
    assert any('"type": "object"' in p for p in problems)


def test_unknown_ui_order_field_is_reported():
    problems = check_form_definition(schema(a={"type": "string"}), {"ui:order": ["a", "b", "*"]})
    assert problems == ["„ui:order” conține câmpul necunoscut „b”."]


def test_nested_object_is_unsupported():
    problems = check_form_definition(
        schema(adresa={"type": "object", "properties": {"strada": {"type": "string"}}})
    )
    assert len(problems) == 1 and "adresa" in problems[0] and "imbricate" in problems[0]


def test_array_must_be_of_enum_strings():
    assert (
        check_form_definition(schema(t={"type": "array", "items": {"type": "string", "enum": ["a"]}})) == []
    )
    problems = check_form_definition(schema(t={"type": "array", "items": {"type": "string"}}))
    assert len(problems) == 1 and "„t”" in problems[0]
    assert check_form_definition(schema(t={"type": "array", "items": {"type": "integer", "enum": [1]}}))


def test_file_widget_array_is_allowed():
    ui = {"anexe": {"ui:widget": "file"}}
    assert check_form_definition(schema(anexe={"type": "array", "items": {"type": "string"}}), ui) == []


def test_x_options_source_name_format():
    assert check_form_definition(schema(c={"type": "string", "x-options": "compartimente"})) == []
    problems = check_form_definition(schema(c={"type": "string", "x-options": "Compartimente Active!"}))
    assert len(problems) == 1 and "x-options" in problems[0]
    assert check_form_definition(schema(c={"type": "string", "x-options": 3}))


def test_x_options_unknown_source_when_sources_given():
    problems = check_form_definition(
        schema(c={"type": "string", "x-options": "judete"}), option_sources=["compartimente"]
    )
    assert problems == ["Câmpul „c”: sursa de opțiuni „judete” nu există."]


def test_unsupported_format_and_widget():
    problems = check_form_definition(
        schema(u={"type": "string", "format": "uri"}), {"u": {"ui:widget": "color"}}
    )
    assert len(problems) == 2
    assert any("uri" in p for p in problems) and any("color" in p for p in problems)


def test_required_field_must_exist():
    problems = check_form_definition({"type": "object", "properties": {}, "required": ["nume"]})
    assert problems == ["Câmpul obligatoriu „nume” nu este definit în „properties”."]


def test_ui_schema_for_unknown_field():
    problems = check_form_definition(schema(a={"type": "string"}), {"b": {"ui:widget": "textarea"}})
    assert problems == ["Schema UI se referă la câmpul necunoscut „b”."]


def test_enum_names_must_match_enum():
    problems = check_form_definition(schema(p={"type": "string", "enum": ["a", "b"], "x-enumNames": ["A"]}))
    assert len(problems) == 1 and "x-enumNames" in problems[0]


def test_field_names_must_be_safe_identifiers():
    assert check_form_definition(schema(**{"nume complet": {"type": "string"}}))
    assert check_form_definition(schema(csrf_token={"type": "string"}))


def test_strict_raises_form_schema_error():
    with pytest.raises(FormSchemaError) as exc_info:
        check_form_definition({"type": "array"}, strict=True)
    assert isinstance(exc_info.value, ValueError)
    assert exc_info.value.problems
    assert check_form_definition(schema(a={"type": "string"}), strict=True) == []

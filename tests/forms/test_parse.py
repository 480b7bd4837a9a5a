from werkzeug.datastructures import MultiDict

from app.forms import FormDefinition, parse_submission

from .helpers import sample_form


def parse(pairs):
    return parse_submission(sample_form(), MultiDict(pairs))


def test_typed_values():
    data = parse(
        [
            ("nume", "  Ion Popescu  "),
            ("numar_persoane", "12"),
            ("suma", "12,5"),
            ("raspuns_posta", "true"),
            ("teme", "apa"),
            ("teme", "drumuri"),
            ("categorie", "sesizare"),
        ]
    )
    assert data == {
        "nume": "Ion Popescu",
        "numar_persoane": 12,
        "suma": 12.5,
        "raspuns_posta": True,
        "acord": False,
        "teme": ["apa", "drumuri"],
        "categorie": "sesizare",
    }


def test_unparsable_numbers_are_kept_as_strings():
    data = parse([("numar_persoane", "doi"), ("suma", "1e999")])
    assert data["numar_persoane"] == "doi"
    assert data["suma"] == "1e999"
    assert parse([("numar_persoane", "2.5")])["numar_persoane"] == "2.5"


def test_whole_number_for_number_field_is_int():
    assert parse([("suma", "7")])["suma"] == 7


def test_absent_checkbox_is_false_and_present_is_true():
    assert parse([])["raspuns_posta"] is False
    assert parse([("raspuns_posta", "on")])["raspuns_posta"] is True
    assert parse([("raspuns_posta", "false")])["raspuns_posta"] is False


def test_empty_values_are_dropped():
    data = parse([("nume", "   "), ("data_faptei", ""), ("numar_persoane", ""), ("teme", "")])
    assert "nume" not in data
    assert "data_faptei" not in data
    assert "numar_persoane" not in data
    assert "teme" not in data


def test_unknown_keys_and_file_fields_are_ignored():
    data = parse([("csrf_token", "abc"), ("anexe", "fisier.pdf"), ("necunoscut", "x")])
    assert set(data) == {"raspuns_posta", "acord"}


def test_hidden_field_is_parsed_by_type():
    form = FormDefinition(
        {"type": "object", "properties": {"pas": {"type": "integer"}, "activ": {"type": "boolean"}}},
        {"pas": {"ui:widget": "hidden"}, "activ": {"ui:widget": "hidden"}},
    )
    assert parse_submission(form, MultiDict([("pas", "3"), ("activ", "false")])) == {"pas": 3, "activ": False}


def test_romanian_date_is_converted_to_iso():
    assert parse([("data_faptei", "5.3.2024")])["data_faptei"] == "2024-03-05"
    assert parse([("data_faptei", "2024-03-05")])["data_faptei"] == "2024-03-05"


def test_textarea_newlines_are_normalised():
    assert parse([("mesaj", "rând 1\r\nrând 2\x00")])["mesaj"] == "rând 1\nrând 2"


def test_plain_dict_is_accepted():
    data = parse_submission(sample_form(), {"nume": "Ana", "teme": ["apa"]})
    assert data["nume"] == "Ana"
    assert data["teme"] == ["apa"]

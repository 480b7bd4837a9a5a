"""Shared sample form and HTML helpers for the forms tests."""

import lxml.html

from app.forms import FormDefinition

OPTIONS = {"compartimente": [("reg", "Registratură"), ("urb", "Urbanism")]}


def sample_form() -> FormDefinition:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Petiție",
        "type": "object",
        "required": ["nume", "email", "categorie", "mesaj", "acord"],
        "properties": {
            "nume": {
                "type": "string",
                "title": "Nume și prenume",
                "description": "Așa cum apare în actul de identitate.",
                "minLength": 3,
                "maxLength": 100,
            },
            "email": {"type": "string", "format": "email", "title": "Adresa de e-mail"},
            "data_faptei": {"type": "string", "format": "date", "title": "Data faptei"},
            "categorie": {
                "type": "string",
                "title": "Categorie",
                "oneOf": [
                    {"const": "sesizare", "title": "Sesizare"},
                    {"const": "reclamatie", "title": "Reclamație"},
                ],
            },
            "prioritate": {
                "type": "string",
                "title": "Prioritate",
                "enum": ["mica", "mare"],
                "x-enumNames": ["Mică", "Mare"],
            },
            "canal": {"type": "string", "title": "Canal", "enum": ["posta", "email"]},
            "compartiment": {"type": "string", "title": "Compartiment", "x-options": "compartimente"},
            "mesaj": {"type": "string", "title": "Mesaj", "maxLength": 2000},
            "numar_persoane": {"type": "integer", "title": "Număr de persoane", "minimum": 1, "maximum": 50},
            "suma": {"type": "number", "title": "Suma", "minimum": 0},
            "teme": {
                "type": "array",
                "title": "Teme",
                "items": {"type": "string", "enum": ["apa", "drumuri"], "x-enumNames": ["Apă", "Drumuri"]},
                "uniqueItems": True,
            },
            "raspuns_posta": {"type": "boolean", "title": "Doresc răspuns prin poștă"},
            "acord": {"type": "boolean", "title": "Sunt de acord cu prelucrarea datelor", "const": True},
            "anexe": {"type": "array", "title": "Anexe", "items": {"type": "string"}},
            "sursa": {"type": "string", "title": "Sursa", "default": "portal"},
        },
    }
    ui = {
        "ui:order": ["categorie", "nume", "*", "anexe"],
        "mesaj": {"ui:widget": "textarea", "ui:rows": 10, "ui:help": "Descrieți pe scurt problema."},
        "categorie": {"ui:widget": "radio"},
        "nume": {"ui:placeholder": "Ion Popescu", "ui:autofocus": True},
        "anexe": {"ui:widget": "file"},
        "sursa": {"ui:widget": "hidden"},
    }
    return FormDefinition(schema, ui)


def parse_html(markup) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(str(markup), create_parent="div")


def one(root, xpath: str):
    found = root.xpath(xpath)
    assert len(found) == 1, f"{xpath!r} matched {len(found)} elements"
    return found[0]

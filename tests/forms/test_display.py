from app.forms import display_rows

from .helpers import OPTIONS, sample_form


def test_display_rows_formats_values_in_form_order():
    data = {
        "nume": "Ion Popescu",
        "categorie": "reclamatie",
        "prioritate": "mare",
        "data_faptei": "2024-03-05",
        "teme": ["apa", "drumuri"],
        "raspuns_posta": False,
        "acord": True,
        "numar_persoane": 3,
        "suma": 12.5,
        "necunoscut": "ignorat",
    }
    assert display_rows(sample_form(), data) == [
        ("Categorie", "Reclamație"),
        ("Nume și prenume", "Ion Popescu"),
        ("Data faptei", "05.03.2024"),
        ("Prioritate", "Mare"),
        ("Număr de persoane", "3"),
        ("Suma", "12,5"),
        ("Teme", "Apă, Drumuri"),
        ("Doresc răspuns prin poștă", "Nu"),
        ("Sunt de acord cu prelucrarea datelor", "Da"),
    ]


def test_display_rows_skips_absent_fields():
    assert display_rows(sample_form(), {}) == []
    assert display_rows(sample_form(), {"email": None}) == []


def test_x_options_labels_when_options_given():
    form = sample_form()
    assert display_rows(form, {"compartiment": "urb"}) == [("Compartiment", "urb")]
    assert display_rows(form, {"compartiment": "urb"}, options=OPTIONS) == [("Compartiment", "Urbanism")]


def test_file_list_joined():
    assert display_rows(sample_form(), {"anexe": ["a.pdf", "b.png"]}) == [("Anexe", "a.pdf, b.png")]

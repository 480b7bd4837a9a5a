import dataclasses
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from reportlab.lib.pagesizes import A4

from app.correspondence.answer_pdf import (
    SIGNATURE_BOX_HEIGHT,
    SIGNATURE_BOX_WIDTH,
    AnswerLetter,
    render_answer_pdf,
    signature_boxes,
)

DIACRITICS = "ș ț ă î â Ș Ț Ă Î Â"
BODY = f"""Stimate domnule Țurcanu,

Ca urmare a petiției dumneavoastră, vă comunicăm că lucrările între Șinca și Țânțari încep în 2027.
Toate literele: {DIACRITICS}.

Textul <b>&</b> din cerere rămâne neschimbat, iar x < 5 & y > 3.

Împotriva răspunsului puteți formula contestație."""


def make_letter(**overrides) -> AnswerLetter:
    fields = dict(
        institution_name="Consiliul Județean Brașov",
        department_name="Serviciul Relații cu Publicul",
        registration_label="Nr. 12/21.11.2026",
        issue_date_label="21.11.2026",
        recipient_name="Ștefan Țurcanu",
        recipient_address="Str. Mureșenilor nr. 5\nBrașov",
        subject="Răspuns la petiția nr. 12/21.11.2026",
        body=BODY,
        signers=[("Ion Popescu", "Referent"), ("Maria Ionescu", "Șef serviciu")],
    )
    fields.update(overrides)
    return AnswerLetter(**fields)


def run(tool: str, pdf_path, *args) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} missing: apt-get install poppler-utils")
    return subprocess.run(
        [tool, *args, str(pdf_path)] + (["-"] if tool == "pdftotext" else []),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def pdf_path(tmp_path):
    path = tmp_path / "raspuns.pdf"
    path.write_bytes(render_answer_pdf(make_letter()))
    return path


def page_count(path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", path), re.M).group(1))


def test_is_pdf(pdf_path):
    assert pdf_path.read_bytes().startswith(b"%PDF-")


def test_text_with_diacritics_and_markup_chars(pdf_path):
    text = run("pdftotext", pdf_path)
    flat = " ".join(text.split())
    # Comma-below ș/ț (U+0219/U+021B), not cedilla.
    assert "\u0219" in text and "\u021b" in text
    assert "\u015f" not in text and "\u0163" not in text
    for expected in [
        "Consiliul Județean Brașov",
        "Serviciul Relații cu Publicul",
        "Nr. 12/21.11.2026",
        "Data: 21.11.2026",
        "Ștefan Țurcanu",
        "Str. Mureșenilor nr. 5",
        "Subiect: Răspuns la petiția nr. 12/21.11.2026",
        "Șinca și Țânțari",
        f"Toate literele: {DIACRITICS}.",
        "Textul <b>&</b> din cerere",
        "x < 5 & y > 3",
        "Cu stimă,",
        "Ion Popescu",
        "Șef serviciu",
        "Pagina 1 din 1",
    ]:
        assert expected in flat, expected


def test_fonts_embedded(pdf_path):
    fonts = run("pdffonts", pdf_path).splitlines()[2:]
    names = [line.split()[0] for line in fonts]
    assert any(n.endswith("+DejaVuSans") for n in names)
    assert any(n.endswith("+DejaVuSans-Bold") for n in names)
    # Every font embedded (column "emb" = yes) -- no stray Helvetica reference.
    assert all(" yes " in line for line in fonts), fonts


def test_metadata(pdf_path):
    info = run("pdfinfo", pdf_path)
    assert re.search(r"^Title:\s+Răspuns la petiția nr\. 12/21\.11\.2026$", info, re.M)
    assert re.search(r"^Author:\s+Consiliul Județean Brașov$", info, re.M)
    assert "A4" in info


def test_long_body_flows_to_several_pages(tmp_path):
    letter = make_letter(body="\n\n".join([BODY] * 12))
    path = tmp_path / "lung.pdf"
    path.write_bytes(render_answer_pdf(letter))
    pages = page_count(path)
    assert pages >= 2
    flat = " ".join(run("pdftotext", path).split())
    for n in range(1, pages + 1):
        assert f"Pagina {n} din {pages}" in flat
    boxes = signature_boxes(letter)
    assert [b[0] for b in boxes] == [pages - 1, pages - 1]


def _assert_inside_page(box):
    _, x1, y1, x2, y2 = box
    width, height = A4
    assert 0 <= x1 < x2 <= width
    assert 0 <= y1 < y2 <= height
    assert x2 - x1 == pytest.approx(SIGNATURE_BOX_WIDTH)
    assert y2 - y1 == pytest.approx(SIGNATURE_BOX_HEIGHT)


def _overlap(a, b) -> bool:
    return a[0] == b[0] and a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_one_signature_box_per_signer(count):
    signers = [(f"Semnatar {i}", f"Funcția {i}") for i in range(count)]
    boxes = signature_boxes(make_letter(signers=signers))
    assert len(boxes) == count
    for box in boxes:
        _assert_inside_page(box)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b)


def test_signature_boxes_are_deterministic():
    letter = make_letter()
    assert signature_boxes(letter) == signature_boxes(letter)


class _BBoxParser(HTMLParser):
    """Words with their boxes from `pdftotext -bbox` (top-left origin, points)."""

    def __init__(self):
        super().__init__()
        self.words, self._current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "word":
            a = dict(attrs)
            self._current = [float(a[k]) for k in ("xmin", "ymin", "xmax", "ymax")]

    def handle_data(self, data):
        if self._current is not None:
            self.words.append((data, *self._current))
            self._current = None


def test_boxes_match_drawn_layout(pdf_path):
    # The signer's name sits just above its box, horizontally centred on it.
    parser = _BBoxParser()
    parser.feed(run("pdftotext", pdf_path, "-bbox"))
    page_height = A4[1]
    for (page, x1, _y1, x2, y2), surname in zip(
        signature_boxes(make_letter()), ["Popescu", "Ionescu"], strict=True
    ):
        assert page == 0
        _, wx1, _wy1, wx2, wy2 = next(w for w in parser.words if w[0] == surname)
        name_bottom = page_height - wy2
        assert 0 < name_bottom - y2 < 20
        assert x1 < wx1 < wx2 < x2


def test_body_cannot_inject_markup(tmp_path):
    letter = make_letter(body='<font name="Helvetica" size="40">mare</font> <img src="/etc/passwd"/> &amp;')
    path = tmp_path / "inj.pdf"
    path.write_bytes(render_answer_pdf(letter))
    flat = " ".join(run("pdftotext", path).split())
    assert '<font name="Helvetica" size="40">mare</font>' in flat
    assert '<img src="/etc/passwd"/> &amp;' in flat


def test_missing_fonts_raise_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="fonts-dejavu-core"):
        render_answer_pdf(make_letter(), font_path=str(tmp_path))


def test_custom_font_dir(tmp_path):
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        shutil.copy(f"/usr/share/fonts/truetype/dejavu/{name}", tmp_path / name)
    pdf = render_answer_pdf(make_letter(), font_path=str(tmp_path))
    assert pdf.startswith(b"%PDF-")


def test_optional_address_and_dataclass_replace():
    letter = dataclasses.replace(make_letter(), recipient_address=None, signers=[])
    assert render_answer_pdf(letter).startswith(b"%PDF-")

"""The English catalogue: complete, its placeholders kept, in step with the strings in the code, and no user-facing
refusal left outside it. (Not date-sensitive, unlike the pages in test_i18n.py: run once.)"""

import ast
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
POT = TRANSLATIONS / "messages.pot"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def msgids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def test_english_catalogue_is_complete():
    catalog = read_catalog(EN_PO)
    assert catalog.locale and str(catalog.locale) == "en"
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
    assert not untranslated, f"untranslated in {EN_PO.relative_to(ROOT)}: {untranslated}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy}"


def test_english_translations_keep_the_placeholders():
    catalog = read_catalog(EN_PO)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert not problems


ROMANIAN_LETTERS = re.compile(r"[ăâîșțşţĂÂÎȘȚ]")


def _literal_text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def test_messages_raised_or_flashed_to_users_go_through_the_catalogue():
    """A refusal raised with a Romanian literal (or flashed as one) would stay Romanian on English pages: every such
    text is wrapped in gettext, so extraction puts it in the catalogue."""
    untranslated = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                text = _literal_text(node.exc.args[0])
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "flash" and node.args:
                text = _literal_text(node.args[0])
            if text and ROMANIAN_LETTERS.search(text):
                untranslated.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]}")
    assert not untranslated, "\n".join(untranslated)


def pybabel() -> list[str]:
    script = Path(sys.executable).with_name("pybabel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "babel.messages.frontend"]


def test_catalogues_are_up_to_date_with_the_code(tmp_path):
    """Fails after UI strings change: run `make extract-messages`, then translate the new entries."""
    extracted_pot = tmp_path / "messages.pot"
    result = subprocess.run(
        [
            *pybabel(),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(extracted_pot),
            "app",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    extracted = msgids(read_catalog(extracted_pot))
    assert "Sarcinile mele" in extracted  # sanity: the extraction found the templates
    for path in (POT, EN_PO):
        missing = sorted(extracted - msgids(read_catalog(path)))
        assert not missing, (
            f"{path.relative_to(ROOT)} lacks strings used in the code; run `make extract-messages` "
            f"and translate them: {missing}"
        )

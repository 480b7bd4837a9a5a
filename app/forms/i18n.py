"""Forms in the reader's language: the English (or any other) texts a form carries beside its Romanian ones.

Convention (docs/analysts.md): any object of the JSON Schema or of the UI schema may hold
``"x-i18n": {"en": {...}}`` with replacements for that same object's texts (``title``, ``description``,
``x-enumNames``, ``ui:title``, ``ui:help``, ``ui:placeholder``). Romanian stays the text of record: what a
language lacks falls back to it, and values, validation and stored data never change with the language.
"""

from __future__ import annotations

from typing import Any

I18N_KEY = "x-i18n"
SOURCE_LANGUAGE = "ro"
TEXT_KEYS = frozenset({"title", "description", "x-enumNames", "ui:title", "ui:help", "ui:placeholder"})


def current_language() -> str:
    """The request's language (Flask-Babel); Romanian outside a request."""
    from flask import has_request_context

    if not has_request_context():
        return SOURCE_LANGUAGE
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else SOURCE_LANGUAGE


def localize(node: Any, language: str) -> Any:
    """A copy of ``node`` with each object's texts replaced by its ``x-i18n[language]`` ones."""
    if isinstance(node, list):
        return [localize(item, language) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: localize(value, language) for key, value in node.items() if key != I18N_KEY}
    texts = node.get(I18N_KEY)
    chosen = texts.get(language) if isinstance(texts, dict) and language != SOURCE_LANGUAGE else None
    if isinstance(chosen, dict):
        for key, value in chosen.items():
            if key in TEXT_KEYS and _usable(key, value, node.get(key)):
                out[key] = value
    return out


def _usable(key: str, value: Any, original: Any) -> bool:
    if key == "x-enumNames":
        # labels stay paired with their values: a list of another length is ignored
        return isinstance(value, list) and isinstance(original, list) and len(value) == len(original)
    return isinstance(value, str) and bool(value.strip())


def check_texts(node: Any, where: str = "") -> list[str]:
    """Problems of the x-i18n blocks of a schema or UI schema (analysts read them)."""
    problems: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            problems.extend(check_texts(item, f"{where}/{index}"))
        return problems
    if not isinstance(node, dict):
        return problems
    texts = node.get(I18N_KEY)
    place = where or "rădăcină"
    if texts is not None:
        if not isinstance(texts, dict):
            problems.append(f"„{I18N_KEY}” (la {place}) trebuie să fie un obiect: limbă → texte.")
        else:
            for language, chosen in texts.items():
                if not isinstance(chosen, dict):
                    problems.append(
                        f"„{I18N_KEY}.{language}” (la {place}) trebuie să fie un obiect cu texte."
                    )
                    continue
                for key, value in chosen.items():
                    if key not in TEXT_KEYS:
                        problems.append(
                            f"„{I18N_KEY}.{language}.{key}” (la {place}) nu este un text traductibil "
                            f"({', '.join(sorted(TEXT_KEYS))})."
                        )
                    elif not _usable(key, value, node.get(key)):
                        problems.append(
                            f"„{I18N_KEY}.{language}.{key}” (la {place}) trebuie să fie un text nevid"
                            + (
                                " sau o listă de aceeași lungime ca „x-enumNames”."
                                if key == "x-enumNames"
                                else "."
                            )
                        )
    for key, value in node.items():
        if key != I18N_KEY:
            problems.extend(check_texts(value, f"{where}/{key}"))
    return problems

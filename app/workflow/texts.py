"""Route texts in the reader's language: step names and instructions a process carries beside its Romanian ones.

Convention (docs/analysts.md): a BPMN element holds its other languages as spiffworkflow properties named
``name.<lang>`` and ``instructions.<lang>`` (e.g. ``name.en``) in its extension elements, which SpiffWorkflow
and the modeler keep as they are. The texts are read from the deployed version's XML, so a document shows the
texts of the version it runs on. Romanian, stored with the task and the history, is the fallback.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flask import g, has_request_context
from lxml import etree

from app.extensions import db
from app.forms.i18n import SOURCE_LANGUAGE, current_language
from app.labels import unnamed_step_label
from app.workflow.engine import parse_xml_safely

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
TEXT_KINDS = ("name", "instructions")


@lru_cache(maxsize=64)
def element_texts(bpmn_xml: str) -> dict[str, dict[str, str]]:
    """{element id: {"name.en": ..., "instructions.en": ...}} of every element carrying texts."""
    try:
        tree = parse_xml_safely(bpmn_xml.encode())
    except Exception:  # an unreadable snapshot shows its stored (Romanian) texts
        return {}
    found: dict[str, dict[str, str]] = {}
    for prop in tree.iter(f"{{{SPIFF}}}property"):
        key = prop.get("name") or ""
        kind, _, language = key.partition(".")
        value = (prop.get("value") or "").strip()
        if kind not in TEXT_KINDS or not language or not value:
            continue
        element = prop.getparent()
        while element is not None and element.tag != f"{{{BPMN}}}extensionElements":
            element = element.getparent()
        owner = element.getparent() if element is not None else None
        if owner is not None and owner.get("id"):
            found.setdefault(owner.get("id"), {})[key] = value
    return found


def localized_xml(bpmn_xml: str, language: str | None = None) -> str:
    """The diagram with its labels in ``language`` (for the viewer): each element's ``name.<lang>``
    replaces its name; elements without one keep theirs."""
    language = language or current_language()
    texts = element_texts(bpmn_xml)
    if language == SOURCE_LANGUAGE or not texts:
        return bpmn_xml
    tree = parse_xml_safely(bpmn_xml.encode())
    key = f"name.{language}"
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        name = texts.get(element.get("id") or "", {}).get(key)
        if name and element.get("name") is not None:
            element.set("name", name)
    return etree.tostring(tree, encoding="unicode")


def _instance_texts(instance_id: int) -> dict[str, dict[str, str]]:
    from app.workflow.models import ProcessVersion, WorkflowInstance

    cache = g.setdefault("_route_texts", {}) if has_request_context() else {}
    if instance_id not in cache:
        xml = db.session.scalar(
            db.select(ProcessVersion.bpmn_xml)
            .join(WorkflowInstance, WorkflowInstance.process_version_id == ProcessVersion.id)
            .where(WorkflowInstance.id == instance_id)
        )
        cache[instance_id] = element_texts(xml) if xml else {}
    return cache[instance_id]


def route_text(instance_id: int | None, element_id: str | None, kind: str, stored: str | None) -> str | None:
    """The element's ``kind`` text in the request's language, else what was stored (Romanian)."""
    language = current_language()
    if language == SOURCE_LANGUAGE or not instance_id or not element_id:
        return stored
    return _instance_texts(instance_id).get(element_id, {}).get(f"{kind}.{language}") or stored


def step_name(item: Any) -> str:
    """A task's, history entry's or incident's step name in the request's language.

    A name the application itself stored (not a route's element) is looked up in the interface's catalogue."""
    element_id = getattr(item, "bpmn_id", None) or getattr(item, "element_id", None)
    stored = (
        getattr(item, "element_name", None) if hasattr(item, "element_name") else getattr(item, "name", None)
    )
    text = route_text(getattr(item, "instance_id", None), element_id, "name", stored)
    if text and text == stored and current_language() != SOURCE_LANGUAGE:
        from flask_babel import gettext

        return gettext(text)
    if text:
        return text
    # A history entry of a step the analyst left unnamed is called by what the step does, never its id.
    return str(unnamed_step_label(item)) if hasattr(item, "event") else ""


def route_name(version: Any) -> str:
    """A deployed version's process name in the request's language."""
    language = current_language()
    if language == SOURCE_LANGUAGE:
        return version.name
    return element_texts(version.bpmn_xml).get(version.process_id, {}).get(f"name.{language}") or version.name


def step_instructions(task: Any) -> str | None:
    return route_text(task.instance_id, task.bpmn_id, "instructions", task.instructions)


_MESSAGE_PATTERNS: list[tuple[re.Pattern, str]] = []


def _message_patterns() -> list[tuple[re.Pattern, str]]:
    """Each template of app/labels.HISTORY_MESSAGES as a pattern over the stored (Romanian) text."""
    if not _MESSAGE_PATTERNS:
        from flask_babel import force_locale

        from app.labels import HISTORY_MESSAGES

        with force_locale(SOURCE_LANGUAGE):
            for lazy in HISTORY_MESSAGES:
                msgid = str(lazy)  # no Romanian catalogue: the msgid itself
                parts = re.split(r"%\((\w+)\)s", msgid)
                pattern = "".join(
                    re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
                    for index, part in enumerate(parts)
                )
                _MESSAGE_PATTERNS.append((re.compile(f"^{pattern}$", re.S), msgid))
    return _MESSAGE_PATTERNS


def history_message(text: str | None) -> str | None:
    """A message the application stored in Romanian, in the reader's language when its template is known."""
    if not text or current_language() == SOURCE_LANGUAGE:
        return text
    from flask_babel import gettext

    for pattern, msgid in _message_patterns():
        match = pattern.match(text)
        if match:
            return gettext(msgid, **match.groupdict())
    return text


def init_app(app) -> None:
    app.add_template_filter(step_name, "step_name")
    app.add_template_filter(step_instructions, "step_instructions")
    app.add_template_filter(history_message, "history_message")
    app.add_template_filter(route_name, "route_name")

"""A document's history with each step's submitted data as labelled rows (for staff pages)."""

from sqlalchemy import select

from app.extensions import db
from app.forms import display_rows
from app.registry.models import Document
from app.workflow.deploy import form_definition
from app.workflow.models import HistoryEntry, HumanTask, WorkflowInstance
from app.workflow.runtime import form_options


def history_entries(document: Document) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.document_id == document.id)
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    )


def history_with_rows(document: Document) -> list[HistoryEntry]:
    entries = history_entries(document)
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    forms = {}
    if instance is not None:
        for task in db.session.scalars(select(HumanTask).where(HumanTask.document_id == document.id)):
            forms[task.bpmn_id] = form_definition(instance.process_version, task.form_file, task.ui_form_file)
    # Route data references files by their public id; people read file names.
    names = {a.public_id: a.filename for a in document.attachments}

    def readable(value):
        if isinstance(value, list):
            return [names.get(v, v) if isinstance(v, str) else v for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    # Choices read from the institution (departments, officials, institutions) show their names, not their codes.
    options = form_options(document) if forms else {}
    for entry in entries:
        form = forms.get(entry.bpmn_id)
        data = {k: readable(v) for k, v in entry.data.items()} if entry.data else None
        entry.rows = display_rows(form, data, options=options) if form and data else []
    return entries

"""The versions of one route: who deployed each and when, how many of the institution's documents run on each, the
differences between two (listed and marked on the two diagrams), deploying an earlier one again."""

from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.modeling import service
from app.modeling.service import DeployRefused, deployed
from app.modeling.views import _current, _scope, bp
from app.registry.models import Document
from app.unit_of_work import unit_of_work
from app.workflow.models import InstanceStatus, ProcessVersion, WorkflowInstance
from app.workflow.ownership import may_see, visible_versions
from app.workflow.versions import diff


def _version(process_id: str, number: int) -> ProcessVersion:
    version = db.session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == number
        )
    )
    if version is None or not may_see(version, _scope()):
        abort(404)  # another institution's version: not even its existence is told
    return version


@bp.route("/<process_id>/versiuni")
def versions(process_id: str):
    current = _current(process_id)
    scope = _scope()
    rows = db.session.scalars(visible_versions(scope, process_id)).all()
    counted = (
        select(WorkflowInstance.process_version_id, WorkflowInstance.status, func.count(WorkflowInstance.id))
        .join(Document, Document.id == WorkflowInstance.document_id)
        .where(WorkflowInstance.process_version_id.in_([v.id for v in rows]))
        .group_by(WorkflowInstance.process_version_id, WorkflowInstance.status)
    )
    if scope is not None:
        counted = counted.where(Document.institution_id == scope)
    documents: dict[int, dict] = {}
    for version_id, status, n in db.session.execute(counted):
        entry = documents.setdefault(version_id, {"running": 0, "all": 0})
        entry["all"] += n
        if status in (InstanceStatus.RUNNING, InstanceStatus.ERROR, InstanceStatus.SUSPENDED):
            entry["running"] += n
    return render_template(
        "modeling/versions.html",
        process_id=process_id,
        versions=list(reversed(rows)),
        current=current,
        documents=documents,
    )


@bp.route("/<process_id>/versiuni/<int:number>.bpmn")
def version_bpmn(process_id: str, number: int):
    return Response(_version(process_id, number).bpmn_xml, mimetype="application/xml")


@bp.route("/<process_id>/diferente")
def differences(process_id: str):
    current = _current(process_id)
    b = _version(process_id, request.args.get("b", type=int) or current.version)
    visible = [
        v.version for v in db.session.scalars(visible_versions(_scope(), process_id)) if v.version < b.version
    ]
    a = _version(process_id, request.args.get("a", type=int) or (visible[-1] if visible else b.version))
    changes = diff(a.bpmn_xml, b.bpmn_xml)
    return render_template("modeling/differences.html", process_id=process_id, a=a, b=b, changes=changes)


@bp.route("/<process_id>/versiuni/<int:number>/reimplementare", methods=["POST"])
def redeploy(process_id: str, number: int):
    """Make an earlier version current again for the analyst's institution (checked again like any deploy)."""
    current = _current(process_id)
    earlier = _version(process_id, number)
    with unit_of_work(DeployRefused) as work:
        outcome = deployed(
            service.deploy(
                current,
                earlier.bpmn_xml.encode(),
                dict(earlier.forms),
                _scope(),
                current_user,
                earlier.decisions,
            )
        )
    if work.error:
        flash(_("Versiunea nu poate fi implementată din nou: %(p)s", p=str(work.error.problems[0])), "error")
    else:
        flash(_("Versiunea %(n)d este acum cea curentă.", n=outcome.version.version), "success")
    return redirect(url_for("modeling.versions", process_id=process_id)), 303


@bp.route("/<process_id>/acoperire", methods=["POST"])
def coverage(process_id: str):
    """Which elements the type's scenario tests pass through on the diagram as drawn (marked in the modeler)."""
    from flask import current_app, jsonify

    from app.modeling.views import _posted, _posted_decisions
    from app.registry.models import DocumentType
    from app.workflow.gates import scenario_run_for

    version = _current(process_id)
    xml, forms = _posted()
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.process_id == process_id))
    if doc_type is None:
        return jsonify({"ok": False, "scenarios": 0})
    results, covered = scenario_run_for(
        service.file_name(version),
        xml,
        doc_type.code,
        Path(current_app.config["PROCESSES_DIR"]),
        {**version.forms, **forms},
        Path(current_app.config["FORMS_DIR"]),
        service.decisions_for(version, _posted_decisions()),
        (version.manifest, version.scenarios) if version.manifest and version.scenarios else None,
    )
    scenarios = [s for r in results for s in r.scenarios]
    if covered is None:
        return jsonify({"ok": False, "scenarios": len(scenarios)})
    return jsonify(
        {
            "ok": True,
            "scenarios": len(scenarios),
            "passed": sum(1 for s in scenarios if s.ok),
            "summary": covered.summary(),
            "covered": sorted(covered.covered_elements),
            "missed": covered.missed_elements,
            "missed_flows": covered.missed_flows,
        }
    )

"""Pages and endpoints of the modeler. Every route is for process analysts only (role `analist`): anonymous visitors
are sent to the login page, everyone else gets 403."""

import json
import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.extensions import db
from app.forms import check_form_definition
from app.modeling import new_type, service
from app.modeling.service import DeployRefused, deployed
from app.registry.models import Document, DocumentType
from app.unit_of_work import unit_of_work
from app.workflow.deploy import Problem
from app.workflow.messages import localized_problem
from app.workflow.migration import current_version_of, migrate, plan
from app.workflow.models import InstanceStatus, ProcessVersion, WorkflowInstance
from app.workflow.ownership import analyst_institution_id, visible_versions

bp = Blueprint("modeling", __name__, url_prefix="/modelare")

ANALYST_ROLE = "analist"


@bp.before_request
@login_required
def analysts_only():
    if getattr(current_user, "is_platform_admin", False) and _scope() is None:
        return  # the platform administrator publishes the templates every institution may adopt
    if not current_user.is_staff or not current_user.has_role(ANALYST_ROLE):
        abort(403)


def _scope() -> int | None:
    """The institution whose routes the analyst edits; None for the platform administrator (templates)."""
    return analyst_institution_id(current_user)


def _current(process_id: str) -> ProcessVersion:
    """The version the analyst's institution runs: its own, else the platform template (never another
    institution's)."""
    version = current_version_of(process_id, _scope())
    if version is None:
        abort(404)
    return version


def _problems_json(problems) -> list[dict]:
    """`message`: the checker's technical wording (stable); `text`: the line shown, in the interface language."""
    return [
        {"file": p.file, "element": p.element_id, "message": p.message, "text": localized_problem(p)}
        for p in problems
    ]


@bp.route("/")
def index():
    scope = _scope()
    versions = db.session.scalars(visible_versions(scope)).all()
    counted = (
        select(WorkflowInstance.process_version_id, func.count(WorkflowInstance.id))
        .join(Document, Document.id == WorkflowInstance.document_id)
        .where(WorkflowInstance.status == InstanceStatus.RUNNING)
        .group_by(WorkflowInstance.process_version_id)
    )
    if scope is not None:
        counted = counted.where(Document.institution_id == scope)
    running = dict(db.session.execute(counted).all())
    current_ids = {
        v.id for v in (current_version_of(pid, scope) for pid in {v.process_id for v in versions}) if v
    }
    types = {t.process_id: t for t in db.session.scalars(select(DocumentType))}
    processes: dict[str, dict] = {}
    for v in versions:
        entry = processes.setdefault(
            v.process_id, {"versions": [], "current": None, "type": types.get(v.process_id)}
        )
        entry["versions"].append(v)
        if v.id in current_ids:
            entry["current"] = v
    for entry in processes.values():
        entry["running"] = sum(running.get(v.id, 0) for v in entry["versions"])
        entry["running_old"] = sum(
            running.get(v.id, 0) for v in entry["versions"] if v is not entry["current"]
        )
    return render_template("modeling/index.html", processes=processes)


@bp.route("/<process_id>")
def modeler(process_id: str):
    version = _current(process_id)
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.process_id == process_id))
    form_files = sorted(
        set(version.forms) | {p.name for p in Path(current_app.config["FORMS_DIR"]).glob("*.json")}
    )
    return render_template(
        "modeling/modeler.html",
        version=version,
        doc_type=doc_type,
        file_name=service.file_name(version),
        form_files=form_files,
        decisions=_decision_list(service.decisions_for(version)),
    )


def _decision_list(decisions: dict) -> list[dict]:
    from app.workflow.decisions import decision_problems

    return [{"name": name, "id": decision_problems(xml)[1]} for name, xml in sorted(decisions.items())]


def _new_type_fields() -> tuple[str, str, str | None]:
    """(code, name, error) of the new type asked for."""
    code = (request.values.get("cod") or "").strip()
    name = (request.values.get("nume") or "").strip()
    if not new_type.CODE.match(code):
        return (
            code,
            name,
            _("Codul are 2-60 de caractere: litere mici, cifre și cratimă, începând cu o literă."),
        )
    if not 3 <= len(name) <= 200:
        return code, name, _("Numele tipului de document are între 3 și 200 de caractere.")
    if new_type.taken(code):
        return code, name, _("Codul %(code)s este deja folosit; alegeți altul.", code=code)
    return code, name, None


@bp.route("/tip-nou")
def new_document_type():
    """A new document type: first its code and name, then the starter route, forms, manifest and scenario in
    the modeler."""
    if not request.args:
        return render_template("modeling/new_type.html", code="", name="", error=None)
    code, name, error = _new_type_fields()
    if error:
        return render_template("modeling/new_type.html", code=code, name=name, error=error), 422
    from app.workflow.decisions import dmn_files

    return render_template(
        "modeling/modeler.html",
        version=None,
        doc_type=None,
        code=code,
        name=name,
        starter=new_type.starter(code, name),
        file_name=f"{code}.bpmn",
        form_files=sorted(p.name for p in Path(current_app.config["FORMS_DIR"]).glob("*.json")),
        decisions=_decision_list(dmn_files(Path(current_app.config["PROCESSES_DIR"]))),
    )


@bp.route("/tip-nou/<code>/<action>", methods=["POST"])
def new_document_type_post(code: str, action: str):
    if action not in ("verificare", "implementare"):
        abort(404)
    xml, forms = _posted()
    payload = request.get_json(silent=True) or {}
    problems = _new_form_problems(forms)
    if problems:
        return jsonify({"ok": False, "problems": _problems_json(problems)}), 422
    with unit_of_work(DeployRefused) as work:
        problems, version = new_type.create(
            code,
            xml,
            forms,
            payload.get("manifest"),
            payload.get("scenarios"),
            _posted_decisions(),
            _scope(),
            current_user,
            store=action == "implementare",
        )
        if problems:
            raise DeployRefused(problems)
    if work.error:
        return jsonify({"ok": False, "problems": _problems_json(work.error.problems)}), 422
    if version is None:
        return jsonify({"ok": True, "problems": []})
    flash(
        _("Tipul de document a fost creat: versiunea %(n)d este implementată.", n=version.version), "success"
    )
    url = url_for("modeling.modeler", process_id=version.process_id)
    return jsonify({"ok": True, "version": version.version, "new": True, "url": url}), 201


@bp.route("/<process_id>/decizii/<dmn>")
def decision(process_id: str, dmn: str):
    """A DMN file the route may call, for the decision-table editor."""
    version = _current(process_id)
    body = service.decisions_for(version).get(dmn)
    if body is None or not DECISION_FILE_NAME.match(dmn):
        abort(404)
    return Response(body, mimetype="application/xml")


@bp.route("/tabele-decizie/<dmn>")
def shipped_decision(dmn: str):
    """A DMN file of processes/ (a new type may call it)."""
    from app.workflow.decisions import dmn_files

    body = dmn_files(Path(current_app.config["PROCESSES_DIR"])).get(dmn)
    if body is None:
        abort(404)
    return Response(body, mimetype="application/xml")


@bp.route("/<process_id>/bpmn")
def bpmn(process_id: str):
    version = _current(process_id)
    return Response(version.bpmn_xml, mimetype="application/xml")


FORM_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}\.json$")


def _posted() -> tuple[bytes, dict]:
    """The diagram and the new form files drafted in the browser with it ({file name: JSON})."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("xml"), str):
        abort(400)
    forms = payload.get("forms") or {}
    if not isinstance(forms, dict) or not all(
        isinstance(name, str) and FORM_FILE_NAME.match(name) and isinstance(body, dict)
        for name, body in forms.items()
    ):
        abort(400)
    return payload["xml"].encode("utf-8"), forms


DECISION_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}\.dmn$")
MAX_DECISION_CHARS = 1_000_000


def _posted_decisions() -> dict:
    """The DMN files edited in the browser with the diagram ({file name: XML}); checked like uploaded XML."""
    payload = request.get_json(silent=True) or {}
    decisions = payload.get("decisions") or {}
    if not isinstance(decisions, dict) or not all(
        isinstance(name, str)
        and DECISION_FILE_NAME.match(name)
        and isinstance(body, str)
        and len(body) <= MAX_DECISION_CHARS
        for name, body in decisions.items()
    ):
        abort(400)
    return decisions


def _new_form_problems(forms: dict) -> list[Problem]:
    """Each drafted form checked on its own (schema + its UI schema), before the route check uses it."""
    problems = []
    for name, body in sorted(forms.items()):
        if name.endswith("-uischema.json"):
            continue
        ui = forms.get(name.removesuffix(".json") + "-uischema.json")
        problems += [Problem(name, "", text) for text in check_form_definition(body, ui)]
    return problems


@bp.route("/<process_id>/verificare", methods=["POST"])
def check(process_id: str):
    xml, forms = _posted()
    problems = _new_form_problems(forms)
    warnings = []
    if not problems:
        problems, checked = service.check(_current(process_id), xml, forms, _posted_decisions())
        warnings = checked.warnings if checked is not None else []
    payload = {"ok": not problems, "problems": _problems_json(problems)}
    if warnings:
        payload["warnings"] = _problems_json(warnings)
    return jsonify(payload)


@bp.route("/<process_id>/implementare", methods=["POST"])
def deploy(process_id: str):
    xml, forms = _posted()
    problems = _new_form_problems(forms)
    if problems:
        return jsonify({"ok": False, "problems": _problems_json(problems)}), 422
    with unit_of_work(DeployRefused) as work:
        outcome = deployed(
            service.deploy(_current(process_id), xml, forms, _scope(), current_user, _posted_decisions())
        )
    if work.error:
        return jsonify({"ok": False, "problems": _problems_json(work.error.problems)}), 422
    return jsonify({"ok": True, "version": outcome.version.version, "new": outcome.new}), (
        201 if outcome.new else 200
    )


def _form_pair(version: ProcessVersion, name: str) -> tuple[str | None, str | None]:
    """(schema file, UI schema file) of the form `name` belongs to, by the -uischema.json convention."""
    if name.endswith("-uischema.json"):
        schema = name.removesuffix("-uischema.json") + ".json"
        return (schema if schema in version.forms else None), name
    ui = name.removesuffix(".json") + "-uischema.json"
    return name, (ui if ui in version.forms else None)


@bp.route("/<process_id>/formulare/<name>", methods=["GET", "POST"])
def form(process_id: str, name: str):
    version = _current(process_id)
    if name not in version.forms:
        abort(404)
    text = json.dumps(version.forms[name], ensure_ascii=False, indent=2)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        text = request.form.get("continut", "")
        try:
            data = json.loads(text)
        except ValueError as exc:
            problems.append(_("JSON invalid: %(error)s", error=str(exc)))
        else:
            schema_name, ui_name = _form_pair(version, name)
            schema = data if name == schema_name else version.forms.get(schema_name) if schema_name else None
            ui = data if name == ui_name else version.forms.get(ui_name) if ui_name else None
            if schema is not None:
                problems += check_form_definition(schema, ui)
            if not problems:
                route_problems, _checked = service.check(version, version.bpmn_xml.encode(), {name: data})
                problems += [localized_problem(p) for p in route_problems]
            if not problems and request.form.get("actiune") == "implementeaza":
                with unit_of_work(DeployRefused) as work:
                    outcome = deployed(
                        service.deploy(
                            version, version.bpmn_xml.encode(), {name: data}, _scope(), current_user
                        )
                    )
                if work.error:
                    problems += [localized_problem(p) for p in work.error.problems]
                else:
                    if outcome.new:
                        flash(
                            _("Formularul a fost implementat: versiunea %(n)d.", n=outcome.version.version),
                            "success",
                        )
                    else:
                        flash(
                            _("Nicio modificare: versiunea %(n)d rămâne curentă.", n=outcome.version.version),
                            "info",
                        )
                    return redirect(url_for("modeling.modeler", process_id=process_id))
            if not problems:
                flash(_("Formularul este valid."), "success")
        if problems:
            status = 422
    return render_template(
        "modeling/form.html", version=version, name=name, text=text, problems=problems
    ), status


@bp.route("/<process_id>/migrare", methods=["GET", "POST"])
def migration(process_id: str):
    _current(process_id)
    scope = _scope()
    if request.method == "POST":
        with unit_of_work():
            results = migrate(
                process_id, actor=current_user, institution_id=scope, templates_only=scope is None
            )
        moved = sum(1 for p in results if p.migrated)
        flash(_("%(n)d document(e) mutat(e) pe versiunea curentă.", n=moved), "success" if moved else "info")
        return render_template("modeling/migration.html", process_id=process_id, plans=results, done=True)
    return render_template(
        "modeling/migration.html",
        process_id=process_id,
        plans=plan(process_id, scope, templates_only=scope is None),
        done=False,
    )

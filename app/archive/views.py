"""Archive pages (`/arhiva`): the file plan with its files per year, a file, a record card, search, the fixity
report, expired retention and disposal proposals, the yearly inventory, E-ARK downloads. Thin views over the
package's functions; one commit per action; every action is audited."""

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.archive.access import archive_institutions, archivist_institutions, may_read_class
from app.archive.models import ArchiveFile, ArchiveRecord, FileClass, FileStatus, FixityRun
from app.archive.records import ArchiveError, retention_label
from app.audit import record as audit_record
from app.extensions import db
from app.identity.models import Department, Institution
from app.unit_of_work import unit_of_work

bp = Blueprint("archive", __name__, url_prefix="/arhiva")

RECORD_VIEWED = "archive_record_viewed"


@bp.before_request
@login_required
def staff_only():
    if not current_user.is_staff:
        abort(403)


@bp.app_context_processor
def archive_helpers():
    from app.labels import ACTION_LABELS

    return {"retention_label": retention_label, "action_label": lambda code: ACTION_LABELS.get(code, code)}


def _institution_for_pages() -> Institution:
    """The institution whose archive the user manages (archive roles only)."""
    scope = sorted(archive_institutions(current_user))
    if not scope:
        abort(403)
    wanted = request.args.get("institutie", type=int)
    institution_id = wanted if wanted in scope else scope[0]
    return db.session.get(Institution, institution_id)


def _file(public_id: str) -> ArchiveFile:
    archive_file = db.session.scalar(select(ArchiveFile).where(ArchiveFile.public_id == public_id))
    if archive_file is None or archive_file.institution_id not in archive_institutions(current_user):
        abort(404)
    return archive_file


def _require_archivist(institution_id: int) -> None:
    if institution_id not in archivist_institutions(current_user):
        abort(403)


@bp.route("/")
def index():
    institution = _institution_for_pages()
    classes = db.session.scalars(
        select(FileClass)
        .where(FileClass.institution_id == institution.id)
        .order_by(FileClass.department_id, FileClass.code)
    ).all()
    files = db.session.scalars(
        select(ArchiveFile)
        .where(ArchiveFile.institution_id == institution.id)
        .order_by(ArchiveFile.year.desc(), ArchiveFile.id)
    ).all()
    counts = dict(
        db.session.execute(
            select(ArchiveRecord.archive_file_id, func.count(ArchiveRecord.id))
            .where(ArchiveRecord.institution_id == institution.id)
            .group_by(ArchiveRecord.archive_file_id)
        ).all()
    )
    by_class: dict[int, list] = {}
    for archive_file in files:
        by_class.setdefault(archive_file.file_class_id, []).append(archive_file)
    last_fixity = db.session.scalar(select(FixityRun).order_by(FixityRun.id.desc()).limit(1))
    years = sorted({f.year for f in files}, reverse=True)
    departments = db.session.scalars(
        select(Department).where(Department.institution_id == institution.id).order_by(Department.name)
    ).all()
    return render_template(
        "archive/index.html",
        institution=institution,
        classes=classes,
        by_class=by_class,
        counts=counts,
        last_fixity=last_fixity,
        years=years,
        departments=departments,
        can_act=institution.id in archivist_institutions(current_user),
    )


@bp.route("/dosar/<public_id>")
def file_page(public_id: str):
    archive_file = _file(public_id)
    return render_template(
        "archive/file.html",
        archive_file=archive_file,
        can_act=archive_file.institution_id in archivist_institutions(current_user),
    )


def _file_action(public_id: str, action, done: str):
    archive_file = _file(public_id)
    _require_archivist(archive_file.institution_id)
    with unit_of_work(ArchiveError) as work:
        action(archive_file)
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("archive.file_page", public_id=public_id))
    flash(done, "success")
    return redirect(url_for("archive.file_page", public_id=public_id))


@bp.post("/dosar/<public_id>/inchidere")
def close(public_id: str):
    from app.archive.retention import close_file

    return _file_action(public_id, lambda f: close_file(f, current_user), _("Dosarul a fost închis."))


@bp.post("/dosar/<public_id>/retinere")
def hold(public_id: str):
    from app.archive.retention import set_legal_hold

    reason = request.form.get("motiv", "")
    return _file_action(
        public_id,
        lambda f: set_legal_hold(f, reason, current_user),
        _("Dosarul este reținut: nu poate fi eliminat până la ridicarea reținerii."),
    )


@bp.post("/dosar/<public_id>/ridicare-retinere")
def lift_hold(public_id: str):
    from app.archive.retention import lift_legal_hold

    return _file_action(
        public_id, lambda f: lift_legal_hold(f, current_user), _("Reținerea a fost ridicată.")
    )


def _zip_package(build, name: str):
    workdir = Path(tempfile.mkdtemp(prefix="sip-"))
    try:
        package = build(workdir)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(package.rglob("*")):
                if path.is_file():
                    archive.write(path, str(path.relative_to(workdir)))
        buffer.seek(0)
        return buffer, f"{package.name}.zip"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@bp.route("/dosar/<public_id>/export")
def export_file_view(public_id: str):
    from app.archive.export import EXPORTED, export_file

    archive_file = _file(public_id)
    try:
        buffer, name = _zip_package(lambda out: export_file(archive_file, out), archive_file.label)
    except ArchiveError as exc:
        flash(str(exc), "error")
        return redirect(url_for("archive.file_page", public_id=public_id))
    with unit_of_work():
        audit_record(
            EXPORTED,
            actor=current_user,
            institution_id=archive_file.institution_id,
            target=archive_file.label,
        )
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=name)


def _record(public_id: str) -> ArchiveRecord:
    record = db.session.scalar(select(ArchiveRecord).where(ArchiveRecord.public_id == public_id))
    if record is None or not may_read_class(current_user, record.archive_file.file_class):
        abort(404)
    return record


@bp.route("/inregistrare/<public_id>")
def record_page(public_id: str):
    from app.archive.models import Destruction

    record = _record(public_id)
    destruction = db.session.scalar(
        select(Destruction).where(Destruction.archive_file_id == record.archive_file_id)
    )
    with unit_of_work():
        audit_record(
            RECORD_VIEWED,
            actor=current_user,
            document_id=record.document_id,
            institution_id=record.institution_id,
            target=record.public_id,
        )
    return render_template(
        "archive/record.html",
        record=record,
        card=record.card,
        destruction=destruction,
        in_archive_role=record.institution_id in archive_institutions(current_user),
    )


@bp.route("/inregistrare/<public_id>/export")
def export_record_view(public_id: str):
    from app.archive.export import EXPORTED, export_record

    record = _record(public_id)
    if record.institution_id not in archive_institutions(current_user):
        abort(403)
    try:
        buffer, name = _zip_package(lambda out: export_record(record, out), record.registration_label)
    except ArchiveError as exc:
        flash(str(exc), "error")
        return redirect(url_for("archive.record_page", public_id=public_id))
    with unit_of_work():
        audit_record(
            EXPORTED,
            actor=current_user,
            document_id=record.document_id,
            institution_id=record.institution_id,
            target=record.public_id,
        )
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/cautare")
def search():
    from app.archive.search import search_records

    query = request.args.get("q", "").strip()
    results = search_records(current_user, query) if query else []
    return render_template("archive/search.html", query=query, results=results)


@bp.route("/fixitate", methods=["GET", "POST"])
def fixity():
    from app.archive.fixity import run_fixity

    institution = _institution_for_pages()
    if request.method == "POST":
        _require_archivist(institution.id)
        with unit_of_work():
            result = run_fixity(institution.id)
        if result.problems:
            flash(
                _("Verificarea a găsit %(n)d problemă(e): vedeți raportul.", n=len(result.problems)), "error"
            )
        else:
            flash(_("Toate cele %(n)d fișiere sunt intacte.", n=result.checked), "success")
        return redirect(url_for("archive.fixity"))
    runs = db.session.scalars(select(FixityRun).order_by(FixityRun.id.desc()).limit(20)).all()
    return render_template(
        "archive/fixity.html",
        runs=runs,
        institution=institution,
        can_act=institution.id in archivist_institutions(current_user),
    )


@bp.route("/termene-expirate", methods=["GET", "POST"])
def expired():
    from app.archive.disposal import pending_disposal_file_ids, propose_disposal
    from app.archive.models import Disposal
    from app.archive.retention import expired_files

    institution = _institution_for_pages()
    if request.method == "POST":
        _require_archivist(institution.id)
        file_ids = [int(v) for v in request.form.getlist("dosar") if v.isdigit()]
        with unit_of_work(ArchiveError) as work:
            document = propose_disposal(current_user, institution, file_ids, request.form.get("motivare", ""))
        if work.error:
            flash(str(work.error), "error")
            return redirect(url_for("archive.expired"))
        flash(
            _(
                "Propunerea de eliminare a fost trimisă comisiei de selecționare (nr. %(n)s).",
                n=document.registration_label or "—",
            ),
            "success",
        )
        return redirect(url_for("archive.expired"))
    disposals = db.session.scalars(
        select(Disposal)
        .where(Disposal.institution_id == institution.id)
        .order_by(Disposal.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "archive/expired.html",
        files=expired_files(institution.id),
        institution=institution,
        pending=pending_disposal_file_ids(institution.id),
        disposals=disposals,
        can_act=institution.id in archivist_institutions(current_user),
    )


@bp.route("/inventar/<int:year>.pdf")
def inventory(year: int):
    from app.archive.retention import inventory_files, inventory_pdf

    institution = _institution_for_pages()
    department_id = request.args.get("compartiment", type=int)
    department = None
    if department_id is not None:
        department = db.session.get(Department, department_id)
        if department is None or department.institution_id != institution.id:
            abort(404)
    pdf = inventory_pdf(institution, department, year, inventory_files(institution.id, department_id, year))
    return send_file(
        io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False, download_name=f"inventar-{year}.pdf"
    )


__all__ = ["bp", "FileStatus"]

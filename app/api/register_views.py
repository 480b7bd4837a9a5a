"""What integrators need to address and find documents: the institutions and the types each receives (public),
and the register search for staff (the register's own filter and query, scoped to the caller's institution)."""

from flask import g, jsonify
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.api.base import bp, token_required
from app.api.contract import error, operation
from app.api.schemas import InstitutionSchema, RegisterEntrySchema, RegisterQuery
from app.extensions import db
from app.identity.models import Institution
from app.registry.access import DOCUMENT_ROLES
from app.registry.catalogue import enabled_types
from app.registry.search import parse_filter, register_query

TOTAL_COUNT = {"X-Total-Count": "How many entries match in all (the page is limit/offset)"}


@bp.route("/institutions")
@operation(
    "The institutions of the platform and the document types each receives from citizens",
    {200: (InstitutionSchema(many=True), "Institutions, by name")},
    description="Public: send an institution's `code` as `institution` with POST /documents, and one of its "
    "types' `code` as `document_type`.",
    public=True,
    tags=("documents",),
)
def institutions():
    received: dict[int, list] = {}
    for institution, doc_type in enabled_types(citizen_can_submit=True):
        received.setdefault(institution.id, []).append(doc_type)
    rows = [
        {
            "code": institution.code,
            "name": institution.name,
            "kind": institution.kind,
            "parent": institution.parent.code if institution.parent else None,
            "document_types": received.get(institution.id, []),
        }
        for institution in db.session.scalars(select(Institution).order_by(Institution.name))
    ]
    return jsonify(InstitutionSchema(many=True).dump(rows))


@bp.route("/register")
@token_required
@operation(
    "Search the register of your institution (staff: registrars, officials, heads, auditors)",
    {
        200: (
            RegisterEntrySchema(many=True),
            "Registered entries, newest number first; annulled ones included",
        )
    },
    description="The filters of the register page: number, registration dates, sender or recipient and subject "
    "(any order, any case, with or without diacritics), status, direction. A role limited to a department sees "
    "that department's entries.",
    query=RegisterQuery,
    errors=(400, 403),
    headers={200: TOTAL_COUNT},
    tags=("register",),
)
def register_search():
    user = g.api_user
    if not user.is_staff or not any(m.role.code in DOCUMENT_ROLES for m in user.memberships):
        return error(403, "forbidden", _("Registrul este disponibil doar personalului instituției."))
    given = g.api_input
    criteria = parse_filter(
        {
            "numar": given.get("number", ""),
            "de_la": given["date_from"].isoformat() if given.get("date_from") else "",
            "pana_la": given["date_to"].isoformat() if given.get("date_to") else "",
            "expeditor": given.get("sender", ""),
            "subiect": given.get("subject", ""),
            "stare": given.get("status", ""),
            "directie": given.get("direction", ""),
        }
    )
    if criteria.errors:
        return error(400, "invalid", " ".join(criteria.errors))
    query = register_query(user, criteria)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(given["limit"]).offset(given["offset"])).all()
    response = jsonify(RegisterEntrySchema(many=True).dump(rows))
    response.headers["X-Total-Count"] = str(total)
    return response

"""Natural persons' CNP: validated with python-stdnum, kept for identification, shown masked, revealed in full only
by an explicit action that is logged (GDPR; Law 190/2018 art. 4 on national identification numbers)."""

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.exceptions import ValidationError
from stdnum.ro import cnp as stdnum_cnp

from app.audit import record
from app.extensions import db
from app.identity.models import PersonalDataAccess, User

PERSONAL_DATA_VIEWED = "personal_data_viewed"


# Checks (viewer, person) -> bool that let staff see a person: the registry adds "a document they submitted is one
# the viewer may see" (app/registry init_app), so identity imports no package above it.
STAFF_MAY_SEE_PERSON: list = []


def clean_cnp(value: str) -> tuple[str | None, str | None]:
    """(the CNP in compact form, None) or (None, a Romanian error message)."""
    value = stdnum_cnp.compact(value or "")
    if not value:
        return None, None
    try:
        return stdnum_cnp.validate(value), None
    except ValidationError:
        return None, _("CNP-ul nu este valid: verificați cele 13 cifre (cifra de control nu corespunde).")


def cnp_taken(cnp: str, except_user_id: int | None = None) -> bool:
    query = select(User.id).where(User.cnp == cnp)
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query) is not None


def may_reveal_cnp(viewer: User, subject: User) -> bool:
    """The person themself, or staff who may see a document the person submitted (their institution only)."""
    if not viewer.is_authenticated:
        return False
    if viewer.id == subject.id:
        return True
    if not viewer.is_staff:
        return False
    return any(check(viewer, subject) for check in STAFF_MAY_SEE_PERSON)


def reveal_cnp(viewer: User, subject: User, reason: str) -> str | None:
    """The full CNP, after logging who saw it, whose, when and why. The caller commits."""
    if not subject.cnp:
        return None
    db.session.add(
        PersonalDataAccess(
            viewer_id=viewer.id,
            subject_id=subject.id,
            field="cnp",
            reason=(reason or "").strip()[:300] or _("consultare"),
            route=(request.path if request else "")[:200],
        )
    )
    record(
        PERSONAL_DATA_VIEWED, actor=viewer, target=subject.username, data={"field": "cnp", "reason": reason}
    )
    return subject.cnp


def access_log(subject: User, limit: int = 50) -> list[PersonalDataAccess]:
    return list(
        db.session.scalars(
            select(PersonalDataAccess)
            .where(PersonalDataAccess.subject_id == subject.id)
            .order_by(PersonalDataAccess.at.desc())
            .limit(limit)
        )
    )

"""A deputy signs for an absent official: with their own key, in the absent official's place in the signing plan.

The plan (`signature_requests.fields`) keeps the planned signer; a deputy standing in for them today (an active
delegation in the task's institution, app/identity/delegation.py) may fill that field. The stamp and the history
then say who signed for whom, as Romanian practice writes it: "Ioana Marinescu / p. Elena Dumitrescu, Consilier".
A delegation that ended (or has not started) is refused with its dates."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.dates import format_date
from app.extensions import db
from app.identity.delegation import active_principals, today_local
from app.identity.models import Delegation, User
from app.signing.keys import SigningRefused


def stands_in(user: User, field: dict, institution_id: int) -> bool:
    """True when `user` stands in today for the planned signer of `field`; a delegation for them that ended or
    has not begun yet is refused with a message naming its dates."""
    planned = field["user_id"]
    if (planned, institution_id) in active_principals(user.id):
        return True
    today = today_local()
    outside = db.session.scalar(
        select(Delegation)
        .where(
            Delegation.deputy_id == user.id,
            Delegation.principal_id == planned,
            Delegation.institution_id == institution_id,
            Delegation.cancelled_at.is_(None),
        )
        .order_by(Delegation.end_date.desc())
        .limit(1)
    )
    if outside is not None and outside.end_date < today:
        raise SigningRefused(
            _(
                "Delegarea prin care îl înlocuiați pe %(person)s s-a încheiat la %(date)s: nu mai "
                "puteți semna în locul său.",
                person=field["name"],
                date=format_date(outside.end_date),
            )
        )
    if outside is not None and outside.start_date > today:
        raise SigningRefused(
            _(
                "Delegarea prin care îl înlocuiți pe %(person)s începe la %(date)s: până atunci nu "
                "puteți semna în locul său.",
                person=field["name"],
                date=format_date(outside.start_date),
            )
        )
    return False


def stamp_identity(user: User, field: dict) -> tuple[str, str]:
    """(name, function) on the visible stamp: the deputy's name, then "p." and the planned signer."""
    if field["user_id"] == user.id:
        return user.full_name, field["function"]
    planned = ", ".join(part for part in (field["name"], field["function"]) if part)
    return user.full_name, f"p. {planned}"


def note_signer(field: dict, user: User) -> None:
    """Record in the plan who actually signed, when it is not the planned signer."""
    if field["user_id"] != user.id:
        field["signed_by"] = user.username
        field["signed_by_name"] = user.full_name


def signer_label(field: dict) -> str:
    """ "Elena Dumitrescu", or "Ioana Marinescu p. Elena Dumitrescu" when a deputy signed."""
    if field.get("signed_by_name"):
        return f"{field['signed_by_name']} p. {field['name']}"
    return field["name"]

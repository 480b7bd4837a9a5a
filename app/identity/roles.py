"""The roles every institution uses. BPMN lanes name them by code."""

from app.extensions import db
from app.identity.models import Role

STANDARD_ROLES = {
    "registrator": "Registrator",
    "referent": "Referent",
    "sef_serviciu": "Șef serviciu",
    "secretar_general": "Secretar general",
    "auditor": "Auditor",
    "analist": "Analist de procese",
    "admin": "Administrator",
    "arhivar": "Arhivar",
}

# Lanes that are not staff roles: the person who submitted the document, and automatic steps.
SUBMITTER_LANE = "solicitant"
SYSTEM_LANE = "sistem"


def ensure_standard_roles() -> dict[str, Role]:
    existing = {r.code: r for r in db.session.scalars(db.select(Role))}
    for code, name in STANDARD_ROLES.items():
        if code not in existing:
            existing[code] = Role(code=code, name=name)
            db.session.add(existing[code])
    db.session.flush()
    return existing

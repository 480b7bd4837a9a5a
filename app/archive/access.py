"""Who sees what in the archive. Archive pages: roles `arhivar` (acts), `secretar_general` and `auditor`
(read-only) of the institution. Search and record cards: those roles for their whole institution, other staff
only for the file classes of their own department(s)."""

from sqlalchemy import and_, false, or_

from app.archive.models import FileClass

ARCHIVIST = "arhivar"
ARCHIVE_ROLES = (ARCHIVIST, "secretar_general", "auditor")


def archive_institutions(user) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return set()
    return {m.institution_id for m in user.memberships if m.role.code in ARCHIVE_ROLES}


def archivist_institutions(user) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return set()
    return {m.institution_id for m in user.memberships if m.role.code == ARCHIVIST}


def department_scope(user) -> set[tuple[int, int]]:
    """(institution, department) pairs of the user's department-bound memberships."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return set()
    return {(m.institution_id, m.department_id) for m in user.memberships if m.department_id is not None}


def visible_classes(user):
    """SQL condition on FileClass: the classes whose records this user may find and read."""
    institutions = archive_institutions(user)
    departments = department_scope(user)
    clauses = []
    if institutions:
        clauses.append(FileClass.institution_id.in_(institutions))
    for institution_id, department_id in departments:
        clauses.append(
            and_(FileClass.institution_id == institution_id, FileClass.department_id == department_id)
        )
    return or_(*clauses) if clauses else false()


def may_read_class(user, file_class: FileClass) -> bool:
    if file_class.institution_id in archive_institutions(user):
        return True
    return (file_class.institution_id, file_class.department_id) in department_scope(user)

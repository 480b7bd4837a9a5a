"""Who is who: institutions, their departments, people and the roles they hold."""

import hashlib
import secrets
from datetime import date, datetime

from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import db
from app.identity.hashing import password_hasher


def mask_cnp(cnp: str | None) -> str | None:
    """1630615123457 -> 1**********57: the sex/century digit and the last two, enough to tell people apart."""
    if not cnp:
        return None
    return cnp[0] + "*" * (len(cnp) - 3) + cnp[-2:]


class InstitutionKind:
    COUNTY_COUNCIL = "consiliu_judetean"
    TOWN_HALL = "primarie"
    SUBORDINATE = "subordonata"


class Institution(db.Model):
    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(
        String(30), default=InstitutionKind.COUNTY_COUNCIL, server_default=InstitutionKind.COUNTY_COUNCIL
    )
    # A subordinate institution (DGASPC, a museum) or a town hall of the county points to the council.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    cui: Mapped[str | None] = mapped_column(String(12))
    # Staff of an institution that requires it must enrol a TOTP authenticator before anything else.
    require_totp: Mapped[bool] = mapped_column(default=False, server_default=false())
    departments: Mapped[list["Department"]] = relationship(
        back_populates="institution", order_by="Department.name"
    )
    parent: Mapped["Institution | None"] = relationship(remote_side=[id])


class Department(db.Model):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    institution: Mapped[Institution] = relationship(back_populates="departments")


class Role(db.Model):
    """A role a BPMN lane names (lane name = role code): registrator, sef_serviciu, referent, ..."""

    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Staff belong to institutions through memberships; citizens have none.
    is_staff: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    # Personal numeric code (natural persons, optional): stored for identification, always shown masked,
    # never put in a URL; every full view is logged (PersonalDataAccess). GDPR / Law 190/2018 art. 4.
    cnp: Mapped[str | None] = mapped_column(String(13), unique=True)
    # Accounts created by an administrator (or before verification existed) count as verified; self-enrolled
    # citizens confirm their address by the link sent to it.
    email_verified: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_verified_at: Mapped[datetime | None]
    is_platform_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    # The national eID (ROeID) subject this account is linked to; the CNP claim must match the account's CNP.
    roeid_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    # When the privacy notice (GDPR art. 13) was accepted; NULL for accounts older than the notice.
    privacy_accepted_at: Mapped[datetime | None]
    # A closed account keeps its row (documents point to it) with personal data minimised (self_service).
    closed_at: Mapped[datetime | None]
    # Sessions started before this moment are over (set by a password change or a disabled account).
    sessions_valid_after: Mapped[datetime | None]
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def masked_cnp(self) -> str | None:
        return mask_cnp(self.cnp)

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def set_password(self, password: str) -> None:
        changing = self.password_hash is not None
        self.password_hash = password_hasher().hash(password)
        if changing:
            self.sessions_valid_after = now_utc()  # every session with the old password ends

    def check_password(self, password: str) -> bool:
        try:
            return password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def has_role(self, role_code: str, institution_id: int | None = None) -> bool:
        return any(
            m.role.code == role_code and (institution_id is None or m.institution_id == institution_id)
            for m in self.memberships
        )

    def role_codes(self) -> set[str]:
        return {m.role.code for m in self.memberships}


class Membership(db.Model):
    """A role held in an institution, optionally limited to one department (NULL = institution-wide)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "institution_id", "department_id", "role_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    function_title: Mapped[str | None] = mapped_column(String(100))  # shown under signatures: "Șef serviciu"
    user: Mapped[User] = relationship(back_populates="memberships")
    institution: Mapped[Institution] = relationship()
    department: Mapped[Department | None] = relationship()
    role: Mapped[Role] = relationship(lazy="joined")


class ApiToken(db.Model):
    """Bearer tokens for the JSON API: named, expiring, revocable; only a hash is stored, the token is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    revoked: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "", expires_at: datetime | None = None) -> str:
        token = secrets.token_urlsafe(32)
        db.session.add(
            cls(user_id=user.id, token_hash=cls.hash(token), name=name[:100], expires_at=expires_at)
        )
        return token


class EndedSession(db.Model):
    """A browser session ended on the server (logout): its cookie, even copied elsewhere, no longer signs in."""

    __tablename__ = "ended_sessions"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ended_at: Mapped[datetime] = mapped_column(default=now_utc)


class Company(db.Model):
    """A legal person enrolled by someone who represents it (CUI checked with python-stdnum)."""

    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    cui: Mapped[str] = mapped_column(String(12), unique=True)  # digits only; the RO prefix is not stored
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    vat_payer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RepresentationStatus:
    PENDING = "in_asteptare"
    APPROVED = "aprobata"
    REFUSED = "refuzata"
    REVOKED = "retrasa"


class Representation(db.Model):
    """A person who may act for a company (administrator, empowered representative, ...). The request carries a
    mandate (împuternicire) or a trade-register extract; a clerk approves or refuses it (app/identity/mandates)."""

    __tablename__ = "representations"
    __table_args__ = (UniqueConstraint("user_id", "company_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    capacity: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    status: Mapped[str] = mapped_column(
        String(20), default=RepresentationStatus.PENDING, server_default=RepresentationStatus.APPROVED
    )
    mandate_filename: Mapped[str | None] = mapped_column(String(255))
    mandate_content_type: Mapped[str | None] = mapped_column(String(100))
    mandate_sha256: Mapped[str | None] = mapped_column(String(64))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    company: Mapped[Company] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def approved(self) -> bool:
        return self.status == RepresentationStatus.APPROVED


class PersonalDataAccess(db.Model):
    """Who saw whose personal data in full, when and why (GDPR accountability)."""

    __tablename__ = "personal_data_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    field: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    route: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=now_utc)
    viewer: Mapped[User] = relationship(foreign_keys=[viewer_id])
    subject: Mapped[User] = relationship(foreign_keys=[subject_id])


class LoginEvent(db.Model):
    """Every login attempt, successful or not; throttling counts recent failures here."""

    __tablename__ = "login_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    login: Mapped[str] = mapped_column(String(254), index=True)  # the name typed, lower-case
    success: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    user: Mapped[User | None] = relationship()


class RecoveryCode(db.Model):
    """One-time codes for a lost authenticator; only an argon2 hash is stored."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None]


class Delegation(db.Model):
    """A deputy acts for an absent colleague of the same institution between two dates (inclusive)."""

    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    cancelled_at: Mapped[datetime | None]
    principal: Mapped[User] = relationship(foreign_keys=[principal_id])
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    institution: Mapped[Institution] = relationship()

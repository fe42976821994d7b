"""Account operations, callable without HTTP (views and CLI use them)."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..audit import audit, describe
from ..core.db import db, is_postgresql
from ..models import Role, User
from .passwords import hash_password


class EmailTaken(Exception):
    """Another account already uses this e-mail address."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# Any constant: the PostgreSQL advisory lock that serialises "is this the first account?".
_FIRST_ACCOUNT_LOCK = 7_212_001


def create_user(
    email: str, name: str, password: str | None = None, role: str | None = None
) -> User:
    """Create an account; the very first account becomes administrator (also under a race)."""
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        role=Role(role or Role.LEARNER).value,
    )
    try:
        if role is None:
            # Decide inside the inserting transaction, with writers serialised: SQLite holds
            # its write lock from the INSERT on; PostgreSQL waits on an advisory lock.
            if is_postgresql():
                db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_FIRST_ACCOUNT_LOCK)))
            db.session.add(user)
            db.session.flush()
            if db.session.scalar(sa.select(sa.func.count(User.id))) == 1:
                user.role = Role.ADMIN.value
        else:
            db.session.add(user)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise EmailTaken(email) from exc
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password and end every other session of this user."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.commit()


def end_sessions(user: User) -> None:
    user.session_version += 1
    db.session.commit()


def change_role(actor: User | None, user: User, role: str) -> bool:
    """Give user a new role (audited; their sessions end, so the new rights apply at once).

    actor None is the operator at the command line. False when the role was already set."""
    role = Role(role).value
    if user.role == role:
        return False
    old = user.role
    user.role = role
    user.session_version += 1
    via = "" if actor else " (opdrachtregel)"
    audit(actor, "rol.gewijzigd", f"{describe(user)}: {old} → {role}{via}")
    db.session.commit()
    return True


def registration_refusal(config, email: str) -> str | None:
    """Why this address may not register itself (closed, or a domain not allowed), or None."""
    if not config["REGISTRATION_OPEN"]:
        return "Zelf een account aanmaken is uitgeschakeld. Vraag HR om een uitnodiging."
    domains = config["ALLOWED_EMAIL_DOMAINS"]
    if domains and email.rsplit("@", 1)[-1].lower() not in domains:
        listed = ", ".join("@" + d for d in domains)
        return f"Met dit e-mailadres kun je geen account aanmaken. Gebruik een adres op {listed}."
    return None

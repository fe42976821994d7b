"""Account operations, callable without HTTP (views and CLI use them)."""

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import Role, User
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
            if db.engine.dialect.name == "postgresql":
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


def current_account() -> User:
    """The signed-in person's ORM row, for the few views that change the account or act
    in Beheer (the request's current_user is a read-only SignedIn, see auth.load_user)."""
    return db.session.get(User, current_user.id)

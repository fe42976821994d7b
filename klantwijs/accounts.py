"""Account operations, callable without HTTP (views and CLI use them)."""

import sqlalchemy as sa
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


def create_user(
    email: str, name: str, password: str | None = None, role: str | None = None
) -> User:
    """Create an account; the very first account becomes administrator."""
    if role is None:
        has_users = db.session.scalar(sa.select(sa.exists().where(User.id.is_not(None))))
        role = Role.LEARNER.value if has_users else Role.ADMIN.value
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        role=Role(role).value,
    )
    db.session.add(user)
    try:
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

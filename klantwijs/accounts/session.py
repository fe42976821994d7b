"""Who is signed in: the read-only SignedIn row every request loads, and the ORM account."""

import sqlalchemy as sa
from flask import Flask
from flask_login import UserMixin, current_user

from ..core.db import db, read_core
from ..core.extensions import login_manager
from ..models import MAX_ID, User


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om verder te gaan."
    login_manager.login_message_category = "info"


class SignedIn(UserMixin):
    """Who is signed in for this request: the few columns every page needs, read-only.

    Every request reads this row (so logout everywhere and deactivation take effect at
    once); a plain Core row costs a quarter of loading the ORM object. Code that changes
    the account loads the ORM row with current_account()."""

    def __init__(self, row) -> None:
        self.id, self.name, self.role, self.session_version = row

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    is_hr = User.is_hr  # the same role rules as the model's
    is_admin = User.is_admin


_USERS = User.__table__
# Prebuilt: it runs on every request. Reads id, name, role and session_version of an active
# account whose session_version matches the cookie (primary-key lookup).
SIGNED_IN = sa.select(_USERS.c.id, _USERS.c.name, _USERS.c.role, _USERS.c.session_version).where(
    _USERS.c.id == sa.bindparam("id"),
    _USERS.c.session_version == sa.bindparam("version"),
    _USERS.c.active.is_(True),
)


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    """Sessions name 'id.version'; a bumped version or a deactivated account ends them."""
    try:
        uid, version = (int(part) for part in user_id.split("."))
    except ValueError:
        return None
    if not 0 < uid <= MAX_ID:
        return None
    row = read_core(SIGNED_IN, {"id": uid, "version": version}).first()
    return SignedIn(row) if row is not None else None


def current_account() -> User:
    """The signed-in person's ORM row, for the few views that change the account or act
    in Beheer (the request's current_user is a read-only SignedIn, see load_user)."""
    return db.session.get(User, current_user.id)

"""Who is signed in: the read-only SignedIn row every request loads, and the ORM account."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import UserMixin, current_user, user_loaded_from_cookie

from ..core.db import db, read_core
from ..core.extensions import login_manager
from ..core.fetch import is_fetch, login_needed
from ..models import MAX_ID, TeamLead, User

LOGIN_AGAIN = "Je bent niet meer ingelogd. Log opnieuw in; daarna ga je verder waar je was."


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in om verder te gaan."
    login_manager.login_message_category = "info"
    login_manager.unauthorized_handler(login_again)
    user_loaded_from_cookie.connect(_keep_session_going, app)
    app.after_request(_drop_ended_remember_cookie)


def remember_cookie_name() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def _keep_session_going(_app, user) -> None:
    """Back from the remember cookie (Ingelogd blijven): the new session ages like any other."""
    session.permanent = True


def _drop_ended_remember_cookie(response):
    """A remember cookie that no longer logs anyone in (Uitloggen elsewhere, a new password,
    deactivation) is deleted, so it is not tried again on every request."""
    user = g.get("_login_user")
    if user is not None and not user.is_authenticated and remember_cookie_name() in request.cookies:
        session.pop("_user_id", None)
        session.pop("_fresh", None)
        response.delete_cookie(
            remember_cookie_name(),
            domain=current_app.config.get("REMEMBER_COOKIE_DOMAIN"),
            path=current_app.config.get("REMEMBER_COOKIE_PATH", "/"),
        )
    return response


def _page_to_return_to() -> str | None:
    """Where to land after logging in again: this page for a GET; for a form post the page
    that sent it (this site only), as the post itself cannot be repeated by a link."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def login_again():
    """Not (or no longer) logged in: the login page with a way back. A background request
    from the quiz gets 401 and the login address, so the page keeps the answer and says so."""
    target = _page_to_return_to()
    login_url = url_for("auth.login", next=target) if target else url_for("auth.login")
    if is_fetch():
        return login_needed(login_url)
    if request.method == "GET":
        flash(login_manager.login_message, login_manager.login_message_category)
    else:
        flash(LOGIN_AGAIN, "info")
    return redirect(login_url)


class SignedIn(UserMixin):
    """Who is signed in for this request: the few columns every page needs, read-only.

    Every request reads this row (so logout everywhere and deactivation take effect at
    once); a plain Core row costs a quarter of loading the ORM object. Code that changes
    the account loads the ORM row with current_account()."""

    def __init__(self, row) -> None:
        self.id, self.name, self.role, self.session_version, self.leads_teams = row

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    is_hr = User.is_hr  # the same role rules as the model's
    is_admin = User.is_admin


_USERS = User.__table__
# Prebuilt: it runs on every request. Reads id, name, role and session_version of an active
# account whose session_version matches the cookie (primary-key lookup), and whether they
# lead a team (a Teamleider sees Beheer in the menu; an index lookup in the same statement).
_LEADS_TEAMS = sa.exists().where(TeamLead.__table__.c.user_id == _USERS.c.id).label("leads")
SIGNED_IN = sa.select(
    _USERS.c.id, _USERS.c.name, _USERS.c.role, _USERS.c.session_version, _LEADS_TEAMS
).where(
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

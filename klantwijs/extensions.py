"""Extension objects, created unbound and attached in create_app()."""

import sqlalchemy as sa
from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Rows stay loaded after a commit: views read what they just wrote without a second SELECT.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def rate_limit(*args, **kwargs):
    """limiter.limit(...), and a mark on the view that it has a limit.

    Flask-Limiter's before-request hook resolves the limits of every request, also for the
    many views without one (9% of a lesson page's CPU). With the mark, the request filter
    below lets it skip those views. Every limit in the app goes through here (a test
    checks that no view uses limiter.limit directly, which would lose its mark)."""
    limit = limiter.limit(*args, **kwargs)

    def decorate(view):
        limited = limit(view)
        limited.rate_limited = True  # functools.wraps in outer decorators copies it
        return limited

    return decorate


@limiter.request_filter
def _view_without_limit() -> bool:
    """True (skip all limit checks) when the requested view carries no rate_limit."""
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "rate_limited", False)


def fast_read(statement, params: dict) -> sa.CursorResult:
    """Run a prebuilt Core SELECT on the request's connection, skipping the ORM session's
    per-statement work (events, ORM compile state): half the cost, for the few reads that
    run on every request (who is signed in, the lesson's state, the report's freshness)."""
    return db.session.connection().execute(statement, params)

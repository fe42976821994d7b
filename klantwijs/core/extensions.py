"""Flask extension objects, created unbound and attached in create_app(); rate_limit()."""

from pathlib import Path

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask, db, migrations: Path) -> None:
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)


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

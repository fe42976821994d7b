"""Klantwijs: a Dutch e-learning course on handling difficult customers."""

import sys
from pathlib import Path

from flask import Flask

from . import config as settings
from .content import ContentError, load_course
from .extensions import csrf, db, limiter, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, content, blueprints and CLI commands."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    overrides = {**settings.from_environment(), **(config or {})}
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(overrides)
    checking_content = _is_content_check(sys.argv)
    if not checking_content:
        _require_secret_key(app)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        settings.sqlalchemy_url(
            app.config.get("DATABASE_URL")
            or f"sqlite:///{Path(app.instance_path) / 'klantwijs.db'}"
        ),
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(exist_ok=True)
    else:
        # A server database may restart under us: test pooled connections before use.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if "SESSION_COOKIE_SECURE" not in overrides:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]

    # Invalid content stops the app here, with every problem listed; only
    # `flask course check` goes on, to print them without a traceback.
    try:
        app.extensions["course"] = load_course(app.config["LESSONS_DIR"], app.config["QUIZ_DIR"])
    except ContentError:
        if not checking_content:
            raise

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from . import auth, cli, errors, hr, learn, quiz, security

    security.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(learn.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(hr.bp)
    cli.init_app(app)
    return app


def _is_content_check(argv: list[str]) -> bool:
    """True when the process runs `flask course check`, which must work on broken content."""
    return "course" in argv and argv[argv.index("course") + 1 : argv.index("course") + 2] == [
        "check"
    ]


def _require_secret_key(app: Flask) -> None:
    """Use SECRET_KEY from the environment or instance/secret_key; refuse to run without."""
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / "secret_key"
    if key_file.is_file():
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    elif app.debug or app.testing:
        app.config["SECRET_KEY"] = "dev-only-not-secret"
    else:
        raise RuntimeError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or run `make run`, which creates instance/secret_key)."
        )

"""Klantwijs: a Dutch e-learning course on handling difficult customers."""

from pathlib import Path

from flask import Flask

from . import config as settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, then each part's init_app (redash style)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    settings.configure(app, config)

    from . import accounts, course, hr, interop, learning
    from .core import compression, errors, extensions, mail, security, templating
    from .core.db import db
    from .ops import backup

    course.init_app(app)
    db.init_app(app)
    extensions.init_app(app, db, migrations=ROOT / "migrations")
    security.init_app(app)
    compression.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    accounts.init_app(app)
    learning.init_app(app)
    hr.init_app(app)
    interop.init_app(app)
    backup.init_app(app)
    mail.warn_if_half_configured(app)
    return app

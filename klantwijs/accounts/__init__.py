"""Accounts: registration, login and logout, passwords and invitation links (blueprint "auth")."""

from flask import Flask

from .session import init_app as init_session
from .views import bp


def init_app(app: Flask) -> None:
    init_session(app)
    app.register_blueprint(bp)
    from . import cli

    cli.init_app(app)

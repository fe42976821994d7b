"""Accounts: registration, login and logout, passwords, invitation links and single sign-on
(blueprint "auth")."""

from flask import Flask

from . import oidc, views_oidc  # noqa: F401 - views_oidc adds the werkaccount routes to bp
from .session import init_app as init_session
from .views import bp


def init_app(app: Flask) -> None:
    init_session(app)
    oidc.init_app(app)
    app.register_blueprint(bp)
    from . import cli

    cli.init_app(app)

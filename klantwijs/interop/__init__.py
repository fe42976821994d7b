"""Klantwijs in the company's own systems: SCORM packages for an LMS, xAPI statements for a
Learning Record Store, and quiz questions in Moodle XML and GIFT.

scorm.py, moodle.py and xapi/statements.py are pure builders over the course model;
shapes.py says how each registered question type looks outside; xapi/outbox.py queues
statements from the learning signals and xapi/sender.py delivers them; cli.py holds the
commands and views.py the download in Beheer. Nothing imports this package but the factory.
"""

from __future__ import annotations

import os

from flask import Flask

# Read from the environment unless create_app(config) set them.
XAPI_SETTINGS = {
    "XAPI_ENDPOINT": str,
    "XAPI_KEY": str,
    "XAPI_SECRET": str,
    "XAPI_ACTOR_MBOX": lambda v: v.strip().lower() in {"1", "true", "yes", "ja"},
}


def configure(app: Flask, environ=os.environ) -> None:
    """xAPI settings; with an endpoint, BASE_URL is required (it names the actor and every
    activity) and the endpoint must be an http(s) address."""
    for name, parse in XAPI_SETTINGS.items():
        if name not in app.config:
            app.config[name] = parse(environ.get(name, ""))
    endpoint = app.config["XAPI_ENDPOINT"].strip()
    app.config["XAPI_ENDPOINT"] = endpoint
    if not endpoint:
        return
    if not endpoint.startswith(("https://", "http://")):
        raise RuntimeError(f"XAPI_ENDPOINT must be an http(s) URL, got {endpoint!r}")
    if not app.config.get("BASE_URL", "").startswith(("https://", "http://")):
        raise RuntimeError(
            "XAPI_ENDPOINT is set but BASE_URL is not: xAPI statements name the learner and "
            "every activity by BASE_URL (e.g. https://klantwijs.bedrijf.nl)."
        )


def init_app(app: Flask) -> None:
    from . import cli, views
    from .xapi import outbox

    configure(app)
    cli.init_app(app)
    app.register_blueprint(views.bp)
    if app.config["XAPI_ENDPOINT"]:
        outbox.connect(app)

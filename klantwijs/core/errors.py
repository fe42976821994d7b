"""Dutch error pages: a clear message instead of a stack trace."""

import math
import time

from flask import Flask, current_app, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import limiter, login_manager

MESSAGES = {
    400: (
        "Ongeldig verzoek",
        "Het verzoek kon niet worden verwerkt. Controleer wat je invulde en probeer het opnieuw.",
    ),
    403: ("Geen toegang", "Je hebt geen toegang tot deze pagina."),
    404: (
        "Pagina niet gevonden",
        "Deze pagina bestaat niet (meer). Controleer het adres of ga terug naar Mijn cursus.",
    ),
    405: ("Niet toegestaan", "Deze actie kan op deze manier niet worden uitgevoerd."),
    413: (
        "Bestand of formulier te groot",
        "Wat je verstuurde is te groot. Maak het kleiner en probeer het opnieuw.",
    ),
    429: (
        "Te veel pogingen",
        "Je hebt het te vaak geprobeerd. Wacht even en probeer het dan opnieuw.",
    ),
    500: (
        "Er ging iets mis",
        "Er ging aan onze kant iets mis. Er is niets van je werk verloren; probeer het over een paar minuten opnieuw.",
    ),
}


def render_error(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "error.html", title=title, message=message or default, status=status
    ), status


def _retry_message() -> str:
    """Tell when the rate limit lifts, in whole minutes."""
    limit = limiter.current_limit
    if limit is None:
        return MESSAGES[429][1]
    minutes = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    word = "minuut" if minutes == 1 else "minuten"
    return f"Je hebt het te vaak geprobeerd. Probeer het over {minutes} {word} opnieuw."


# Blueprints whose forms are posted without being logged in (Inloggen, Account aanmaken, …).
PUBLIC_FORMS = {"auth"}


def _session_ended() -> bool:
    """A session cookie came along but no longer opens (too old): not a forged form."""
    sent = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    return (
        sent
        and "csrf_token" not in session
        and not current_user.is_authenticated
        and request.blueprint not in PUBLIC_FORMS
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        if _session_ended():
            # The session ran out (8 hours idle) and took the form's token with it: say to
            # log in again, with a way back, instead of a bare "Ongeldig verzoek".
            return login_manager.unauthorized()
        return render_error(
            400,
            "Het formulier is verlopen of niet compleet. Laad de pagina opnieuw en probeer het nog eens.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429:
            return render_error(429, _retry_message())
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        return render_error(500)

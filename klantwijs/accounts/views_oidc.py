"""Blueprint "auth", continued: Inloggen met je werkaccount (the OpenID Connect redirect and
its way back). accounts/oidc.py holds the setup and the account decisions."""

import logging

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError

from ..core.extensions import rate_limit
from ..core.mail import absolute_url
from . import oidc
from .views import _start_session, bp, safe_next

log = logging.getLogger(__name__)

EXPIRED = (
    "Deze inlogpoging is verlopen of niet compleet, bijvoorbeeld omdat je de pagina opnieuw "
    "laadde of de terugknop gebruikte. Probeer opnieuw in te loggen met je werkaccount."
)
USED = (
    "Deze inlogpoging is al gebruikt of verlopen. Probeer opnieuw in te loggen met je werkaccount."
)
NOT_CHECKED = (
    "Het antwoord van je werkaccount kon niet worden gecontroleerd, dus je bent niet ingelogd. "
    "Probeer het opnieuw; lukt het weer niet, neem dan contact op met HR."
)
DENIED = "Je werkaccount gaf geen toestemming om in te loggen bij Klantwijs. Probeer het opnieuw."


# Authlib keeps each started login's state, nonce and PKCE verifier in the session under
# "_state_oidc_<state>" for an hour. Keep the newest few (a second tab still works), so that
# clicking the button again and again cannot grow the session cookie past 4 KB.
PENDING_PREFIX = "_state_oidc_"
MAX_PENDING = 3


def _forget_old_attempts() -> None:
    pending = sorted(
        (key for key in session if key.startswith(PENDING_PREFIX)),
        key=lambda key: (session[key] or {}).get("exp", 0),
    )
    for key in pending[: max(0, len(pending) - (MAX_PENDING - 1))]:
        session.pop(key)


def refused(message: str, status: int, retry: bool = False):
    """A Dutch page that says why; nobody is logged in and no account is made."""
    return render_template("auth/oidc_refused.html", message=message, retry=retry), status


@bp.get("/inloggen/werkaccount", endpoint="oidc_login")
@rate_limit("60 per minute")  # a whole office behind one address logs in at 9:00
def oidc_login():
    """Off to the provider's login page (state, nonce and PKCE kept in the session)."""
    client = oidc.client()
    if client is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    _forget_old_attempts()
    try:
        oidc.metadata(client)
        response = client.authorize_redirect(absolute_url("auth.oidc_callback"))
    except oidc.ProviderUnavailable:
        log.warning("Single sign-on provider unavailable", exc_info=True)
        return refused(oidc.UNAVAILABLE, 503, retry=True)
    next_page = safe_next(request.args.get("next"))
    if next_page:
        session["oidc_next"] = next_page
    return response


@bp.get("/inloggen/werkaccount/terug", endpoint="oidc_callback")
@rate_limit("60 per minute")  # a whole office behind one address logs in at 9:00
def oidc_callback():
    """Back from the provider: Authlib checks state, exchanges the code (with the PKCE
    verifier) and validates the ID token; then the account is found, linked or made."""
    client = oidc.client()
    if client is None:
        abort(404)
    try:
        token = client.authorize_access_token(claims_options=oidc.claims_options(client))
        if "userinfo" not in token:
            raise OAuthError(description="no ID token in the token response")
        person = oidc.person_from(client, token)
        user = oidc.sign_in(person, current_app.config)
    except MismatchingStateError:
        if current_user.is_authenticated:
            return redirect(url_for("learn.home"))  # another tab's login got there first
        log.info("Single sign-on refused: state missing or not this session's")
        return refused(EXPIRED, 400, retry=True)
    except OAuthError as exc:
        log.info("Single sign-on refused by the provider: %s %s", exc.error, exc.description)
        message = DENIED if request.args.get("error") else USED
        return refused(message, 400, retry=True)
    except JoseError as exc:
        log.warning("Single sign-on refused: ID token not valid (%r)", exc)
        return refused(NOT_CHECKED, 400, retry=True)
    except (oidc.ProviderUnavailable, requests.RequestException):
        log.warning("Single sign-on provider unavailable", exc_info=True)
        return refused(oidc.UNAVAILABLE, 503, retry=True)
    except oidc.SsoRefused as exc:
        log.info("Single sign-on refused: %s", exc.message)
        return refused(exc.message, exc.status)
    next_page = session.get("oidc_next")
    _start_session(user)
    session["oidc_login"] = True
    hint = oidc.id_token_hint(token)
    if hint:
        session["oidc_id_token"] = hint
    return redirect(next_page or url_for("learn.home"))

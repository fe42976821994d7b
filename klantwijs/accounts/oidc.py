"""Inloggen met je werkaccount: OpenID Connect single sign-on through Authlib's Flask client.

Authlib does the protocol: discovery, the authorization code flow with PKCE, state and
nonce, and the ID token's signature, issuer, audience, expiry and nonce. This module sets it
up from OIDC_* settings and decides which Klantwijs account a provider's checked claims
belong to: the stored (issuer, sub) pair first, then a verified e-mail address, else a new
account. Off (and nothing changes) while OIDC_ISSUER is empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
import sqlalchemy as sa
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError

from ..audit import audit, describe
from ..core.db import db
from ..models import OidcIdentity, Role, User, utcnow
from .directory import follow_groups, groups_from_claim
from .operations import find_user_by_email, normalise_email

log = logging.getLogger(__name__)

CLIENT = "klantwijs.oidc"
SCOPES = "openid email profile"
# An ID token kept for the logout hint only while the session cookie stays well under 4 KB.
MAX_ID_TOKEN_HINT = 2500

DEACTIVATED = "Dit account is gedeactiveerd. Neem contact op met HR als dat niet klopt."
UNAVAILABLE = (
    "Inloggen met je werkaccount lukt nu niet: de inlogdienst van je organisatie is niet "
    "bereikbaar. Probeer het over een paar minuten opnieuw."
)


class ProviderUnavailable(Exception):
    """The provider could not be reached, or its discovery document does not fit."""


class SsoRefused(Exception):
    """The provider's answer is valid, but Klantwijs does not let this person in."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Person:
    """What Klantwijs takes from the checked claims."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    groups: list[str] | None  # None: the claim is not configured or not sent


def init_app(app: Flask) -> None:
    """Register the provider with Authlib when OIDC_ISSUER is set; refuse half a setup."""
    issuer = issuer_of(app.config)
    if not issuer:
        if app.config.get("OIDC_ONLY"):
            raise RuntimeError(
                "OIDC_ONLY=1 needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."
            )
        return
    if not (app.config.get("OIDC_CLIENT_ID") and app.config.get("OIDC_CLIENT_SECRET")):
        raise RuntimeError("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too.")
    oauth = OAuth(app)
    app.extensions[CLIENT] = oauth.register(
        "oidc",
        client_id=app.config["OIDC_CLIENT_ID"].strip(),
        client_secret=app.config["OIDC_CLIENT_SECRET"].strip(),
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "default_timeout": 10},
    )


def issuer_of(config) -> str:
    return (config.get("OIDC_ISSUER") or "").strip().rstrip("/")


def enabled(config) -> bool:
    return bool(issuer_of(config))


def password_login_closed(config) -> bool:
    """OIDC_ONLY=1: password login (except for admins) and registration are off."""
    return enabled(config) and bool(config.get("OIDC_ONLY"))


def client():
    """This app's Authlib client, or None when single sign-on is off."""
    return current_app.extensions.get(CLIENT)


def metadata(oidc_client) -> dict:
    """The provider's discovery document (Authlib caches it), whose issuer must be exactly the
    configured one (OpenID Connect Discovery 4.3)."""
    try:
        found = oidc_client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(str(exc)) from exc
    issuer = issuer_of(current_app.config)
    if str(found.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderUnavailable(f"discovery names issuer {found.get('issuer')!r}, not {issuer!r}")
    return found


def claims_options(oidc_client) -> dict:
    """Issuer and audience checks for Authlib's ID token validation. Authlib checks the
    issuer by itself but the audience only through `azp`: name our client id explicitly."""
    return {
        "iss": {"essential": True, "values": [metadata(oidc_client)["issuer"]]},
        "aud": {"essential": True, "values": [oidc_client.client_id]},
    }


def person_from(oidc_client, token: dict) -> Person:
    """The checked ID token's claims (token["userinfo"], validated by Authlib), completed from
    the UserInfo endpoint when the provider has one (whose `sub` must be the same)."""
    claims = dict(token["userinfo"])
    found = metadata(oidc_client)
    if found.get("userinfo_endpoint"):
        try:
            info = dict(oidc_client.userinfo(token=token))
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(str(exc)) from exc
        if info.get("sub") != claims.get("sub"):
            raise SsoRefused(
                "Het antwoord van je werkaccount klopt niet. Probeer opnieuw in te loggen.", 400
            )
        # The signed ID token wins; e-mail and its verification always come from one place.
        email_source = claims if "email" in claims else info
        claims = {**info, **claims, "email": email_source.get("email")}
        claims["email_verified"] = email_source.get("email_verified")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise SsoRefused("Je werkaccount gaf geen geldige gebruikers-id door. Vraag HR om hulp.")
    email = claims.get("email")
    email = normalise_email(email) if isinstance(email, str) else ""
    claim = current_app.config.get("OIDC_GROUPS_CLAIM", "").strip()
    return Person(
        issuer=found["issuer"].rstrip("/"),
        subject=subject,
        email=email if 3 <= len(email) <= 254 and "@" in email else "",
        email_verified=claims.get("email_verified") is True
        or str(claims.get("email_verified")).lower() == "true",
        name=_display_name(claims, email),
        groups=groups_from_claim(claims.get(claim)) if claim else None,
    )


def _display_name(claims: dict, email: str) -> str:
    """The token's name (or given + family name), else the e-mail's local part; printable,
    at most 100 characters."""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get(k) for k in ("given_name", "family_name")]
        name = " ".join(p for p in parts if isinstance(p, str))
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or email.split("@", 1)[0] or "Medewerker")[:100]


def _domain_refusal(config, email: str) -> str | None:
    domains = config.get("OIDC_ALLOWED_DOMAINS") or []
    if not domains:
        return None
    if email and email.rsplit("@", 1)[-1] in domains:
        return None
    listed = ", ".join("@" + d for d in domains)
    shown = f" ({email})" if email else ""
    return (
        f"Met dit werkaccount{shown} kun je niet inloggen bij Klantwijs. Alleen adressen op "
        f"{listed} hebben toegang. Neem contact op met HR als dat niet klopt."
    )


def sign_in(person: Person, config) -> User:
    """The account this person signs in to: found by (issuer, sub), linked by a verified
    e-mail, or created. Team memberships follow the groups claim. Raises SsoRefused and
    then stores nothing."""
    refusal = _domain_refusal(config, person.email)
    if refusal:
        raise SsoRefused(refusal)
    for _ in range(2):
        try:
            user = _account_for(person)
            if person.groups is not None:
                follow_groups(user, person.groups)
            db.session.commit()
            return user
        except IntegrityError:
            # Two first logins of one person at once: the other request stored the account
            # (or the same membership) first; the second try finds it.
            db.session.rollback()
    raise SsoRefused(
        "Er veranderde tegelijk iets aan je account. Probeer opnieuw in te loggen.", 409
    )


def _account_for(person: Person) -> User:
    identity = db.session.scalar(
        sa.select(OidcIdentity).where(
            OidcIdentity.issuer == person.issuer, OidcIdentity.subject == person.subject
        )
    )
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if not user.active:
            raise SsoRefused(DEACTIVATED)
        identity.last_login_at = utcnow()
        _follow_email(user, person)
        return user
    if not person.email:
        raise SsoRefused(
            "Je werkaccount geeft geen e-mailadres door, en dat heeft Klantwijs nodig. Vraag "
            "je IT-afdeling of HR om hulp."
        )
    user = find_user_by_email(person.email)
    if user is None:
        user = User(email=person.email, name=person.name, role=Role.LEARNER.value)
        db.session.add(user)
        db.session.flush()
        audit(None, "account.aangemaakt", f"{describe(user)} via werkaccount")
    else:
        _check_link(user, person)
        audit(None, "account.werkaccount_gekoppeld", describe(user))
    db.session.add(OidcIdentity(user_id=user.id, issuer=person.issuer, subject=person.subject))
    db.session.flush()
    return user


def _check_link(user: User, person: Person) -> None:
    """An existing account with this e-mail joins the werkaccount only when the provider
    vouches for the address and the account has no other werkaccount at this provider."""
    if not person.email_verified:
        raise SsoRefused(
            "Er is al een Klantwijs-account met dit e-mailadres, maar je werkaccount bevestigt "
            "niet dat het adres van jou is. Log in met je wachtwoord, of vraag HR om hulp."
        )
    other = db.session.scalar(
        sa.select(OidcIdentity.id).where(
            OidcIdentity.user_id == user.id, OidcIdentity.issuer == person.issuer
        )
    )
    if other is not None:
        raise SsoRefused(
            "Dit e-mailadres hoort bij een Klantwijs-account van een ander werkaccount. Vraag HR "
            "om hulp."
        )
    if not user.active:
        raise SsoRefused(DEACTIVATED)


def _follow_email(user: User, person: Person) -> None:
    """A verified new address from the directory replaces the old one, unless another
    account has it."""
    if not person.email or not person.email_verified or person.email == user.email:
        return
    if find_user_by_email(person.email) is not None:
        log.warning(
            "Werkaccount of user %s has e-mail %s, taken by another account", user.id, person.email
        )
        return
    audit(None, "account.email_gewijzigd", f"{describe(user)} → {person.email} via werkaccount")
    user.email = person.email


def id_token_hint(token: dict) -> str | None:
    """The ID token to name at logout, when it fits in the session cookie."""
    id_token = token.get("id_token")
    return id_token if id_token and len(id_token) <= MAX_ID_TOKEN_HINT else None


def end_session_url(id_token: str | None, after_logout: str) -> str | None:
    """The provider's end_session_endpoint with id_token_hint, client_id and
    post_logout_redirect_uri (RP-Initiated Logout 1.0); None when it has none."""
    oidc_client = client()
    if oidc_client is None:
        return None
    try:
        if not metadata(oidc_client).get("end_session_endpoint"):
            return None
        return oidc_client.create_logout_url(
            post_logout_redirect_uri=after_logout,
            id_token_hint=id_token,
            client_id=oidc_client.client_id,
        )["url"]
    except ProviderUnavailable:
        log.warning("No logout at the provider: it could not be reached", exc_info=True)
        return None

"""Security headers on every response (Talisman: CSP without inline script, no framing), and
the client's address and scheme behind trusted reverse proxies (werkzeug's ProxyFix)."""

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

MAX_PROXIES = 10

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def trusted_proxies(value) -> int:
    """TRUSTED_PROXIES as a number of hops; a clear message for anything else."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PROXIES:
        raise RuntimeError(
            f"TRUSTED_PROXIES must be a whole number from 0 to {MAX_PROXIES}: how many reverse "
            f"proxies stand in front of Klantwijs (got {value!r})."
        )
    return int(text)


def trust_proxies(app: Flask) -> None:
    """Behind N trusted proxies, take the client's address and scheme from the last N
    entries of X-Forwarded-For / X-Forwarded-Proto, as each proxy appends its peer. With 0
    (the default) the headers are ignored: a client cannot choose its own address. The
    login throttle, rate limits and any logged address then see the real client."""
    hops = trusted_proxies(app.config.get("TRUSTED_PROXIES", 0))
    app.config["TRUSTED_PROXIES"] = hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def init_app(app: Flask) -> None:
    """CSP without inline script, nosniff, referrer policy and framing refused, via Talisman;
    ProxyFix for TRUSTED_PROXIES."""
    trust_proxies(app)
    Talisman(
        app,
        force_https=False,  # TLS ends at the reverse proxy; see README "Productie"
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

"""Configuration: defaults, overridden by the environment, overridden by create_app(config)."""

import datetime as dt
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "LESSONS_DIR": str(ROOT / "lessons"),
    "QUIZ_DIR": str(ROOT / "quiz"),
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
    "REGISTRATION_OPEN": True,
    "ALLOWED_EMAIL_DOMAINS": [],
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A session ends after 8 hours without a request (the signed cookie's age, refreshed on
    # every request); "Ingelogd blijven" adds a remember cookie for 30 days (accounts/session.py).
    "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=8),
    "REMEMBER_COOKIE_DURATION": dt.timedelta(days=30),
    "WTF_CSRF_TIME_LIMIT": None,
    "LOGIN_LIMIT_PER_ADDRESS": "20 per 10 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 10 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT_ANY_ADDRESS": "50 per 10 minutes",
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_USE_TLS": False,
    "MAIL_FROM": "klantwijs@localhost",
    "REMINDER_DAYS": 3,
    # Reminders on and after a Deadline: on these days after it (0 = the day itself), then
    # no more. "0,3,7": three reminders for an overdue module (hr/reminders.py).
    "REMINDER_OVERDUE_DAYS": (0, 3, 7),
    "BASE_URL": "",
    # werkzeug's method string; scrypt (werkzeug's default, as accounts/passwords.py). For tests
    # only: tests/conftest.py sets a cheap "pbkdf2:sha256:1000", as bench/dataset.py does.
    "PASSWORD_HASH_METHOD": "scrypt",
    # OpenID Connect single sign-on (accounts/oidc.py): off while OIDC_ISSUER is empty.
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_BUTTON_LABEL": "Inloggen met je werkaccount",
    "OIDC_ALLOWED_DOMAINS": [],
    "OIDC_ONLY": False,
    "OIDC_GROUPS_CLAIM": "",
    # How many reverse proxies (nginx, Caddy, a load balancer) stand in front of the app and
    # append to X-Forwarded-For / set X-Forwarded-Proto. 0: those headers are ignored, the
    # address is the connection's (core/security.py applies werkzeug's ProxyFix).
    "TRUSTED_PROXIES": 0,
}

# Environment variables read by the factory, and how each is parsed.
_ENV = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "LESSONS_DIR": str,
    "QUIZ_DIR": str,
    "RATELIMIT_STORAGE_URI": str,
    "REGISTRATION_OPEN": lambda v: v.strip().lower() not in {"0", "false", "no", "nee", ""},
    "ALLOWED_EMAIL_DOMAINS": lambda v: [
        d.strip().lower().lstrip("@") for d in v.split(",") if d.strip()
    ],
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": lambda v: v.strip().lower() in {"1", "true", "yes"},
    "MAIL_FROM": str,
    "REMINDER_DAYS": int,
    "REMINDER_OVERDUE_DAYS": lambda v: tuple(
        sorted({max(0, int(d)) for d in v.split(",") if d.strip()})
    ),
    "BASE_URL": str,
    "SESSION_COOKIE_SECURE": lambda v: v.strip().lower() not in {"0", "false", "no", ""},
    "PASSWORD_HASH_METHOD": str,  # tests only; never lower it in production
    "OIDC_ISSUER": str,
    "OIDC_CLIENT_ID": str,
    "OIDC_CLIENT_SECRET": str,
    "OIDC_BUTTON_LABEL": str,
    "OIDC_ALLOWED_DOMAINS": lambda v: [
        d.strip().lower().lstrip("@") for d in v.split(",") if d.strip()
    ],
    "OIDC_ONLY": lambda v: v.strip().lower() in {"1", "true", "yes", "ja"},
    "OIDC_GROUPS_CLAIM": str,
    "TRUSTED_PROXIES": str,  # checked in core/security.py, with a clear message
}


def from_environment(environ=os.environ) -> dict:
    """Return the settings present in the environment, parsed."""
    return {
        name: parse(environ[name]) for name, parse in _ENV.items() if environ.get(name, "").strip()
    }


def sqlalchemy_url(url: str) -> str:
    """Accept the short postgres:// forms that hosting providers hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configure(app: Flask, config: dict | None = None) -> None:
    """Defaults, then the environment, then `config`; resolve the secret key, the database
    and the cookie flags."""
    overrides = {**from_environment(), **(config or {})}
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(overrides)
    from .course import is_content_check

    if not is_content_check():
        _require_secret_key(app)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        sqlalchemy_url(
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

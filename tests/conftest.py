"""Shared fixtures: an app per test on a migrated database, clients, factories, a browser."""

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from klantwijs import create_app
from klantwijs.accounts.operations import create_user
from klantwijs.config import sqlalchemy_url
from klantwijs.core.db import db
from klantwijs.core.extensions import limiter

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
PASSWORD = "een lange zin als wachtwoord"


def app_settings(database_url: str, **overrides) -> dict:
    """Settings for a test app: fixture content, CSRF off (tests/test_security.py turns it on)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LESSONS_DIR": str(DATA / "lessons"),
        "QUIZ_DIR": str(DATA / "quiz"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        **overrides,
    }


def reset_database(url: str) -> None:
    """Drop everything in the test database so migrations start from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            for table in sa.inspect(conn).get_table_names():
                conn.execute(sa.text(f'DROP TABLE "{table}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """SQLite file by default; PostgreSQL when TEST_DATABASE_URL is set."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return sqlalchemy_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'klantwijs-test.db'}"


@pytest.fixture(scope="session")
def migrated(database_url) -> str:
    """The test database, built once per run by the real migrations."""
    reset_database(database_url)
    app = create_app(app_settings(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def empty_tables() -> None:
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(migrated):
    """Build apps with extra settings; every table is emptied after the test."""
    apps = []

    def build(**overrides):
        app = create_app(app_settings(migrated, **overrides))
        apps.append(app)
        return app

    yield build
    for app in apps[:1]:
        with app.app_context():
            db.session.remove()
            empty_tables()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    limiter.reset()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account and return it (detached, ids loaded)."""
    counter = iter(range(1, 100_000))

    def build(email=None, name=None, password=PASSWORD, role="learner", active=True):
        n = next(counter)
        with app.app_context():
            user = create_user(
                email or f"medewerker{n}@example.nl", name or f"Medewerker {n}", password, role=role
            )
            if not active:
                user.active = False
                db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return build


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD, **kwargs):
        return self.client.post("/inloggen", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self.client.post("/uitloggen")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def learner(make_user, auth):
    """A logged-in learner."""
    user = make_user(role="learner")
    auth.login(user.email)
    return user


# --- Browser layer -------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_unavailable() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright for Python is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _browser_unavailable()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app served over real HTTP on a free port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone_page(browser, live_server):
    """A phone: 360×740, touch, mobile viewport."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        base_url=live_server.url,
        locale="nl-NL",
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="nl-NL"
    )
    page = context.new_page()
    yield page
    context.close()

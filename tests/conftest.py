"""Shared fixtures: an app per test on a migrated database, clients, factories, a browser."""

import datetime as dt
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from klantwijs import create_app
from klantwijs.accounts.operations import create_user
from klantwijs.config import sqlalchemy_url
from klantwijs.core.db import db
from klantwijs.core.dutch import local_today
from klantwijs.core.extensions import limiter
from klantwijs.models import Answer, Assignment, Attempt, LessonView, Membership, Team, User, utcnow
from tests.hr_helpers import smtp_server

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
PASSWORD = "een lange zin als wachtwoord"
# Cheap on purpose (scrypt costs ~95 ms a hash); the same as bench/dataset.py. One test,
# test_auth.py::test_passwords_are_hashed_with_scrypt_outside_tests, keeps the real path.
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


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
        # Links in e-mails come from BASE_URL only (never the Host header); the test host.
        "BASE_URL": "http://localhost",
        "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
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


# --- Logging in and counting statements -------------------------------------------------------

_CSRF_TOKEN = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def csrf_token_from(html: str) -> str | None:
    match = _CSRF_TOKEN.search(html)
    return (match.group(1) or match.group(2)) if match else None


def log_in(client, email, password=PASSWORD, **kwargs):
    """Log in through the form: a Flask test client, or trust_helpers.Http on a real server.

    The form's CSRF token is fetched first when the app checks it (a real server always does).
    """
    data = {"email": email, "password": password}
    app = getattr(client, "application", None)
    if app is None or app.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token_from(client.get("/inloggen").text)
    return client.post("/inloggen", data=data, **kwargs)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD, **kwargs):
        return log_in(self.client, email, password, **kwargs)

    def logout(self):
        return self.client.post("/uitloggen")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@contextmanager
def statements_sent():
    """Collect the SQL statements (with their parameters) any engine sends in the block."""
    seen = []

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


@pytest.fixture
def count_statements():
    """``with count_statements() as seen:`` → the (statement, parameters) sent in the block."""
    return statements_sent


# --- Factories: fixtures that return a function (indico's create_user style) ----------------


@pytest.fixture
def make_user(app):
    """Create an account and return it (detached, ids loaded)."""
    counter = iter(range(1, 100_000))

    def build(email=None, name=None, password=PASSWORD, role="learner", active=True) -> User:
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


@pytest.fixture
def login_as(make_user, client):
    """Create an account with this role and log a client (the test's, by default) in as it."""

    def build(role="hr", client=client, **user_fields) -> User:
        user = make_user(role=role, **user_fields)
        response = log_in(client, user.email)
        assert response.status_code == 302, response.text
        return user

    return build


@pytest.fixture
def learner(login_as):
    """A logged-in learner."""
    return login_as("learner")


@pytest.fixture
def hr(login_as):
    """An HR officer, logged in on the test's client."""
    return login_as("hr")


@pytest.fixture
def make_team(app):
    """A team with these members (User objects); returns its id."""

    def build(name="Verkoop", members=()) -> int:
        with app.app_context():
            team = Team(name=name)
            db.session.add(team)
            db.session.flush()
            db.session.add_all(Membership(user_id=u.id, team_id=team.id) for u in members)
            db.session.commit()
            return team.id

    return build


@pytest.fixture
def make_assignment(app):
    """A module assigned to a team or one person, due in two weeks unless ``due``; its id."""

    def build(slug="alpha", team_id=None, user_id=None, due=None) -> int:
        with app.app_context():
            assignment = Assignment(
                module_slug=slug,
                team_id=team_id,
                user_id=user_id,
                due_date=due or local_today() + dt.timedelta(days=14),
            )
            db.session.add(assignment)
            db.session.commit()
            return assignment.id

    return build


@pytest.fixture
def make_attempt(app):
    """An attempt row, handed in unless ``submitted=False``; answers maps question id →
    (response, score 0..1). Returns its id."""

    def build(
        user_id,
        slug="alpha",
        score=4.0,
        max_score=5,
        passed=True,
        submitted=True,
        kind="exam",
        answers=None,
        when=None,
    ) -> int:
        with app.app_context():
            attempt = Attempt(
                user_id=user_id,
                module_slug=slug,
                kind=kind,
                content_version="test",
                seed=1,
                question_ids=list((answers or {}).keys()),
                submitted_at=(when or utcnow()) if submitted else None,
                score=score if submitted else None,
                max_score=max_score,
                passed=passed if submitted else None,
            )
            db.session.add(attempt)
            db.session.flush()
            db.session.add_all(
                Answer(attempt_id=attempt.id, question_id=qid, response=response, score=points)
                for qid, (response, points) in (answers or {}).items()
            )
            db.session.commit()
            return attempt.id

    return build


@pytest.fixture
def make_view(app):
    """Record that a person read a module's lesson."""

    def build(user_id, slug="alpha") -> None:
        with app.app_context():
            db.session.add(LessonView(user_id=user_id, module_slug=slug))
            db.session.commit()

    return build


@pytest.fixture
def mail_app(make_app):
    """An app that sends mail to a real SMTP server on localhost; its mails in `app.inbox`."""
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://leren.example.nl")
        app.inbox = inbox
        yield app


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
    app.config["BASE_URL"] = server.url  # links the app builds (invitations) point here
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

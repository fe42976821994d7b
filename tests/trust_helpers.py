"""Shared machinery for the trust suite (tests/test_trust_*.py).

- a *world*: real rows (learner, other learner, hr, admin, two teams with a Teamleider
  each, attempts, invitation) that URL parameters are built from, so every route is called
  with ids that exist;
- the *access matrix*: every endpoint × method → the status each role gets; "lead" leads the
  team the world's learner is in (own team), "other_lead" leads the other team;
- small tools: row counts per table, logged-in clients, CSRF-token scraping, header checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from klantwijs.accounts.passwords import hash_password
from klantwijs.core.db import db
from klantwijs.models import Attempt, Invitation, Membership, Team, TeamLead, User, utcnow
from tests.conftest import PASSWORD, ROOT, csrf_token_from, empty_tables, log_in

ROLES = ("anonymous", "learner", "other", "hr", "admin", "lead", "other_lead")
STATE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


# --- Expected outcomes ------------------------------------------------------------------------

LOGIN = "login"  # 302 to /inloggen (anonymous on a page that needs an account)
# A Teamleider is a learner everywhere outside the few Beheer pages they may open: unless a
# row says otherwise, they get what the other (not owning) learner gets.
AS_LEARNER = "as other learner"


@dataclass(frozen=True)
class Row:
    """What each role gets from one endpoint and method.

    Values are a status code, a tuple of acceptable codes, or LOGIN. ``lead`` is a Teamleider
    of the team the world's learner (and team) belong to, ``other_lead`` one of another team;
    both default to what ``other`` gets (AS_LEARNER). ``params`` maps a URL
    parameter to the world key that fills it (default: the parameter's own name).
    ``data`` is the form sent with a state-changing method. ``get_writes`` names tables a
    GET may legitimately write to (e.g. recording that a lesson was read).
    """

    anonymous: Any
    learner: Any
    other: Any
    hr: Any
    admin: Any
    lead: Any = AS_LEARNER
    other_lead: Any = AS_LEARNER
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    get_writes: frozenset[str] = frozenset()
    xfail: str | None = None

    def expected(self, role: str):
        value = getattr(self, role)
        return self.other if value == AS_LEARNER else value


def same(status, **kw) -> Row:
    """Every logged-in role gets the same; anonymous is sent to Inloggen."""
    return Row(LOGIN, status, status, status, status, **kw)


def staff(status, lead=403, other_lead=None, **kw) -> Row:
    """Beheer: anonymous to Inloggen, learners 403, hr and admin ``status``; a Teamleider
    403 unless given (``other_lead``: a lead of another team, the same as ``lead`` unless
    given)."""
    other_lead = lead if other_lead is None else other_lead
    return Row(LOGIN, 403, 403, status, status, lead, other_lead, **kw)


def own(status, **kw) -> Row:
    """A learner's own object: the owner gets ``status``, everyone else 404."""
    return Row(LOGIN, status, 404, 404, 404, **kw)


def outcome_ok(expected, response) -> bool:
    if expected == LOGIN:
        return (
            response.status_code == 302
            and urlsplit(response.headers.get("Location", "")).path == "/inloggen"
        )
    if isinstance(expected, tuple):
        return response.status_code in expected
    return response.status_code == expected


# --- The world --------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, Any]
    tokens: dict[str, str]

    def user_id(self, role: str) -> int | None:
        user = self.users.get(role)
        return user.id if user else None


def add_user(role: str, email: str, name: str, active: bool = True, password: bool = True) -> User:
    user = User(
        email=email.lower(),
        name=name,
        role=role,
        active=active,
        password_hash=hash_password(PASSWORD) if password else None,  # the app's (cheap) method
    )
    db.session.add(user)
    db.session.flush()
    return user


def add_attempt(user: User, module, submitted: bool = False) -> Attempt:
    quiz = module.quiz
    question_ids = [q.id for q in quiz.questions[: quiz.questions_per_attempt]]
    attempt = Attempt(
        user_id=user.id,
        module_slug=module.slug,
        content_version=quiz.version,
        seed=secrets.randbits(48),
        question_ids=question_ids,
        max_score=len(question_ids),
    )
    if submitted:
        attempt.submitted_at = utcnow()
        attempt.score = 0.0
        attempt.passed = False
    db.session.add(attempt)
    db.session.flush()
    return attempt


def add_invitation(user: User, created_by: User | None, token: str, **kw) -> Invitation:
    invitation = Invitation(
        user_id=user.id,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=kw.get("expires_at", utcnow() + dt.timedelta(days=7)),
        used_at=kw.get("used_at"),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def add_review_and_certificate(user: User, module):
    """Herhalen: a due card of the module's first question in an open review session; and a
    Certificaat with its code (learning/spaced.py, learning/certificates.py)."""
    from klantwijs.learning.spaced import first_schedule
    from klantwijs.models import Certificate, ReviewCard, ReviewSession

    question = module.quiz.questions[0]
    long_ago = utcnow() - dt.timedelta(days=30)
    card = ReviewCard(
        user_id=user.id,
        module_slug=module.slug,
        question_id=question.id,
        passed_at=long_ago,
        **first_schedule(True, long_ago),
    )
    db.session.add(card)
    db.session.flush()
    review = ReviewSession(
        user_id=user.id,
        seed=7,
        items=[{"card": card.id, "module": module.slug, "question": question.id}],
    )
    certificate = Certificate(
        code="ABCD-EFGH-JKLM",
        user_id=user.id,
        name=user.name,
        modules=[
            {
                "slug": module.slug,
                "title": module.title,
                "passed_on": "2026-11-01",
                "valid_until": None,
            }
        ],
    )
    db.session.add_all([review, certificate])
    db.session.flush()
    return review, certificate


def build_world(app) -> World:
    """Rows every route can be called with; the learner owns the attempts."""
    with app.app_context():
        course = app.extensions["course"]
        module = course.modules[0]
        admin = add_user("admin", "beheerder@example.nl", "Beheerder")
        hr = add_user("hr", "hr@example.nl", "Hanna HR")
        learner = add_user("learner", "leerling@example.nl", "Lotte Leerling")
        other = add_user("learner", "ander@example.nl", "Otto Ander")
        invitee = add_user("learner", "nieuw@example.nl", "Nina Nieuw", password=False)
        lead = add_user("learner", "teamleider@example.nl", "Tessa Teamleider")
        other_lead = add_user("learner", "andere-leider@example.nl", "Arie Andere Leider")
        team = Team(name="Team Zon")
        other_team = Team(name="Team Maan")
        db.session.add_all([team, other_team])
        db.session.flush()
        db.session.add_all(
            [
                Membership(user_id=learner.id, team_id=team.id),
                Membership(user_id=other.id, team_id=other_team.id),
                TeamLead(user_id=lead.id, team_id=team.id),
                TeamLead(user_id=other_lead.id, team_id=other_team.id),
            ]
        )
        open_attempt = add_attempt(learner, module)
        done_attempt = add_attempt(learner, module, submitted=True)
        others_attempt = add_attempt(other, module)
        token = secrets.token_urlsafe(32)
        invitation = add_invitation(invitee, hr, token)
        from klantwijs.models import Assignment

        assignment = Assignment(
            module_slug=module.slug,
            team_id=team.id,
            due_date=dt.date.today() + dt.timedelta(days=7),
            created_by_id=hr.id,
        )
        db.session.add(assignment)
        review, certificate = add_review_and_certificate(learner, module)
        db.session.commit()
        users = {
            "admin": admin,
            "hr": hr,
            "learner": learner,
            "other": other,
            "invitee": invitee,
            "lead": lead,
            "other_lead": other_lead,
        }
        ids = {
            "slug": module.slug,
            "module_slug": module.slug,
            "attempt_id": open_attempt.id,
            "submitted_attempt_id": done_attempt.id,
            "others_attempt_id": others_attempt.id,
            "team_id": team.id,
            "user_id": learner.id,
            "person_id": learner.id,
            "lead_id": lead.id,
            "invitation_id": invitation.id,
            "assignment_id": assignment.id,
            "token": token,
            "filename": "css/app.css",
            "number": 1,
            "session_id": review.id,
            "code": certificate.code,
            "certificate_id": certificate.id,
        }
        for user in users.values():
            db.session.refresh(user)
            db.session.expunge(user)
    return World(users=users, ids=ids, tokens={"invitation": token})


def fresh_world(app) -> World:
    """Empty every table, then build the world."""
    with app.app_context():
        db.session.remove()
        empty_tables()
    return build_world(app)


def url_for_rule(rule, world: World, row: Row | None = None) -> str:
    """Fill a url_map rule's parameters from the world (row.params may redirect a name)."""
    values = {}
    for name in rule.arguments:
        key = (row.params.get(name) if row else None) or name
        if key not in world.ids:
            raise KeyError(
                f"no world value for URL parameter {name!r} of {rule.rule}: "
                "add it to build_world() in tests/trust_helpers.py"
            )
        values[name] = world.ids[key]
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", str(value), path)
    return path


def client_as(app, world: World, role: str):
    """A test client logged in as ``role`` (session set directly; login itself is tested apart)."""
    client = app.test_client()
    if role != "anonymous":
        user = world.users[role]
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
    return client


def rules(app, methods=None):
    """(rule, method) for every routed method except static files, HEAD and OPTIONS."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if methods is None or method in methods:
                yield rule, method


def row_counts(app) -> dict[str, int]:
    """Rows per table, in one query."""
    with app.app_context():
        tables = db.metadata.sorted_tables
        query = sa.select(
            *(sa.select(sa.func.count()).select_from(t).scalar_subquery() for t in tables)
        )
        counts = dict(zip((t.name for t in tables), db.session.execute(query).one(), strict=True))
        db.session.remove()
    return counts


def table_snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, for exact before/after comparisons."""
    with app.app_context():
        snapshot = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(sa.select(table)).all()
            snapshot[table.name] = sorted((tuple(r) for r in rows), key=repr)
        db.session.remove()
    return snapshot


# --- Response checks --------------------------------------------------------------------------


def header_problems(response) -> list[str]:
    """The foundation's security headers, on every response."""
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    if "default-src 'self'" not in csp or "script-src 'self'" not in csp:
        problems.append(f"CSP missing or weak: {csp!r}")
    if "'unsafe-inline'" in csp.split("style-src")[0] or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline/eval script: {csp!r}")
    if "frame-ancestors 'none'" not in csp:
        problems.append("CSP without frame-ancestors 'none'")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append("no X-Frame-Options: DENY")
    for cookie in response.headers.getlist("Set-Cookie"):
        if cookie.startswith(("session=", "remember_token=")) and "HttpOnly" not in cookie:
            problems.append(f"cookie without HttpOnly: {cookie[:40]}")
    return problems


class _Loads(HTMLParser):
    """Collect every URL an HTML page makes the browser fetch (not plain links)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.inline_handlers.append(f"<{tag} {name}>")
            if value and name in ("src", "poster", "data", "formaction"):
                self.urls.append(value)
            if value and name == "srcset":
                self.urls += [part.strip().split(" ")[0] for part in value.split(",")]
            if value and name == "style" and "url(" in value:
                self.urls += re.findall(r"url\(([^)]+)\)", value)
        if tag == "link" and attrs.get("href"):
            rel = (attrs.get("rel") or "").lower()
            if rel not in ("canonical", "alternate", "author", "license", "help"):
                self.urls.append(attrs["href"])
        if tag == "form" and attrs.get("action"):
            self.urls.append(attrs["action"])
        if tag == "script":
            self._in_script = not attrs.get("src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


def foreign_loads(html: str) -> list[str]:
    """URLs a page loads from another origin, inline scripts and inline event handlers."""
    parser = _Loads()
    parser.feed(html)
    problems = [u for u in parser.urls if urlsplit(u.strip().strip("'\"")).netloc]
    problems += [f"inline script x{parser.inline_scripts}"] if parser.inline_scripts else []
    return problems + parser.inline_handlers


# --- A real server ----------------------------------------------------------------------------


class Page:
    def __init__(self, status: int, headers, text: str):
        self.status = status
        self.headers = headers
        self.text = text

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Http:
    """A tiny cookie-keeping HTTP client (one connection per request, no redirects followed)."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None, source: str | None = None):
        self.base = urlsplit(base)
        self.cookies = dict(cookies or {})
        self.source = source  # a loopback address of our own: rate limits key on it

    def clone(self) -> Http:
        return Http(self.base.geturl(), self.cookies, self.source)

    def request(self, method: str, path: str, data=None, headers=None, timeout=30) -> Page:
        import http.client
        from http.cookies import SimpleCookie
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection(
            self.base.hostname,
            self.base.port,
            timeout=timeout,
            source_address=(self.source, 0) if self.source else None,
        )
        head = {"Connection": "close", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = data if isinstance(data, bytes) else urlencode(data, doseq=True).encode()
            head.setdefault("Content-Type", "application/x-www-form-urlencoded")
        try:
            connection.request(method, path, body=body, headers=head)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                if morsel["expires"] and "1970" in morsel["expires"] or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Page(response.status, response.headers, text)

    def get(self, path, **kw) -> Page:
        return self.request("GET", path, **kw)

    def post(self, path, data=None, **kw) -> Page:
        return self.request("POST", path, data=data or {}, **kw)

    def form_post(self, page_path: str, data: dict, action: str | None = None) -> Page:
        """GET a page, take its CSRF token, POST the form (to ``action`` or the same path)."""
        token = csrf_token_from(self.get(page_path).text)
        return self.post(action or page_path, {**data, "csrf_token": token})

    def token(self) -> str:
        """This session's CSRF token, from the first page that has a form."""
        for path in ("/", "/wachtwoord-wijzigen", "/inloggen"):
            token = csrf_token_from(self.get(path).text)
            if token:
                return token
        raise AssertionError("no page with a CSRF token")

    def login(self, email: str, password: str = PASSWORD) -> Page:
        return log_in(self, email, password)


# --- A real server for the race tests ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, log: Path, source: str | None = None):
    """gunicorn (4 workers × 4 threads, as in production) serving app:app from the project
    root with this environment, its output in `log`; yields its URL once /inloggen answers.
    `source`: the client address the readiness check claims (Http's `source`)."""
    port = free_port()
    program = Path(sys.executable).parent / "gunicorn"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                str(program),
                *("-w", "4", "-k", "gthread", "--threads", "4"),
                *("-b", f"127.0.0.1:{port}", "--access-logfile", "-", "--timeout", "60"),
                "app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if Http(url, source=source).get("/inloggen", timeout=2).status == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def together(n: int, work, timeout: float = 60) -> list:
    """Run work(i) in n threads that leave a barrier at the same moment; the results."""
    barrier = threading.Barrier(n, timeout=timeout)

    def run(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))

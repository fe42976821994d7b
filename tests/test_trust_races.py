"""Races and limits against a real server: gunicorn, 4 workers × 4 threads, CSRF on.

20 requests leave a Barrier together. Afterwards the database must hold exactly what one
request would have written, no response may be a 500, and the server log must show no
traceback and no "database is locked". Runs on the suite's database (SQLite file or the
PostgreSQL test database), so both engines are raced.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Answer, Attempt, User
from tests.conftest import DATA, PASSWORD, csrf_token_from
from tests.learner_helpers import answer_form
from tests.trust_helpers import Http, add_user, gunicorn, together

pytestmark = pytest.mark.slow

N = 20
SECRET_KEY = "trust-suite-secret"  # the server's and the test app's: answer_form needs it
REDIS_URL = "redis://127.0.0.1:6379/7"
# Other test runs may share Redis (and 127.0.0.1): this run talks from a loopback address of
# its own and uses e-mail addresses with its own tag, so only its own limit keys are touched.
RUN = secrets.token_hex(4)
SOURCE = (
    f"127.{secrets.randbelow(254) + 1}.{secrets.randbelow(254) + 1}.{secrets.randbelow(253) + 2}"
)


def _redis():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:
        return None


class Server:
    def __init__(self, url: str, log: Path, redis_client):
        self.url = url
        self.source = SOURCE
        self.log = log
        self.redis = redis_client
        self._seen = 0

    def client(self) -> Http:
        return Http(self.url, source=self.source)

    def forget_limits(self) -> None:
        """Delete this run's rate-limit counters (never anyone else's)."""
        if self.redis is None:
            return
        for pattern in (f"*{self.source}*", f"*{RUN}*"):
            for key in self.redis.scan_iter(match=pattern):
                self.redis.delete(key)

    def new_log(self) -> str:
        """What the server logged since the last call."""
        text = self.log.read_text(errors="replace")
        fresh, self._seen = text[self._seen :], len(text)
        return fresh

    def assert_clean_log(self) -> None:
        fresh = self.new_log()
        assert "database is locked" not in fresh, fresh[-3000:]
        assert "Traceback" not in fresh, fresh[-3000:]
        assert not re.search(r'" 5\d\d ', fresh), fresh[-3000:]


@pytest.fixture(scope="module")
def server(migrated, tmp_path_factory):
    """gunicorn on the test database, fixture content, Redis rate limits when Redis runs."""
    redis_client = _redis()
    if redis_client is None and os.environ.get("CI") == "true":
        pytest.fail("CI=true but Redis on 127.0.0.1:6379 is not reachable")
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": migrated,
        "SESSION_COOKIE_SECURE": "0",
        "LESSONS_DIR": str(DATA / "lessons"),
        "QUIZ_DIR": str(DATA / "quiz"),
        "RATELIMIT_STORAGE_URI": REDIS_URL if redis_client else "memory://",
        # No PASSWORD_HASH_METHOD: the server hashes with scrypt, as in production, so the
        # registrations raced here overlap for the length of a real hash.
    }
    with gunicorn(env, log, source=SOURCE) as url:
        yield Server(url, log, redis_client)


@pytest.fixture
def live(server, make_app):
    """The server, a clean database and rate-limit store before and after, a clean log."""
    app = make_app(SECRET_KEY=SECRET_KEY)  # empties the tables after the test
    server.forget_limits()
    server.new_log()
    yield server, app
    server.assert_clean_log()


def _register_data(client: Http, email: str, name: str) -> dict:
    return {
        "csrf_token": csrf_token_from(client.get("/account-aanmaken").text),
        "name": name,
        "email": email,
        "password": PASSWORD,
        "password_repeat": PASSWORD,
    }


def test_twenty_registrations_with_one_email_make_one_account(live):
    server, app = live
    clients = [server.client() for _ in range(N)]
    forms = [
        _register_data(c, "Gelijk@Example.nl" if i % 2 else "gelijk@example.nl", f"Nr {i}")
        for i, c in enumerate(clients)
    ]
    pages = together(N, lambda i: clients[i].post("/account-aanmaken", forms[i]))
    statuses = sorted(p.status for p in pages)
    assert statuses.count(302) == 1, statuses
    assert set(statuses) <= {302, 422}, statuses
    assert all("Er is al een account" in p.text for p in pages if p.status == 422)
    with app.app_context():
        emails = db.session.scalars(sa.select(User.email)).all()
    assert emails == ["gelijk@example.nl"]


def test_simultaneous_first_registrations_make_exactly_one_admin(live):
    server, app = live
    for _ in range(2):  # a race may hide once; two clean rounds are convincing
        with app.app_context():
            db.session.execute(sa.delete(User))
            db.session.commit()
        server.forget_limits()
        clients = [server.client() for _ in range(N)]
        forms = [
            _register_data(c, f"eerste{i}@example.nl", f"Eerste {i}") for i, c in enumerate(clients)
        ]
        pages = together(N, lambda i, c=clients, f=forms: c[i].post("/account-aanmaken", f[i]))
        assert all(p.status == 302 for p in pages), [p.status for p in pages]
        with app.app_context():
            roles = db.session.scalars(sa.select(User.role)).all()
        assert len(roles) == N
        assert roles.count("admin") == 1, f"{roles.count('admin')} admins"


def _learner_in_quiz(server, app) -> tuple[Http, int, list[str]]:
    """A learner logged in through the real form, with a new attempt; returns question URLs."""
    with app.app_context():
        add_user("learner", "leerling@example.nl", "Lotte Leerling")
        db.session.commit()
        slug = app.extensions["course"].modules[0].slug
    client = server.client()
    assert client.login("leerling@example.nl").status == 302
    started = client.post(f"/modules/{slug}/quiz", {"csrf_token": client.token()})
    assert started.status == 302, started.status
    attempt_id = int(re.search(r"/pogingen/(\d+)/vraag/", started.location).group(1))
    with app.app_context():
        count = len(db.session.get(Attempt, attempt_id).question_ids)
    return client, attempt_id, [f"/pogingen/{attempt_id}/vraag/{n}" for n in range(1, count + 1)]


def test_twenty_simultaneous_hand_ins_grade_once(live):
    server, app = live
    client, attempt_id, questions = _learner_in_quiz(server, app)
    token = client.token()
    forms = [
        {**answer_form(app, attempt_id, number), "csrf_token": token}
        for number in range(1, len(questions) + 1)
    ]
    for path, form in zip(questions, forms, strict=True):
        assert client.post(path, form).status == 302
    token = client.token()
    tabs = [client.clone() for _ in range(N)]
    pages = together(
        N, lambda i: tabs[i].post(f"/pogingen/{attempt_id}/inleveren", {"csrf_token": token})
    )
    assert [p.status for p in pages] == [302] * N
    assert all(p.location.endswith(f"/pogingen/{attempt_id}/uitslag") for p in pages)
    with app.app_context():
        attempts = db.session.scalars(
            sa.select(Attempt).where(Attempt.submitted_at.is_not(None))
        ).all()
        answers = db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt_id)).all()
        assert [a.id for a in attempts] == [attempt_id]
        assert attempts[0].score == pytest.approx(sum(a.score for a in answers))
        assert all(a.score is not None for a in answers)
    # After hand-in, an answer is refused with a clear message.
    late = client.post(questions[0], forms[0])
    assert late.status == 409 and "al ingeleverd" in late.text, late.status


def test_two_tabs_saving_answers_lose_nothing(live):
    server, app = live
    client, attempt_id, questions = _learner_in_quiz(server, app)
    token = client.token()
    forms = {  # a right and a wrong answer to each question: two different saves
        path: [
            {**answer_form(app, attempt_id, number, right), "csrf_token": token}
            for right in (True, False)
        ]
        for number, path in enumerate(questions, 1)
    }
    tab_a, tab_b = client.clone(), client.clone()
    # Different questions at the same moment: both answers are kept.
    for round_ in range(3):
        first, second = questions[0], questions[1 + round_ % (len(questions) - 1)]
        paths = (first, second)
        pages = together(2, lambda i, p=paths: (tab_a, tab_b)[i].post(p[i], forms[p[i]][i]))
        assert [p.status for p in pages] == [302, 302]
        with app.app_context():
            saved = {
                a.question_id
                for a in db.session.scalars(
                    sa.select(Answer).where(Answer.attempt_id == attempt_id)
                )
            }
            attempt = db.session.get(Attempt, attempt_id)
            ids = attempt.question_ids
        assert {ids[0], ids[questions.index(second)]} <= saved
    # The same question from both tabs: one of the two answers wins, whole, no error.
    for _ in range(5):
        path = questions[0]
        pages = together(2, lambda i, p=path: (tab_a, tab_b)[i].post(p, forms[p][i]))
        assert [p.status for p in pages] == [302, 302]
        with app.app_context():
            rows = db.session.scalars(
                sa.select(Answer).where(
                    Answer.attempt_id == attempt_id, Answer.question_id == ids[0]
                )
            ).all()
        assert len(rows) == 1
    # Each tab sees what was saved last when it reloads (no silent loss: the page shows it).
    page = tab_a.get(questions[0]).text
    assert "checked" in page or "selected" in page


def test_failed_logins_are_limited_across_workers(live, make_user):
    server, app = live
    if server.redis is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379: limits cannot be shared by workers")
    user = make_user(email=f"grens-{RUN}@example.nl")
    clients = [server.client() for _ in range(12)]
    pages = []
    for c in clients:  # new connections: gunicorn spreads them over its 4 workers
        pages.append(c.login(user.email, "fout fout fout 1"))
    statuses = [p.status for p in pages]
    # LOGIN_LIMIT_PER_ACCOUNT is 5 per 10 minutes: with per-worker memory it would take 20.
    assert statuses[:5] == [401] * 5, statuses
    assert set(statuses[5:]) == {429}, statuses
    blocked = clients[-1].login(user.email)
    assert blocked.status == 429
    assert re.search(r"Probeer het over \d+ (minuut|minuten) opnieuw", blocked.text)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def _hr_session(server, app) -> Http:
    with app.app_context():
        add_user("hr", f"hr-{RUN}@example.nl", "Hanna HR")
        db.session.commit()
    client = server.client()
    assert client.login(f"hr-{RUN}@example.nl").status == 302
    return client


def test_twenty_simultaneous_invitation_uses_set_one_password(live):
    server, app = live
    hr = _hr_session(server, app)
    added = hr.form_post(
        "/beheer/medewerkers/toevoegen",
        {"name": "Ivo Uitgenodigd", "email": f"ivo-{RUN}@example.nl"},
    )
    assert added.status == 200, added.status
    path = "/wachtwoord-instellen/" + re.search(
        r"/wachtwoord-instellen/([\w-]+)", added.text
    ).group(1)
    tabs = [server.client() for _ in range(N)]
    forms = []
    for i, tab in enumerate(tabs):
        token = csrf_token_from(tab.get(path).text)
        password = f"wachtwoord nummer {i:02d} lang genoeg"
        forms.append({"csrf_token": token, "password": password, "password_repeat": password})
    pages = together(N, lambda i: tabs[i].post(path, forms[i]))
    statuses = sorted(p.status for p in pages)
    assert statuses.count(302) == 1, statuses
    assert set(statuses) <= {302, 410}, statuses
    winner = next(i for i, p in enumerate(pages) if p.status == 302)
    email = f"ivo-{RUN}@example.nl"
    assert server.client().login(email, forms[winner]["password"]).status == 302
    loser = (winner + 1) % N
    assert server.client().login(email, forms[loser]["password"]).status == 401


def test_simultaneous_hr_additions_make_one_person_and_one_team(live):
    server, app = live
    hr = _hr_session(server, app)
    token = hr.token()  # first: fetching it may set the session cookie the tabs copy
    tabs = [hr.clone() for _ in range(N)]
    email = f"dubbel-{RUN}@example.nl"
    people = together(
        N,
        lambda i: tabs[i].post(
            "/beheer/medewerkers/toevoegen",
            {"csrf_token": token, "name": f"Dubbel {i}", "email": email},
        ),
    )
    teams = together(
        N, lambda i: tabs[i].post("/beheer/teams", {"csrf_token": token, "name": "Team Gelijk"})
    )
    assert sorted(p.status for p in people).count(200) == 1, [p.status for p in people]
    assert {p.status for p in people} <= {200, 422}
    assert sorted(p.status for p in teams).count(302) == 1, [p.status for p in teams]
    assert {p.status for p in teams} <= {302, 422}
    with app.app_context():
        from klantwijs.models import Team

        assert db.session.scalar(sa.select(sa.func.count()).where(User.email == email)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).where(Team.name == "Team Gelijk")) == 1


def test_confirming_one_import_twice_at_once_imports_once(live):
    server, app = live
    hr = _hr_session(server, app)
    rows = "".join(f"Persoon {n};persoon{n}-{RUN}@example.nl;Import\r\n" for n in range(30))
    csv_bytes = ("naam;e-mail;team\r\n" + rows).encode()
    token = hr.token()
    boundary = "trustgrens"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="mensen.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    preview = hr.request(
        "POST",
        "/beheer/medewerkers/importeren",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert preview.status == 200, preview.status
    payload = re.search(r'name="payload"[^>]*value="([^"]+)"', preview.text)
    payload = payload or re.search(r'value="([^"]+)"[^>]*name="payload"', preview.text)
    form = {"csrf_token": token, "payload": payload.group(1)}
    tabs = [hr.clone() for _ in range(10)]
    pages = together(10, lambda i: tabs[i].post("/beheer/medewerkers/importeren/bevestigen", form))
    assert all(p.status in (200, 422) for p in pages), [p.status for p in pages]
    with app.app_context():
        imported = db.session.scalar(
            sa.select(sa.func.count()).where(User.email.like(f"persoon%-{RUN}@example.nl"))
        )
    assert imported == 30


def test_every_worker_shows_hr_the_latest_results(live):
    """Reports are cached per process: after a hand-in and a deactivation, no worker may
    serve HR an old CSV (HR relies on the scores)."""
    import csv
    import datetime as dt
    import io

    from klantwijs.models import Assignment, Membership, Team

    server, app = live
    hr = _hr_session(server, app)
    client, attempt_id, _questions = _learner_in_quiz(server, app)
    with app.app_context():
        learner = db.session.scalar(sa.select(User).where(User.email == "leerling@example.nl"))
        team = Team(name=f"Team {RUN}")
        db.session.add(team)
        db.session.flush()
        db.session.add(Membership(user_id=learner.id, team_id=team.id))
        db.session.add(
            Assignment(
                module_slug=app.extensions["course"].modules[0].slug,
                team_id=team.id,
                due_date=dt.date.today() + dt.timedelta(days=3),
            )
        )
        db.session.commit()
        learner_id = learner.id

    def rows():
        pages = [hr.get("/beheer/voortgang.csv") for _ in range(8)]  # spread over the workers
        assert all(p.status == 200 for p in pages)
        out = []
        for page in pages:
            table = list(csv.reader(io.StringIO(page.text.lstrip("\ufeff")), delimiter=";"))
            out.append(next(r for r in table[1:] if r[1] == "leerling@example.nl"))
        return out

    assert {r[7] for r in rows()} == {""}  # no best score yet; every worker has cached this
    token = client.token()
    assert client.post(f"/pogingen/{attempt_id}/inleveren", {"csrf_token": token}).status == 302
    assert {r[7] for r in rows()} == {"0%"}, "a worker served a report from before the hand-in"
    person = hr.get(f"/beheer/medewerkers/{learner_id}/deactiveren")
    token = csrf_token_from(person.text)
    done = hr.post(f"/beheer/medewerkers/{learner_id}/deactiveren", {"csrf_token": token})
    assert done.status == 302
    assert all(r[0].endswith("(inactief)") for r in rows()), "a worker missed the deactivation"

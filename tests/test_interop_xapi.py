"""xAPI: statements queued from the learning signals, validated by two real validators (Ralph's
pydantic models and Learning Locker's npm xapi-validation), and delivered by `flask xapi send`
to a real LRS (Ralph, `ralph runserver` with its file-system backend, started here).

The app under test points XAPI_ENDPOINT at a closed port unless a test delivers: every learner
request below succeeds while no LRS answers, which is the promise that learners never wait.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from base64 import b64encode

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.interop.xapi.outbox import queue
from klantwijs.interop.xapi.statements import Person, Statements
from klantwijs.models import XapiStatement, utcnow
from tests.interop.tools import RALPH, need_npm, node, unavailable
from tests.learner_helpers import take_quiz

BASE_URL = "https://klantwijs.example.nl"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def xapi_settings(endpoint=None, **extra) -> dict:
    return {
        "XAPI_ENDPOINT": endpoint or f"http://127.0.0.1:{closed_port()}/xAPI/",
        "XAPI_KEY": "klantwijs",
        "XAPI_SECRET": "geheim-wachtwoord",
        "BASE_URL": BASE_URL,
        **extra,
    }


@pytest.fixture
def xapi_app(make_app):
    return make_app(**xapi_settings())


@pytest.fixture
def xapi_client(xapi_app):
    return xapi_app.test_client()


def rows(app) -> list[XapiStatement]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(XapiStatement).order_by(XapiStatement.id)))
        for row in found:
            db.session.expunge(row)
        return found


def verbs(app) -> list[str]:
    return [row.verb for row in rows(app)]


# --- What gets queued ------------------------------------------------------------------


def test_nothing_is_queued_without_an_endpoint(app, client, login_as):
    login_as("learner", client=client)
    client.get("/modules/alpha")
    take_quiz(client, app)
    assert rows(app) == []


def test_reading_a_lesson_queues_experienced_once_per_recorded_view(
    xapi_app, xapi_client, login_as
):
    user = login_as("learner", client=xapi_client)
    assert xapi_client.get("/modules/alpha").status_code == 200
    assert xapi_client.get("/modules/alpha").status_code == 200  # within the hour: no new row
    [row] = rows(xapi_app)
    statement = row.statement
    assert row.verb == "experienced"
    assert statement["id"] == row.statement_id
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": BASE_URL, "name": str(user.id)},
    }
    assert user.email not in json.dumps(statement)
    assert statement["object"]["id"] == f"{BASE_URL}/modules/alpha"
    assert statement["object"]["definition"]["name"] == {"nl-NL": "Alfa: de testmethode"}
    assert statement["verb"]["display"]["nl-NL"] == "heeft gelezen"
    assert statement["context"]["language"] == "nl-NL"


def test_an_exam_queues_attempted_each_answer_and_passed(xapi_app, xapi_client, login_as):
    login_as("learner", client=xapi_client)
    attempt_id = take_quiz(xapi_client, xapi_app, right=True)
    found = rows(xapi_app)
    assert [r.verb for r in found] == [
        "attempted",
        "answered",
        "answered",
        "answered",
        "answered",
        "passed",
    ]
    registrations = {r.statement["context"]["registration"] for r in found}
    assert len(registrations) == 1  # the attempt ties them together
    quiz = xapi_app.extensions["course"].get("alpha").quiz
    for row in found[1:-1]:
        statement = row.statement
        qid = statement["object"]["id"].rsplit("/", 1)[1]
        question = quiz.by_id[qid]
        definition = statement["object"]["definition"]
        expected_kind = "sequencing" if question.type == "ordering" else "choice"
        assert definition["interactionType"] == expected_kind
        assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
        assert statement["result"]["success"] is True
        right = list(question.correct_order) or sorted(question.correct_option_ids)
        assert sorted(statement["result"]["response"].split("[,]")) == sorted(right)
        assert definition["correctResponsesPattern"] == [statement["result"]["response"]] or (
            question.type == "multi"
        )
        assert statement["context"]["contextActivities"]["parent"][0]["id"].endswith(
            "/modules/alpha/quiz"
        )
    result = found[-1].statement["result"]
    assert result["success"] is True
    assert result["score"] == {"scaled": 1.0, "raw": 4.0, "min": 0, "max": 4}
    assert attempt_id


def test_a_failed_exam_queues_failed_with_wrong_answers_marked(xapi_app, xapi_client, login_as):
    login_as("learner", client=xapi_client)
    take_quiz(xapi_client, xapi_app, right=False)
    found = rows(xapi_app)
    assert found[-1].verb == "failed"
    assert found[-1].statement["result"]["success"] is False
    assert all(r.statement["result"]["success"] is False for r in found if r.verb == "answered")


def test_a_practice_round_queues_nothing(xapi_app, xapi_client, login_as):
    login_as("learner", client=xapi_client)
    take_quiz(xapi_client, xapi_app, right=False)
    before = len(rows(xapi_app))
    response = xapi_client.post("/modules/alpha/oefenen")
    assert response.status_code == 302
    assert len(rows(xapi_app)) == before


def test_with_actor_mbox_the_statement_names_the_person(make_app, login_as):
    app = make_app(**xapi_settings(XAPI_ACTOR_MBOX=True))
    client = app.test_client()
    user = login_as("learner", client=client)
    client.get("/modules/beta")
    [row] = rows(app)
    assert row.statement["actor"] == {
        "objectType": "Agent",
        "mbox": f"mailto:{user.email}",
        "name": user.name,
    }


def test_the_same_event_gets_the_same_id_and_is_queued_once(xapi_app, make_user):
    user = make_user()
    module = xapi_app.extensions["course"].get("alpha")
    recorder = Statements(BASE_URL)
    moment = utcnow()
    first = recorder.lesson_read(Person(user.id), module, moment)
    again = recorder.lesson_read(Person(user.id), module, moment)
    assert first == again
    with xapi_app.app_context(), db.engine.begin() as connection:
        queue(connection, user.id, [first])
        queue(connection, user.id, [again])
    assert len(rows(xapi_app)) == 1
    other_install = Statements("https://andere.example.nl").lesson_read(
        Person(user.id), module, moment
    )
    assert other_install["id"] != first["id"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"BASE_URL": ""}, "BASE_URL is not"),
        ({"XAPI_ENDPOINT": "ftp://lrs.example.nl/xAPI"}, r"must be an http\(s\) URL"),
    ],
)
def test_an_incomplete_xapi_setup_stops_the_app_with_the_reason(make_app, settings, message):
    with pytest.raises(RuntimeError, match=message):
        make_app(**{**xapi_settings(), **settings})


# --- Real validators ---------------------------------------------------------------------


@pytest.fixture
def every_kind(xapi_app, xapi_client, login_as) -> list[dict]:
    """One statement of every kind, as the app queued them, plus the spaced-review hook's."""
    user = login_as("learner", client=xapi_client)
    xapi_client.get("/modules/alpha")
    take_quiz(xapi_client, xapi_app, right=True)
    take_quiz(xapi_client, xapi_app, right=False, wrong_numbers=())
    statements = [row.statement for row in rows(xapi_app)]
    module = xapi_app.extensions["course"].get("alpha")
    statements.append(Statements(BASE_URL).review_done(Person(user.id), module, utcnow()))
    verbs_seen = {s["verb"]["id"].rsplit("/", 1)[1] for s in statements}
    assert verbs_seen == {"experienced", "attempted", "answered", "passed", "failed", "completed"}
    return statements


def test_every_statement_kind_is_valid_for_ralphs_xapi_model(every_kind):
    from pydantic import ValidationError
    from ralph.models.xapi.base.statements import BaseXapiStatement

    problems = []
    for statement in every_kind:
        try:
            BaseXapiStatement(**statement)
        except ValidationError as exc:
            problems.append((statement["verb"]["id"], str(exc)))
    assert problems == []


def test_every_statement_kind_is_valid_for_xapi_validation(every_kind):
    need_npm("xapi-validation")
    problems = node("xapi-validate.js", json.dumps(every_kind))
    assert problems == [[] for _ in every_kind]


def test_the_validators_catch_a_broken_statement(every_kind):
    """Control: an actor without an identifier and a score above its maximum are refused."""
    from pydantic import ValidationError
    from ralph.models.xapi.base.statements import BaseXapiStatement

    need_npm("xapi-validation")
    broken = json.loads(json.dumps(every_kind[-2]))  # passed or failed, with a score
    broken["actor"] = {"objectType": "Agent", "name": "Zonder id"}
    broken["result"]["score"]["scaled"] = 3
    with pytest.raises(ValidationError):
        BaseXapiStatement(**broken)
    assert node("xapi-validate.js", json.dumps([broken]))[0] != []


# --- Delivery to a real LRS --------------------------------------------------------------


LRS_ACCOUNTS = 4


@pytest.fixture(scope="module")
def lrs_server(tmp_path_factory):
    """Ralph's LRS on a free port with its file-system backend.

    That backend creates a target's statements file once and refuses a second write to it
    (a real LRS appends), so every test gets an LRS account of its own with its own target;
    within a test the statements go out in one POST, as they do for fewer than 50."""
    if not RALPH.exists():
        unavailable("the Ralph LRS is not installed in tests/interop/.venv-ralph (make test does)")
    home = tmp_path_factory.mktemp("ralph")
    env = {**os.environ, "RALPH_APP_DIR": str(home / "app"), "RALPH_RUNSERVER_BACKEND": "fs"}
    accounts = []
    for n in range(LRS_ACCOUNTS):
        user, password = f"klantwijs{n}", f"geheim-wachtwoord-{n}"
        (home / "data" / f"doel{n}").mkdir(parents=True)
        subprocess.run(
            [
                str(RALPH),
                "auth",
                "-u",
                user,
                "-p",
                password,
                "-s",
                "all",
                "-t",
                f"doel{n}",
                "-A",
                user,
                BASE_URL,
                "-w",
            ],  # fmt: skip
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        accounts.append((user, password))
    port = closed_port()
    log = open(home / "ralph.log", "wb")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(
        [
            str(RALPH),
            "runserver",
            "-b",
            "fs",
            "--fs-default-directory-path",
            str(home / "data"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],  # fmt: skip
        env=env,
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/__heartbeat__", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"Ralph did not start: {(home / 'ralph.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield {"endpoint": f"{url}/xAPI/", "accounts": accounts}
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its reloader, started here
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


@pytest.fixture
def lrs(lrs_server):
    """An LRS account (and statements file) for this test alone."""
    user, password = lrs_server["accounts"].pop()
    return {"endpoint": lrs_server["endpoint"], "key": user, "secret": password}


def in_lrs(lrs, ids: set[str]) -> list[dict]:
    """The statements with these ids that the LRS returns."""
    request = urllib.request.Request(
        f"{lrs['endpoint']}statements?limit=1000",
        headers={
            "X-Experience-API-Version": "1.0.3",
            "Authorization": "Basic "
            + b64encode(f"{lrs['key']}:{lrs['secret']}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        statements = json.load(response)["statements"]
    return [s for s in statements if s["id"] in ids]


def lrs_settings(lrs) -> dict:
    return xapi_settings(lrs["endpoint"], XAPI_KEY=lrs["key"], XAPI_SECRET=lrs["secret"])


def test_send_delivers_the_outbox_and_the_lrs_gives_the_statements_back(make_app, login_as, lrs):
    app = make_app(**lrs_settings(lrs))
    client = app.test_client()
    login_as("learner", client=client)
    client.get("/modules/alpha")
    take_quiz(client, app, right=True)
    queued = {row.statement_id: row.statement for row in rows(app)}
    result = app.test_cli_runner().invoke(args=["xapi", "send"])
    assert result.exit_code == 0, result.output
    assert f"{len(queued)} verzonden, 0 mislukt." in result.output
    assert "verzonden  experienced" in result.output
    assert "verzonden  passed" in result.output
    stored = {s["id"]: s for s in in_lrs(lrs, set(queued))}
    assert set(stored) == set(queued)
    for sid, statement in queued.items():
        assert stored[sid]["verb"] == statement["verb"]
        assert stored[sid]["object"]["id"] == statement["object"]["id"]
        assert stored[sid]["actor"] == statement["actor"]
    assert all(row.sent_at is not None for row in rows(app))
    again = app.test_cli_runner().invoke(args=["xapi", "send"])
    assert again.exit_code == 0
    assert "0 verzonden, 0 mislukt." in again.output


def test_lrs_down_keeps_statements_queued_and_the_next_run_sends_them_once(make_app, login_as, lrs):
    down = make_app(**xapi_settings())  # nothing listens on this port
    client = down.test_client()
    login_as("learner", client=client)
    assert client.get("/modules/beta").status_code == 200  # the learner does not notice
    take_quiz(client, down, slug="beta", right=False)
    queued = {row.statement_id for row in rows(down)}
    failed = down.test_cli_runner().invoke(args=["xapi", "send"])
    assert failed.exit_code == 1
    assert "mislukt" in failed.output and "LRS niet bereikbaar" in failed.output
    waiting = rows(down)
    assert all(row.sent_at is None for row in waiting)
    assert {row.tries for row in waiting} == {1}
    assert all(row.next_try_at > utcnow() for row in waiting)  # backoff before the next try

    up = make_app(**lrs_settings(lrs))
    runner = up.test_cli_runner()
    early = runner.invoke(args=["xapi", "send"])
    assert "0 verzonden, 0 mislukt." in early.output  # still waiting out the backoff
    with up.app_context():
        db.session.execute(sa.update(XapiStatement).values(next_try_at=utcnow()))
        db.session.commit()
    sent = runner.invoke(args=["xapi", "send"])
    assert sent.exit_code == 0, sent.output
    assert f"{len(queued)} verzonden, 0 mislukt." in sent.output
    assert runner.invoke(args=["xapi", "send", "--force"]).output.endswith(
        "0 verzonden, 0 mislukt.\n"
    )
    stored = in_lrs(lrs, queued)
    assert sorted(s["id"] for s in stored) == sorted(queued)  # each exactly once


def test_a_statement_sent_twice_is_stored_once(make_app, login_as, lrs):
    """As when a run dies after the POST but before marking the rows: the LRS knows the id."""
    app = make_app(**lrs_settings(lrs))
    client = app.test_client()
    login_as("learner", client=client)
    client.get("/modules/alpha")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["xapi", "send"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.update(XapiStatement).values(sent_at=None))
        db.session.commit()
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 0, result.output
    assert "1 verzonden, 0 mislukt." in result.output
    [row] = rows(app)
    assert len(in_lrs(lrs, {row.statement_id})) == 1


def test_a_refused_statement_is_reported_and_the_others_still_go(make_app, login_as, lrs):
    app = make_app(**lrs_settings(lrs))
    client = app.test_client()
    login_as("learner", client=client)
    client.get("/modules/alpha")
    client.get("/modules/beta")
    with app.app_context():
        row = db.session.scalars(sa.select(XapiStatement).order_by(XapiStatement.id)).first()
        broken = dict(row.statement)
        del broken["actor"]  # an LRS refuses a statement about nobody
        row.statement = broken
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["xapi", "send"])
    assert result.exit_code == 1
    assert "1 verzonden, 1 mislukt." in result.output
    assert "HTTP 4" in result.output
    first, second = rows(app)
    assert first.sent_at is None and first.tries == 1 and first.last_error.startswith("HTTP 4")
    assert second.sent_at is not None


def test_send_without_an_endpoint_says_so(runner):
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 1
    assert "XAPI_ENDPOINT is niet ingesteld" in result.output


def test_status_counts_delivered_and_waiting(xapi_app, xapi_client, login_as):
    login_as("learner", client=xapi_client)
    xapi_client.get("/modules/alpha")
    result = xapi_app.test_cli_runner().invoke(args=["xapi", "status"])
    assert "0 verzonden, 1 in de wachtrij (waarvan 0 na een mislukte poging)." in result.output

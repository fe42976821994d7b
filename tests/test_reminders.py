"""`flask reminders send`: due within REMINDER_DAYS or late, not passed, once a day, real SMTP."""

import datetime as dt

import pytest

from klantwijs.models import ReminderSent
from tests.hr_helpers import TODAY, count, smtp_server


def run(app, *args):
    return app.test_cli_runner().invoke(args=["reminders", "send", *args])


@pytest.fixture
def mail_app(make_app):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://leren.example.nl")
        app.inbox = inbox
        yield app


def test_sends_once_a_day_to_who_is_due_or_late_and_not_passed(
    mail_app, make_user, make_team, make_assignment, make_attempt
):
    app, inbox = mail_app, mail_app.inbox
    soon, late, passed, far = (
        make_user(name=n, email=f"{n.lower()}@example.nl")
        for n in ["Soon", "Late", "Passed", "Far"]
    )
    inactive = make_user(name="Gone", email="gone@example.nl", active=False)
    team = make_team("Verkoop", [soon, passed, inactive])
    make_assignment("alpha", team_id=team, due=TODAY + dt.timedelta(days=3))
    make_assignment("beta", user_id=late.id, due=TODAY - dt.timedelta(days=2))
    make_assignment("alpha", user_id=far.id, due=TODAY + dt.timedelta(days=4))
    make_attempt(passed.id, slug="alpha", passed=True)

    result = run(app)
    assert result.exit_code == 0, result.output
    assert sorted(inbox.recipients()) == ["late@example.nl", "soon@example.nl"]
    assert "Verstuurd: late@example.nl" in result.output
    assert "Verstuurd: soon@example.nl" in result.output
    assert "2 herinnering(en)" in result.output
    bodies = {rcpt[0]: m.get_body(("plain",)).get_content() for rcpt, m in inbox.messages}
    assert "Bèta" in bodies["late@example.nl"] and "Te laat" in bodies["late@example.nl"]
    assert "nog 3 dagen" in bodies["soon@example.nl"]
    assert "https://leren.example.nl/" in bodies["soon@example.nl"]
    assert count(app, ReminderSent) == 2

    again = run(app)
    assert again.exit_code == 0
    assert "0 herinnering(en)" in again.output
    assert len(inbox.messages) == 2  # idempotent: nothing new the same day

    tomorrow = run(app, "--today", (TODAY + dt.timedelta(days=1)).isoformat())
    assert tomorrow.exit_code == 0
    assert sorted(inbox.recipients()[2:]) == [
        "far@example.nl",
        "late@example.nl",
        "soon@example.nl",
    ]


def test_reminder_days_setting(make_app, make_user, make_assignment):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, REMINDER_DAYS=7)
        person = make_user()
        make_assignment("alpha", user_id=person.id, due=TODAY + dt.timedelta(days=6))
        assert run(app).exit_code == 0
        assert inbox.recipients() == [person.email]


def test_one_mail_per_person_for_several_modules(mail_app, make_user, make_team, make_assignment):
    person = make_user()
    team = make_team("Verkoop", [person])
    make_assignment("alpha", team_id=team, due=TODAY)
    make_assignment("beta", user_id=person.id, due=TODAY - dt.timedelta(days=1))
    assert run(mail_app).exit_code == 0
    assert len(mail_app.inbox.messages) == 1
    assert count(mail_app, ReminderSent) == 2


def test_dry_run_sends_nothing(mail_app, make_user, make_assignment):
    person = make_user()
    make_assignment("alpha", user_id=person.id, due=TODAY)
    result = run(mail_app, "--dry-run")
    assert "Zou sturen" in result.output
    assert mail_app.inbox.messages == []
    assert count(mail_app, ReminderSent) == 0


def test_without_mail_server_it_refuses(app, make_user, make_assignment):
    person = make_user()
    make_assignment("alpha", user_id=person.id, due=TODAY)
    result = run(app)
    assert result.exit_code != 0
    assert "MAIL_SERVER is niet ingesteld" in result.output


def test_unreachable_server_records_nothing_so_the_next_run_retries(
    make_app, make_user, make_assignment
):
    from tests.hr_helpers import free_port

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    person = make_user()
    make_assignment("alpha", user_id=person.id, due=TODAY)
    result = run(app)
    assert result.exit_code == 1
    assert "Mislukt" in result.output
    assert count(app, ReminderSent) == 0

"""`flask reminders send`, Herinneringen and Stuur nu: due within REMINDER_DAYS or on the
REMINDER_OVERDUE_DAYS after a Deadline, not passed, once a day, in batches over one SMTP
connection; always against a real SMTP server (aiosmtpd)."""

import contextlib
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Assignment, AuditEntry, Membership, Notice, ReminderSent, Team, User
from tests.hr_helpers import TODAY, Inbox, audit_actions, count, free_port, smtp_server


def run(app, *args):
    return app.test_cli_runner().invoke(args=["reminders", "send", *args])


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


# --- The schedule after a Deadline -----------------------------------------------------------


def days_sent(inbox, email: str) -> int:
    return inbox.recipients().count(email)


def test_default_schedule_sends_three_overdue_reminders_over_thirty_days(
    mail_app, make_user, make_assignment
):
    """At the Deadline, three days after and seven days after; then no more."""
    app, inbox = mail_app, mail_app.inbox
    person = make_user(email="laat@example.nl")
    due = TODAY
    make_assignment("alpha", user_id=person.id, due=due)
    sent_on = []
    for offset in range(30):
        day = due + dt.timedelta(days=offset)
        before = len(inbox.messages)
        result = run(app, "--today", day.isoformat())
        assert result.exit_code == 0, result.output
        if len(inbox.messages) > before:
            sent_on.append(offset)
    assert sent_on == [0, 3, 7]
    assert days_sent(inbox, "laat@example.nl") == 3
    assert "Te laat" in inbox.bodies()[-1]


def test_before_the_deadline_every_day_then_the_overdue_schedule(
    mail_app, make_user, make_assignment
):
    app, inbox = mail_app, mail_app.inbox
    person = make_user()
    make_assignment("alpha", user_id=person.id, due=TODAY + dt.timedelta(days=5))
    sent_on = []
    for offset in range(20):
        before = len(inbox.messages)
        assert run(app, "--today", (TODAY + dt.timedelta(days=offset)).isoformat()).exit_code == 0
        if len(inbox.messages) > before:
            sent_on.append(offset - 5)  # days relative to the Deadline
    assert sent_on == [-3, -2, -1, 0, 3, 7]


def test_overdue_days_are_configurable(make_app, make_user, make_assignment):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, REMINDER_OVERDUE_DAYS=(1, 14))
        person = make_user()
        make_assignment("alpha", user_id=person.id, due=TODAY)
        sent_on = []
        for offset in range(30):
            before = len(inbox.messages)
            result = run(app, "--today", (TODAY + dt.timedelta(days=offset)).isoformat())
            assert result.exit_code == 0
            if len(inbox.messages) > before:
                sent_on.append(offset)
        assert sent_on == [1, 14]
        assert "REMINDER_OVERDUE_DAYS=1,14" in result.output


def test_overdue_days_from_the_environment(monkeypatch):
    from klantwijs.config import from_environment

    assert from_environment({"REMINDER_OVERDUE_DAYS": "7, 0,3"})["REMINDER_OVERDUE_DAYS"] == (
        0,
        3,
        7,
    )


def test_a_missed_run_catches_up_once(mail_app, make_user, make_assignment):
    """The cron job did not run on day 3: day 5 sends the second reminder, day 7 the third."""
    app, inbox = mail_app, mail_app.inbox
    person = make_user()
    make_assignment("alpha", user_id=person.id, due=TODAY)
    for offset in (0, 5, 6, 7, 8, 20):
        assert run(app, "--today", (TODAY + dt.timedelta(days=offset)).isoformat()).exit_code == 0
    assert days_sent(inbox, person.email) == 3


def test_dry_run_shows_titles_and_deadlines_not_slugs(mail_app, make_user, make_assignment):
    person = make_user()
    make_assignment("beta", user_id=person.id, due=TODAY + dt.timedelta(days=2))
    result = run(mail_app, "--dry-run")
    line = next(line for line in result.output.splitlines() if line.startswith("Zou sturen"))
    expected = f"Bèta: nog een methode (Deadline {(TODAY + dt.timedelta(days=2)):%d-%m-%Y}"
    assert expected in line
    assert "nog 2 dagen" in line
    assert "(beta" not in line


# --- One connection, batches, progress, idempotence -----------------------------------------


class CountingInbox(Inbox):
    """An inbox that counts SMTP connections, and can drop one after its n-th mail."""

    def __init__(self, drop_after: int | None = None):
        super().__init__()
        self.connections = 0
        self.drop_after = drop_after

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.drop_after is not None and len(self.messages) == self.drop_after:
            self.drop_after = None
            return "421 Service not available, closing transmission channel"
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def counting_server(**kw):
    from aiosmtpd.controller import Controller

    inbox = CountingInbox(**kw)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def many_due(app, n: int, due=TODAY) -> list[str]:
    """n people with alpha due today, added in one go; their e-mail addresses."""
    from klantwijs.models import Assignment, Role

    with app.app_context():
        users = [
            User(email=f"r{i:04d}@example.nl", name=f"R {i}", role=Role.LEARNER.value)
            for i in range(n)
        ]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(
            Assignment(module_slug="alpha", user_id=u.id, due_date=due) for u in users
        )
        db.session.commit()
        return [u.email for u in users]


def test_a_run_uses_one_connection_commits_in_batches_and_prints_progress(make_app):
    with counting_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        emails = many_due(app, 250)
        result = run(app)
        assert result.exit_code == 0, result.output
        assert sorted(inbox.recipients()) == emails
        assert inbox.connections == 1
        progress = re.findall(r"Herinneringen: (\d+) van 250 verwerkt\.", result.output)
        assert progress == ["100", "200", "250"]
        assert count(app, ReminderSent) == 250
        assert count(app, Notice, Notice.sent_at.is_not(None)) == 250
        again = run(app)
        assert "0 herinnering(en)" in again.output and len(inbox.messages) == 250


def test_a_dropped_connection_is_reopened_and_no_mail_is_lost(make_app):
    with counting_server(drop_after=3) as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        emails = many_due(app, 8)
        result = run(app)
        assert result.exit_code == 0, result.output
        assert sorted(inbox.recipients()) == emails  # the fourth was sent again, once
        assert inbox.connections == 2


def test_reminders_claimed_by_another_run_are_skipped(mail_app, make_user, make_assignment):
    """Two servers running at once: what one claimed, the other leaves."""
    first, second = make_user(email="a@example.nl"), make_user(email="b@example.nl")
    claimed = make_assignment("alpha", user_id=first.id, due=TODAY)
    make_assignment("alpha", user_id=second.id, due=TODAY)
    with mail_app.app_context():
        db.session.add(ReminderSent(assignment_id=claimed, user_id=first.id, sent_on=TODAY))
        db.session.commit()
    result = run(mail_app)
    assert result.exit_code == 0
    assert mail_app.inbox.recipients() == ["b@example.nl"]


def test_unreachable_server_is_shown_as_failed_on_herinneringen(
    make_app, make_user, make_assignment, login_as
):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    person = make_user(name="Fenna Faal")
    make_assignment("alpha", user_id=person.id, due=TODAY)
    assert run(app).exit_code == 1
    client = app.test_client()
    login_as("hr", client)
    page = client.get("/beheer/herinneringen").text
    row = page[page.index("Verstuurde herinneringen") :]
    assert "Fenna Faal" in row and "Mislukt" in row
    assert "Fenna Faal" in page[: page.index("Verstuurde herinneringen")]  # still due today


# --- Herinneringen and Stuur nu ----------------------------------------------------------------


def test_herinneringen_lists_who_gets_what_with_titles_and_deadlines(
    mail_app, make_user, make_assignment, login_as, make_attempt
):
    app = mail_app
    soon = make_user(name="Sanne Snel")
    done = make_user(name="Daan Klaar")
    make_assignment("beta", user_id=soon.id, due=TODAY + dt.timedelta(days=1))
    make_assignment("alpha", user_id=done.id, due=TODAY)
    make_attempt(done.id, slug="alpha", passed=True)
    client = app.test_client()
    login_as("hr", client)
    page = client.get("/beheer/herinneringen").text
    assert "Sanne Snel" in page and "Daan Klaar" not in page
    assert "Bèta: nog een methode" in page
    assert f"Deadline {(TODAY + dt.timedelta(days=1)):%d-%m-%Y} (nog 1 dag)" in page
    assert "1 medewerker(s) krijgen bij de volgende ronde vandaag een herinnering" in page
    assert "Er zijn nog geen herinneringen verstuurd." in page

    assert run(app).exit_code == 0
    page = client.get("/beheer/herinneringen").text
    sent = page[page.index("Verstuurde herinneringen") :]
    assert "Sanne Snel" in sent and "Verstuurd" in sent and "dagelijkse ronde" in sent
    assert "0 medewerker(s) krijgen" in page  # nothing left for today
    tomorrow = client.get("/beheer/herinneringen?dag=morgen").text
    upcoming = tomorrow[: tomorrow.index("Verstuurde herinneringen")]
    assert "Sanne Snel" in upcoming
    # Nothing can be sent for tomorrow yet: no Stuur nu, and no empty "Actie:" on a phone's card.
    assert "Stuur nu" not in upcoming and 'data-label="Actie"' not in upcoming
    assert 'data-label="Actie"' in tomorrow[len(upcoming) :]  # the sent ones can be sent again


def test_herinneringen_without_mail_says_so_and_offers_no_send(
    app, make_user, make_assignment, login_as
):
    due = make_user(name="Mila Zonder")
    make_assignment("alpha", user_id=due.id, due=TODAY)
    client = app.test_client()
    login_as("hr", client)
    page = client.get("/beheer/herinneringen").text
    assert "E-mail is niet ingesteld (MAIL_SERVER): er gaan geen herinneringen uit." in page
    assert "Mila Zonder" in page
    assert "Stuur nu" not in page and 'data-label="Actie"' not in page


def test_stuur_nu_twice_on_one_day_sends_one_mail(mail_app, make_user, make_assignment, login_as):
    app, inbox = mail_app, mail_app.inbox
    person = make_user(name="Nora Nudge", email="nora@example.nl")
    make_assignment("alpha", user_id=person.id, due=TODAY + dt.timedelta(days=20))
    client = app.test_client()
    hr = login_as("hr", client)
    first = client.post(f"/beheer/herinneringen/{person.id}/stuur-nu", follow_redirects=True)
    assert "Herinnering verstuurd aan Nora Nudge: Alfa: de testmethode" in first.text
    second = client.post(f"/beheer/herinneringen/{person.id}/stuur-nu", follow_redirects=True)
    assert "kreeg vandaag al een herinnering" in second.text
    assert inbox.recipients() == ["nora@example.nl"]
    assert "nog 20 dagen" in inbox.bodies()[0]
    assert audit_actions(app) == ["herinnering.verstuurd"]
    with app.app_context():
        detail = db.session.scalar(sa.select(AuditEntry.detail))
        notice = db.session.scalar(sa.select(Notice))
        assert "nora@example.nl" in detail and "Stuur nu" in detail
        assert notice.created_by_id == hr.id and notice.sent_at is not None
    page = client.get("/beheer/herinneringen").text
    assert f"Stuur nu door {hr.name}" in page
    # The daily run the same day sends nothing more.
    assert run(app).exit_code == 0 and len(inbox.messages) == 1


def test_stuur_nu_after_the_daily_run_is_refused(mail_app, make_user, make_assignment, login_as):
    app, inbox = mail_app, mail_app.inbox
    person = make_user()
    make_assignment("alpha", user_id=person.id, due=TODAY)
    assert run(app).exit_code == 0
    client = app.test_client()
    login_as("hr", client)
    page = client.post(f"/beheer/herinneringen/{person.id}/stuur-nu", follow_redirects=True)
    assert "kreeg vandaag al een herinnering" in page.text
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("nothing", "heeft geen openstaande modules"),
        ("passed", "heeft geen openstaande modules"),
        ("inactive", "is gedeactiveerd en krijgt geen herinneringen"),
    ],
)
def test_stuur_nu_refusals_say_why_and_send_nothing(
    mail_app, make_user, make_assignment, make_attempt, login_as, setup, message
):
    app = mail_app
    person = make_user(active=setup != "inactive")
    if setup != "nothing":
        make_assignment("alpha", user_id=person.id, due=TODAY)
    if setup == "passed":
        make_attempt(person.id, slug="alpha", passed=True)
    client = app.test_client()
    login_as("hr", client)
    page = client.post(f"/beheer/herinneringen/{person.id}/stuur-nu", follow_redirects=True)
    assert message in page.text
    assert app.inbox.messages == [] and count(app, ReminderSent) == 0


def test_stuur_nu_without_mail_or_with_the_server_down(
    make_app, make_user, make_assignment, login_as
):
    app = make_app()
    person = make_user()
    make_assignment("alpha", user_id=person.id, due=TODAY)
    client = app.test_client()
    login_as("hr", client)
    page = client.post(f"/beheer/herinneringen/{person.id}/stuur-nu", follow_redirects=True)
    assert "E-mail is niet ingesteld" in page.text

    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    client = down.test_client()
    login_as("hr", client)
    page = client.post(f"/beheer/herinneringen/{person.id}/stuur-nu", follow_redirects=True)
    assert "kon niet worden verstuurd" in page.text
    assert count(down, ReminderSent) == 0  # released: tomorrow's run (or a retry) may send it
    assert audit_actions(down) == ["herinnering.mislukt"]
    assert "Mislukt" in client.get("/beheer/herinneringen").text


def test_stuur_nu_for_an_unknown_person_is_404(mail_app, login_as):
    client = mail_app.test_client()
    login_as("hr", client)
    assert client.post("/beheer/herinneringen/999999/stuur-nu").status_code == 404


def test_herinneringen_pages_by_hundred_and_keeps_the_day(mail_app, login_as):
    app = mail_app
    with app.app_context():
        people = [User(email=f"p{n:03d}@example.nl", name=f"Persoon {n:03d}") for n in range(105)]
        db.session.add_all(people)
        db.session.commit()
        ids = [p.id for p in people]
    with app.app_context():
        team = Team(name="Allemaal")
        db.session.add(team)
        db.session.flush()
        db.session.add_all(Membership(user_id=i, team_id=team.id) for i in ids)
        db.session.add(
            Assignment(module_slug="alpha", team_id=team.id, due_date=TODAY + dt.timedelta(days=1))
        )
        db.session.commit()
    client = app.test_client()
    login_as("hr", client)
    first = client.get("/beheer/herinneringen?dag=morgen").text
    assert "105 medewerker(s) krijgen morgen een herinnering (pagina 1 van 2)" in first
    assert 'href="/beheer/herinneringen?pagina=2&amp;dag=morgen">Volgende</a>' in first
    second = client.get("/beheer/herinneringen?dag=morgen&pagina=2").text
    assert 'href="/beheer/herinneringen?pagina=1&amp;dag=morgen">Vorige</a>' in second
    assert ">Volgende</a>" not in second

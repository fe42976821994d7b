"""Herhaling van verplichte training: an assignment "geldig 12 maanden" makes a pass count for
a year; then the module is Verlopen, comes back on Mijn cursus with a new Deadline, gets
reminders and shows as open in Voortgang and the CSV, until a new pass. Over a simulated
year (a frozen clock for the pages, `--today` for `flask reminders send`)."""

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
import time_machine

from klantwijs.core.db import db
from klantwijs.learning import validity
from klantwijs.learning.status import Status
from klantwijs.models import Assignment, Attempt, AttemptKind, ReminderSent
from tests.conftest import log_in
from tests.hr_helpers import audit_actions, count
from tests.learner_helpers import take_quiz

UTC = dt.UTC
PASSED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in the Netherlands


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def reminders_to(app) -> list[str]:
    """Who got a reminder ("Herinnering: …"), in order; other mails (the assignment's,
    Herhalen's weekly one) are left out."""
    return [
        rcpt
        for rcpts, message in app.inbox.messages
        if message["Subject"].startswith("Herinnering")
        for rcpt in rcpts
    ]


def csv_lines(response) -> list[dict]:
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def home_card(page: str, title: str) -> str:
    found = re.search(
        r'<li class="module-card[^"]*">\s*<h2><a[^>]*>' + title + r".*?</li>", page, re.S
    )
    return found.group(0) if found else ""


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert validity.add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)
    assert validity.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert validity.add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert validity.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


@pytest.mark.parametrize("months", validity.VALIDITY_CHOICES)
@pytest.mark.parametrize(
    "passed_day",
    ["2026-01-31", "2026-02-28", "2026-03-29", "2026-08-31", "2026-10-25", "2026-12-31"],
)
def test_the_sql_rule_says_what_standing_says(app, months, passed_day):
    """Voortgang's totals count in SQL (still_valid_sql, late_sql): on every day around the
    end of the validity, and around the new Deadline, they agree with standing()."""
    base = dt.date.fromisoformat(passed_day)
    passed_at = dt.datetime.combine(base, dt.time(22, 30))  # late evening UTC: next Dutch day
    due = base + dt.timedelta(days=10)
    until = validity.valid_until(passed_at, months)
    days = [until + dt.timedelta(days=d) for d in range(-2, 3)]
    days += [until + dt.timedelta(days=validity.RECERTIFY_DAYS + d) for d in range(-1, 3)]
    with app.app_context():
        for today in days:
            row = sa.select(sa.literal(passed_at, sa.DateTime).label("p")).subquery()
            valid = db.session.scalar(
                sa.select(validity.still_valid_sql(row.c.p, sa.literal(months), today))
            )
            late = db.session.scalar(
                sa.select(validity.late_sql(row.c.p, sa.literal(months), sa.literal(due), today))
            )
            now = validity.standing(True, True, passed_at, due, months, today)
            assert bool(valid) == now.passed, today
            assert bool(late) == now.overdue, today


def test_a_year_of_recertification(mail_app, make_user, make_team, login_as):
    app = mail_app
    anna = make_user(name="Anna Jansen", email="anna@example.nl")
    team = make_team("Balie", [anna])
    hr = app.test_client()
    learner = app.test_client()
    with time_machine.travel(PASSED, tick=False) as clock:
        login_as("hr", client=hr)
        assigned = hr.post(
            "/beheer/toewijzingen/nieuw",
            data={
                "modules": ["alpha"],
                "target": "team",
                "team": str(team),
                "due_date": "2026-12-15",
                "valid_months": "12",
                "actie": "toewijzen",
            },
        )
        assert assigned.status_code == 302, assigned.text
        with app.app_context():
            assert db.session.scalar(sa.select(Assignment.valid_months)) == 12
        assert "toewijzing.opgeslagen" in audit_actions(app)

        log_in(learner, anna.email)
        take_quiz(learner, app, "alpha", right=True)
        card = home_card(learner.get("/").text, "Alfa")
        assert "Geslaagd" in card and "Geldig tot 1 december 2027" in card

        # Half a year on: still passed, no reminder.
        clock.move_to(at("2027-06-01"))
        reminders = run_reminders(app, "2027-06-01")
        assert reminders.exit_code == 0, reminders.output
        assert reminders_to(app) == []
        # (the questions of the pass are due for Herhalen by now: that mail went out)
        assert "Je hebt 4 vragen om te herhalen" in [m["Subject"] for _, m in app.inbox.messages]

        # The last valid day, then the day after: Verlopen, with a new Deadline 30 days on.
        clock.move_to(at("2027-12-01"))
        log_in(learner, anna.email)
        assert "Geslaagd" in home_card(learner.get("/").text, "Alfa")
        clock.move_to(at("2027-12-02"))
        log_in(learner, anna.email)
        page = learner.get("/").text
        card = home_card(page, "Alfa")
        assert "Verlopen" in card and "Deadline: 31 december 2027" in card
        assert "nog 29 dagen" in card
        assert 'href="/modules/alpha/quiz">Ga verder: Alfa' in page  # back on Mijn cursus
        assert "Download je certificaat" not in learner.get("/certificaat").text

        hr_page = staff_get(hr, app, "/beheer/voortgang")
        assert 'class="status status-verlopen"' in hr_page
        lines = csv_lines(staff_response(hr, app, "/beheer/voortgang.csv"))
        anna_line = next(line for line in lines if line["e-mail"] == "anna@example.nl")
        assert anna_line["status"] == "Verlopen"
        assert anna_line["deadline"] == "2027-12-31"
        assert anna_line["geslaagd op"] == "2026-12-01"
        filtered = csv_lines(staff_response(hr, app, "/beheer/voortgang.csv?status=verlopen"))
        assert [line["e-mail"] for line in filtered] == ["anna@example.nl"]
        assert "Anna Jansen" in staff_get(hr, app, "/beheer/voortgang?status=verlopen")

    # Reminders treat it as open: three days before the new Deadline, then once it is late.
    assert run_reminders(app, "2027-12-27").exit_code == 0
    assert reminders_to(app) == []
    sent = run_reminders(app, "2027-12-28")
    assert sent.exit_code == 0, sent.output
    assert reminders_to(app) == ["anna@example.nl"]
    body = next(
        m.get_body(("plain",)).get_content()
        for _, m in app.inbox.messages
        if m["Subject"].startswith("Herinnering")
    )
    assert "Alfa" in body and "31-12-2027" in body
    assert run_reminders(app, "2027-12-28").exit_code == 0  # once a day
    assert len(reminders_to(app)) == 1
    late = run_reminders(app, "2027-12-31")
    assert late.exit_code == 0 and len(reminders_to(app)) == 2
    assert count(app, ReminderSent) == 2

    with time_machine.travel(at("2028-01-02"), tick=False) as clock:
        log_in(learner, anna.email)
        assert "Te laat" in home_card(learner.get("/").text, "Alfa")
        assert 'class="status status-te-laat"' in staff_get(hr, app, "/beheer/voortgang")
        # A new pass: Geslaagd again for another year, in the report and the CSV.
        clock.move_to(at("2028-01-03"))
        log_in(learner, anna.email)
        take_quiz(learner, app, "alpha", right=True)
        card = home_card(learner.get("/").text, "Alfa")
        assert "Geslaagd" in card and "Geldig tot 3 januari 2029" in card
        lines = csv_lines(staff_response(hr, app, "/beheer/voortgang.csv"))
        anna_line = next(line for line in lines if line["e-mail"] == "anna@example.nl")
        assert (anna_line["status"], anna_line["geslaagd op"]) == ("Geslaagd", "2028-01-03")
        assert anna_line["deadline"] == "2026-12-15"
        report = staff_get(hr, app, "/beheer/voortgang")
        assert 'class="status status-geslaagd"' in report
        assert 'class="status status-verlopen"' not in report
    assert run_reminders(app, "2028-01-04").exit_code == 0
    assert len(reminders_to(app)) == 2  # passed again: no more reminders
    with app.app_context():
        passes = db.session.scalar(
            sa.select(sa.func.count()).where(
                Attempt.kind == AttemptKind.EXAM.value, Attempt.passed.is_(True)
            )
        )
    assert passes == 2


def run_reminders(app, day: str):
    return app.test_cli_runner().invoke(args=["reminders", "send", "--today", day])


def staff_response(client, app, path: str):
    """A Beheer page; the HR session expires after 8 hours of the frozen clock: log in again."""
    response = client.get(path)
    if response.status_code == 302 and "/inloggen" in response.location:
        with app.app_context():
            from klantwijs.models import User

            email = db.session.scalar(sa.select(User.email).where(User.role == "hr"))
        log_in(client, email)
        response = client.get(path)
    assert response.status_code == 200, path
    return response


def staff_get(client, app, path: str) -> str:
    return staff_response(client, app, path).text


def test_validity_is_the_shortest_of_the_assignments_that_reach_a_person(
    app, make_user, make_team, make_assignment
):
    from klantwijs.learning.assigned import assigned_to

    anna = make_user()
    team = make_team("Balie", [anna])
    make_assignment("alpha", team_id=team, due=dt.date(2026, 12, 20))
    make_assignment("alpha", user_id=anna.id, due=dt.date(2026, 12, 31))
    with app.app_context():
        db.session.execute(
            sa.update(Assignment).where(Assignment.user_id == anna.id).values(valid_months=24)
        )
        db.session.commit()
        item = assigned_to(anna.id)["alpha"]
    # The earliest Deadline counts (the team's); the validity of the one that has it
    assert (item.due_date, item.valid_months) == (dt.date(2026, 12, 20), 24)


def test_a_validity_outside_the_choices_is_refused(client, hr, make_team, app):
    team = make_team("Balie")
    for bad in ("7", "-12", "12; DROP TABLE", "9" * 50, "１２"):
        response = client.post(
            "/beheer/toewijzingen/nieuw",
            data={
                "modules": ["alpha"],
                "target": "team",
                "team": str(team),
                "due_date": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
                "valid_months": bad,
                "actie": "toewijzen",
            },
        )
        assert response.status_code == 422, bad
        assert "Geldigheid" in response.text
    assert count(app, Assignment) == 0


def test_a_status_of_verlopen_has_its_own_badge():
    assert Status.EXPIRED.value == "Verlopen"
    assert Status.EXPIRED.css == "status-verlopen"

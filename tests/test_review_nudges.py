"""`flask reminders send` also mails "Je hebt N vragen om te herhalen": at most once every 7
days, only to active people who allow it and have questions due; idempotent (a claim row
before sending, released when the mail fails). Against a real SMTP server (aiosmtpd)."""

import datetime as dt

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import ReviewCard, ReviewNudge, User
from tests.hr_helpers import count, free_port, smtp_server

DAY = dt.date(2027, 3, 1)
PASSED = dt.datetime(2027, 1, 4, 9, 0)  # long enough ago: every question is due


def run(app, day: dt.date, *args):
    return app.test_cli_runner().invoke(
        args=["reminders", "send", "--today", day.isoformat(), *args]
    )


def nudges(app) -> list[tuple[str, str]]:
    return [
        (rcpts[0], message["Subject"])
        for rcpts, message in app.inbox.messages
        if "herhalen" in message["Subject"]
    ]


def passed_alpha(make_user, make_attempt, app, **fields) -> User:
    """Someone who passed Alfa with every question of its pool answered right."""
    user = make_user(**fields)
    quiz = app.extensions["course"].get("alpha").quiz
    make_attempt(user.id, "alpha", answers={q.id: ("x", 1.0) for q in quiz.questions}, when=PASSED)
    return user


def test_nudges_go_weekly_to_who_allows_them_and_has_questions_due(
    mail_app, make_user, make_attempt
):
    app = mail_app
    anna = passed_alpha(make_user, make_attempt, app, email="anna@example.nl", name="Anna")
    quiet = passed_alpha(make_user, make_attempt, app, email="stil@example.nl")
    passed_alpha(make_user, make_attempt, app, email="weg@example.nl", active=False)
    make_user(email="nieuw@example.nl")  # nothing passed, nothing due
    with app.app_context():
        db.session.get(User, quiet.id).review_nudges = False
        db.session.commit()
    questions = len(app.extensions["course"].get("alpha").quiz.questions)

    result = run(app, DAY)
    assert result.exit_code == 0, result.output
    assert nudges(app) == [("anna@example.nl", f"Je hebt {questions} vragen om te herhalen")]
    body = app.inbox.bodies()[-1]
    assert "Hallo Anna," in body
    assert "Start met herhalen: https://leren.example.nl/herhalen" in body
    assert "hoogstens één keer per week" in body
    assert "Herhalen gemaild: anna@example.nl" in result.output
    assert count(app, ReviewNudge) == 1

    for day in (DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=6)):
        again = run(app, day)
        assert again.exit_code == 0
        assert "0 e-mail(s) over herhalen" in again.output
    assert len(nudges(app)) == 1  # once a week, also when run twice on a day
    assert run(app, DAY + dt.timedelta(days=7)).exit_code == 0
    assert [to for to, _ in nudges(app)] == ["anna@example.nl", "anna@example.nl"]

    # Nothing due any more (reviewed): no mail, even a week later.
    with app.app_context():
        db.session.execute(
            sa.update(ReviewCard)
            .where(ReviewCard.user_id == anna.id)
            .values(due=dt.datetime(2027, 6, 1))
        )
        db.session.commit()
    assert run(app, DAY + dt.timedelta(days=14)).exit_code == 0
    assert len(nudges(app)) == 2


def test_a_dry_run_sends_and_writes_nothing(mail_app, make_user, make_attempt):
    app = mail_app
    passed_alpha(make_user, make_attempt, app, email="anna@example.nl")
    result = run(app, DAY, "--dry-run")
    assert result.exit_code == 0
    assert "Zou sturen: anna@example.nl" not in result.output  # no cards yet: none due
    assert nudges(app) == [] and count(app, ReviewNudge) == 0 and count(app, ReviewCard) == 0


def test_a_nudge_that_cannot_be_sent_is_released_for_the_next_run(
    make_app, make_user, make_attempt
):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), BASE_URL="https://x.nl")
    passed_alpha(make_user, make_attempt, app, email="anna@example.nl")
    down = run(app, DAY)
    assert down.exit_code == 1
    assert "Mislukt (herhalen): anna@example.nl" in down.output
    assert count(app, ReviewNudge) == 0  # released: the next run tries again
    with smtp_server() as (port, inbox):
        app.config["MAIL_PORT"] = port
        app.inbox = inbox
        assert run(app, DAY).exit_code == 0
        assert [to for to, _ in nudges(app)] == ["anna@example.nl"]
    assert count(app, ReviewNudge) == 1

"""Herhalen: the FSRS schedule (exact dates with fuzzing off) and the learner's flow from a
passed exam through due questions, a review session and the next due date, on a frozen clock
(SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
import time_machine
from fsrs import Card, Rating, Scheduler

from klantwijs.core.db import db
from klantwijs.learning import spaced
from klantwijs.models import Answer, Attempt, ReviewCard, ReviewLog, ReviewSession
from tests.conftest import log_in
from tests.learner_helpers import take_quiz
from tests.review_helpers import cards_of, review_all, review_form, start_review

UTC = dt.UTC
T0 = dt.datetime(2026, 12, 1, 9, 0)  # naive UTC, as stored: 10:00 in the Netherlands


def test_the_pinned_fsrs_gives_the_fsrs6_reference_intervals():
    """The FSRS-6 reference vector (Good ×6, Again ×2, Good ×5 from 29 November 2022,
    default parameters, fuzzing off): if an upgrade of `fsrs` changes the maths, this fails
    before any learner's dates move."""
    scheduler = Scheduler(enable_fuzzing=False)
    card = Card(card_id=1)
    when = dt.datetime(2022, 11, 29, 12, 30, tzinfo=UTC)
    intervals = []
    for rating in [Rating.Good] * 6 + [Rating.Again] * 2 + [Rating.Good] * 5:
        card, _ = scheduler.review_card(card, rating, when)
        intervals.append((card.due - card.last_review).days)
        when = card.due
    assert intervals == [0, 2, 11, 46, 163, 498, 0, 0, 2, 4, 7, 12, 21]


def replay(first_right: bool, answers: list[bool]) -> list[dt.datetime]:
    """Our schedule: the exam answer at T0, then each review exactly when it is due."""
    row = type("Row", (), {"id": 1, **spaced.first_schedule(first_right, T0)})()
    dues = [row.due]
    for right in answers:
        for name, value in spaced.next_schedule(row, right, row.due).items():
            setattr(row, name, value)
        dues.append(row.due)
    return dues


def test_a_fixed_sequence_of_answers_gives_exact_due_dates():
    """Right in the exam (Good: S0 = 2.3065 days → 2), then right, right, wrong, right,
    right. Whole days only: no learning steps of minutes, fuzzing off."""
    assert replay(True, [True, True, False, True, True]) == [
        dt.datetime(2026, 12, 3, 9, 0),  # +2
        dt.datetime(2026, 12, 14, 9, 0),  # +11
        dt.datetime(2027, 1, 29, 9, 0),  # +46
        dt.datetime(2027, 2, 1, 9, 0),  # wrong: +3
        dt.datetime(2027, 2, 9, 9, 0),  # +8
        dt.datetime(2027, 2, 28, 9, 0),  # +19
    ]
    # Wrong in the exam (Again: S0 = 0.212 days → at least 1): back the next day.
    assert replay(False, [])[0] == dt.datetime(2026, 12, 2, 9, 0)
    assert replay(True, [True] * 12)[-1] - replay(True, [True] * 11)[-1] <= dt.timedelta(
        days=spaced.MAX_INTERVAL_DAYS
    )
    assert replay(True, [True, False]) == replay(True, [True, False])  # no fuzz, no chance


def test_a_question_is_due_all_day_in_the_netherlands():
    # 23:30 UTC on 1 December is 00:30 on 2 December in Amsterdam: due until 2 Dec 23:00 UTC
    assert spaced.horizon(dt.datetime(2026, 12, 1, 23, 30)) == dt.datetime(2026, 12, 2, 23, 0)
    assert spaced.horizon(dt.datetime(2026, 7, 1, 12, 0)) == dt.datetime(2026, 7, 1, 22, 0)


def herhalen_card(page: str) -> str:
    found = re.search(r'<section class="card review-card".*?</section>', page, re.S)
    return found.group(0) if found else ""


def exam_rows(app, user_id: int) -> list[tuple]:
    with app.app_context():
        attempts = db.session.execute(
            sa.select(Attempt.id, Attempt.score, Attempt.passed, Attempt.submitted_at)
            .where(Attempt.user_id == user_id)
            .order_by(Attempt.id)
        ).all()
        answers = db.session.execute(
            sa.select(Answer.id, Answer.response, Answer.score).order_by(Answer.id)
        ).all()
        return [tuple(a) for a in attempts] + [tuple(a) for a in answers]


def test_pass_then_due_after_the_interval_then_review_then_the_next_due_date(client, learner, app):
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False) as clock:
        log_in(client, learner.email)  # the fixture's cookie is signed after T0
        take_quiz(client, app, "alpha", right=True)
        cards = cards_of(app, learner.id)
        assert len(cards) == 4  # the exam's questions, each right: due in 2 days
        assert {c.due for c in cards.values()} == {dt.datetime(2026, 12, 3, 9, 0)}
        card = herhalen_card(client.get("/").text)
        assert "Je bent bij" in card and "3 december 2026" in card
        before = exam_rows(app, learner.id)

        clock.move_to(dt.datetime(2026, 12, 2, 22, 0, tzinfo=UTC))  # 23:00 on the 2nd
        log_in(client, learner.email)
        assert "Je bent bij" in herhalen_card(client.get("/").text)

        clock.move_to(dt.datetime(2026, 12, 3, 7, 0, tzinfo=UTC))  # 08:00: due today
        log_in(client, learner.email)
        card = herhalen_card(client.get("/").text)
        assert "4 vragen, 2 minuten" in card and "Start met herhalen" in card

        clock.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # when they fell due
        session_id = start_review(client)
        first = client.get(f"/herhalen/{session_id}/vraag/1").text
        assert "Herhalen: vraag 1 van 4" in first and "Controleer" in first
        review_all(client, app, session_id, right=True)
        done = client.get(f"/herhalen/{session_id}/klaar").text
        assert "Je had 4 van 4 vragen goed." in done
        # Good after 2 days: S ≈ 10.9 → 11 days (the reference vector's second step)
        assert "De volgende vraag komt terug op 14 december 2026" in done
        assert {c.due for c in cards_of(app, learner.id).values()} == {
            dt.datetime(2026, 12, 14, 9, 0)
        }
        assert exam_rows(app, learner.id) == before  # the exam and its result are untouched
        page = client.get("/").text
        assert "Geslaagd" in page and "Beste score: 100%" in page
        assert "14 december 2026" in herhalen_card(page)


def test_a_wrong_review_explains_the_answer_and_brings_the_question_back_sooner(
    client, learner, app
):
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False) as clock:
        log_in(client, learner.email)  # the fixture's cookie is signed after T0
        take_quiz(client, app, "alpha", right=True)
        clock.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
        log_in(client, learner.email)
        session_id = start_review(client)
        data = review_form(app, session_id, 1, right=False)
        response = client.post(f"/herhalen/{session_id}/vraag/1", data=data)
        assert response.status_code == 302 and response.location.endswith("#uitleg")
        page = client.get(f"/herhalen/{session_id}/vraag/1").text
        assert "Fout" in page
        assert re.search("Het goede antwoord|De goede antwoorden|De goede volgorde", page)
        assert 'href="/modules/alpha#' in page  # Lees dit na in de les
        assert "Volgende" in page
        with app.app_context():
            log = db.session.scalar(sa.select(ReviewLog))
            card = db.session.get(ReviewCard, log.card_id)
            assert (log.correct, log.rating, log.days_since_pass) == (False, 1, 2)
            # Again after 2 days: stability drops; back within days, not weeks
            assert card.due - dt.datetime(2026, 12, 3, 9, 0) <= dt.timedelta(days=3)


def test_a_review_session_asks_the_longest_due_questions_up_to_its_size(
    client, learner, app, monkeypatch
):
    """SESSION_SIZE (10) made small so the fixture pool can overflow it; cards of questions
    gone from the course are dropped, never asked."""
    monkeypatch.setattr(spaced, "SESSION_SIZE", 3)
    quiz = app.extensions["course"].get("alpha").quiz
    ids = [q.id for q in quiz.questions]
    assert len(ids) > 3
    schedule = {k: v for k, v in spaced.first_schedule(True, T0).items() if k != "due"}
    with app.app_context():
        for n, qid in enumerate(["weg-uit-de-cursus", *ids]):
            db.session.add(
                ReviewCard(
                    user_id=learner.id,
                    module_slug="alpha",
                    question_id=qid,
                    due=T0 - dt.timedelta(days=20 - n),  # the gone one longest due
                    passed_at=T0 - dt.timedelta(days=30),
                    **schedule,
                )
            )
        db.session.commit()
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False):
        log_in(client, learner.email)
        assert "3 vragen" in client.get("/herhalen").text
        session_id = start_review(client)
        with app.app_context():
            session = db.session.get(ReviewSession, session_id)
            asked = [item["question"] for item in session.items]
            kept = set(db.session.scalars(sa.select(ReviewCard.question_id)))
    assert asked == ids[:3]
    assert kept == set(ids)


def test_answering_the_same_question_twice_records_it_once(client, learner, app):
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False) as clock:
        log_in(client, learner.email)  # the fixture's cookie is signed after T0
        take_quiz(client, app, "alpha", right=True)
        clock.move_to(dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
        log_in(client, learner.email)
        session_id = start_review(client)
        right = review_form(app, session_id, 1, right=True)
        wrong = review_form(app, session_id, 1, right=False)
        assert client.post(f"/herhalen/{session_id}/vraag/1", data=right).status_code == 302
        due_after_first = {c.id: c.due for c in cards_of(app, learner.id).values()}
        again = client.post(f"/herhalen/{session_id}/vraag/1", data=wrong)
        assert again.status_code == 302  # back to the explained answer, nothing changed
        assert {c.id: c.due for c in cards_of(app, learner.id).values()} == due_after_first
        with app.app_context():
            logs = db.session.scalars(sa.select(ReviewLog)).all()
            assert [log.correct for log in logs] == [True]
        # starting again continues the open session
        assert start_review(client) == session_id


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"ga": "controleer"}, 422, "Kies eerst een antwoord"),
        ({"ga": "controleer", "antwoord": "0" * 16}, 400, "hoort niet bij deze vraag"),
        ({"ga": "controleer", "antwoord": "x" * 5000}, 400, "hoort niet bij deze vraag"),
        ({"ga": "wegwezen"}, 400, "niet compleet"),
        ({"ga": ["controleer", "controleer"]}, 400, "niet compleet"),
        ({"ga": "controleer", "plaats-" + "a" * 16: "1"}, 400, "horen niet bij deze vraag"),
    ],
)
def test_bad_review_answers_are_refused_in_dutch_and_change_nothing(
    client, learner, app, data, status, message
):
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False) as clock:
        log_in(client, learner.email)  # the fixture's cookie is signed after T0
        take_quiz(client, app, "alpha", right=True)
        clock.move_to(dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
        log_in(client, learner.email)
        session_id = start_review(client)
        with app.app_context():
            session = db.session.get(ReviewSession, session_id)
            kinds = [
                app.extensions["course"].get("alpha").quiz.by_id[i["question"]].type
                for i in session.items
            ]
        # ask the question whose type this form is about
        wants_ordering = any(k.startswith("plaats-") for k in data)
        number = next(
            n for n, kind in enumerate(kinds, 1) if (kind == "ordering") == wants_ordering
        )
        before = cards_of(app, learner.id)
        response = client.post(f"/herhalen/{session_id}/vraag/{number}", data=data)
        assert response.status_code == status
        assert message in response.text
        assert "Traceback" not in response.text
        assert {k: v.due for k, v in cards_of(app, learner.id).items()} == {
            k: v.due for k, v in before.items()
        }
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)) == 0


def test_nobody_else_opens_a_review_session(client, learner, app, make_user):
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False) as clock:
        log_in(client, learner.email)  # the fixture's cookie is signed after T0
        take_quiz(client, app, "alpha", right=True)
        clock.move_to(dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
        log_in(client, learner.email)
        session_id = start_review(client)
        other = make_user()
        stranger = app.test_client()
        log_in(stranger, other.email)
        assert stranger.get(f"/herhalen/{session_id}/vraag/1").status_code == 404
        data = review_form(app, session_id, 1)
        assert stranger.post(f"/herhalen/{session_id}/vraag/1", data=data).status_code == 404
        assert stranger.get(f"/herhalen/{session_id}/klaar").status_code == 404
        assert client.get(f"/herhalen/{session_id}/vraag/99").status_code == 404
        assert client.get("/herhalen/99999999999/vraag/1").status_code == 404


def test_nothing_to_review_says_so_and_starts_nothing(client, learner, app):
    page = client.get("/herhalen").text
    assert "Er is nog niets om te herhalen" in page
    assert "review-card" not in client.get("/").text  # no card before a first pass
    response = client.post("/herhalen", follow_redirects=True)
    assert "Er staan nu geen vragen klaar om te herhalen." in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewSession)) == 0


def test_passes_from_before_herhalen_enter_the_schedule_when_a_review_starts(
    client, learner, app, make_attempt
):
    quiz = app.extensions["course"].get("beta").quiz
    answers = {q.id: ("x", 1.0) for q in quiz.questions[:2]}
    make_attempt(learner.id, "beta", answers=answers, when=T0 - dt.timedelta(days=60))
    assert "review-card" not in client.get("/").text
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False):
        log_in(client, learner.email)
        session_id = start_review(client)
        assert client.get(f"/herhalen/{session_id}/vraag/1").status_code == 200
    assert set(cards_of(app, learner.id)) == set(answers)


def test_the_learner_turns_the_weekly_email_off_and_on(client, learner, app):
    assert 'value="aan" checked' in client.get("/herhalen").text
    response = client.post("/herhalen/e-mail", data={"herinnering": "uit"}, follow_redirects=True)
    assert "Je krijgt geen e-mail meer over herhalen." in response.text
    assert 'value="uit" checked' in response.text
    for bad in ({}, {"herinnering": "misschien"}, {"herinnering": ["aan", "uit"]}):
        refused = client.post("/herhalen/e-mail", data=bad)
        assert refused.status_code == 400 and "aan of uit" in refused.text
    assert 'value="uit" checked' in client.get("/herhalen").text  # the refusals changed nothing
    client.post("/herhalen/e-mail", data={"herinnering": "aan"})
    assert 'value="aan" checked' in client.get("/herhalen").text


@pytest.mark.parametrize("path", ["/herhalen", "/herhalen/{sid}/vraag/1", "/herhalen/{sid}/klaar"])
def test_review_pages_need_two_sql_statements(client, learner, app, path, count_statements):
    with time_machine.travel(T0.replace(tzinfo=UTC), tick=False) as clock:
        log_in(client, learner.email)  # the fixture's cookie is signed after T0
        take_quiz(client, app, "alpha", right=True)
        clock.move_to(dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
        log_in(client, learner.email)
        session_id = start_review(client)
        if "klaar" in path:
            review_all(client, app, session_id)
        with count_statements() as seen:
            assert client.get(path.format(sid=session_id)).status_code == 200
    # who is signed in; the page's one read
    assert len(seen) <= 2, [s for s, _ in seen]

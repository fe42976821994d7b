"""Learner operations without HTTP: attempts, answers, hand-in, practice, overview."""

import dataclasses
import datetime as dt
import threading

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.course.model import Course
from klantwijs.learning import attempts as progress
from klantwijs.learning import overview
from klantwijs.learning.status import Status
from klantwijs.models import Answer, Assignment, Attempt, LessonView, Membership, Team

TODAY = dt.date(2026, 11, 26)


def module(app, slug="alpha"):
    return app.extensions["course"].get(slug)


def test_an_attempt_draws_its_size_and_always_the_main_question(app, make_user):
    user = make_user()
    with app.app_context():
        alpha = module(app)
        for _ in range(20):
            attempt = progress._new_attempt(user.id, alpha, "exam")
            assert len(attempt.question_ids) == alpha.quiz.questions_per_attempt == 4
            assert len(set(attempt.question_ids)) == 4
            assert "volgorde" in attempt.question_ids
            assert attempt.content_version == alpha.quiz.version
            db.session.delete(attempt)  # one open exam per module at a time
            db.session.commit()


def test_retakes_draw_a_new_selection_and_order(app, make_user):
    user = make_user()
    with app.app_context():
        draws = set()
        for _ in range(15):
            attempt, _ = progress.start_exam(user.id, module(app))
            draws.add(tuple(attempt.question_ids))
            assert progress.submit_attempt(attempt, module(app))
            # Passed, so the next start may follow at once (retake rules: test_retakes.py).
            db.session.execute(
                sa.update(Attempt).where(Attempt.id == attempt.id).values(passed=True)
            )
            db.session.commit()
        assert len(draws) > 1


def test_start_resumes_the_open_attempt(app, make_user):
    user = make_user()
    with app.app_context():
        first, restarted = progress.start_exam(user.id, module(app))
        again, _ = progress.start_exam(user.id, module(app))
        assert again.id == first.id and not restarted


def test_changed_quiz_file_restarts_the_open_attempt(app, make_user):
    user = make_user()
    with app.app_context():
        first, _ = progress.start_exam(user.id, module(app))
        progress.save_answer(first.id, first.question_ids[0], "a")
        changed = dataclasses.replace(
            module(app), quiz=dataclasses.replace(module(app).quiz, version="nieuw")
        )
        assert progress.is_outdated(first, changed)
        second, restarted = progress.start_exam(user.id, changed)
        assert restarted and second.content_version == "nieuw"
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_hand_in_grades_once_and_then_refuses_answers(app, make_user):
    user = make_user()
    with app.app_context():
        attempt, _ = progress.start_exam(user.id, module(app))
        qid = next(q for q in attempt.question_ids if q == "volgorde")
        assert progress.save_answer(
            attempt.id, qid, ["luisteren", "samenvatten", "oplossen", "afronden"]
        )
        assert progress.submit_attempt(attempt, module(app)) is True
        graded_at = attempt.submitted_at
        assert attempt.score == 1 and attempt.max_score == 4 and attempt.passed is False
        assert progress.submit_attempt(attempt, module(app)) is False
        assert progress.save_answer(attempt.id, qid, ["afronden"]) is False
        db.session.expire_all()
        again = db.session.get(Attempt, attempt.id)
        assert again.submitted_at == graded_at and again.score == 1
        assert db.session.scalar(sa.select(Answer.response)) == [
            "luisteren",
            "samenvatten",
            "oplossen",
            "afronden",
        ]


def test_concurrent_hand_ins_grade_once(make_app, make_user):
    app = make_app()
    user = make_user()
    with app.app_context():
        attempt, _ = progress.start_exam(user.id, module(app))
        attempt_id = attempt.id
    results = []

    def hand_in():
        with app.app_context():
            results.append(
                progress.submit_attempt(db.session.get(Attempt, attempt_id), module(app))
            )
            db.session.remove()

    threads = [threading.Thread(target=hand_in) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]


def test_the_database_refuses_a_score_without_hand_in(app, make_user):
    user = make_user()
    with app.app_context():
        attempt, _ = progress.start_exam(user.id, module(app))
        attempt.score = 3
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
        else:  # pragma: no cover
            raise AssertionError("CHECK constraint graded_when_submitted did not fire")


def test_missed_questions_come_from_recent_attempts(app, make_user):
    user = make_user()
    with app.app_context():
        alpha = module(app)
        assert progress.start_practice(user.id, alpha) is None
        attempt, _ = progress.start_exam(user.id, alpha)
        first = attempt.question_ids[0]
        for qid in attempt.question_ids[1:]:
            question = alpha.quiz.by_id[qid]
            response = (
                list(question.correct_order)
                if question.type == "ordering"
                else sorted(question.correct_option_ids)
                if question.type == "multi"
                else next(iter(question.correct_option_ids))
            )
            progress.save_answer(attempt.id, qid, response)
        progress.submit_attempt(attempt, alpha)
        assert progress.missed_questions(user.id, alpha) == [first]  # left open: missed
        practice = progress.start_practice(user.id, alpha)
        assert practice.kind == "practice" and practice.question_ids == [first]


def test_practice_does_not_change_status_or_best_score(app, make_user):
    user = make_user()
    with app.app_context():
        alpha = module(app)
        attempt, _ = progress.start_exam(user.id, alpha)
        progress.submit_attempt(attempt, alpha)
        practice = progress.start_practice(user.id, alpha)
        for qid in practice.question_ids:
            progress.save_answer(practice.id, qid, None)
        progress.submit_attempt(practice, alpha)
        rows = {
            r.module.slug: r
            for r in overview.course_overview(user.id, app.extensions["course"], TODAY)
        }
        assert rows["alpha"].status is Status.IN_PROGRESS and rows["alpha"].best == 0


def test_lesson_view_is_recorded_once_and_updated(app, make_user):
    user = make_user()
    with app.app_context():
        overview.record_lesson_view(user.id, "alpha")
        overview.record_lesson_view(user.id, "alpha")
        views = db.session.scalars(sa.select(LessonView)).all()
        assert len(views) == 1 and views[0].last_viewed_at >= views[0].first_viewed_at


def test_overview_puts_assigned_modules_first_with_the_earliest_deadline(app, make_user):
    user = make_user()
    other = make_user()
    with app.app_context():
        team = Team(name="Klantenservice")
        db.session.add(team)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, team_id=team.id))
        db.session.add_all(
            [
                Assignment(
                    module_slug="beta", team_id=team.id, due_date=TODAY + dt.timedelta(days=9)
                ),
                Assignment(
                    module_slug="beta", user_id=user.id, due_date=TODAY + dt.timedelta(days=3)
                ),
                Assignment(module_slug="alpha", user_id=other.id, due_date=TODAY),
            ]
        )
        db.session.commit()
        rows = overview.course_overview(user.id, app.extensions["course"], TODAY)
        assert [r.module.slug for r in rows] == ["beta", "alpha"]
        assert rows[0].due == TODAY + dt.timedelta(days=3) and rows[0].days_left == 3
        assert rows[1].due is None
        late = overview.course_overview(
            user.id, app.extensions["course"], TODAY + dt.timedelta(days=4)
        )
        assert late[0].overdue and late[0].status is Status.NOT_STARTED


def test_overview_statuses_follow_the_status_rule(app, make_user):
    user = make_user()
    with app.app_context():
        course: Course = app.extensions["course"]
        assert {r.status for r in overview.course_overview(user.id, course, TODAY)} == {
            Status.NOT_STARTED
        }
        overview.record_lesson_view(user.id, "alpha")
        attempt, _ = progress.start_exam(user.id, module(app, "beta"))
        rows = {r.module.slug: r for r in overview.course_overview(user.id, course, TODAY)}
        assert rows["alpha"].status is Status.READ
        assert rows["beta"].status is Status.IN_PROGRESS
        beta = module(app, "beta")
        for qid in attempt.question_ids:
            q = beta.quiz.by_id[qid]
            progress.save_answer(
                attempt.id,
                qid,
                list(q.correct_order) if q.type == "ordering" else next(iter(q.correct_option_ids)),
            )
        assert progress.submit_attempt(attempt, beta)
        rows = {r.module.slug: r for r in overview.course_overview(user.id, course, TODAY)}
        assert rows["beta"].status is Status.PASSED and rows["beta"].best == 100

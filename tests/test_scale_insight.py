"""Vragen-inzicht's counts for everyone (question_tallies, issue 19) are kept at hand-in, in
the hand-in's transaction, and always equal the counts grouped from the answers themselves."""

import gzip
import random

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.course import get_course
from klantwijs.hr.reports import insight
from klantwijs.learning import attempts
from klantwijs.models import Answer, Attempt, QuestionTally
from klantwijs.ops.backup import backup_command, restore_command
from tests.test_backup_streaming import _answers, _run
from tests.trust_helpers import fresh_world


def _answer_everything(app, user_id: int, rng: random.Random) -> int:
    """Start alpha's exam and save an answer (right or wrong) to every question."""
    with app.app_context():
        module = get_course().get("alpha")
        attempt, _ = attempts.start_exam(user_id, module)
        for qid in attempt.question_ids:
            question = module.quiz.by_id[qid]
            if question.type == "ordering":
                order = [s.id for s in question.steps]
                response = order if rng.random() < 0.5 else list(reversed(order))
            else:
                options = [o.id for o in question.options]
                picked = rng.sample(options, 2 if question.type == "multi" else 1)
                response = sorted(picked) if question.type == "multi" else picked[0]
            assert attempts.save_answer(attempt.id, qid, response)
        return attempt.id


def _tallies(app) -> dict:
    with app.app_context():
        return {
            (t.module_slug, t.question_id, t.response): (t.answered, t.correct)
            for t in db.session.scalars(sa.select(QuestionTally))
        }


def _grouped(app) -> dict:
    """The same counts straight from the answers of handed-in exams."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Attempt.module_slug,
                Answer.question_id,
                sa.cast(Answer.response, sa.Text),
                sa.func.count(),
                sa.func.sum(sa.case((Answer.score >= 0.999, 1), else_=0)),
            )
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(
                Attempt.kind == "exam",
                Attempt.submitted_at.is_not(None),
                Answer.score.is_not(None),
            )
            .group_by(Attempt.module_slug, Answer.question_id, sa.cast(Answer.response, sa.Text))
        ).all()
    return {(m, q, r): (n, int(c)) for m, q, r, n, c in rows}


def test_hand_ins_keep_the_tallies_equal_to_the_answers(app, make_user, make_attempt):
    rng = random.Random(19)
    people = [make_user() for _ in range(6)]
    open_ids = {p.id: _answer_everything(app, p.id, rng) for p in people}
    assert _tallies(app) == {}, "answers of open exams are not counted"
    with app.app_context():
        for person in people[:4]:
            outcome, _ = attempts.hand_in(person.id, open_ids[person.id], get_course())
            assert outcome is attempts.HandIn.GRADED
        # A second hand-in of the same exam changes nothing.
        outcome, _ = attempts.hand_in(people[0].id, open_ids[people[0].id], get_course())
        assert outcome is attempts.HandIn.ALREADY
    # Rows written directly (an import of old data, a restore) count too.
    make_attempt(people[5].id, answers={"eerste-stap": ("b", 0.0), "volgorde": (["x"], 0.0)})
    make_attempt(people[5].id, answers={"eerste-stap": ("a", 1.0)}, kind="practice")
    tallies = _tallies(app)
    assert tallies == _grouped(app)
    assert sum(n for n, _ in tallies.values()) == 4 * 4 + 2  # 4 questions an exam
    with app.app_context():
        everyone = {
            i.question.id: (i.answered, i.right)
            for i in insight.question_insight(get_course().get("alpha"))
        }
    by_question: dict = {}
    for (_slug, qid, _response), (n, right) in tallies.items():
        answered, good = by_question.get(qid, (0, 0))
        by_question[qid] = (answered + n, good + right)
    assert {q: v for q, v in everyone.items() if v != (0, 0)} == by_question


def test_everyone_and_every_team_read_the_same_counts(app, make_user, make_team):
    rng = random.Random(7)
    people = [make_user() for _ in range(5)]
    make_team("Alle vijf", people)
    with app.app_context():
        for person in people:
            attempt_id = _answer_everything(app, person.id, rng)
            attempts.hand_in(person.id, attempt_id, get_course())
        module = get_course().get("alpha")
        team = db.session.scalar(sa.text("SELECT id FROM teams"))
        everyone = insight.question_insight(module)
        team_only = insight.question_insight(module, team_id=team)
        leader = insight.question_insight(module, team_ids=[team])

    def shape(rows):  # every field: counts and the wrong answer chosen most
        return [
            (i.question.id, {k: v for k, v in vars(i).items() if k != "question"}) for i in rows
        ]

    assert shape(everyone) == shape(team_only) == shape(leader)
    assert sum(i.answered for i in everyone) == 5 * 4


def test_a_hand_in_scores_its_answers_in_question_order(app, learner, client, count_statements):
    """The tally rows are then locked in one order by every hand-in: two hand-ins of a
    module cannot deadlock on them."""
    rng = random.Random(3)
    attempt_id = _answer_everything(app, learner.id, rng)
    with app.app_context():
        answer_ids = {
            a.id: a.question_id
            for a in db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt_id))
        }
        with count_statements() as seen:
            outcome, _ = attempts.hand_in(learner.id, attempt_id, get_course())
    assert outcome is attempts.HandIn.GRADED
    scored = next(p for s, p in seen if s.lstrip().upper().startswith("UPDATE ANSWERS"))
    # Named parameters (psycopg) or positional (sqlite3: score, then the answer's id).
    order = [answer_ids[row["answer_id"] if isinstance(row, dict) else row[-1]] for row in scored]
    assert order == sorted(order) and len(order) == len(answer_ids)


def test_vragen_inzicht_counts_are_rebuilt_from_the_restored_answers(make_app, tmp_path):
    app = make_app()
    fresh_world(app)
    _answers(app, 4)
    with app.app_context():
        counts = {
            (t.question_id, t.response): (t.answered, t.correct)
            for t in db.session.scalars(sa.select(QuestionTally))
        }
    assert counts[("v1", '["o0"]')] == (2, 2) and counts[("v0", '["o1"]')] == (1, 0)
    path = tmp_path / "b.json.gz"
    _run(app, backup_command, str(path), "--format", "json")
    text = gzip.decompress(path.read_bytes()).decode()
    tampered = text.replace('"v1","[\\"o0\\"]",2,2', '"v1","[\\"o0\\"]",999,999')
    assert tampered != text
    path.write_bytes(gzip.compress(tampered.encode()))
    _run(app, restore_command, str(path), "--yes")
    with app.app_context():
        again = {
            (t.question_id, t.response): (t.answered, t.correct)
            for t in db.session.scalars(sa.select(QuestionTally))
        }
    assert again == counts

"""The benchmark dataset, built through the real migrations and filled with Core bulk inserts.

1,000 learners in 40 teams, all six modules assigned to every team with a deadline,
20,000 handed-in exam attempts with an answer per question, open attempts, lesson views,
and one HR user. Question and option ids come from the real course content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "bench-wachtwoord-lang-genoeg"
DOMAIN = "bench.example.nl"
SECRET_KEY = "bench-secret-key-not-for-production"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "klantwijs_bench"


@dataclass(frozen=True)
class Spec:
    learners: int = 1000
    teams: int = 40
    submitted: int = 20000
    open_other: int = 300  # open attempts with some answers, spread over ordinary learners
    page_users: tuple[int, int] = (1, 50)  # logged-in sessions for the page scenarios
    mixed_users: tuple[int, int] = (101, 200)  # the 100 simulated learners
    handin_users: tuple[int, int] = (201, 1000)  # each gets an open attempt per module
    seed: int = 20261126


def email(n: int) -> str:
    return f"learner{n:04d}@{DOMAIN}"


HR_EMAIL = f"hr@{DOMAIN}"


def sqlite_url() -> str:
    return f"sqlite:///{RESULTS / 'bench.db'}"


SMALL = Spec(
    learners=10,
    teams=2,
    submitted=60,
    open_other=2,
    page_users=(1, 2),
    mixed_users=(3, 4),
    handin_users=(9, 10),
)


def pg_url(name: str = PG_DATABASE) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def small_url(url: str) -> str:
    """Where the 10-person dataset goes, next to the big one and of the same kind."""
    if url.startswith("sqlite"):
        return f"sqlite:///{RESULTS / 'bench-small.db'}"
    return pg_url(PG_DATABASE + "_small")


def app_config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def reset(url: str) -> None:
    """Start from an empty database: a new SQLite file, or a dropped and created PG database."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = sa.make_url(url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_pg() -> None:
    """Remove the bench databases from PostgreSQL."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in (PG_DATABASE, PG_DATABASE + "_small"):
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def response_for(question, rng: random.Random, right: bool):
    """A stored response in content ids (see klantwijs/grading.py), and its 0..1 score."""
    if question.type == "ordering":
        order = list(question.correct_order)
        if not right:
            while tuple(order) == question.correct_order:
                rng.shuffle(order)
        return order, (1.0 if right else round(rng.uniform(0.2, 0.8), 2))
    if question.type == "multi":
        correct = sorted(question.correct_option_ids)
        if right:
            return correct, 1.0
        wrong = [o.id for o in question.options if not o.correct]
        return sorted(correct[:-1] + wrong[:1]), 0.0 if len(correct) == 1 else 0.5
    correct = next(o.id for o in question.options if o.correct)
    if right:
        return correct, 1.0
    wrong = [o.id for o in question.options if not o.correct]
    return rng.choice(wrong), 0.0


def build(url: str, spec: Spec = Spec(), log=print) -> dict:
    """Reset the database, run the migrations, insert the dataset; return a summary."""
    from flask_migrate import upgrade

    from klantwijs import create_app
    from klantwijs.core.db import db

    started = time.perf_counter()
    reset(url)
    app = create_app(app_config(url))
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()  # alembic's INFO lines go to the StringIO, not the report
    with app.app_context():
        tables = db.metadata.tables
        course = app.extensions["course"]
        paused = _pause_derived(db.engine, tables)
        summary = _fill(db.engine, tables, course, spec)
        if paused:
            _rebuild_derived(db.engine)
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                for name in ("users", "teams", "assignments", "attempts", "answers"):
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {name}))"
                        )
                    )
                conn.execute(sa.text("ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()
    summary["seconds"] = round(time.perf_counter() - started, 1)
    log(
        f"  dataset: {summary['learners']} learners, {summary['teams']} teams, "
        f"{summary['submitted']} handed-in attempts, {summary['answers']} answers, "
        f"{summary['open']} open attempts in {summary['seconds']} s"
    )
    return summary


def _derived():
    """(pause, rebuild) of the measured tree's derived tables; a tree from before migration
    0011 (`--tree`) only has Vragen-inzicht's tally trigger."""
    try:
        from klantwijs.ops.backup_json import pause_derived_triggers, rebuild_derived
    except ImportError:
        from klantwijs.ops.backup_json import QUESTION_TALLIES

        def pause_derived_triggers(conn, on):
            verb = "ENABLE" if on else "DISABLE"
            conn.execute(sa.text(f"ALTER TABLE answers {verb} TRIGGER answers_question_tally"))

        def rebuild_derived(conn):
            conn.execute(sa.text("DELETE FROM question_tallies"))
            conn.execute(sa.text(QUESTION_TALLIES))

    return pause_derived_triggers, rebuild_derived


def _pause_derived(engine, tables) -> bool:
    """PostgreSQL: the triggers that keep Vragen-inzicht's counts and Voortgang's cells
    (migrations 0010, 0011) would run millions of times during the bulk insert; pause them
    and count once afterwards, as a restore does."""
    if engine.dialect.name != "postgresql" or "question_tallies" not in tables:
        return False
    pause, _ = _derived()
    with engine.begin() as conn:
        pause(conn, on=False)
    return True


def _rebuild_derived(engine) -> None:
    pause, rebuild = _derived()
    with engine.begin() as conn:
        rebuild(conn)
        pause(conn, on=True)


def _columns(table, row: dict) -> dict:
    """Only the columns the table has (the schema may grow while the bench is written)."""
    return {k: v for k, v in row.items() if k in table.c}


def _fill(engine, tables, course, spec: Spec) -> dict:
    rng = random.Random(spec.seed)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).replace(microsecond=0)
    today = now.date()
    # A cheap hash for the generated accounts: logging in is set-up here, not a measured page.
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    modules = list(course.modules)
    users_t, teams_t = tables["users"], tables["teams"]
    members_t, assign_t = tables["memberships"], tables["assignments"]
    attempts_t, answers_t, views_t = tables["attempts"], tables["answers"], tables["lesson_views"]

    def user_row(uid, mail, name, role):
        return _columns(
            users_t,
            {
                "id": uid,
                "email": mail,
                "name": name,
                "password_hash": password_hash,
                "role": role,
                "active": True,
                "session_version": 1,
                "created_at": now - dt.timedelta(days=90),
            },
        )

    users = [
        user_row(n, email(n), f"Medewerker {n:04d}", "learner") for n in range(1, spec.learners + 1)
    ]
    hr_id = spec.learners + 1
    users.append(user_row(hr_id, HR_EMAIL, "HR Bench", "hr"))
    teams = [
        {"id": t, "name": f"Team {t:02d}", "created_at": now - dt.timedelta(days=90)}
        for t in range(1, spec.teams + 1)
    ]
    team_of = {n: (n - 1) % spec.teams + 1 for n in range(1, spec.learners + 1)}
    members = [
        {"user_id": n, "team_id": t, "created_at": now - dt.timedelta(days=89)}
        for n, t in team_of.items()
    ]
    assignments = []
    for t in range(1, spec.teams + 1):
        for i, module in enumerate(modules):
            assignments.append(
                _columns(
                    assign_t,
                    {
                        "id": len(assignments) + 1,
                        "module_slug": module.slug,
                        "team_id": t,
                        "user_id": None,
                        "due_date": today + dt.timedelta(days=rng.randint(-14, 30) + i),
                        "created_at": now - dt.timedelta(days=60),
                        "created_by_id": hr_id,
                    },
                )
            )

    attempts, answers = [], []
    views: dict[tuple[int, str], dt.datetime] = {}
    ordinary = [
        n
        for n in range(1, spec.learners + 1)
        if not spec.handin_users[0] <= n <= spec.handin_users[1]
    ]

    def add_attempt(uid, module, started, submitted: bool, answered: int | None = None):
        quiz = module.quiz
        per = min(quiz.questions_per_attempt, len(quiz.questions))
        chosen = rng.sample(quiz.questions, per)
        skill = rng.uniform(0.5, 0.95)
        attempt_id = len(attempts) + 1
        total = 0.0
        count = per if answered is None else answered
        for q in chosen[:count]:
            response, score = response_for(q, rng, rng.random() < skill)
            total += score
            answers.append(
                _columns(
                    answers_t,
                    {
                        "id": len(answers) + 1,
                        "attempt_id": attempt_id,
                        "question_id": q.id,
                        "response": response,
                        "score": score if submitted else None,
                        "updated_at": started + dt.timedelta(seconds=30),
                    },
                )
            )
        row = {
            "id": attempt_id,
            "user_id": uid,
            "module_slug": module.slug,
            "kind": "exam",
            "content_version": quiz.version,
            "seed": rng.getrandbits(62),
            "question_ids": [q.id for q in chosen],
            "started_at": started,
            "submitted_at": started + dt.timedelta(minutes=rng.randint(3, 20))
            if submitted
            else None,
            "score": round(total, 2) if submitted else None,
            "max_score": per,
            "passed": (total / per * 100 >= quiz.pass_mark) if submitted else None,
        }
        attempts.append(_columns(attempts_t, row))
        key = (uid, module.slug)
        views[key] = max(views.get(key, started), started - dt.timedelta(minutes=5))

    everyone = list(range(1, spec.learners + 1))
    for _ in range(spec.submitted):
        uid = rng.choice(everyone)
        module = rng.choice(modules)
        started = now - dt.timedelta(days=rng.uniform(1, 60))
        add_attempt(uid, module, started, submitted=True)
    # Opnieuw proberen follows learning (learning/retakes.py): after a failed last exam, a
    # finished Oefen je fouten round, so every learner can start or resume any exam.
    latest: dict[tuple[int, str], dict] = {}
    for row in attempts:
        key = (row["user_id"], row["module_slug"])
        if key not in latest or row["submitted_at"] > latest[key]["submitted_at"]:
            latest[key] = row
    for _key, row in sorted(latest.items()):
        if row["passed"]:
            continue
        begun = row["submitted_at"] + dt.timedelta(minutes=1)
        practice = {
            **row,
            "id": len(attempts) + 1,
            "kind": "practice",
            "seed": rng.getrandbits(62),
            "question_ids": [],
            "started_at": begun,
            "submitted_at": begun + dt.timedelta(minutes=2),
            "score": 0.0,
            "passed": None,
        }
        attempts.append(_columns(attempts_t, practice))
    attempts.sort(key=lambda r: r["started_at"])  # ids in time order, like real traffic
    remap = {}
    for i, row in enumerate(attempts, start=1):
        remap[row["id"]] = i
        row["id"] = i
    for row in answers:
        row["attempt_id"] = remap[row["attempt_id"]]
    submitted_count = sum(row["kind"] == "exam" for row in attempts)

    open_pairs = set()
    while len(open_pairs) < spec.open_other:
        uid = rng.choice(
            [n for n in ordinary if not spec.mixed_users[0] <= n <= spec.mixed_users[1]]
        )
        open_pairs.add((uid, rng.randrange(len(modules))))
    for uid, m in sorted(open_pairs):
        module = modules[m]
        per = min(module.quiz.questions_per_attempt, len(module.quiz.questions))
        add_attempt(
            uid,
            module,
            now - dt.timedelta(hours=rng.uniform(1, 48)),
            False,
            answered=rng.randint(0, per - 1),
        )
    # Open attempts to hand in, every question answered: one per hand-in user and module.
    handin_first = len(attempts) + 1
    for uid in range(spec.handin_users[0], spec.handin_users[1] + 1):
        for module in modules:
            add_attempt(uid, module, now - dt.timedelta(minutes=rng.uniform(5, 50)), False)
    for uid in range(1, spec.learners + 1):  # some reading without a quiz
        for module in modules:
            if (uid, module.slug) not in views and rng.random() < 0.3:
                views[(uid, module.slug)] = now - dt.timedelta(days=rng.uniform(1, 60))
    view_rows = [
        {
            "user_id": uid,
            "module_slug": slug,
            "first_viewed_at": seen - dt.timedelta(minutes=1),
            "last_viewed_at": seen,
        }
        for (uid, slug), seen in sorted(views.items())
    ]

    with engine.begin() as conn:
        for table, rows in (
            (users_t, users),
            (teams_t, teams),
            (members_t, members),
            (assign_t, assignments),
            (attempts_t, attempts),
            (answers_t, answers),
            (views_t, [_columns(views_t, r) for r in view_rows]),
        ):
            for i in range(0, len(rows), 5000):
                conn.execute(table.insert(), rows[i : i + 5000])
    return {
        "learners": spec.learners,
        "teams": spec.teams,
        "modules": len(modules),
        "assignments": len(assignments),
        "submitted": submitted_count,
        "open": sum(row["submitted_at"] is None for row in attempts),
        "handin_attempts": len(attempts) - handin_first + 1,
        "answers": len(answers),
        "lesson_views": len(view_rows),
        "hr_user_id": hr_id,
    }

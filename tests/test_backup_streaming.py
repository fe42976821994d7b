"""Backup and restore stream rows in batches (issue 19): memory does not grow with the data,
older whole-document backups still restore, and a restore leaves no dead copy on disk."""

import gzip
import json
import tracemalloc

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Answer, Attempt, User, utcnow
from klantwijs.ops import backup_json as backup
from klantwijs.ops.backup import backup_command, restore_command
from tests.trust_helpers import fresh_world, table_snapshot


def _answers(app, attempts: int) -> None:
    """`attempts` handed-in exams of 10 answers each (the tallies follow by trigger)."""
    with app.app_context():
        user = User(email=f"veel{attempts}@example.nl", name="Veel Antwoorden")
        db.session.add(user)
        db.session.flush()
        for n in range(attempts):
            attempt = Attempt(
                user_id=user.id,
                module_slug="alpha",
                content_version="test",
                seed=n,
                question_ids=[f"v{q}" for q in range(10)],
                submitted_at=utcnow(),
                score=5.0,
                max_score=10,
                passed=False,
            )
            db.session.add(attempt)
            db.session.flush()
            db.session.add_all(
                Answer(
                    attempt_id=attempt.id, question_id=f"v{q}", response=[f"o{n % 3}"], score=q % 2
                )
                for q in range(10)
            )
        db.session.commit()


def _run(app, command, *args):
    result = app.test_cli_runner().invoke(command, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_rows_are_written_one_per_line_and_inserted_in_batches(
    make_app, tmp_path, monkeypatch, count_statements
):
    app = make_app()
    fresh_world(app)
    _answers(app, 12)  # 120 answers
    before = table_snapshot(app)
    path = tmp_path / "b.json.gz"
    _run(app, backup_command, str(path), "--format", "json")
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert len(lines) > 120, "a line per row"
    assert max(map(len, lines)) < 2000
    monkeypatch.setattr(backup, "BATCH", 25)
    monkeypatch.setattr(backup, "READ_CHUNK", 97)  # rows cut across many reads
    with app.app_context(), count_statements() as seen:
        backup.restore_json(path)
    inserts = [s for s, _ in seen if s.lstrip().upper().startswith("INSERT INTO ANSWERS")]
    assert len(inserts) == 120 // 25 + 1, "answers go in BATCH rows at a time"
    assert table_snapshot(app) == before


def test_a_backup_written_whole_on_one_line_still_restores(make_app, tmp_path):
    """Backups made before streaming are one JSON document on a single line."""
    app = make_app()
    fresh_world(app)
    _answers(app, 3)
    before = table_snapshot(app)
    path = tmp_path / "nieuw.json.gz"
    _run(app, backup_command, str(path), "--format", "json")
    document = json.loads(gzip.decompress(path.read_bytes()))
    old = tmp_path / "oud.json.gz"
    old.write_bytes(gzip.compress(json.dumps(document, separators=(",", ":")).encode()))
    plain = tmp_path / "oud.json"
    plain.write_text(json.dumps(document, indent=2))
    for file in (old, plain):
        output = _run(app, restore_command, str(file), "--yes")
        assert "Teruggezet" in output
        assert table_snapshot(app) == before


def _peak_restore(app, path) -> int:
    tracemalloc.start()
    try:
        with app.app_context():
            backup.restore_json(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_restore_memory_does_not_grow_with_the_number_of_answers(make_app, tmp_path, monkeypatch):
    """Python's peak allocation during a restore, for 400 and for 4,000 answers: the same to
    within the fixed costs (before streaming it grew about 1 KB per answer)."""
    monkeypatch.setattr(backup, "BATCH", 100)
    peaks = {}
    for attempts in (40, 400):
        app = make_app()
        fresh_world(app)
        _answers(app, attempts)
        path = tmp_path / f"b{attempts}.json.gz"
        _run(app, backup_command, str(path), "--format", "json")
        _peak_restore(app, path)  # warm: statement caches, imports
        peaks[attempts] = _peak_restore(app, path)
        with app.app_context():
            db.session.remove()
            from tests.conftest import empty_tables

            empty_tables()
    growth = peaks[400] - peaks[40]
    assert growth < 3600 * 200, peaks  # far below 3,600 extra answers × 1 KB


def test_restore_on_postgresql_leaves_no_dead_copy_and_analyzes(make_app, tmp_path):
    app = make_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: TRUNCATE and VACUUM")
    fresh_world(app)
    _answers(app, 300)

    def answer_pages() -> int:
        with app.app_context():
            return db.session.execute(sa.text("SELECT pg_relation_size('answers')")).scalar()

    size = answer_pages()
    path = tmp_path / "b.json.gz"
    _run(app, backup_command, str(path), "--format", "json")
    output = _run(app, restore_command, str(path), "--yes")
    assert "VACUUM ANALYZE" in output
    assert answer_pages() <= size * 1.1, "the old rows are not left behind as dead space"
    with app.app_context():
        analyzed = db.session.execute(
            sa.text(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'answers'"
            )
        ).scalar()
    assert analyzed

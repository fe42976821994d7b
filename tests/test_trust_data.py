"""Data safety: backup → wipe → restore gives back every row; nothing HR does deletes attempts."""

import gzip
import json

import pytest
import sqlalchemy as sa

from klantwijs.accounts.operations import create_user
from klantwijs.core.db import db
from klantwijs.models import Answer, Attempt, Team, User
from klantwijs.ops.backup import backup_command, restore_command
from tests.conftest import empty_tables
from tests.trust_helpers import add_user, client_as, fresh_world, row_counts, table_snapshot


def _add_answers(app, world):
    with app.app_context():
        attempt = db.session.get(Attempt, world.ids["submitted_attempt_id"])
        for n, qid in enumerate(attempt.question_ids):
            db.session.add(
                Answer(attempt_id=attempt.id, question_id=qid, response=["x", n], score=0.5)
            )
        add_user("learner", "emoji@example.nl", "Zoë 🙂 ‏שלום‏ <b>&amp;</b>")
        db.session.commit()


def _invoke(app, command, *args):
    result = app.test_cli_runner().invoke(command, list(args), catch_exceptions=False)
    return result


def _wipe(app):
    with app.app_context():
        db.session.remove()
        empty_tables()
        add_user("admin", "indringer@example.nl", "Niet uit de backup")
        db.session.commit()


@pytest.mark.parametrize("fmt", ["auto", "json"])
def test_backup_wipe_restore_round_trip(make_app, tmp_path, fmt):
    app = make_app()
    world = fresh_world(app)
    _add_answers(app, world)
    before = table_snapshot(app)
    assert sum(len(rows) for rows in before.values()) > 10
    target = tmp_path / ("backup.db" if fmt == "auto" else "backup.json.gz")
    if fmt == "auto" and db_dialect(app) != "sqlite":
        target = tmp_path / "backup.json.gz"
    result = _invoke(app, backup_command, str(target), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "Backup gemaakt" in result.output
    assert target.stat().st_mode & 0o077 == 0, "a backup holds personal data: mode 0600"

    _wipe(app)
    assert table_snapshot(app) != before
    result = _invoke(app, restore_command, str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert table_snapshot(app) == before

    # The restored database takes new rows (PostgreSQL sequences continue after the ids).
    with app.app_context():
        user = create_user("na-herstel@example.nl", "Na herstel", None, role="learner")
        assert user.id > max(r[0] for r in before["users"])


def db_dialect(app):
    with app.app_context():
        return db.engine.dialect.name


def test_sqlite_file_backup_refused_on_postgresql_and_json_is_readable(make_app, tmp_path):
    app = make_app()
    fresh_world(app)
    path = tmp_path / "b.json.gz"
    assert _invoke(app, backup_command, str(path), "--format", "json").exit_code == 0
    document = json.loads(gzip.decompress(path.read_bytes()))
    assert document["format"] == "klantwijs-backup"
    assert {"users", "attempts", "answers", "teams"} <= set(document["tables"])
    assert document["revision"]
    if db_dialect(app) == "postgresql":
        result = app.test_cli_runner().invoke(
            backup_command, [str(tmp_path / "x.db"), "--format", "sqlite"]
        )
        assert result.exit_code != 0 and "json" in result.output


def test_restore_refuses_damaged_or_foreign_files_and_changes_nothing(make_app, tmp_path):
    app = make_app()
    fresh_world(app)
    before = table_snapshot(app)
    garbage = tmp_path / "kapot.json.gz"
    garbage.write_bytes(gzip.compress(b"{niet json"))
    other = tmp_path / "ander.json"
    other.write_text(json.dumps({"format": "iets anders"}))
    old = tmp_path / "oud.json.gz"
    assert _invoke(app, backup_command, str(old), "--format", "json").exit_code == 0
    document = json.loads(gzip.decompress(old.read_bytes()))
    document["revision"] = "0000aaaa"
    old.write_bytes(gzip.compress(json.dumps(document).encode()))
    text = tmp_path / "tekst.txt"
    text.write_text("hallo")
    for path, message in [
        (garbage, "beschadigd"),
        (other, "geen Klantwijs-backup"),
        (old, "flask db upgrade"),
        (text, "onbekend formaat"),
    ]:
        result = app.test_cli_runner().invoke(restore_command, [str(path), "--yes"])
        assert result.exit_code != 0, path
        assert message in result.output, result.output
        assert table_snapshot(app) == before


def test_restore_asks_for_confirmation(make_app, tmp_path):
    app = make_app()
    fresh_world(app)
    path = tmp_path / "b.json.gz"
    _invoke(app, backup_command, str(path), "--format", "json")
    before = row_counts(app)
    result = app.test_cli_runner().invoke(restore_command, [str(path)], input="n\n")
    assert result.exit_code != 0
    assert row_counts(app) == before


def test_commands_are_registered(app):
    assert {"db-backup", "db-restore"} <= set(app.cli.list_commands(None))


def test_deleting_a_team_or_deactivating_a_person_keeps_attempts(make_app):
    """At the data layer: no cascade from teams or the active flag reaches attempts."""
    app = make_app()
    world = fresh_world(app)
    before = row_counts(app)
    with app.app_context():
        for team in db.session.scalars(sa.select(Team)).all():
            db.session.delete(team)
        db.session.get(User, world.users["learner"].id).active = False
        db.session.get(User, world.users["other"].id).active = False
        db.session.commit()
    after = row_counts(app)
    assert after["attempts"] == before["attempts"] == 3
    assert after["users"] == before["users"]


def test_hr_actions_never_delete_attempts(make_app):
    """Deleting a team, removing a member, deactivating a person: every attempt stays."""
    app = make_app()
    world = fresh_world(app)
    hr = client_as(app, world, "hr")
    before = row_counts(app)
    learner_id, team_id = world.users["learner"].id, world.ids["team_id"]
    assert hr.post(f"/beheer/teams/{team_id}/leden/{learner_id}/verwijderen").status_code == 302
    assert hr.post(f"/beheer/teams/{team_id}/verwijderen").status_code == 302
    assert hr.post(f"/beheer/medewerkers/{learner_id}/deactiveren").status_code == 302
    assert hr.post(f"/beheer/medewerkers/{world.users['other'].id}/deactiveren").status_code == 302
    after = row_counts(app)
    assert after["teams"] == before["teams"] - 1
    assert after["attempts"] == before["attempts"] and after["answers"] == before["answers"]
    assert after["users"] == before["users"]
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Attempt.id)).where(Attempt.user_id == learner_id)
            )
            == 2
        )
    # The person's history is still in Beheer, marked inactive.
    page = hr.get(f"/beheer/medewerkers/{learner_id}").text
    assert "inactief" in page.lower() or "gedeactiveerd" in page.lower()


def test_backup_and_restore_from_the_command_line(make_app, migrated, tmp_path):
    """What an operator types (README): flask db-backup FILE, flask db-restore FILE --yes."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import DATA, ROOT

    app = make_app()
    world = fresh_world(app)
    _add_answers(app, world)
    before = table_snapshot(app)
    env = {
        **os.environ,
        "SECRET_KEY": "cli-test",
        "DATABASE_URL": migrated,
        "LESSONS_DIR": str(DATA / "lessons"),
        "QUIZ_DIR": str(DATA / "quiz"),
        "FLASK_APP": "app",
    }
    flask = str(Path(sys.executable).parent / "flask")
    target = tmp_path / "nacht" / "klantwijs-backup"
    done = subprocess.run(
        [flask, "db-backup", str(target)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Backup gemaakt" in done.stdout
    _wipe(app)
    done = subprocess.run(
        [flask, "db-restore", str(target), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Teruggezet" in done.stdout
    assert table_snapshot(app) == before

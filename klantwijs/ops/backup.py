"""`flask db-backup` and `flask db-restore`: a copy of every table, and putting it back.

Two formats, chosen automatically from the database in use (or with ``--format``):

* **sqlite** (default on SQLite): a complete database file made with SQLite's online backup
  API (``sqlite3.Connection.backup``). It is consistent even while the app is serving
  requests (WAL mode included), copies the schema with the data, and the copy is checked with
  ``PRAGMA integrity_check`` before it is kept. Restoring copies it back page by page into the
  live database file, inside SQLite's own lock.
* **json** (default on PostgreSQL, possible on SQLite too): a gzip-compressed JSON document
  with every row of every Klantwijs table, read through SQLAlchemy in *one* read-only
  ``REPEATABLE READ`` transaction, so it is a consistent snapshot while the app keeps running.
  It needs no ``pg_dump``/``psql`` binaries (whose major version must match the server, and
  which managed databases do not always offer), is independent of the database engine (a
  SQLite backup can be restored into PostgreSQL and back), and restoring happens in a single
  transaction: either every row is back, or nothing changed. The file records the migration
  revision; a restore refuses a file from another revision (run ``flask db upgrade`` to the
  same revision first). After restoring, PostgreSQL id sequences are moved past the highest id.
  Both directions stream: rows are read and written a batch at a time (one row per line in the
  file), so memory stays the same whatever the number of answers. A restore on PostgreSQL
  empties the tables with TRUNCATE (no dead rows left behind to double the database on disk)
  and runs VACUUM ANALYZE afterwards; derived tables (Vragen-inzicht's counts) are rebuilt.

Restart the app after a restore: every process keeps pooled connections and cached reports
(the report cache is keyed on a data fingerprint, which a restore can in principle match).

Backups hold names, e-mail addresses and password hashes: they are written with mode 0600,
atomically (a temporary file renamed into place), and should be stored like the database.
For very large PostgreSQL databases ``pg_dump --format=custom`` remains a fine alternative;
Klantwijs' own data (people × modules × attempts) stays far below the size where that matters.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask.cli import with_appcontext

from .archive import (
    BackupError,
    database_engine,
    default_path,
    detect_format,
    sqlite_file,
    write_atomically,
)
from .backup_json import dump_json, restore_json, vacuum_analyze

# --- SQLite file ------------------------------------------------------------------------------


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} is beschadigd: {result}")


def dump_sqlite(path: Path) -> None:
    source_path = sqlite_file(database_engine())
    if source_path is None:
        raise BackupError("Het formaat sqlite kan alleen bij een SQLite-database; gebruik json.")

    def write(tmp: Path) -> None:
        source = sqlite3.connect(source_path)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _check_integrity(target, "De nieuwe backup")
        finally:
            target.close()
            source.close()

    write_atomically(path, write)


def restore_sqlite(path: Path) -> None:
    target_path = sqlite_file(database_engine())
    if target_path is None:
        raise BackupError(
            "Een SQLite-backup kan alleen in een SQLite-database worden teruggezet. Maak op de "
            "oude database een backup met --format json en zet die terug."
        )
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _check_integrity(source, str(path))
        if not source.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='users'"
        ).fetchone():
            raise BackupError(f"{path} is geen Klantwijs-database.")
        database_engine().dispose()  # no pooled connection keeps an old view of the file
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)
            _check_integrity(target, "De teruggezette database")
        finally:
            target.close()
    finally:
        source.close()


# --- Commands ---------------------------------------------------------------------------------


def _count_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items() if n)


@click.command("db-backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "sqlite", "json"]),
    default="auto",
    show_default=True,
    help="auto: sqlite-bestand bij SQLite, json bij PostgreSQL.",
)
@with_appcontext
def backup_command(path: Path | None, fmt: str) -> None:
    """Maak een backup van de hele database (standaard in instance/backups/)."""
    if fmt == "auto":
        fmt = "sqlite" if database_engine().dialect.name == "sqlite" else "json"
    path = path or default_path(fmt)
    if fmt == "sqlite":
        dump_sqlite(path)
        click.echo(f"Backup gemaakt: {path} (SQLite-bestand).")
    else:
        counts = dump_json(path)
        click.echo(f"Backup gemaakt: {path} (JSON; {_count_line(counts) or 'geen rijen'}).")


@click.command("db-restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Niet om bevestiging vragen.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Zet een backup terug. Alle huidige gegevens worden vervangen."""
    fmt = detect_format(path)
    if not yes:
        click.confirm(
            f"Alle gegevens in de database worden vervangen door {path}. Doorgaan?", abort=True
        )
    if fmt == "sqlite":
        restore_sqlite(path)
        click.echo(f"Teruggezet: {path} (SQLite-bestand).")
    else:
        counts = restore_json(path)
        click.echo(f"Teruggezet: {path} ({_count_line(counts) or 'geen rijen'}).")
        if vacuum_analyze():
            click.echo("VACUUM ANALYZE gedaan: de statistieken van PostgreSQL zijn bijgewerkt.")
    database_engine().dispose()
    click.echo("Herstart de app, zodat elk proces de teruggezette gegevens leest.")


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

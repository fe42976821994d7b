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

Restart the app after a restore: every process keeps pooled connections and cached reports
(the report cache is keyed on a data fingerprint, which a restore can in principle match).

Backups hold names, e-mail addresses and password hashes: they are written with mode 0600,
atomically (a temporary file renamed into place), and should be stored like the database.
For very large PostgreSQL databases ``pg_dump --format=custom`` remains a fine alternative;
Klantwijs' own data (people × modules × attempts) stays far below the size where that matters.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import sqlite3
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from ..core.db import db

FORMAT_NAME = "klantwijs-backup"
FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"


class BackupError(click.ClickException):
    """A backup or restore that cannot be done, with a message for the operator."""


# --- Helpers ----------------------------------------------------------------------------------


def _engine() -> sa.Engine:
    return db.engine


def _sqlite_path(engine: sa.Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Een SQLite-database in het geheugen kan niet worden geback-upt.")
    return Path(database)


def _revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _write_atomically(path: Path, write) -> None:
    """Write through a private temporary file next to ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, 0o600)
        write(tmp_path)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def default_path(fmt: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = ".db" if fmt == "sqlite" else ".json.gz"
    return Path(current_app.instance_path) / "backups" / f"klantwijs-{stamp}{suffix}"


def detect_format(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(GZIP_MAGIC) or head.lstrip().startswith(b"{"):
        return "json"
    raise BackupError(f"{path} is geen Klantwijs-backup (onbekend formaat).")


# --- JSON: any database -----------------------------------------------------------------------


def _encode(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _decoder(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(kind, sa.Time):
        return lambda v: None if v is None else dt.time.fromisoformat(v)
    return lambda v: v


def dump_json(path: Path) -> dict[str, int]:
    """Write every table as JSON in one consistent read; return the row count per table."""
    engine = _engine()
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # One snapshot for all tables: a read-only transaction on PostgreSQL, an explicit
            # read transaction on SQLite (whose driver would otherwise read table by table).
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text("SET TRANSACTION READ ONLY"))
            elif engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN")
            document = {
                "format": FORMAT_NAME,
                "version": FORMAT_VERSION,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "dialect": engine.dialect.name,
                "revision": _revision(connection),
                "tables": {},
            }
            for table in db.metadata.sorted_tables:
                columns = [c.name for c in table.columns]
                order = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execute(sa.select(table).order_by(*order)).all()
                document["tables"][table.name] = {
                    "columns": columns,
                    "rows": [[_encode(v) for v in row] for row in rows],
                }
                counts[table.name] = len(rows)

    def write(tmp: Path) -> None:
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False, separators=(",", ":"))

    _write_atomically(path, write)
    return counts


def _read_json(path: Path) -> dict:
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw.startswith(GZIP_MAGIC):
        raw = gzip.decompress(raw)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is beschadigd: {exc}") from None
    if document.get("format") != FORMAT_NAME or document.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path} is geen Klantwijs-backup van versie {FORMAT_VERSION}.")
    return document


def restore_json(path: Path) -> dict[str, int]:
    """Replace every row with the file's rows in one transaction; return the count per table."""
    document = _read_json(path)
    engine = _engine()
    tables = document["tables"]
    known = {t.name for t in db.metadata.sorted_tables}
    unknown = sorted(set(tables) - known)
    if unknown:
        raise BackupError(f"De backup bevat onbekende tabellen: {', '.join(unknown)}.")
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        current = _revision(connection)
        if current != document.get("revision"):
            raise BackupError(
                f"De backup hoort bij migratie {document.get('revision')}, de database staat op "
                f"{current}. Breng de database eerst op dezelfde versie (flask db upgrade)."
            )
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        for table in db.metadata.sorted_tables:
            data = tables.get(table.name, {"columns": [], "rows": []})
            columns = data["columns"]
            missing = [c for c in columns if c not in table.columns]
            if missing:
                raise BackupError(f"{table.name}: onbekende kolommen {missing}.")
            decoders = [_decoder(table.columns[c]) for c in columns]
            rows = [
                {c: decode(v) for c, decode, v in zip(columns, decoders, row, strict=True)}
                for row in data["rows"]
            ]
            for start in range(0, len(rows), 1000):
                connection.execute(table.insert(), rows[start : start + 1000])
            counts[table.name] = len(rows)
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection)
    return counts


def _reset_sequences(connection: sa.Connection) -> None:
    """Let new rows continue after the highest restored id."""
    for table in db.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer) or column.foreign_keys:
                continue
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            ).scalar()
            if sequence:
                connection.execute(
                    sa.text(
                        f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '
                        f'FROM "{table.name}"), 0) + 1, false)'
                    ),
                    {"s": sequence},
                )


# --- SQLite file ------------------------------------------------------------------------------


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} is beschadigd: {result}")


def dump_sqlite(path: Path) -> None:
    source_path = _sqlite_path(_engine())
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

    _write_atomically(path, write)


def restore_sqlite(path: Path) -> None:
    target_path = _sqlite_path(_engine())
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
        _engine().dispose()  # no pooled connection keeps an old view of the file
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
        fmt = "sqlite" if _engine().dialect.name == "sqlite" else "json"
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
    _engine().dispose()
    click.echo("Herstart de app, zodat elk proces de teruggezette gegevens leest.")


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

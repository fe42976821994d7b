"""The JSON backup format: every table of any database as gzip JSON, one row per line,
read in one consistent transaction and written back in one; both directions stream in
batches (see ops/backup.py for when it is used)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import sqlalchemy as sa

from ..core.db import db
from .archive import (
    FORMAT_NAME,
    FORMAT_VERSION,
    GZIP_MAGIC,
    BackupError,
    database_engine,
    migration_revision,
    write_atomically,
)

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


BATCH = 1000  # rows read from the database, or inserted, at a time
READ_CHUNK = 1 << 20  # characters of the (decompressed) file read at a time
MAX_VALUE = 16 << 20  # characters one row (or header value) may take in the file

# Tables derived from others: written to the file like every table, but rebuilt from the
# restored rows instead of read back: Vragen-inzicht's counts (migration 0010) and
# Voortgang's cells (migration 0011). Triggers keep them, with the same rules as below.
QUESTION_TALLIES = """
INSERT INTO question_tallies (module_slug, question_id, response, answered, correct)
SELECT t.module_slug, a.question_id, CAST(a.response AS TEXT), COUNT(*),
       SUM(CASE WHEN a.score >= 0.999 THEN 1 ELSE 0 END)
FROM answers a JOIN attempts t ON t.id = a.attempt_id
WHERE t.kind = 'exam' AND t.submitted_at IS NOT NULL AND a.score IS NOT NULL
GROUP BY t.module_slug, a.question_id, CAST(a.response AS TEXT)
"""
# Per person × module: the earliest Deadline and shortest validity of every assignment that
# reaches them (learning/assigned.py), exam started, lesson read, first and latest pass.
REPORT_CELLS_SELECT = """
SELECT k.user_id, k.module_slug, d.due_date, d.valid_months,
       CASE WHEN s.user_id IS NULL THEN FALSE ELSE TRUE END,
       CASE WHEN v.user_id IS NULL THEN FALSE ELSE TRUE END,
       s.passed_at, s.last_passed_at
FROM (
    SELECT user_id, module_slug FROM assignments WHERE user_id IS NOT NULL
    UNION SELECT m.user_id, a.module_slug
          FROM memberships m JOIN assignments a ON a.team_id = m.team_id
    UNION SELECT user_id, module_slug FROM attempts WHERE kind = 'exam'
    UNION SELECT user_id, module_slug FROM lesson_views
) k
LEFT JOIN (
    SELECT x.user_id, x.module_slug, MIN(x.due_date) AS due_date,
           MIN(x.valid_months) AS valid_months
    FROM (
        SELECT user_id, module_slug, due_date, valid_months
        FROM assignments WHERE user_id IS NOT NULL
        UNION ALL
        SELECT m.user_id, a.module_slug, a.due_date, a.valid_months
        FROM memberships m JOIN assignments a ON a.team_id = m.team_id
    ) x GROUP BY x.user_id, x.module_slug
) d ON d.user_id = k.user_id AND d.module_slug = k.module_slug
LEFT JOIN (
    SELECT user_id, module_slug,
           MIN(CASE WHEN passed = TRUE THEN submitted_at END) AS passed_at,
           MAX(CASE WHEN passed = TRUE THEN submitted_at END) AS last_passed_at
    FROM attempts WHERE kind = 'exam' GROUP BY user_id, module_slug
) s ON s.user_id = k.user_id AND s.module_slug = k.module_slug
LEFT JOIN lesson_views v ON v.user_id = k.user_id AND v.module_slug = k.module_slug
"""
REPORT_CELLS = f"""
INSERT INTO report_cells (user_id, module_slug, due_date, valid_months, started, lesson_read,
                          passed_at, last_passed_at)
{REPORT_CELLS_SELECT}"""
DERIVED = {"question_tallies": QUESTION_TALLIES, "report_cells": REPORT_CELLS}
# PostgreSQL's names of the triggers that keep them, per source table (migrations 0010, 0011).
DERIVED_TRIGGERS = {
    "answers": "answers_question_tally",
    "attempts": "attempts_report_cells",
    "lesson_views": "lesson_views_report_cells",
    "memberships": "memberships_report_cells",
    "assignments": "assignments_report_cells",
}


def rebuild_derived(connection: sa.Connection) -> dict[str, int]:
    """Empty every derived table and count it again from its sources; rows per table."""
    known = db.metadata.tables
    counts = {}
    for name, rule in DERIVED.items():
        if name not in known:
            continue
        connection.execute(known[name].delete())
        connection.execute(sa.text(rule))
        counts[name] = connection.execute(
            sa.select(sa.func.count()).select_from(known[name])
        ).scalar_one()
    return counts


def pause_derived_triggers(connection: sa.Connection, on: bool) -> None:
    """PostgreSQL: the derived tables are rebuilt in one statement each after a bulk load
    (a restore, the bench's data), so their per-row triggers are paused meanwhile (inside
    the caller's transaction). A database user that does not own the tables may not pause
    them: then they simply keep counting, row by row, and the rebuild comes to the same."""
    if connection.dialect.name != "postgresql":
        return
    verb = "ENABLE" if on else "DISABLE"
    for table, trigger in DERIVED_TRIGGERS.items():
        try:
            with connection.begin_nested():
                connection.execute(sa.text(f"ALTER TABLE {table} {verb} TRIGGER {trigger}"))
        except sa.exc.DBAPIError:
            if on:
                raise


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dump_json(path: Path) -> dict[str, int]:
    """Write every table as JSON in one consistent read; return the row count per table.

    Rows are read BATCH at a time (a server-side cursor on PostgreSQL) and written to the
    gzip file as they come, one row per line: memory does not grow with the data."""
    engine = database_engine()
    counts: dict[str, int] = {}

    def write(tmp: Path) -> None:
        with engine.connect() as connection, gzip.open(tmp, "wt", encoding="utf-8") as fh:
            if engine.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # One snapshot for all tables: a read-only transaction on PostgreSQL, an
                # explicit read transaction on SQLite (whose driver would otherwise read
                # table by table).
                if engine.dialect.name == "postgresql":
                    connection.execute(sa.text("SET TRANSACTION READ ONLY"))
                elif engine.dialect.name == "sqlite":
                    connection.exec_driver_sql("BEGIN")
                header = {
                    "format": FORMAT_NAME,
                    "version": FORMAT_VERSION,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(),
                    "dialect": engine.dialect.name,
                    "revision": migration_revision(connection),
                }
                fh.write(_dumps(header)[:-1] + ',"tables":{')
                for n, table in enumerate(db.metadata.sorted_tables):
                    columns = [c.name for c in table.columns]
                    order = list(table.primary_key.columns) or list(table.columns)
                    fh.write(("," if n else "") + f"\n{_dumps(table.name)}:")
                    fh.write(f'{{"columns":{_dumps(columns)},"rows":[')
                    count = 0
                    result = connection.execution_options(yield_per=BATCH).execute(
                        sa.select(table).order_by(*order)
                    )
                    for row in result:
                        fh.write(("," if count else "") + "\n" + _dumps([_encode(v) for v in row]))
                        count += 1
                    fh.write("\n]}")
                    counts[table.name] = count
                fh.write("\n}}\n")

    write_atomically(path, write)
    return counts


class _Reader:
    """Reads a backup document piece by piece: the header values, then each table's rows one
    at a time (json's raw_decode on a buffer refilled READ_CHUNK characters at a time), so a
    restore never holds the whole file. Any layout of the same JSON document reads the same
    (backups written whole, on one line, by older versions too)."""

    def __init__(self, fh, path: Path):
        self.fh, self.path = fh, path
        self.buffer, self.pos, self.eof = "", 0, False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(READ_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def _broken(self, why: str) -> BackupError:
        return BackupError(f"{self.path} is beschadigd: {why}")

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._fill():
                raise self._broken("het bestand houdt te vroeg op")

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self._broken(f"'{char}' verwacht op positie {self.pos}")
        self.pos += 1

    def more(self, closing: str) -> bool:
        """After an item of an object or array: True when a ',' follows, False at the end."""
        char = self.peek()
        if char == ",":
            self.pos += 1
            return True
        if char == closing:
            self.pos += 1
            return False
        raise self._broken(f"',' of '{closing}' verwacht op positie {self.pos}")

    def value(self):
        self.peek()
        while True:
            try:
                found, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                # Cut off at the end of the buffer: read on. (No row comes near MAX_VALUE:
                # more than that which does not decode is damage, not a cut.)
                if len(self.buffer) - self.pos < MAX_VALUE and self._fill():
                    continue
                raise self._broken(str(exc)) from None
            if end >= len(self.buffer) and self._fill():
                continue  # a number may go on in the next piece: read it whole
            self.pos = end
            return found

    def header(self) -> dict:
        """The values before "tables"; the reader then stands at the tables."""
        found: dict = {}
        self.expect("{")
        if self.peek() == "}":
            return found
        while True:
            key = self.value()
            self.expect(":")
            if key == "tables":
                found["tables"] = True
                return found
            found[key] = self.value()
            if not self.more("}"):
                return found

    def tables(self):
        """(name, columns, rows) per table, in the file's order; each rows iterator must be
        read to its end before the next table."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            name = self.value()
            self.expect(":")
            self.expect("{")
            columns: list = []
            seen_rows = False
            while True:
                key = self.value()
                self.expect(":")
                if key == "rows":
                    seen_rows = True
                    yield name, columns, self._rows()
                else:
                    value = self.value()
                    if key == "columns":
                        columns = value
                if not self.more("}"):
                    break
            if not seen_rows:
                yield name, columns, iter(())
            if not self.more("}"):
                return

    def _rows(self):
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if not self.more("]"):
                return


def _open_text(path: Path):
    with open(path, "rb") as fh:
        zipped = fh.read(2) == GZIP_MAGIC
    if zipped:
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115  (closed by the caller)


def _check_header(header: dict, path: Path) -> None:
    if header.get("format") != FORMAT_NAME or header.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path} is geen Klantwijs-backup van versie {FORMAT_VERSION}.")
    if not header.get("tables"):
        raise BackupError(f"{path} is beschadigd: er staan geen tabellen in.")


def _empty_all(connection: sa.Connection) -> None:
    """Remove every row. On PostgreSQL by TRUNCATE: new, empty table files at once (and the
    old ones gone at commit), so a restore does not leave the old rows behind as dead space
    until a VACUUM, as a DELETE would."""
    tables = db.metadata.sorted_tables
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.execute(sa.text(f"TRUNCATE {names}"))
    else:
        for table in reversed(tables):
            connection.execute(table.delete())


def restore_json(path: Path) -> dict[str, int]:
    """Replace every row with the file's rows in one transaction; return the count per table.

    The file is read a row at a time and inserted BATCH rows at a time: memory does not
    grow with the data. Derived tables (DERIVED) are rebuilt from the restored rows."""
    engine = database_engine()
    known = {t.name: t for t in db.metadata.sorted_tables}
    counts: dict[str, int] = {}
    with _open_text(path) as fh:
        reader = _Reader(fh, path)
        try:
            header = reader.header()
        except (UnicodeDecodeError, OSError, EOFError) as exc:
            raise BackupError(f"{path} is beschadigd: {exc}") from None
        _check_header(header, path)
        with engine.begin() as connection:
            current = migration_revision(connection)
            if current != header.get("revision"):
                raise BackupError(
                    f"De backup hoort bij migratie {header.get('revision')}, de database staat "
                    f"op {current}. Breng de database eerst op dezelfde versie (flask db upgrade)."
                )
            _empty_all(connection)
            pause_derived_triggers(connection, on=False)
            try:
                for name, columns, rows in reader.tables():
                    table = known.get(name)
                    if table is None:
                        raise BackupError(f"De backup bevat een onbekende tabel: {name}.")
                    counts[name] = _insert(connection, table, columns, rows, name in DERIVED)
            except (UnicodeDecodeError, OSError, EOFError) as exc:
                raise BackupError(f"{path} is beschadigd: {exc}") from None
            counts.update(rebuild_derived(connection))
            pause_derived_triggers(connection, on=True)
            if engine.dialect.name == "postgresql":
                _reset_sequences(connection)
    return {t: counts.get(t, 0) for t in known if t in counts}


def _insert(connection, table: sa.Table, columns: list, rows, derived: bool) -> int:
    """Insert the rows of one table BATCH at a time; derived tables' rows are only read."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise BackupError(f"{table.name}: de kolommen zijn onleesbaar.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise BackupError(f"{table.name}: onbekende kolommen {missing}.")
    decoders = [_decoder(table.columns[c]) for c in columns]
    batch: list[dict] = []
    count = 0
    for row in rows:
        if derived:
            continue
        if not isinstance(row, list) or len(row) != len(columns):
            raise BackupError(f"{table.name}: rij {count + 1} past niet bij de kolommen.")
        batch.append({c: decode(v) for c, decode, v in zip(columns, decoders, row, strict=True)})
        count += 1
        if len(batch) >= BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    return count


def vacuum_analyze() -> bool:
    """PostgreSQL: refresh the planner's statistics and the visibility map after a restore
    (index-only scans and good plans need both). False on SQLite, where nothing is needed."""
    engine = database_engine()
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM (ANALYZE)"))
    return True


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

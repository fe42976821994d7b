"""What both backup formats share: the file header's constants, where backups go, atomic
writes with mode 0600, the migration revision and format detection (see ops/backup.py)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from ..core.db import db

FORMAT_NAME = "klantwijs-backup"
FORMAT_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"


class BackupError(click.ClickException):
    """A backup or restore that cannot be done, with a message for the operator."""


# --- Helpers ----------------------------------------------------------------------------------


def database_engine() -> sa.Engine:
    return db.engine


def sqlite_file(engine: sa.Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Een SQLite-database in het geheugen kan niet worden geback-upt.")
    return Path(database)


def migration_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def write_atomically(path: Path, write) -> None:
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

"""The database object, the declarative base with a constraint naming convention, SQLite
settings for every connection, and read_core() for the few prebuilt per-request reads."""

import sqlite3

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Rows stay loaded after a commit: views read what they just wrote without a second SELECT.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def read_core(statement, params: dict | None = None) -> sa.CursorResult:
    """Run a prebuilt Core SELECT on the request's connection, skipping the ORM session's
    per-statement work (events, ORM compile state): half the cost, for the few reads that
    run on every request (who is signed in, the lesson's state, the report's freshness)."""
    return db.session.connection().execute(statement, params or {})


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and a writer work at once; foreign keys are off in SQLite by default."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

"""The migrations build exactly the models' schema, and can go down and up again."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from klantwijs import create_app
from klantwijs.core.db import db
from tests.conftest import app_settings, reset_database


@pytest.fixture
def scratch_url(tmp_path, migrated):
    """An empty database of the same kind as the test database, only for this test."""
    if not migrated.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    base = sa.make_url(migrated)
    name = f"{base.database}_migrations"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def schema_diff(app) -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def table_names(app) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


# ix_users_sort is an expression index made on PostgreSQL only; alembic cannot reflect
# expression indexes from SQLite and says so each time it compares there.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index 'ix_users_sort'"
)
def test_migrations_match_models_and_round_trip(scratch_url):
    reset_database(scratch_url)
    app = create_app(app_settings(scratch_url))
    with app.app_context():
        upgrade()
        assert schema_diff(app) == []
        assert table_names(app) == set(db.metadata.tables)
        downgrade(revision="base")
        assert table_names(app) == set()
        upgrade()
        assert schema_diff(app) == []
        db.engine.dispose()


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite only")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

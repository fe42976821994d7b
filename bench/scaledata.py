"""The scale run's datasets (`python -m bench --people 10000`), built once and kept.

A dataset of N people is built by the ordinary generator (dataset.py) into a PostgreSQL
*template* database, `klantwijs_scale_<N>_<chain>_tmpl`, whose comment records what it was built
from (generator source, spec). Every run copies the template into a working database
(`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`, seconds instead of the minutes a build
takes), so the hand-ins a run makes never reach the cached data. When the app's migrations
moved on since the build, the template is upgraded in place (as a deploy would upgrade a
production database: new indexes are built, data migrations backfill) and then VACUUM
ANALYZEd, once.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
from pathlib import Path

import sqlalchemy as sa

from . import dataset

GENERATOR_VERSION = 1  # bump when the shape of the scale data changes


def spec_for(people: int) -> dataset.Spec:
    """N learners in teams of 50, 20 handed-in exams per person (≈ 200 answers each), the
    first 50 for page sessions, 250 who work during the load test, 200 whose open attempts
    (one per module, all answered) are handed in just before each measured HR request."""
    return dataset.Spec(
        learners=people,
        teams=max(2, people // 50),
        submitted=people * 20,
        open_other=max(2, people // 30),
        page_users=(1, 50),
        mixed_users=(101, 350),
        handin_users=(401, 600),
        seed=20261201,
    )


def _key(spec: dataset.Spec) -> str:
    source = (Path(__file__).parent / "dataset.py").read_bytes()
    digest = hashlib.sha256(source + repr(spec).encode() + bytes([GENERATOR_VERSION]))
    return "klantwijs-bench " + digest.hexdigest()[:16]


def _chain(tree: Path) -> str:
    """The measured tree's migration files: a template is only upgraded along its own chain
    (a snapshot of an older commit gets a template of its own)."""
    names = sorted(p.name for p in (tree / "migrations" / "versions").glob("*.py"))
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:8]


def _admin() -> sa.Engine:
    return sa.create_engine(dataset.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _comment(conn, name: str) -> str | None:
    return conn.execute(
        sa.text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
        {"n": name},
    ).scalar()


def _exists(conn, name: str) -> bool:
    return bool(
        conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
    )


def _upgrade(url: str, log) -> bool:
    """Bring a database to the newest migration; True when anything ran."""
    from flask_migrate import upgrade

    from klantwijs import create_app
    from klantwijs.core.db import db

    app = create_app(dataset.app_config(url))
    with app.app_context():
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with db.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        head = script.get_current_head()
        if current == head:
            db.engine.dispose()
            return False
        log(f"  upgrading the cached dataset: migration {current} → {head}")
        started = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        db.session.remove()
        db.engine.dispose()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    log(f"  upgraded and vacuumed in {time.perf_counter() - started:.0f} s")
    return True


def template(people: int, log, tree: Path, rebuild: bool = False) -> tuple[str, dict]:
    """The template database for N people (built when missing or outdated) and its summary."""
    spec = spec_for(people)
    name = f"klantwijs_scale_{people}_{_chain(tree)}_tmpl"
    key = _key(spec)
    admin = _admin()
    with admin.connect() as conn:
        fresh = _exists(conn, name) and (_comment(conn, name) or "").startswith(key)
    admin.dispose()
    url = dataset.pg_url(name)
    if fresh and not rebuild:
        log(f"  dataset: cached in {name}")
        summary = {"cached": True, "people": people, "built": "cached"}
    else:
        log(f"  dataset: building {people:,} people into {name} (once; kept for later runs)")
        summary = dataset.build(url, spec, log=log)
        summary["cached"] = False
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        engine.dispose()
        admin = _admin()
        with admin.connect() as conn:
            conn.execute(sa.text(f"COMMENT ON DATABASE \"{name}\" IS '{key}'"))
        admin.dispose()
    summary["upgraded"] = _upgrade(url, log)
    return name, summary


def working_copy(template_name: str, name: str) -> str:
    """A fresh copy of the template to run against (dropped first when it exists)."""
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(
            sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}" STRATEGY FILE_COPY')
        )
    admin.dispose()
    return dataset.pg_url(name)


def drop(name: str) -> None:
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def size(url: str) -> int:
    """Bytes the database takes on disk."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return int(value)

"""Where the time goes: py-spy samples the gunicorn workers while wrk replays one scenario.

    .venv/bin/pip install py-spy        (a one-off; not a project dependency)
    .venv/bin/python -m bench.profile lesson [--db postgresql] [--seconds 10]

Prints the share of samples per layer (inclusive) and the hottest functions (self time);
the collapsed stacks are kept in bench/results/profile-SCENARIO-DB.txt for a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from . import dataset, scenarios, server, wrk
from .__main__ import RESULTS, ROOT, log

# Layers, matched from the innermost frame outwards: a sample belongs to the first layer
# found, so SQL run from a template counts as SQL, and the rest of the view as app code.
LAYERS = [
    ("SQLAlchemy + DB driver", ("sqlalchemy/", "sqlite3", "psycopg/")),
    ("session cookie (itsdangerous, zlib, json)", ("itsdangerous/", "flask/sessions.py")),
    ("Flask-WTF CSRF", ("flask_wtf/", "wtforms/")),
    ("Flask-Limiter", ("flask_limiter/", "limits/")),
    ("Talisman (security headers)", ("flask_talisman/",)),
    ("Flask-Login", ("flask_login/",)),
    ("template rendering (jinja2, markupsafe)", ("jinja2/", "markupsafe/", ".html:")),
    ("app code (klantwijs/*)", ("klantwijs/",)),
    ("Flask + werkzeug (routing, request, response)", ("flask/", "werkzeug/")),
    ("gunicorn (HTTP parse, socket I/O, threads)", ("gunicorn/", "concurrent/", "threading")),
]


def _layer(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, markers in LAYERS:
            if any(m in frame for m in markers):
                return name
    return "other"


def _app_frame(frames: list[str]) -> str:
    """The innermost klantwijs function on the stack (who asked for this SQL)."""
    for frame in reversed(frames):
        if "klantwijs/" in frame or ".html:" in frame:
            return frame
    return "(no app frame)"


def summarise(collapsed: Path, top: int = 12) -> str:
    total = 0
    layers = collections.Counter()
    sql_by_caller = collections.Counter()
    self_time = collections.Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        layer = _layer(frames)
        layers[layer] += n
        if layer.startswith("SQLAlchemy"):
            sql_by_caller[_app_frame(frames)] += n
        self_time[frames[-1]] += n
    share = lambda n: f"{n / max(total, 1):6.1%}"  # noqa: E731
    out = [f"{total} samples holding the GIL (CPU time of the workers)"]
    out.append("\nShare per layer (innermost layer on the stack):")
    for name, n in layers.most_common():
        out.append(f"  {share(n)}  {name}")
    out.append("\nSQL time by the app function (or template line) that asked for it:")
    for frame, n in sql_by_caller.most_common(top):
        out.append(f"  {share(n)}  {frame}")
    out.append("\nHottest functions (self time):")
    for frame, n in self_time.most_common(top):
        out.append(f"  {share(n)}  {frame}")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("scenario", choices=[k for k, *_ in scenarios.SCENARIOS])
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--seconds", type=int, default=10)
    args = p.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    sys.path.insert(0, str(ROOT))
    from .flow import Routes
    from .inprocess import make_app

    url = dataset.sqlite_url() if args.db == "sqlite" else dataset.pg_url()
    spec = dataset.Spec()
    dataset.build(url, spec, log=log)
    env = {
        "SECRET_KEY": dataset.SECRET_KEY,
        "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": "0",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    out = RESULTS / f"profile-{args.scenario}-{args.db}.txt"
    try:
        with server.Gunicorn("app:app", env, RESULTS / "gunicorn-profile.log") as app_server:
            routes = Routes.discover(make_app(url))
            prepared = {
                s.key: s for s in scenarios.prepare(app_server.base, routes, spec, url, log)
            }
            sc = prepared[args.scenario]
            if sc.skip:
                sys.exit(f"{args.scenario}: {sc.skip}")
            lines = wrk.write_requests(RESULTS / "wrk" / f"profile-{sc.key}.tsv", sc.lines)
            result = {}
            load = threading.Thread(
                target=lambda: result.update(wrk.run(app_server.base, lines, args.seconds + 2))
            )
            load.start()
            subprocess.run(
                [
                    spy,
                    "record",
                    "--pid",
                    str(app_server.proc.pid),
                    "--subprocesses",
                    "--duration",
                    str(args.seconds),
                    "--rate",
                    "200",
                    "--format",
                    "raw",
                    "--gil",
                    "--output",
                    str(out),
                    "--nonblocking",
                ],
                check=True,
                capture_output=True,
            )
            load.join()
            log(f"{sc.key}: {result.get('rps')} req/s under py-spy, p50 {result.get('p50_ms')} ms")
    finally:
        if args.db == "postgresql":
            dataset.drop_pg()
    log(summarise(out))
    log(f"\ncollapsed stacks: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

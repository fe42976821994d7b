"""`python -m bench` (`make bench`): dataset, gunicorn, wrk rounds, queries, weight, mixed load.

    python -m bench            full run, SQLite and PostgreSQL (about 12 minutes)
    python -m bench --quick    shorter rounds and mixed load (about 3 minutes)

Results go to bench/results/latest.json and latest.md; --update-readme also rewrites the
results section of bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
README = BENCH / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def log(message: str) -> None:
    print(message, flush=True)


def options(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="2 rounds × best of 2 runs × 1 s, mixed load 20 s with half the think time",
    )
    p.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    p.add_argument("--rounds", type=int, help="interleaved rounds per request (3; quick 2)")
    p.add_argument("--seconds", type=float, help="seconds per wrk run (2; quick 1)")
    p.add_argument(
        "--runs", type=int, help="wrk runs per side in a round, the best counts (3; quick 2)"
    )
    p.add_argument("--mixed-seconds", type=float, help="mixed load duration (60; quick 20)")
    p.add_argument("--only", help="comma-separated scenario keys to run (default all)")
    p.add_argument("--skip-mixed", action="store_true")
    p.add_argument(
        "--tree",
        default="auto",
        help="'work': the working tree; a git revision (HEAD, a commit): a snapshot "
        "of it; 'auto' (default): the working tree when it imports, else HEAD",
    )
    p.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL bench database")
    p.add_argument(
        "--people",
        type=int,
        help="the scale run instead (issue 19): HR pages after a change, with 250 learners "
        "working, CSV memory, backup/restore, on PostgreSQL with this many people (the "
        "dataset is built once and kept as a template database)",
    )
    p.add_argument("--samples", type=int, default=25, help="scale run: requests per page (25)")
    p.add_argument(
        "--load-samples", type=int, default=15, help="scale run: requests per page under load"
    )
    p.add_argument("--skip-backup", action="store_true", help="scale run: no backup/restore")
    p.add_argument(
        "--rebuild-dataset", action="store_true", help="scale run: build the dataset anew"
    )
    p.add_argument("--update-readme", action="store_true")
    p.add_argument(
        "--render",
        action="store_true",
        help="only turn results/latest.json into tables again (no run)",
    )
    args = p.parse_args(argv)
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.seconds = args.seconds or (1 if args.quick else 2)
    args.runs = args.runs or (2 if args.quick else 3)
    args.mixed_seconds = args.mixed_seconds or (20 if args.quick else 60)
    return args


def _imports(tree: Path) -> str | None:
    """None when the app at `tree` builds; else the last line of the error."""
    env = {**os.environ, "SECRET_KEY": "x", "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode == 0:
        return None
    lines = (out.stderr or out.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit {out.returncode}"


def choose_tree(mode: str) -> tuple[Path, str]:
    if Path(mode).is_dir() and (Path(mode) / "klantwijs").is_dir():
        return Path(mode).resolve(), f"directory {mode}"
    if mode in ("work", "auto"):
        problem = _imports(ROOT)
        if problem is None:
            return ROOT, "working tree"
        if mode == "work":
            sys.exit(f"The app in the working tree does not import: {problem}")
        log(f"! the working tree does not import ({problem}); using a snapshot of HEAD")
        mode = "HEAD"
    rev = subprocess.run(
        ["git", "rev-parse", "--short", mode], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    snapshot = RESULTS / "tree-snapshot"
    subprocess.run(["rm", "-rf", str(snapshot)], check=True)
    snapshot.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", rev], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive, check=True)
    return snapshot, f"snapshot of {mode} ({rev})"


def run_database(name: str, url: str, tree: Path, args, spec) -> dict:
    from . import dataset, inprocess, mixed, rounds, scenarios, server
    from .flow import Routes

    out: dict = {"url": url.split("@")[-1]}
    log(f"\n== {name} ==")
    out["dataset"] = dataset.build(url, spec, log=log)
    log("  SQL statements per request (test client, logged in):")
    out["queries"] = inprocess.count_queries(url, spec, log)
    log("  page weight:")
    out["weights"] = inprocess.page_weights(url, log)
    env = server.app_env(url, tree)
    app_log = RESULTS / f"gunicorn-app-{name}.log"
    hello = server.Gunicorn(
        "bench.hello:app",
        {**env, "PYTHONPATH": str(ROOT)},
        RESULTS / f"gunicorn-hello-{name}.log",
        cwd=ROOT,
    )
    app_server = server.Gunicorn("app:app", env, app_log, cwd=tree)
    with hello, app_server:
        app = inprocess.make_app(url)
        routes = Routes.discover(app)
        log(f"  gunicorn: app on {app_server.base}, hello-world on {hello.base}")
        prepared = scenarios.prepare(
            app_server.base,
            routes,
            spec,
            url,
            log,
            page_users=20 if args.quick else 50,
            handin_users=150 if args.quick else None,
        )
        out["scenarios"] = {}
        only = set(args.only.split(",")) if args.only else None
        for sc in prepared:
            entry = {"title": sc.title, "method": sc.method, "example": sc.example}
            if only and sc.key not in only:
                continue
            if sc.skip:
                log(f"  {sc.key}: {sc.skip}")
                entry["skip"] = sc.skip
            else:
                log(f"  {sc.key}: {sc.method} {sc.example} ({len(sc.lines)} prepared requests)")
                entry.update(
                    rounds.run(
                        sc,
                        app_server.base,
                        hello.base,
                        args.rounds,
                        args.seconds,
                        RESULTS / "wrk",
                        log,
                        runs=args.runs,
                    )
                )
            out["scenarios"][sc.key] = entry
        before = app_server.log_problems()
        out["server_log_rounds"] = before
        if not args.skip_mixed:
            log(f"  mixed load: 100 learners for {args.mixed_seconds:.0f} s")
            # --quick halves the think time, so that learners hand in within 20 s.
            think = tuple(t / 2 for t in mixed.THINK) if args.quick else mixed.THINK
            out["mixed"] = mixed.run(
                app_server.base, app, spec, args.mixed_seconds, log, think=think
            )
    after = app_server.log_problems()
    # What the server logged during the mixed load only (the rounds come before it).
    out["server_log"] = {k: after[k] - before.get(k, 0) for k in after}
    log(f"  server log: rounds {before}, mixed load {out['server_log']}")
    return out


def update_readme(table: str) -> None:
    text = README.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _old, tail = rest.split(END, 1)
        README.write_text(f"{head}{START}\n{table}\n{END}{tail}")
        log(f"Updated {README}")


def render(args) -> int:
    from . import report

    results = json.loads((RESULTS / "latest.json").read_text())
    results["targets"] = report.check_targets(results)
    table = report.markdown(results)
    (RESULTS / "latest.md").write_text(table)
    log(table)
    if args.update_readme:
        update_readme(table)
    return 0


def _postgres_reachable() -> bool:
    import sqlalchemy as sa

    from .dataset import PG_ADMIN_URL

    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def main(argv=None) -> int:
    args = options(argv)
    if args.render:
        return render(args)
    if args.people:
        RESULTS.mkdir(parents=True, exist_ok=True)
        tree, tree_name = choose_tree(args.tree)
        sys.path.insert(0, str(tree))
        from . import scale

        log(f"Scale run, {args.people:,} people, PostgreSQL, tree: {tree_name}")
        return scale.main(args, tree, log)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    started = time.monotonic()
    RESULTS.mkdir(parents=True, exist_ok=True)
    tree, tree_name = choose_tree(args.tree)
    sys.path.insert(0, str(tree))  # import klantwijs from the tree being measured

    from . import dataset, report, server

    spec = dataset.Spec()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "klantwijs", "templates", "static", "migrations"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    results = {
        "meta": {
            "started": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "mode": "quick" if args.quick else "full",
            "rounds": args.rounds,
            "seconds": args.seconds,
            "runs": args.runs,
            "mixed_seconds": args.mixed_seconds,
            "tree": tree_name,
            "commit": commit + (" + uncommitted app changes" if dirty and tree == ROOT else ""),
            "python": sys.version.split()[0],
            "gunicorn": server.describe(),
            "wrk": "wrk -t1 -c8 --latency (replay script bench/requests.lua)",
            "cpus": os.cpu_count(),
        },
        "databases": {},
    }
    urls = {"sqlite": dataset.sqlite_url(), "postgresql": dataset.pg_url()}
    for name in [d.strip() for d in args.db.split(",") if d.strip()]:
        if name not in urls:
            sys.exit(f"--db: unknown database {name!r} (sqlite, postgresql)")
        if name == "postgresql" and not _postgres_reachable():
            log("\n! PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres: skipped")
            results["databases"][name] = {"error": "PostgreSQL not reachable at 127.0.0.1:5432"}
            continue
        try:
            results["databases"][name] = run_database(name, urls[name], tree, args, spec)
        except Exception as exc:  # noqa: BLE001  (report it, and go on with the next database)
            import traceback

            traceback.print_exc()
            results["databases"][name] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            if name == "postgresql" and not args.keep_db:
                dataset.drop_pg()
    results["targets"] = report.check_targets(results)
    results["meta"]["minutes"] = round((time.monotonic() - started) / 60, 1)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    table = report.markdown(results)
    (RESULTS / "latest.md").write_text(table)
    log("\n" + table)
    log(f"Took {results['meta']['minutes']} minutes. Results: {RESULTS / 'latest.json'}")
    if args.update_readme:
        update_readme(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

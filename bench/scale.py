"""`python -m bench --people 10000`: the HR pages, the CSV and backup/restore at scale
(issue 19), on PostgreSQL.

1. Datasets of N and of 1,000 people, cached as template databases (scaledata.py); each run
   works on a fresh copy.
2. SQL statements per HR page in-process, at 1,000 and at N people (must be equal).
3. gunicorn as in the other scenarios. Each HR page is timed *after a change*: one prepared
   exam is handed in (a real POST by its learner) just before every request, so no cached
   page can answer. First sequentially, then again while 250 learners work (read a lesson,
   answer, hand in; 2–6 s between clicks), whose own latencies are reported too.
4. The CSV of everyone: time to the first byte, and how much the serving worker's memory grew
   (its peak RSS, /proc/PID/status VmHWM after resetting it, minus its RSS before).
5. Module toewijzen's HTML size.
6. `flask db-backup --format json` and `flask db-restore` as the operator runs them: their
   peak memory (ru_maxrss), time, the file's size and the database's size on disk after.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from . import dataset, mixed, scaledata, server
from .flow import FlowError, RetakeWaits, Routes, answer_form, fill, form_action, start_or_resume
from .inprocess import Counter, make_app
from .scenarios import _hand_in_lines, client_for
from .sessions import login
from .web import FlaskClient, HttpClient, parse

WORK_DB = "klantwijs_scale"
SMALL_DB = "klantwijs_scale_small"
LEARNERS = 250
THINK = (2.0, 6.0)


def _pct(values, p):
    return mixed._pct(values, p)


def pages(app, team_id: int) -> list[tuple[str, str]]:
    """(label, URL) of each measured HR page."""
    with app.test_request_context():
        from flask import url_for

        report = url_for("hr.report")
        insight = url_for("hr.insight")
    return [
        ("Voortgang", report),
        ("Voortgang, status Te laat", report + "?status=te-laat"),
        ("Voortgang, status Geslaagd", report + "?status=geslaagd"),
        ("Voortgang, status Niet begonnen", report + "?status=niet-begonnen"),
        ("Voortgang, one team", f"{report}?team={team_id}"),
        ("Vragen-inzicht", insight + "?module=stopt"),
        ("Vragen-inzicht, one team", f"{insight}?module=stopt&team={team_id}"),
    ]


def _team(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT id FROM teams ORDER BY id LIMIT 1 OFFSET 6")).scalar()
    engine.dispose()
    return int(found)


def count_statements(url: str, team_id: int) -> dict:
    """Statements per HR page (and the CSV), in-process, logged in as HR, each page on a
    fresh app (a cold report cache: the page is built, as after a change)."""
    from klantwijs.core.db import db

    out = {}
    probe = make_app(url)
    with probe.test_request_context():
        from flask import url_for

        csv_url = url_for("hr.report_csv")
    for label, page in [*pages(probe, team_id), ("CSV", csv_url)]:
        app = make_app(url)
        with app.app_context():
            counter = Counter(db.engine)
        hr = login(FlaskClient(app), dataset.HR_EMAIL)
        n, got, _ = counter.measure(lambda page=page, hr=hr: hr.client.get(page))
        out[label] = {"statements": n, "status": got.status}
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return out


class HandIns:
    """Prepared open exams, all answered; hand_in() sends the next one as its learner."""

    def __init__(self, base, routes, spec, url, log):
        self.lines = _hand_in_lines(base, routes, spec, url, log)
        random.Random(3).shuffle(self.lines)
        self.clients: dict[str, HttpClient] = {}
        self.lock = threading.Lock()
        self.base = base

    def hand_in(self) -> None:
        with self.lock:
            if not self.lines:
                raise RuntimeError("no prepared attempts left to hand in")
            method, path, cookie, body = self.lines.pop()
        client = client_for(self.base, cookie)
        page = client.request(method, path, body, follow=False)
        client.close()
        if page.status not in (302, 303):
            raise RuntimeError(f"hand-in {path} answered {page.status}")


def time_pages(base, hr_cookie, page_list, hand_ins: HandIns, samples: int, log) -> dict:
    """Per page: `samples` times a hand-in, then the page; the page's latency in ms."""
    out = {}
    client = client_for(base, hr_cookie)
    for label, url in page_list:
        client.get(url)  # warm the worker's imports and templates
        times = []
        for _ in range(samples):
            hand_ins.hand_in()
            started = time.perf_counter()
            page = client.get(url, follow=False)
            times.append((time.perf_counter() - started) * 1000)
            if page.status != 200:
                raise RuntimeError(f"{url} answered {page.status}")
        out[label] = {
            "samples": samples,
            "p50_ms": round(_pct(times, 50), 1),
            "p95_ms": round(_pct(times, 95), 1),
            "max_ms": round(max(times), 1),
            "bytes": len(page.body),
        }
        log(f"    {label}: p50 {out[label]['p50_ms']} ms, p95 {out[label]['p95_ms']} ms")
    client.close()
    return out


def _learner(base, routes, session, stop: threading.Event, stats, seed: int) -> None:
    """mixed.py's learner (lesson, quiz, hand in, again), until `stop` is set."""
    rng = random.Random(seed)
    slugs = [m.slug for m in routes.app.extensions["course"].modules]
    client = session.client

    def think():
        stop.wait(rng.uniform(*THINK))

    while not stop.is_set():
        slug = rng.choice(slugs)
        try:
            stats.add("read lesson (GET)", client.get(routes.url("lesson", slug=slug)))
            think()
            try:
                page = start_or_resume(client, routes, slug, record=stats.add)
            except RetakeWaits:  # a learner goes on with another module
                continue
            for _ in range(30):
                if stop.is_set() or routes.which(page.url)[0] != "question":
                    break
                think()
                form = answer_form(parse(page.body), rng)
                if form is None:
                    break
                page = client.post(form_action(form, page.url), fill(form, rng))
                stats.add("save answer (POST)", page)
            if stop.is_set() or routes.which(page.url)[0] != "overview":
                continue
            form = next(
                (
                    f
                    for f in parse(page.body).forms
                    if routes.which(form_action(f, page.url), "POST")[0] == "hand_in"
                ),
                None,
            )
            if form is None:
                continue
            think()
            data = [(f.name, f.value) for f in form.fields if f.name and f.tag == "input"]
            stats.add("hand in (POST)", client.post(form_action(form, page.url), data))
        except FlowError:
            stop.wait(1)  # this module's exam is not open to them now (retake rule)
        except Exception as exc:  # noqa: BLE001  (reported, not fatal)
            stats.error(f"{type(exc).__name__}: {exc}")
            client.close()
            stop.wait(0.5)


def under_load(base, app, spec, hr_cookie, page_list, hand_ins, samples, log) -> dict:
    """The same HR timings while LEARNERS learners work; their own latencies too."""
    routes = Routes.discover(app)
    first = spec.mixed_users[0]
    log(f"    logging in {LEARNERS} learners")
    sessions = [login(HttpClient(base), dataset.email(first + i)) for i in range(LEARNERS)]
    stats = mixed.Stats()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_learner, args=(base, routes, s, stop, stats, 1000 + i), daemon=True
        )
        for i, s in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    time.sleep(10)  # every learner under way
    with stats.lock:
        stats.latencies.clear()
        stats.errors.clear()
    started = time.monotonic()
    hr = time_pages(base, hr_cookie, page_list, hand_ins, samples, log)
    seconds = time.monotonic() - started
    with stats.lock:
        every = [v for values in stats.latencies.values() for v in values]
        errors = list(stats.errors)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    for s in sessions:
        s.client.close()
    return {
        "learners": LEARNERS,
        "think_s": list(THINK),
        "hr": hr,
        "hr_seconds": round(seconds, 1),
        "learner_requests_during_hr": len(every),
        "learner_rps": round(len(every) / seconds, 1),
        "learner_errors": len(errors),
        "learner_error_samples": sorted(set(errors))[:5],
        "learner_p50_ms": _pct(every, 50),
        "learner_p95_ms": _pct(every, 95),
        "learner_p99_ms": _pct(every, 99),
    }


# --- memory -----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def csv_memory(base, hr_cookie, csv_url, master_pid: int, rounds: int = 3) -> dict:
    """First byte and worker memory growth of the CSV download."""
    workers = _children(master_pid)
    out = []
    parts = urlsplit(base)
    for _ in range(rounds):
        before = {}
        for pid in workers:
            before[pid] = _status_kb(pid, "VmRSS")
            with open(f"/proc/{pid}/clear_refs", "w") as fh:
                fh.write("5")  # reset VmHWM to the current RSS
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        started = time.perf_counter()
        conn.request("GET", csv_url, headers={"Cookie": hr_cookie, "User-Agent": "klantwijs-bench"})
        response = conn.getresponse()
        response.read(1)
        first = (time.perf_counter() - started) * 1000
        size = 1 + len(response.read())
        total = (time.perf_counter() - started) * 1000
        conn.close()
        growth = max(_status_kb(pid, "VmHWM") - before[pid] for pid in workers)
        out.append(
            {
                "first_byte_ms": round(first, 1),
                "total_ms": round(total, 1),
                "bytes": size,
                "worker_growth_mb": round(growth / 1024, 1),
                "status": response.status,
            }
        )
    return {
        "rounds": out,
        "first_byte_ms_max": max(r["first_byte_ms"] for r in out),
        "worker_growth_mb_max": max(r["worker_growth_mb"] for r in out),
        "bytes": out[-1]["bytes"],
    }


def _flask(tree: Path, env: dict, *args) -> dict:
    """Run `flask --app app ARGS` in the tree; its time and peak memory. The peak is the
    child's own VmHWM, read while it runs: ru_maxrss from wait4 would report this (large)
    bench process instead, whose high-water mark a child inherits through fork and exec."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", *args],
        cwd=tree,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = [0]

    def watch():
        while proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                peak[0] = max(peak[0], _status_kb(proc.pid, "VmHWM"))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output = proc.stdout.read()
    proc.wait()
    watcher.join()
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_mb": round(peak[0] / 1024, 1),
        "exit": proc.returncode,
        "output": output.strip().splitlines()[-3:],
    }


def backup_restore(tree: Path, url: str, env: dict, log) -> dict:
    path = Path("/tmp") / f"klantwijs-scale-backup-{os.getpid()}.json.gz"
    try:
        log("    flask db-backup --format json")
        made = _flask(tree, env, "db-backup", str(path), "--format", "json")
        made["file_mb"] = round(path.stat().st_size / 2**20, 1) if path.exists() else None
        log(f"      {made['seconds']} s, peak {made['peak_mb']} MB, file {made['file_mb']} MB")
        size_before = scaledata.size(url)
        log("    flask db-restore --yes (into the same database, as an operator would)")
        back = _flask(tree, env, "db-restore", str(path), "--yes")
        back["db_mb_before"] = round(size_before / 2**20)
        back["db_mb_after"] = round(scaledata.size(url) / 2**20)
        log(
            f"      {back['seconds']} s, peak {back['peak_mb']} MB, database "
            f"{back['db_mb_before']} → {back['db_mb_after']} MB on disk"
        )
        return {"backup": made, "restore": back}
    finally:
        path.unlink(missing_ok=True)


def assign_page_bytes(base, hr_cookie, app) -> int | None:
    with app.test_request_context():
        from flask import url_for

        try:
            url = url_for("hr.assign")
        except Exception:  # noqa: BLE001
            return None
    client = client_for(base, hr_cookie)
    page = client.get(url)
    client.close()
    return len(page.body) if page.status == 200 else None


def run(people: int, tree: Path, args, log) -> dict:
    spec = scaledata.spec_for(people)
    out: dict = {
        "people": people,
        "started": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "gunicorn": server.describe(),
        "load_before": os.getloadavg(),
    }
    t0 = time.monotonic()
    big_template, out["dataset"] = scaledata.template(people, log, tree, args.rebuild_dataset)
    small_template, _ = scaledata.template(1000, log, tree, args.rebuild_dataset)
    url = scaledata.working_copy(big_template, WORK_DB)
    small_url = scaledata.working_copy(small_template, SMALL_DB)
    team_id = _team(url)
    log(f"  SQL statements per HR page, 1,000 vs {people:,} people:")
    small = count_statements(small_url, _team(small_url))
    big = count_statements(url, team_id)
    out["statements"] = {
        k: {"1000": small[k]["statements"], str(people): v["statements"]} for k, v in big.items()
    }
    for k, v in out["statements"].items():
        log(f"    {k}: {v['1000']} vs {v[str(people)]}")
    scaledata.drop(SMALL_DB)
    env = server.app_env(url, tree)
    app = make_app(url)
    routes = Routes.discover(app)
    page_list = pages(app, team_id)
    results = Path(__file__).parent / "results"
    gunicorn = server.Gunicorn("app:app", env, results / "gunicorn-scale.log", cwd=tree)
    with gunicorn:
        base = gunicorn.base
        hr = login(HttpClient(base), dataset.HR_EMAIL)
        hand_ins = HandIns(base, routes, spec, url, log)
        log(f"  {len(hand_ins.lines)} prepared exams to hand in")
        log(f"  after a change, sequentially ({args.samples} requests per page):")
        out["sequential"] = time_pages(base, hr.cookie, page_list, hand_ins, args.samples, log)
        log(f"  after a change, with {LEARNERS} learners working:")
        out["under_load"] = under_load(
            base, app, spec, hr.cookie, page_list, hand_ins, args.load_samples, log
        )
        load = out["under_load"]
        log(
            f"    learners: {load['learner_requests_during_hr']} requests "
            f"({load['learner_rps']}/s) during the HR requests, p95 {load['learner_p95_ms']:.0f} ms, "
            f"p99 {load['learner_p99_ms']:.0f} ms, {load['learner_errors']} errors"
        )
        time.sleep(3)
        with app.test_request_context():
            from flask import url_for

            csv_url = url_for("hr.report_csv")
        log("  CSV of everyone:")
        out["csv"] = csv_memory(base, hr.cookie, csv_url, gunicorn.proc.pid)
        log(
            f"    first byte ≤ {out['csv']['first_byte_ms_max']} ms, worker memory growth "
            f"≤ {out['csv']['worker_growth_mb_max']} MB, {out['csv']['bytes'] / 2**20:.1f} MB"
        )
        out["assign_page_bytes"] = assign_page_bytes(base, hr.cookie, app)
        log(f"  Module toewijzen: {out['assign_page_bytes']} bytes of HTML")
        out["server_log"] = gunicorn.log_problems()
    from klantwijs.core.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if not args.skip_backup:
        log("  backup and restore:")
        out["backup_restore"] = backup_restore(tree, url, env, log)
    if not args.keep_db:
        scaledata.drop(WORK_DB)
    out["minutes"] = round((time.monotonic() - t0) / 60, 1)
    out["load_after"] = os.getloadavg()
    return out


def markdown(r: dict) -> str:
    people = r["people"]
    lines = [
        f"Scale run {r['started']}, {people:,} people, PostgreSQL; {r['gunicorn']}; "
        f"{r['minutes']} minutes; load average before {r['load_before'][0]:.1f}, "
        f"after {r['load_after'][0]:.1f} (other work on the machine).",
        "",
        "| page (after a hand-in) | p50 ms | p95 ms | p50 ms, 250 learners | p95 ms, 250 learners |"
        " statements 1,000 · " + f"{people:,} |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    load = r["under_load"]["hr"]
    for label, seq in r["sequential"].items():
        st = r["statements"].get(label, {})
        lines.append(
            f"| {label} | {seq['p50_ms']} | {seq['p95_ms']} | {load[label]['p50_ms']} | "
            f"{load[label]['p95_ms']} | {st.get('1000')} · {st.get(str(people))} |"
        )
    csv_ = r["csv"]
    st = r["statements"].get("CSV", {})
    lines += [
        "",
        f"CSV of everyone ({csv_['bytes'] / 2**20:.1f} MB): first byte ≤ "
        f"{csv_['first_byte_ms_max']} ms, serving worker's memory growth ≤ "
        f"{csv_['worker_growth_mb_max']} MB (3 downloads); statements "
        f"{st.get('1000')} · {st.get(str(people))}.",
    ]
    u = r["under_load"]
    lines.append(
        f"Learners during the HR requests ({u['learners']}, {u['think_s'][0]}–{u['think_s'][1]} s "
        f"between clicks): {u['learner_requests_during_hr']} requests ({u['learner_rps']}/s), "
        f"p50 {u['learner_p50_ms']:.0f} ms, p95 {u['learner_p95_ms']:.0f} ms, "
        f"p99 {u['learner_p99_ms']:.0f} ms, {u['learner_errors']} errors."
    )
    lines.append(
        f"Module toewijzen: {r['assign_page_bytes']:,} bytes of HTML."
        if r.get("assign_page_bytes")
        else "Module toewijzen: not measured."
    )
    br = r.get("backup_restore")
    if br:
        b, s = br["backup"], br["restore"]
        lines.append(
            f"Backup (JSON, {b['file_mb']} MB): {b['seconds']} s, peak {b['peak_mb']} MB. "
            f"Restore: {s['seconds']} s, peak {s['peak_mb']} MB; database on disk "
            f"{s['db_mb_before']} → {s['db_mb_after']} MB."
        )
    return "\n".join(lines)


def main(args, tree: Path, log) -> int:
    results = Path(__file__).parent / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = run(args.people, tree, args, log)
    out["tree"] = str(tree)
    (results / f"scale-{args.people}.json").write_text(json.dumps(out, indent=2, default=str))
    text = markdown(out)
    (results / f"scale-{args.people}.md").write_text(text + "\n")
    log("\n" + text)
    return 0

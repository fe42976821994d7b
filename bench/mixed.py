"""Mixed load: 100 simulated learners read a lesson, start the quiz, answer every question and
hand in, over and over, each with its own logged-in session (threads with keep-alive
connections). Errors must be 0; reports p50/p95/p99 per step and overall."""

from __future__ import annotations

import random
import statistics
import threading
import time

from . import dataset
from .flow import RetakeWaits, Routes, answer_form, fill, form_action, start_or_resume
from .sessions import login
from .web import HttpClient, parse

# Seconds between a learner's clicks, uniform: far quicker than a real learner (who reads a
# question for 10-30 s), so 100 learners offer about 70 requests/s: close to what two
# workers serve, with many writers at once. p95 includes the queueing this causes.
THINK = (0.5, 2.5)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.hand_ins = 0
        self.retakes_waiting = 0  # quiz pages that first asked for Oefen je fouten

    def add(self, step: str, page, expect=(200,)) -> None:
        # The request itself, then the page its redirect leads to, each timed on its own.
        hops = [(s, t) for _u, s, t in page.history] + [(page.status, page.seconds)]
        hops = [
            (step if i == 0 else f"{step} → redirected page", s, t) for i, (s, t) in enumerate(hops)
        ]
        with self.lock:
            for name, status, seconds in hops:
                self.latencies.setdefault(name, []).append(seconds * 1000)
                if status >= 400:
                    self.errors.append(f"{name}: HTTP {status} at {page.url}")
            if page.status not in expect and page.status < 400:
                self.errors.append(f"{step}: unexpected {page.status} at {page.url}")

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def _learner(base, routes: Routes, session, deadline, stats: Stats, seed: int, think_range):
    rng = random.Random(seed)
    client = session.client
    slugs = [m.slug for m in routes.app.extensions["course"].modules]

    def think():
        time.sleep(rng.uniform(*think_range))

    while time.monotonic() < deadline:
        slug = rng.choice(slugs)
        try:
            page = client.get(routes.url("lesson", slug=slug))
            stats.add("read lesson (GET)", page)
            think()
            try:
                page = start_or_resume(client, routes, slug, record=stats.add)
            except RetakeWaits:
                with stats.lock:
                    stats.retakes_waiting += 1
                continue
            for _ in range(30):
                if time.monotonic() >= deadline:
                    return
                think()
                kind = routes.which(page.url)[0]
                if kind != "question":
                    break
                form = answer_form(parse(page.body), rng)
                if form is None:
                    stats.error(f"no answer form on {page.url}")
                    break
                page = client.post(form_action(form, page.url), fill(form, rng))
                stats.add("save answer (POST)", page)
            if routes.which(page.url)[0] != "overview":
                stats.error(f"expected the overview, got {page.url} ({page.status})")
                continue
            doc = parse(page.body)
            form = next(
                (
                    f
                    for f in doc.forms
                    if routes.which(form_action(f, page.url), "POST")[0] == "hand_in"
                ),
                None,
            )
            if form is None:
                stats.error(f"no hand-in form on {page.url}")
                continue
            think()
            data = [(f.name, f.value) for f in form.fields if f.name and f.tag == "input"]
            page = client.post(form_action(form, page.url), data)
            stats.add("hand in (POST)", page)
            if routes.which(page.url)[0] == "result":
                with stats.lock:
                    stats.hand_ins += 1
            think()
        except Exception as exc:  # noqa: BLE001  (any failure is an error to report)
            stats.error(f"{type(exc).__name__}: {exc}")
            client.close()
            time.sleep(0.5)


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(
    base: str,
    app,
    spec: dataset.Spec,
    seconds: float,
    log,
    learners: int = 100,
    think: tuple[float, float] = THINK,
) -> dict:
    routes = Routes.discover(app)
    missing = routes.missing("lesson", "quiz_intro", "question", "overview", "hand_in")
    if missing:
        return {"skip": "not available yet: no route for " + ", ".join(missing)}
    first = spec.mixed_users[0]
    sessions = [login(HttpClient(base), dataset.email(first + i)) for i in range(learners)]
    stats = Stats()
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=_learner, args=(base, routes, s, deadline, stats, i, think), daemon=True
        )
        for i, s in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    for s in sessions:
        s.client.close()
    every = [v for values in stats.latencies.values() for v in values]
    result = {
        "learners": learners,
        "think_s": list(think),
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "rps": round(len(every) / elapsed, 1),
        "hand_ins": stats.hand_ins,
        "retakes_waiting": stats.retakes_waiting,
        "errors": len(stats.errors),
        "error_samples": sorted(set(stats.errors))[:10],
        "p50_ms": _pct(every, 50),
        "p95_ms": _pct(every, 95),
        "p99_ms": _pct(every, 99),
        "steps": {
            name: {
                "requests": len(v),
                "p50_ms": _pct(v, 50),
                "p95_ms": _pct(v, 95),
                "mean_ms": round(statistics.fmean(v), 1),
            }
            for name, v in stats.latencies.items()
        },
    }
    log(
        f"    {result['requests']} requests ({result['rps']}/s), {result['hand_ins']} hand-ins, "
        f"{result['errors']} errors, p95 {result['p95_ms']:.0f} ms; "
        f"{result['retakes_waiting']} times a retake first asked for Oefen je fouten"
    )
    for sample in result["error_samples"]:
        log(f"    ! {sample}")
    return result

"""In-process measurements with the Flask test client: SQL statements per request and
page weight (HTML + CSS + JS, raw and gzip; no URL to another origin)."""

from __future__ import annotations

import gzip
import random
import re
import time
from urllib.parse import urlsplit

import sqlalchemy as sa

from . import dataset
from .flow import Routes, answer_form, fill, form_action, start_or_resume
from .sessions import login
from .web import FlaskClient, Page, parse

QUERY_USER = 60  # learners no load scenario uses
WEIGHT_USER = 61


REPEAT = 30


def cpu_ms(fn, repeat: int, batches: int = 5) -> float:
    """CPU time of this thread per call, the lowest of `batches` batches of `repeat` calls:
    steadier on a busy machine than wall-clock time or one batch. (With PostgreSQL the
    server's own CPU is not in it.)"""
    best = float("inf")
    for _ in range(batches):
        started = time.thread_time()
        for _ in range(repeat):
            fn()
        best = min(best, (time.thread_time() - started) / repeat)
    return round(best * 1000, 2)


class Counter:
    def __init__(self, engine):
        self.n = 0
        self.statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, _conn, _cursor, statement, *_args):
        self.n += 1
        self.statements.append(" ".join(statement.split())[:160])

    def measure(self, fn) -> tuple[int, object, list[str]]:
        self.n, self.statements = 0, []
        result = fn()
        return self.n, result, list(self.statements)


def make_app(db_url: str):
    from klantwijs import create_app

    return create_app(dataset.app_config(db_url))


def count_queries(db_url: str, spec: dataset.Spec, log) -> dict:
    from klantwijs.core.db import db

    app = make_app(db_url)
    routes = Routes.discover(app)
    rng = random.Random(3)
    out: dict[str, dict] = {}
    with app.app_context():
        counter = Counter(db.engine)

    def record(key, fn, note="", repeat=REPEAT, batches=5):
        n, page, statements = counter.measure(fn)
        out[key] = {
            "queries": n,
            "status": page.status,
            "note": note,
            "statements": statements,
            "cpu_ms": cpu_ms(fn, repeat, batches) if repeat else None,
        }

    from .hello import app as hello

    hello_client = hello.test_client()
    out["hello"] = {
        "queries": 0,
        "status": 200,
        "note": "bare Flask",
        "statements": [],
        "cpu_ms": cpu_ms(lambda: hello_client.get("/"), 300),
    }
    learner = login(FlaskClient(app), dataset.email(QUERY_USER))
    c = learner.client
    c.get("/bench-bestaat-niet")
    record("floor", lambda: c.get("/bench-bestaat-niet"))
    if routes.has("home"):
        c.get("/")
        record("home", lambda: c.get("/"))
    if routes.has("lesson"):
        url = routes.url("lesson", slug="stopt")
        c.get(url)
        record("lesson", lambda: c.get(url))
    if routes.has("quiz_intro", "question"):
        page = start_or_resume(c, routes, "stopt")
        if routes.which(page.url)[0] == "overview":
            link = next(h for h, _ in parse(page.body).links if routes.which(h)[0] == "question")
            page = c.get(link)
        question_url = page.url
        record("question", lambda: c.get(question_url))
        form = answer_form(parse(page.body), rng)
        data = fill(form, rng)
        action = form_action(form, question_url)
        c.post(action, data, follow=False)
        record("save_answer", lambda: c.post(action, data, follow=False))
    if routes.has("hand_in", "overview"):
        mail = dataset.email(spec.handin_users[1])
        handin = login(FlaskClient(app), mail)
        with app.app_context():
            ids = (
                db.session.execute(
                    sa.text(
                        "SELECT a.id FROM attempts a JOIN users u ON u.id = a.user_id "
                        "WHERE u.email = :m AND a.submitted_at IS NULL ORDER BY a.id"
                    ),
                    {"m": mail},
                )
                .scalars()
                .all()
            )
            db.session.remove()
        urls = iter([routes.url_for_id("hand_in", aid) for aid in ids])
        data = {"csrf_token": handin.csrf}
        handin.client.post(next(urls), data, follow=False)  # warm-up
        # Each hand-in needs a fresh attempt: the CPU time is over the rest of this
        # learner's open attempts (one per module).
        record(
            "hand_in",
            lambda: handin.client.post(next(urls), data, follow=False),
            repeat=max(0, len(ids) - 2),
            batches=1,
        )
    hr = login(FlaskClient(app), dataset.HR_EMAIL)
    for key in ("hr_report", "hr_csv"):
        if not routes.has(key):
            continue
        url = routes.url(key)
        hr.client.get(url)
        record(key, lambda url=url: hr.client.get(url), note="all 1,000 people", repeat=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if routes.has("hr_report") or routes.has("hr_csv"):
        out.update(_hr_small(db_url, log))
    for key, value in out.items():
        cpu = f", {value['cpu_ms']} ms CPU" if value.get("cpu_ms") is not None else ""
        log(f"    {key}: {value['queries']} statements (status {value['status']}){cpu}")
    return out


def _hr_small(db_url: str, log) -> dict:
    """The same HR pages on a 10-person dataset of the same database kind: the counts must
    equal those for 1,000 people (the constant-queries rule of issue 5)."""
    from klantwijs.core.db import db

    url = dataset.small_url(db_url)
    dataset.build(url, dataset.SMALL, log=lambda _m: None)
    app = make_app(url)
    routes = Routes.discover(app)
    with app.app_context():
        counter = Counter(db.engine)
    hr = login(FlaskClient(app), dataset.HR_EMAIL)
    out = {}
    for key in ("hr_report", "hr_csv"):
        if routes.has(key):
            url_ = routes.url(key)
            hr.client.get(url_)
            n, page, statements = counter.measure(lambda url_=url_: hr.client.get(url_))
            out[key + "_small"] = {
                "queries": n,
                "status": page.status,
                "note": "10 people",
                "statements": statements,
            }
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return out


# --- page weight ---------------------------------------------------------------------------

CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)")


def _kind(doc) -> str:
    form = answer_form(doc, random.Random(0))
    if form is None:
        return "question"
    if any(f.tag == "select" for f in form.fields):
        return "question (ordering)"
    if any(f.type == "checkbox" for f in form.fields):
        return "question (multi)"
    return "question (single/scenario)"


def _external(urls: list[str]) -> list[str]:
    bad = []
    for u in urls:
        u = u.strip()
        if u.startswith(("data:", "#", "mailto:", "tel:")):
            continue
        parts = urlsplit(u)
        if parts.scheme in ("http", "https") or u.startswith("//"):
            if parts.hostname not in ("localhost", "127.0.0.1"):
                bad.append(u)
        elif parts.scheme and parts.scheme not in ("http", "https"):
            bad.append(u)
    return bad


def weigh(client, page: Page, assets: dict) -> dict:
    doc = parse(page.body)
    css = js = css_gz = js_gz = 0
    urls = list(doc.urls)
    for kind, refs in (("css", doc.stylesheets), ("js", doc.scripts)):
        for ref in refs:
            if ref not in assets:
                if _external([ref]):
                    assets[ref] = (b"", [])
                else:
                    body = client.get(urlsplit(ref).path).body
                    inner = []
                    if kind == "css":
                        inner = [
                            a or b for a, b in CSS_URL.findall(body.decode("utf-8", "replace"))
                        ]
                    assets[ref] = (body, inner)
            body, inner = assets[ref]
            urls.extend(inner)
            size, size_gz = len(body), len(gzip.compress(body, 6))
            if kind == "css":
                css, css_gz = css + size, css_gz + size_gz
            else:
                js, js_gz = js + size, js_gz + size_gz
    html, html_gz = len(page.body), len(gzip.compress(page.body, 6))
    return {
        "url": page.url,
        "status": page.status,
        "html": html,
        "css": css,
        "js": js,
        "total": html + css + js,
        "html_gz": html_gz,
        "css_gz": css_gz,
        "js_gz": js_gz,
        "total_gz": html_gz + css_gz + js_gz,
        "stylesheets": doc.stylesheets,
        "scripts": doc.scripts,
        "external": _external(urls),
    }


def page_weights(db_url: str, log) -> dict:
    from klantwijs.core.db import db

    app = make_app(db_url)
    routes = Routes.discover(app)
    rng = random.Random(5)
    s = login(FlaskClient(app), dataset.email(WEIGHT_USER))
    c = s.client
    assets: dict = {}
    pages: dict[str, dict] = {}

    def add(name, page):
        if page.status == 200 and name not in pages:
            pages[name] = weigh(c, page, assets)

    add("home", c.get("/"))
    slug = "stopt"
    if routes.has("lesson"):
        add("lesson", c.get(routes.url("lesson", slug=slug)))
    if routes.has("quiz_intro"):
        intro = c.get(routes.url("quiz_intro", slug=slug), follow=False)
        add("quiz start", intro)
    if routes.has("quiz_intro", "question"):
        page = start_or_resume(c, routes, slug)
        for _ in range(20):
            kind = routes.which(page.url)[0]
            if kind != "question":
                break
            doc = parse(page.body)
            qkind = _kind(doc)
            w = weigh(c, page, assets)
            if qkind not in pages or w["total"] > pages[qkind]["total"]:
                pages[qkind] = w
            form = answer_form(doc, rng)
            if form is None:
                break
            page = c.post(form_action(form, page.url), fill(form, rng))
        if routes.which(page.url)[0] == "overview":
            add("overview", page)
            doc = parse(page.body)
            form = next(
                (
                    f
                    for f in doc.forms
                    if routes.which(form_action(f, page.url), "POST")[0] == "hand_in"
                ),
                None,
            )
            if form is not None:
                data = [(f.name, f.value) for f in form.fields if f.name and f.tag == "input"]
                add("result", c.post(form_action(form, page.url), data))
    if routes.has("progress"):
        add("progress", c.get(routes.url("progress")))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    for name, w in pages.items():
        log(
            f"    {name}: {w['total'] / 1024:.1f} KB (HTML {w['html'] / 1024:.1f}, CSS "
            f"{w['css'] / 1024:.1f}, JS {w['js'] / 1024:.1f}); gzip {w['total_gz'] / 1024:.1f} KB"
            + (f"; EXTERNAL: {w['external']}" if w["external"] else "")
        )
    return pages

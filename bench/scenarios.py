"""The measured requests: prepared once per database as wrk request lines, then checked."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import dataset
from .flow import Routes, answer_form, body_of, fill, form_action, start_or_resume
from .sessions import Session, login
from .web import HttpClient, parse

Line = tuple[str, str, str, str]  # method, path, cookie header, body


@dataclass
class Scenario:
    key: str
    title: str
    method: str
    needs: tuple[str, ...]
    lines: list[Line] = field(default_factory=list)
    consumable: bool = False  # every request needs a fresh line (hand in)
    skip: str | None = None
    example: str = ""
    expect: tuple[int, ...] = (200,)
    # Slow pages (HR: hundreds of ms each) get one connection per worker and at least
    # min_seconds, so that enough requests finish inside a run to count.
    connections: int = 8
    min_seconds: float = 0
    # Hand in uses up one prepared attempt per request: short runs, so that every round
    # gets fresh ones.
    max_seconds: float | None = None

    def baseline_lines(self) -> list[Line]:
        """The hello-world request: same method, headers and body size, path '/'."""
        method, _path, cookie, body = self.lines[0]
        return [(method, "/", cookie, body)]


SCENARIOS = [
    # The app's fixed cost of a logged-in request, for scale: load the user, render the
    # base layout (error page), security headers, session. No page can beat this ratio.
    ("floor", "floor: logged-in 404 page", "GET", ("home",)),
    ("home", "course home `/`", "GET", ("home",)),
    ("lesson", "lesson `/modules/stopt`", "GET", ("lesson",)),
    ("question", "question page", "GET", ("quiz_intro", "question")),
    ("save_answer", "save answer (POST)", "POST", ("quiz_intro", "question")),
    ("hand_in", "hand in (POST)", "POST", ("quiz_intro", "question", "overview", "hand_in")),
    ("hr_report", "HR report, 1,000 people", "GET", ("hr_report",)),
    ("hr_csv", "CSV export", "GET", ("hr_csv",)),
]


def new_scenarios(routes: Routes) -> list[Scenario]:
    out = []
    for key, title, method, needs in SCENARIOS:
        sc = Scenario(key, title, method, needs, consumable=key == "hand_in")
        if sc.consumable:
            sc.max_seconds = 1
        if method == "POST":
            sc.expect = (302, 303)
        if key == "floor":
            sc.expect = (404,)
        if key.startswith("hr_"):
            sc.connections, sc.min_seconds = 2, 2
        missing = routes.missing(*needs)
        if missing:
            sc.skip = "not available yet: no route for " + ", ".join(missing)
        out.append(sc)
    return out


def _users(first_last: tuple[int, int], limit: int | None = None) -> list[str]:
    first, last = first_last
    emails = [dataset.email(n) for n in range(first, last + 1)]
    return emails[:limit] if limit else emails


def prepare(
    base: str,
    routes: Routes,
    spec: dataset.Spec,
    db_url: str,
    log,
    page_users: int = 50,
    handin_users: int | None = None,
) -> list[Scenario]:
    """Log in, walk to each page once per session, and write down the requests to replay."""
    rng = random.Random(7)
    scenarios = {s.key: s for s in new_scenarios(routes)}
    learners = [login(HttpClient(base), e) for e in _users(spec.page_users, page_users)]
    slug = dataset_slug_for(routes)

    scenarios["floor"].lines = [("GET", "/bench-bestaat-niet", s.cookie, "") for s in learners]
    if not scenarios["home"].skip:
        scenarios["home"].lines = [("GET", "/", s.cookie, "") for s in learners]
    if not scenarios["lesson"].skip:
        url = routes.url("lesson", slug=slug)
        scenarios["lesson"].lines = [("GET", url, s.cookie, "") for s in learners]
    if not scenarios["question"].skip:
        for s in learners:
            page = _question_page(s, routes, slug)
            scenarios["question"].lines.append(("GET", page.url, s.cookie, ""))
            form = answer_form(parse(page.body), rng)
            if form is None:
                raise RuntimeError(f"no answer form on {page.url}")
            data = [(k, s.csrf if k == "csrf_token" else v) for k, v in fill(form, rng)]
            scenarios["save_answer"].lines.append(
                ("POST", form_action(form, page.url), s.cookie, body_of(data))
            )
    if not scenarios["hand_in"].skip:
        scenarios["hand_in"].lines = _hand_in_lines(base, routes, spec, db_url, log, handin_users)
    if not scenarios["hr_report"].skip or not scenarios["hr_csv"].skip:
        hr = login(HttpClient(base), dataset.HR_EMAIL)
        for key in ("hr_report", "hr_csv"):
            if not scenarios[key].skip:
                scenarios[key].lines = [("GET", routes.url(key), hr.cookie, "")]
    for sc in scenarios.values():
        if sc.lines:
            sc.example = sc.lines[0][1]
            problem = preflight(base, sc)
            if problem:
                sc.skip = f"broken: {problem}"
                log(f"  ! {sc.key}: {sc.skip}")
    return list(scenarios.values())


def dataset_slug_for(routes: Routes) -> str:
    return "stopt"


def _question_page(s: Session, routes: Routes, slug: str):
    page = start_or_resume(s.client, routes, slug)
    if routes.which(page.url)[0] == "overview":  # every question answered: open the first
        doc = parse(page.body)
        link = next((h for h, _t in doc.links if routes.which(h)[0] == "question"), None)
        if link is None:
            raise RuntimeError(f"no question link on {page.url}")
        page = s.client.get(link)
    return page


def _hand_in_lines(
    base, routes: Routes, spec: dataset.Spec, db_url: str, log, limit: int | None = None
) -> list[Line]:
    """Open, fully answered attempts made by the dataset: one line (session + URL) each."""
    emails = _users(spec.handin_users, limit)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.id, u.email FROM attempts a JOIN users u ON u.id = a.user_id "
                "WHERE a.submitted_at IS NULL AND a.kind = 'exam' AND u.email LIKE :pattern "
                "ORDER BY a.module_slug, u.id"
            ),
            {"pattern": "learner%@" + dataset.DOMAIN},
        ).all()
    engine.dispose()
    wanted = set(emails)
    rows = [(aid, mail) for aid, mail in rows if mail in wanted]
    sessions: dict[str, Session] = {}
    for mail in sorted({m for _a, m in rows}):
        sessions[mail] = login(HttpClient(base), mail)
    # The fields of the real hand-in form, read from one overview page.
    first_id, first_mail = rows[0]
    s = sessions[first_mail]
    overview = s.client.get(routes.url_for_id("overview", first_id))
    target = routes.url_for_id("hand_in", first_id)
    form = next(
        (f for f in parse(overview.body).forms if form_action(f, overview.url) == target), None
    )
    if form is None:
        raise RuntimeError(f"no hand-in form posting to {target} on {overview.url}")
    fields = [(f.name, f.value) for f in form.fields if f.name and f.tag == "input"]
    buttons = [(b.name, b.value) for b in form.buttons if b.name]
    lines = []
    for aid, mail in rows:
        sess = sessions[mail]
        data = [(k, sess.csrf if k == "csrf_token" else v) for k, v in fields + buttons[:1]]
        lines.append(("POST", routes.url_for_id("hand_in", aid), sess.cookie, body_of(data)))
    log(f"  hand in: {len(lines)} open attempts of {len(sessions)} learners ready")
    return lines


def client_for(base: str, cookie: str) -> HttpClient:
    client = HttpClient(base)
    for pair in cookie.split("; "):
        if "=" in pair:
            k, v = pair.split("=", 1)
            client.cookies[k] = v
    return client


def preflight(base: str, sc: Scenario) -> str | None:
    """Send the first line once: the right status, and not bounced to the login page."""
    method, path, cookie, body = sc.lines[0]
    client = client_for(base, cookie)
    page = client.request(method, path, body or None, follow=False)
    client.close()
    if sc.consumable:
        sc.lines.pop(0)
    if page.status not in sc.expect:
        return f"{method} {path} answered {page.status}, expected {sc.expect}"
    if page.location and "inloggen" in page.location:
        return f"{method} {path} redirected to the login page"
    return None

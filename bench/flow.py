"""Find the app's pages in its url_map and walk the learner's path through real HTML forms.

Nothing here hard-codes a form layout: the question form is filled from whatever inputs the
page has (a radio, checkboxes, position selects), and each page is recognised by matching
its URL against the url_map. A route that does not exist yet makes its scenario skip.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from .web import Document, Form, Page, parse

# Scenario page → the endpoint that serves it, and a path pattern as a fallback.
ENDPOINTS = {
    "home": ("learn.home", r"^/$"),
    "lesson": ("learn.lesson", r"^/modules/<[^>]*slug>$"),
    "quiz_intro": ("quiz.intro", r"^/modules/<[^>]*slug>/quiz$"),
    "question": ("quiz.question", r"/vraag/"),
    "overview": ("quiz.overview", r"/overzicht$"),
    "hand_in": ("quiz.hand_in", r"/inleveren$"),
    "result": ("quiz.result", r"/uitslag$"),
    "progress": ("learn.progress", r"^/voortgang$"),
    "hr_report": ("hr.report", r"^/beheer/voortgang$"),
    "hr_csv": ("hr.report_csv", r"^/beheer/voortgang\.csv$"),
}

LESSON_SLUG = "stopt"


@dataclass
class Routes:
    """Which endpoint serves each page in this build of the app, and URL matching."""

    app: object
    found: dict[str, str | None]

    @classmethod
    def discover(cls, app) -> Routes:
        rules = list(app.url_map.iter_rules())
        found: dict[str, str | None] = {}
        for page, (endpoint, pattern) in ENDPOINTS.items():
            hit = next((r.endpoint for r in rules if r.endpoint == endpoint), None)
            if hit is None:
                hit = next(
                    (
                        r.endpoint
                        for r in rules
                        if re.search(pattern, r.rule)
                        and r.endpoint.split(".")[0] in ("learn", "quiz", "hr")
                    ),
                    None,
                )
            found[page] = hit
        return cls(app, found)

    def has(self, *pages: str) -> bool:
        return all(self.found.get(p) for p in pages)

    def missing(self, *pages: str) -> list[str]:
        return [f"{p} ({ENDPOINTS[p][0]})" for p in pages if not self.found.get(p)]

    def url(self, page: str, **values) -> str:
        with self.app.test_request_context():
            from flask import url_for

            return url_for(self.found[page], **values)

    def url_for_id(self, page: str, ident: int, **values) -> str:
        """Build a page URL whose one int argument (besides `values`) is `ident`."""
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == self.found[page])
        free = [a for a in rule.arguments if a not in values]
        return self.url(page, **{free[0]: ident}, **values) if free else self.url(page, **values)

    def which(self, path: str, method: str = "GET") -> tuple[str | None, dict]:
        """The page name (a key of ENDPOINTS) a path belongs to, and its URL values."""
        adapter = self.app.url_map.bind("localhost")
        try:
            endpoint, values = adapter.match(urlsplit(path).path, method=method)
        except Exception:  # noqa: BLE001  (NotFound, MethodNotAllowed, RequestRedirect)
            return None, {}
        for page, ep in self.found.items():
            if ep == endpoint:
                return page, values
        return None, values


class FlowError(RuntimeError):
    pass


class RetakeWaits(FlowError):
    """The quiz page offers no new exam: after a failed one the learner first practises
    (learning/retakes.py). Not an error: a learner then goes on with another module."""


def answer_form(doc: Document, rng: random.Random) -> Form | None:
    """The question's form: the POST form with choices (not the logout form)."""
    forms = [f for f in doc.forms if f.method == "post" and not f.is_logout and f.has_choices]
    return forms[0] if forms else None


def fill(form: Form, rng: random.Random, go: str = "volgende") -> list[tuple[str, str]]:
    """A complete answer from the inputs the page offers, and the 'next' button."""
    data: list[tuple[str, str]] = []
    radios: dict[str, list[str]] = {}
    boxes: dict[str, list[str]] = {}
    selects = [f for f in form.fields if f.tag == "select" and f.name]
    for f in form.fields:
        if not f.name:
            continue
        if f.tag == "input" and f.type in ("hidden", "text", "email", "number"):
            data.append((f.name, f.value))
        elif f.type == "radio":
            radios.setdefault(f.name, []).append(f.value)
        elif f.type == "checkbox":
            boxes.setdefault(f.name, []).append(f.value)
    for name, values in radios.items():
        data.append((name, rng.choice(values)))
    for name, values in boxes.items():
        for value in rng.sample(values, k=max(1, min(2, len(values)))):
            data.append((name, value))
    if selects:
        # Ordering without JavaScript: a position select per step. Reverse the starting
        # order, so the list differs from the untouched one (which counts as no answer).
        count = len(selects)
        for i, f in enumerate(selects):
            options = [o for o in f.options if o]
            wanted = str(count - i)
            data.append((f.name, wanted if wanted in options else (options[0] if options else "")))
    buttons = [b for b in form.buttons if b.name]
    chosen = next((b for b in buttons if b.value == go), None)
    chosen = chosen or next((b for b in buttons if go in b.text.lower()), None)
    if chosen is None and buttons:
        chosen = next(
            (b for b in buttons if not b.value.startswith(("omhoog", "omlaag", "vorige"))),
            buttons[-1],
        )
    if chosen is not None:
        data.append((chosen.name, chosen.value))
    return data


def form_action(form: Form, page_url: str) -> str:
    action = form.action or urlsplit(page_url).path
    return urlsplit(action).path + (f"?{urlsplit(action).query}" if urlsplit(action).query else "")


def start_or_resume(client, routes: Routes, slug: str, record=None) -> Page:
    """From the quiz start page to a question page (or the overview of a full attempt).

    `record(label, page)`, when given, sees every request made on the way."""
    record = record or (lambda _label, _page: None)
    page = client.get(routes.url("quiz_intro", slug=slug))
    record("open quiz (GET)", page)
    for _ in range(3):
        kind, _values = routes.which(page.url)
        if kind in ("question", "overview"):
            return page
        doc = parse(page.body)
        forms = [f for f in doc.forms if f.method == "post" and not f.is_logout]
        start = next(
            (f for f in forms if routes.which(form_action(f, page.url), "POST")[0] == "quiz_intro"),
            None,
        ) or next((f for f in forms if "start" in f.text.lower()), None)
        if start is None and kind == "quiz_intro" and page.status == 200:
            raise RetakeWaits(f"retake waits for Oefen je fouten on {page.url}")
        if start is None:
            raise FlowError(f"no start form on {page.url} (status {page.status})")
        data = [(f.name, f.value) for f in start.fields if f.name and f.tag == "input"]
        page = client.post(form_action(start, page.url), data)
        record("start quiz (POST)", page)
    raise FlowError(f"did not reach a question from {slug}: at {page.url}")


def attempt_id_of(routes: Routes, path: str) -> int | None:
    _kind, values = routes.which(path)
    for key, value in values.items():
        if isinstance(value, int) and "attempt" in key:
            return value
    ints = [v for v in values.values() if isinstance(v, int)]
    return ints[0] if ints else None


def body_of(data: list[tuple[str, str]]) -> str:
    return urlencode(data)

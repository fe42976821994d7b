"""Hostile input on every form, query string and URL parameter: never a 500, nothing written
when refused, a Dutch page for every refusal, 413 for bodies over the limit.

Field names are discovered from the app's own pages, so new forms are fuzzed without a list
to maintain; routes come from the access matrix, so new routes are fuzzed as soon as they
have a row there.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.test_trust_routes import MATRIX
from tests.trust_helpers import (
    LOGIN,
    STATE_METHODS,
    World,
    client_as,
    fresh_world,
    header_problems,
    row_counts,
    rules,
    url_for_rule,
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
TRIED = {"examples": 0}

ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "🙂" * 20,
    "‮evil‬.exe",
    "שלום עולם",
    "مرحبا",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    '=HYPERLINK("http://evil")',
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "%00",
    "x" * 100_000,
    "é" * 5000,
    "²",  # Unicode digits: isdigit() is true, int() fails or reads them as a number
    "①",
    "٣",
    "１",
]
hostile_text = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So"]), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
EXTRA_KEYS = ["role", "is_admin", "user_id", "id", "active", "score", "passed", "unknown"]


def _acting_role(row) -> str:
    """The role for which the route does real work (not a redirect to login, 403 or 404)."""
    if row.anonymous != LOGIN:
        return "anonymous"
    for role in ("learner", "hr", "admin"):
        if row.expected(role) not in (LOGIN, 403, 404):
            return role
    return "admin"


_FIELDS: set[str] = set()


def _field_names(app, world) -> list[str]:
    """Every form field name on every page the app serves (cached for the module)."""
    if not _FIELDS:
        for role in ("anonymous", "learner", "admin"):
            client = client_as(app, world, role)
            for rule, _method in rules(app, {"GET"}):
                if rule.endpoint.endswith(("_csv",)):
                    continue
                response = client.get(url_for_rule(rule, world))
                if response.mimetype != "text/html":
                    continue  # a PDF, a package or a worker script has no form fields
                page = response.text
                _FIELDS.update(
                    re.findall(r'<(?:input|select|textarea|button)[^>]*\sname="([^"]+)"', page)
                )
        _FIELDS.update(EXTRA_KEYS)
    return sorted(_FIELDS)


def _route_params(methods):
    for (endpoint, method), row in MATRIX.items():
        if method in methods:
            yield pytest.param(endpoint, method, row, id=f"{endpoint}-{method}")


def _rule(app, endpoint, method):
    return next(r for r, m in rules(app) if r.endpoint == endpoint and m == method)


def _check_refusal(response, before, after, where):
    assert response.status_code < 500, f"{where} → {response.status_code}"
    assert not header_problems(response), where
    if response.status_code >= 400:
        assert after == before, f"{where} → {response.status_code} but wrote {after} (was {before})"
        if response.mimetype == "text/html":
            assert '<html lang="nl">' in response.text, where
            for english in ("Bad Request", "Not Found", "Internal Server Error", "Forbidden"):
                assert english not in response.text, where


@pytest.mark.parametrize(("endpoint", "method", "row"), list(_route_params(STATE_METHODS)))
def test_hostile_forms_never_500_and_refusals_write_nothing(make_app, endpoint, method, row):
    app = make_app()
    world = fresh_world(app)
    path = url_for_rule(_rule(app, endpoint, method), world, row)
    role = _acting_role(row)
    keys = st.one_of(st.sampled_from(_field_names(app, world)), st.text(min_size=1, max_size=20))
    pairs = st.lists(st.tuples(keys, hostile_text), max_size=8)

    @SETTINGS
    @given(
        pairs=pairs,
        v=hostile_text,
        encoding=st.sampled_from(["form", "form", "multipart", "json", "raw"]),
    )
    def attack(pairs, v, encoding):
        TRIED["examples"] += 1
        client = client_as(app, world, role)
        before = row_counts(app)
        if encoding == "json":
            response = client.open(path, method=method, json=dict(pairs))
        elif encoding == "raw":
            body = "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass")
            response = client.open(
                path, method=method, data=body, content_type="application/x-www-form-urlencoded"
            )
        elif encoding == "multipart":
            # Every other field a file instead of text (also under text fields' names), and a
            # CSV under "file"; names the encoder cannot put in a header are left out.
            data = MultiDict()
            for n, (k, value) in enumerate(pairs):
                if not k.isprintable() or '"' in k:
                    continue
                raw = value.encode("utf-8", "surrogatepass")
                data.add(k, (io.BytesIO(raw), "x.csv") if n % 2 else value)
            data.add("file", (io.BytesIO(b"naam,e-mail,team\n" + v.encode()), "x.csv"))
            response = client.open(
                path, method=method, data=data, content_type="multipart/form-data"
            )
        else:
            response = client.open(path, method=method, data=MultiDict(pairs))
        _check_refusal(response, before, row_counts(app), f"{role} {method} {path} {encoding}")

    attack()


@pytest.mark.parametrize(("endpoint", "method", "row"), list(_route_params({"GET"})))
def test_hostile_query_strings_never_500(make_app, endpoint, method, row):
    app = make_app()
    world = fresh_world(app)
    path = url_for_rule(_rule(app, endpoint, method), world, row)
    roles = {_acting_role(row), "admin"}
    known = ["q", "team", "pagina", "module", "status", "next", "page", "sort", "id", "format"]
    keys = st.one_of(st.sampled_from(known), st.text(min_size=1, max_size=10))
    pairs = st.lists(st.tuples(keys, hostile_text.filter(lambda v: len(v) < 4000)), max_size=6)

    @settings(SETTINGS, max_examples=10)
    @given(pairs=pairs)
    def attack(pairs):
        TRIED["examples"] += 1
        for role in roles:
            client = client_as(app, world, role)
            before = row_counts(app)
            response = client.get(path, query_string=list(pairs))
            after = row_counts(app)
            _check_refusal(response, before, after, f"{role} GET {path}?{pairs!r:.200}")
            changed = {t for t in before if before[t] != after[t]} - row.get_writes
            assert not changed, f"GET {path} wrote {changed}"

    attack()


UNKNOWN = [
    "0",
    "2147483647",
    str(2**31),
    str(2**63),
    str(10**30),
    "bestaat-niet",
    "x" * 300,
    "%F0%9F%99%82",
]


# Routes that answer the same whether or not the id exists, on purpose: asking a new link for
# any token shows "if this link was yours, a new one is on its way" (no account probing).
UNIFORM_ANSWER = {"auth.request_new_link": (200,)}


def _with_args(rule, world: World, value: str) -> str:
    ids = dict(world.ids)
    for name in rule.arguments:
        ids[name] = value
    return url_for_rule(rule, World(world.users, ids, world.tokens))


def test_unknown_and_out_of_range_ids_give_404_on_every_route(make_app):
    """Ids that do not exist, beyond INTEGER/BIGINT, and odd slugs and tokens: 404, never 500."""
    app = make_app()
    world = fresh_world(app)
    failures = []
    checked = 0
    for rule, method in rules(app):
        if (
            not [a for a in rule.arguments if a != "filename"]
            or (rule.endpoint, method) not in MATRIX
        ):
            continue
        before = row_counts(app)
        for role in ("anonymous", "other", "admin"):
            client = client_as(app, world, role)
            for value in UNKNOWN:
                path = _with_args(rule, world, value)
                response = client.open(path, method=method, data={})
                checked += 1
                status = response.status_code
                where = f"{role} {method} {path[:70]} → {status}"
                allowed = (302, 403, 404, 410, 429) + UNIFORM_ANSWER.get(rule.endpoint, ())
                if status not in allowed or (
                    status == 302 and not response.headers["Location"].startswith("/inloggen")
                ):
                    failures.append(where)
                    continue
                try:
                    _check_refusal(response, before, before, where)
                except AssertionError as exc:
                    failures.append(str(exc))
        if row_counts(app) != before:
            failures.append(f"{method} {rule.rule}: unknown ids changed the database")
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_bodies_over_the_limit_get_413_on_every_state_change(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    world = fresh_world(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    for (endpoint, method), row in MATRIX.items():
        if method in STATE_METHODS:
            _assert_413(app, world, endpoint, method, row, limit)


def _assert_413(app, world, endpoint, method, row, limit):
    path = url_for_rule(_rule(app, endpoint, method), world, row)
    for role in ("anonymous", _acting_role(row)):
        client = client_as(app, world, role)
        before = row_counts(app)
        for body, kind in [
            (b"naam=" + b"x" * (limit + 1), "application/x-www-form-urlencoded"),
            (json.dumps({"x": "y" * (limit + 1)}).encode(), "application/json"),
        ]:
            response = client.open(path, method=method, data=body, content_type=kind)
            assert response.status_code == 413, (
                f"{role} {method} {path} {kind} → {response.status_code}"
            )
            assert "te groot" in response.text
        assert row_counts(app) == before


def test_report_inputs_tried():
    """Not a check: prints how many hostile examples ran (for the issue's figures)."""
    print(f"\nhostile examples tried: {TRIED['examples']}")


@pytest.mark.parametrize(
    ("role", "path", "field"),
    [
        pytest.param("anonymous", "/account-aanmaken", "name"),
        pytest.param("anonymous", "/inloggen", "email"),
        pytest.param("learner", "/wachtwoord-wijzigen", "current_password"),
        ("anonymous", "/wachtwoord-instellen/{token}", "password"),
        ("hr", "/beheer/teams", "name"),
        ("hr", "/beheer/medewerkers/toevoegen", "email"),
        ("hr", "/beheer/toewijzingen/nieuw", "due_date"),
    ],
)
def test_a_file_where_text_is_expected_is_refused(make_app, role, path, field):
    app = make_app()
    world = fresh_world(app)
    client = client_as(app, world, role)
    before = row_counts(app)
    response = client.post(
        path.format(token=world.ids["token"]),
        data={field: (io.BytesIO(b"=1+1"), "x.csv")},
        content_type="multipart/form-data",
    )
    _check_refusal(response, before, row_counts(app), f"{role} {path} file in {field}")
    assert 400 <= response.status_code < 500


def test_a_multipart_part_without_a_name_is_refused(make_app):
    app = make_app()
    world = fresh_world(app)
    client = client_as(app, world, "learner")
    with app.app_context():
        from klantwijs.core.db import db
        from klantwijs.models import Attempt

        attempt = db.session.get(Attempt, world.ids["attempt_id"])
        course = app.extensions["course"].get(attempt.module_slug)
        ordering = [
            n
            for n, qid in enumerate(attempt.question_ids, 1)
            if course.quiz.by_id[qid].type == "ordering"
        ][0]
    before = row_counts(app)
    body = b"--B\r\nContent-Disposition: form-data\r\n\r\nwaarde\r\n--B--\r\n"
    response = client.post(
        f"/pogingen/{world.ids['attempt_id']}/vraag/{ordering}",
        data=body,
        content_type="multipart/form-data; boundary=B",
    )
    _check_refusal(response, before, row_counts(app), "nameless multipart part")

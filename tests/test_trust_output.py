"""What the app sends back: user text escaped on every page and in the CSV, every page from
its own origin only, security headers everywhere (also on error pages and the CSV)."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Team, User
from tests.trust_helpers import (
    ROLES,
    client_as,
    foreign_loads,
    fresh_world,
    header_problems,
    rules,
    url_for_rule,
)

MARK = "xss7"
HOSTILE_NAMES = [
    f"<script>alert('{MARK}')</script>",
    f'"><img src=x onerror=alert("{MARK}")>',
    f"<b onmouseover=alert('{MARK}')>Bas</b>",
    f"javascript:alert('{MARK}')",
]
FORMULAS = [
    '=HYPERLINK("http://evil.example","klik")',
    "+31 6 1234",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
]


def _hostile_world(make_app):
    app = make_app()
    world = fresh_world(app)
    with app.app_context():
        learner = db.session.get(User, world.users["learner"].id)
        other = db.session.get(User, world.users["other"].id)
        hr = db.session.get(User, world.users["hr"].id)
        learner.name = HOSTILE_NAMES[0]
        other.name = HOSTILE_NAMES[1]
        hr.name = HOSTILE_NAMES[2]
        team = db.session.get(Team, world.ids["team_id"])
        team.name = HOSTILE_NAMES[1] + " team"
        other_team = db.session.scalar(sa.select(Team).where(Team.id != team.id))
        other_team.name = HOSTILE_NAMES[3]
        db.session.commit()
    return app, world


def _dangerous(text: str) -> list[str]:
    found = []
    # Raw tags need an unescaped "<"; event-handler attributes are found by foreign_loads().
    for raw in ("<script>alert(", "<img src=x", "<b onmouseover"):
        if raw in text:
            found.append(raw)
    if re.search(r'href="\s*javascript:', text, re.I):
        found.append("javascript: link")
    return found


def test_names_and_team_names_are_escaped_on_every_page(make_app):
    app, world = _hostile_world(make_app)
    pages = 0
    for role in ROLES:
        client = client_as(app, world, role)
        for rule, _method in rules(app, {"GET"}):
            path = url_for_rule(rule, world)
            response = client.get(path)
            if response.mimetype != "text/html":
                continue
            pages += 1
            assert not _dangerous(response.text), f"{role} GET {path}: {_dangerous(response.text)}"
            assert not foreign_loads(response.text), (
                f"{role} GET {path}: {foreign_loads(response.text)}"
            )
    assert pages > 60
    # The names really were on the pages (escaped), so the check above means something.
    page = client_as(app, world, "hr").get("/beheer/medewerkers").text
    assert "&lt;script&gt;alert(" in page


def test_csv_neutralises_formulas_and_keeps_names_intact(make_app):
    app = make_app()
    world = fresh_world(app)
    with app.app_context():
        learner = db.session.get(User, world.users["learner"].id)
        learner.name = FORMULAS[0]
        db.session.get(Team, world.ids["team_id"]).name = FORMULAS[3]
        for n, formula in enumerate(FORMULAS[1:], 1):
            from tests.trust_helpers import add_user

            user = add_user("learner", f"formule{n}@example.nl", formula)
            from klantwijs.models import Membership

            db.session.add(Membership(user_id=user.id, team_id=world.ids["team_id"]))
        db.session.commit()
    response = client_as(app, world, "hr").get("/beheer/voortgang.csv")
    assert response.status_code == 200
    assert not header_problems(response)
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["naam", "e-mail", "team"]
    assert len(body) >= len(FORMULAS)
    for row in body:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", f"formula cell {cell!r} in {row}"
    names = {row[0].removesuffix(" (inactief)") for row in body}
    for formula in FORMULAS:
        assert "'" + formula in names, f"{formula!r} missing or changed: {names}"


def test_error_pages_and_files_carry_the_headers_too(make_app):
    app = make_app()
    world = fresh_world(app)
    client = client_as(app, world, "learner")
    for path, status in [
        ("/bestaat-niet", 404),
        ("/beheer/", 403),
        ("/pogingen/999999/uitslag", 404),
        ("/static/css/app.css", 200),
        ("/static/js/quiz.js", 200),
    ]:
        response = client.get(path)
        assert response.status_code == status
        assert not header_problems(response), f"{path}: {header_problems(response)}"

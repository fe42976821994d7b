"""Voortgang at scale (issue 19): statuses, totals and paging computed in the database agree
with the Python rule; the CSV streams, line for line the same as the whole-report CSV."""

import csv
import datetime as dt
import io
import itertools

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.course import get_course
from klantwijs.hr.reports import facts, matrix, stream
from klantwijs.hr.reports.csv import csv_chunks, report_csv
from klantwijs.learning.status import Status
from klantwijs.models import Assignment, Membership, Team, User
from tests.hr_helpers import TODAY

PAST, FUTURE = TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=9)


@pytest.fixture
def every_case(app, make_user, make_team, make_assignment, make_attempt, make_view):
    """A person for every combination of facts (read, started, passed, deadline gone), in two
    teams, plus: one reached twice (team and direct, the direct Deadline earlier), one in
    both teams, one inactive, one with a module that left the course, and mixed-case names."""
    people = []
    north = make_team("Noord")
    south = make_team("Zuid")
    for n, (read, started, passed, late) in enumerate(itertools.product([0, 1], repeat=4)):
        name = ["anna", "Bert", "carla", "Dirk"][n % 4] + f" {n:02d}"
        person = make_user(email=f"p{n:02d}@example.nl", name=name)
        people.append(person)
        team = north if n % 2 else south
        with app.app_context():
            db.session.add(Membership(user_id=person.id, team_id=team))
            db.session.commit()
        make_assignment("beta", user_id=person.id, due=PAST if late else FUTURE)
        if read:
            make_view(person.id, "beta")
        if started and not passed:
            make_attempt(person.id, slug="beta", submitted=n % 3 == 0, passed=False, score=1)
        if passed:
            make_attempt(person.id, slug="beta", score=5, max_score=5, passed=True)
    make_assignment("alpha", team_id=north, due=FUTURE)
    make_assignment("alpha", team_id=south, due=PAST)
    twice = people[3]
    make_assignment("alpha", user_id=twice.id, due=TODAY - dt.timedelta(days=30))
    with app.app_context():
        db.session.add(Membership(user_id=people[5].id, team_id=south))  # in both teams
        db.session.get(User, people[6].id).active = False
        db.session.commit()
    make_assignment("verdwenen-module", user_id=people[7].id)
    return {"people": people, "north": north, "south": south}


def _cells_by_python(app, **filters):
    """Every (person, module) → shown status slug, by build_report (the Python rule)."""
    with app.app_context():
        report = matrix.build_report(get_course(), TODAY, **filters)
        return {
            (row.user_id, slug): cell.shown.slug
            for row in report.rows
            for slug, cell in row.cells.items()
        }, {slug: (t.assigned, t.passed, t.late) for slug, t in report.totals.items()}


@pytest.mark.parametrize("filters", [{}, {"team_ids": []}, "north", "south_and_north"])
def test_sql_statuses_totals_and_filters_match_the_python_rule(app, every_case, filters):
    if filters == "north":
        filters = {"team_id": every_case["north"]}
    elif filters == "south_and_north":
        filters = {"team_ids": [every_case["south"], every_case["north"]]}
    cells, totals = _cells_by_python(app, **filters)
    with app.app_context():
        page = matrix.build_report_page(get_course(), TODAY, 1, 1000, **filters)
        assert {m: (t.assigned, t.passed, t.late) for m, t in page.report.totals.items()} == totals
        assert page.count == len({uid for uid, _ in cells})
        for status in Status:
            wanted = {uid for (uid, _), shown in cells.items() if shown == status.slug}
            found = matrix.build_report_page(
                get_course(), TODAY, 1, 1000, status=status.slug, **filters
            )
            assert {r.user_id for r in found.report.rows} == wanted, status
            assert found.count == len(wanted)
        # Every cell's status, from the statement itself (shown_sql), over all facts.
        every = facts.cell_facts(None, None).subquery("facts")
        in_sql = {
            (uid, slug): shown
            for uid, slug, shown in db.session.execute(
                sa.select(every.c.user_id, every.c.module_slug, facts.shown_sql(every, TODAY))
            )
        }
    assert {k: v for k, v in in_sql.items() if k in cells} == cells
    if not filters:
        assert in_sql == cells
    assert len(set(cells.values())) == 5 if not filters else True  # every status occurs


def test_pages_are_sorted_limited_and_clamped_in_the_database(app, every_case):
    with app.app_context():
        users = db.session.execute(sa.select(User.name, User.email)).all()
        everyone = sorted(
            (u for u in users if u.email.startswith("p")), key=lambda u: (u.name.lower(), u.email)
        )
        pages = [matrix.build_report_page(get_course(), TODAY, n, 5, None) for n in (1, 2, 4)]
        beyond = matrix.build_report_page(get_course(), TODAY, 99, 5)
        first = matrix.build_report_page(get_course(), TODAY, -3, 5)
    assert [p.pages for p in pages] == [4, 4, 4] and pages[0].count == 16
    shown = [r.name for p in pages[:2] for r in p.report.rows]
    assert shown == [u.name for u in everyone[:10]]
    assert [r.name for r in pages[2].report.rows] == [u.name for u in everyone[15:]]
    assert beyond.page == 4 and [r.name for r in beyond.report.rows] == [everyone[15].name]
    assert first.page == 1 and first.report.rows[0].name == everyone[0].name


def test_a_teamleaders_teams_restrict_every_report(app, every_case):
    north = every_case["north"]
    with app.app_context():
        members = set(
            db.session.scalars(sa.select(Membership.user_id).where(Membership.team_id == north))
        )
        page = matrix.build_report_page(get_course(), TODAY, 1, 100, team_ids=[north])
        lines = list(stream.stream_cells(get_course(), TODAY, team_ids=[north]))
        nobody = matrix.build_report_page(get_course(), TODAY, 1, 100, team_ids=[])
    assert {r.user_id for r in page.report.rows} == members
    assert {line.email for line in lines} == {
        p.email for p in every_case["people"] if p.id in members
    }
    assert nobody.count == 0 and nobody.report.rows == [] and nobody.report.totals == {}


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


@pytest.mark.parametrize("status", [None, "te-laat", "geslaagd", "niet-begonnen"])
def test_streamed_csv_is_the_same_as_the_whole_report_csv(app, every_case, status):
    """The streamed CSV (one statement, in order) against the CSV of the built report (the
    rows Python builds and sorts): the same bytes, line for line."""
    with app.app_context():
        whole = report_csv(matrix.build_report(get_course(), TODAY, status=status), status)
        streamed = b"".join(
            csv_chunks(stream.stream_cells(get_course(), TODAY, status=status))
        ).decode("utf-8")
    assert streamed == whole
    rows = _parse(streamed)
    assert len(rows) > 1 or status
    if status is None:
        assert any(r[0].endswith("(inactief)") for r in rows)
        assert any(r[2] == "Noord, Zuid" for r in rows)  # teams sorted and joined
        assert any("verdwenen-module" in r[3] for r in rows)  # a module that left the course


def test_the_csv_download_arrives_as_a_stream(app, client, hr, make_user, make_team):
    """Many people: the response comes in pieces (no Content-Length, nothing cached), the
    first piece holds the header, and the whole equals the CSV of the built report."""
    with app.app_context():
        users = [User(email=f"veel{n}@example.nl", name=f"Veel {n:04d}") for n in range(900)]
        db.session.add_all(users)
        db.session.commit()
        team = Team(name="Groot")
        db.session.add(team)
        db.session.commit()
        db.session.add_all(Membership(user_id=u.id, team_id=team.id) for u in users)
        db.session.commit()
        from klantwijs.models import Assignment

        db.session.add_all(
            Assignment(module_slug=slug, team_id=team.id, due_date=FUTURE)
            for slug in ("alpha", "beta")
        )
        db.session.commit()
    response = client.get("/beheer/voortgang.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert "Content-Length" not in response.headers
    pieces = iter(response.response)
    first = next(pieces)
    assert first.startswith("\ufeffnaam;e-mail;team".encode())
    rest = list(pieces)
    response.close()
    assert len(rest) >= 1, "more than one piece"
    body = (first + b"".join(rest)).decode("utf-8")
    with app.app_context():
        assert body == report_csv(matrix.build_report(get_course(), TODAY))
    assert len(_parse(body)) == 1 + 900 * 2


def test_the_csv_is_read_in_batches(app, every_case, count_statements):
    """One statement, asked for with yield_per (a server-side cursor on PostgreSQL)."""
    seen_options = []

    def record(conn, clauseelement, multiparams, params, execution_options):
        seen_options.append(dict(execution_options))

    with app.app_context():
        sa.event.listen(db.engine, "before_execute", record)
        try:
            with count_statements() as seen:
                lines = list(stream.stream_cells(get_course(), TODAY))
        finally:
            sa.event.remove(db.engine, "before_execute", record)
    assert len(lines) > 16 and len(seen) == 1
    assert any(o.get("yield_per") == stream.STREAM_BATCH for o in seen_options)


def test_sql_statuses_with_a_validity_match_the_python_rule(
    app, make_user, make_team, make_assignment, make_attempt
):
    """Recertification (learning/validity.py): cells with a validity take the long form of the
    SQL rule. Passes still valid, run out within the renewal window, run out past it with the
    Deadline gone, and never passed; next to cells without a validity."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    people = [make_user(email=f"v{n}@example.nl", name=f"Vera {n}") for n in range(6)]
    team = make_team("Hercertificering", members=people)
    make_assignment("alpha", team_id=team, due=PAST)
    make_assignment("beta", team_id=team, due=FUTURE)
    with app.app_context():
        for assignment in db.session.scalars(
            sa.select(Assignment).where(Assignment.module_slug == "alpha")
        ):
            assignment.valid_months = 6
        db.session.commit()
    ages = [10, 170, 190, 215, 400, None]  # days since the pass (None: never passed)
    for person, age in zip(people, ages, strict=True):
        if age is not None:
            make_attempt(person.id, slug="alpha", when=now - dt.timedelta(days=age))
            make_attempt(person.id, slug="beta", when=now - dt.timedelta(days=age))
    cells, totals = _cells_by_python(app)
    with app.app_context():
        page = matrix.build_report_page(get_course(), TODAY, 1, 1000)
        assert {m: (t.assigned, t.passed, t.late) for m, t in page.report.totals.items()} == totals
        found = {
            (slug, status): n
            for slug, counts in page.status_counts.items()
            for status, n in counts.items()
        }
        expected: dict = {}
        for (_, slug), shown in cells.items():
            expected[(slug, shown)] = expected.get((slug, shown), 0) + 1
        assert found == expected
        for status in Status:
            wanted = {uid for (uid, _), shown in cells.items() if shown == status.slug}
            filtered = matrix.build_report_page(get_course(), TODAY, 1, 1000, status=status.slug)
            assert {r.user_id for r in filtered.report.rows} == wanted, status
    shown_alpha = {shown for (_, slug), shown in cells.items() if slug == "alpha"}
    assert {Status.PASSED.slug, Status.EXPIRED.slug, Status.OVERDUE.slug} <= shown_alpha

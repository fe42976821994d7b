"""Voortgang, Download CSV and Vragen-inzicht: statuses, filters, totals, format, query count."""

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.hr.reports.cache import ReportCache
from klantwijs.hr.reports.csv import CSV_COLUMNS, neutralise
from klantwijs.models import Attempt, Membership, Role, Team, TeamLead, User, utcnow
from tests.hr_helpers import TODAY

YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def world(make_user, make_team, make_assignment, make_attempt, make_view):
    """Team Verkoop with five people in five states for module alpha; beta late for one."""
    people = {
        key: make_user(name=name, email=f"{key}@example.nl")
        for key, name in [
            ("niet", "Nina Niet"),
            ("gelezen", "Gerrit Gelezen"),
            ("bezig", "Bea Bezig"),
            ("geslaagd", "Geert Geslaagd"),
            ("laat", "Lotte Laat"),
        ]
    }
    team = make_team("Verkoop", people.values())
    make_assignment("alpha", team_id=team)
    make_assignment("beta", user_id=people["laat"].id, due=YESTERDAY)
    make_view(people["gelezen"].id)
    make_attempt(people["bezig"].id, submitted=False)
    make_attempt(people["geslaagd"].id, score=3, max_score=5, passed=False)
    make_attempt(
        people["geslaagd"].id,
        score=4.5,
        max_score=5,
        passed=True,
        when=dt.datetime(2026, 3, 2, 10, 0),
    )
    make_attempt(people["laat"].id, slug="beta", score=1, max_score=5, passed=False)
    return team, people


def totals_cells(assigned: int, *percents: str) -> str:
    """The cells of a row of Voortgang's Per module table, as the page writes them."""
    labels = ["Geslaagd", "Te laat"]
    return f'<td data-label="Toegewezen">{assigned}</td>' + "".join(
        f'<td data-label="{label}">{text}</td>'
        for label, text in zip(labels, percents, strict=False)
    )


def csv_rows(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_matrix_shows_every_status(client, hr, world):
    page = client.get("/beheer/voortgang")
    assert page.status_code == 200
    text = page.text
    for status in ["Niet begonnen", "Gelezen", "Bezig", "Geslaagd", "Te laat"]:
        assert f">{status}</span>" in text
    assert "op 02-03-2026" in text and "beste score 90%" in text
    assert "Alfa: de testmethode" in text and "niet toegewezen" in text
    assert 'class="table-scroll"' in text


def test_totals_per_module(client, hr, world):
    text = client.get("/beheer/voortgang").text
    assert totals_cells(5, "20% (1)", "0% (0)") in text  # alpha
    assert totals_cells(1, "0% (0)", "100% (1)") in text  # beta


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("status=geslaagd", ["Geert Geslaagd"], ["Nina Niet", "Lotte Laat"]),
        ("status=te-laat", ["Lotte Laat"], ["Geert Geslaagd"]),
        ("status=gelezen", ["Gerrit Gelezen"], ["Bea Bezig"]),
        ("status=niet-begonnen", ["Nina Niet", "Lotte Laat"], ["Geert Geslaagd"]),
        ("module=beta", ["Lotte Laat"], ["Nina Niet"]),
    ],
)
def test_filters(client, hr, world, query, present, absent):
    text = client.get(f"/beheer/voortgang?{query}").text
    for name in present:
        assert name in text
    for name in absent:
        assert name not in text


def test_team_filter(client, app, hr, world, make_user, make_assignment):
    outsider = make_user(name="Olaf Ander")
    make_assignment("alpha", user_id=outsider.id)
    team, _ = world
    assert "Olaf Ander" in client.get("/beheer/voortgang").text
    assert "Olaf Ander" not in client.get(f"/beheer/voortgang?team={team}").text


@pytest.mark.parametrize(
    "query", ["team=abc", "team=99999", "module=bestaat-niet", "status=weg", "team=" + "9" * 40]
)
def test_bad_filters_are_400(client, hr, world, query):
    for url in ["/beheer/voortgang", "/beheer/voortgang.csv", "/beheer/vragen-inzicht"]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert "Dit filter bestaat niet" in response.text


def test_inactive_people_stay_in_the_report_marked(client, app, hr, world):
    _, people = world
    with app.app_context():
        db.session.get(User, people["geslaagd"].id).active = False
        db.session.commit()
    text = client.get("/beheer/voortgang").text
    assert "Geert Geslaagd" in text and ">inactief</span>" in text
    rows = csv_rows(client.get("/beheer/voortgang.csv"))
    assert any(r[0] == "Geert Geslaagd (inactief)" and r[6] == "Geslaagd" for r in rows)


def test_person_detail_lists_attempts(client, hr, world):
    _, people = world
    page = client.get(f"/beheer/medewerkers/{people['geslaagd'].id}")
    assert page.status_code == 200
    assert "4,5 van 5 (90%)" in page.text and "3 van 5 (60%)" in page.text
    assert "Niet geslaagd" in page.text and ">Geslaagd</span>" in page.text


def test_csv_format(client, hr, world):
    response = client.get("/beheer/voortgang.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert (
        rows[0]
        == CSV_COLUMNS
        == [
            "naam",
            "e-mail",
            "team",
            "module",
            "toegewezen op",
            "deadline",
            "status",
            "beste score",
            "geslaagd op",
            "pogingen",
            "herhalen goed na 30+ dagen",  # Herhalen (issue 16): empty before any review
        ]
    )
    assert len(rows) == 1 + 6
    geert = next(r for r in rows if r[1] == "geslaagd@example.nl")
    assert geert == [
        "Geert Geslaagd",
        "geslaagd@example.nl",
        "Verkoop",
        "Alfa: de testmethode",
        TODAY.isoformat(),
        (TODAY + dt.timedelta(days=14)).isoformat(),
        "Geslaagd",
        "90%",
        "2026-03-02",
        "2",
        "",
    ]
    lotte = [r for r in rows if r[1] == "laat@example.nl"]
    assert sorted(r[6] for r in lotte) == ["Niet begonnen", "Te laat"]
    filtered = csv_rows(client.get("/beheer/voortgang.csv?status=te-laat"))
    assert [r[1] for r in filtered[1:]] == ["laat@example.nl"]


@pytest.mark.parametrize("evil", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\tx", "\rx"])
def test_csv_neutralises_formulas(client, app, hr, evil, make_team, make_assignment):
    with app.app_context():
        user = User(email="evil@example.nl", name=evil + " Naam")
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    team = make_team(evil + " team", [user])
    make_assignment("alpha", team_id=team)
    rows = csv_rows(client.get("/beheer/voortgang.csv"))
    assert rows[1][0] == "'" + evil + " Naam"
    assert rows[1][2] == "'" + evil + " team"
    assert neutralise("gewoon") == "gewoon" and neutralise("") == ""


def test_question_insight(client, app, hr, world, make_user, make_attempt):
    team, people = world
    outsider = make_user()
    answers_wrong = {
        "eerste-stap": ("b", 0.0),
        "goede-gewoonten": (["a", "c"], 0.0),
        "volgorde": (["samenvatten", "luisteren", "oplossen", "afronden"], 0.0),
    }
    answers_right = {
        "eerste-stap": ("a", 1.0),
        "goede-gewoonten": (["a", "b"], 1.0),
        "volgorde": (["luisteren", "samenvatten", "oplossen", "afronden"], 1.0),
    }
    make_attempt(people["niet"].id, answers=answers_wrong)
    make_attempt(people["gelezen"].id, answers=answers_wrong)
    make_attempt(people["bezig"].id, answers=answers_right)
    make_attempt(outsider.id, answers={"eerste-stap": ("c", 0.0)})
    make_attempt(outsider.id, answers={"eerste-stap": ("c", 0.0)}, submitted=False)
    text = client.get("/beheer/vragen-inzicht?module=alpha").text
    assert "Wat doe je eerst?" in text
    assert (
        '<td data-label="Beantwoord">4</td>\n    <td data-label="Goed">25%</td>\n    '
        '<td data-label="Meest gekozen fout antwoord">Uitleggen <span class="small">2 keer</span>'
    ) in text
    assert 'Onderbreken <span class="small">2 keer</span>' in text
    assert 'Samenvatten op plaats 1 <span class="small">2 keer' in text
    team_text = client.get(f"/beheer/vragen-inzicht?module=alpha&team={team}").text
    assert '<td data-label="Beantwoord">3</td>\n    <td data-label="Goed">33%</td>' in team_text
    assert "team Verkoop" in team_text


@pytest.fixture
def populate(app, make_team, make_assignment, make_attempt, make_view):
    """populate(n): n people in two teams, three modules assigned, varied states."""

    def build(n: int) -> None:
        with app.app_context():
            users = [
                User(email=f"p{n}-{i}@example.nl", name=f"P {i}", role=Role.LEARNER.value)
                for i in range(n)
            ]
            db.session.add_all(users)
            db.session.commit()
            ids = [u.id for u in users]
        teams = [make_team(f"Team {n}-{k}") for k in range(2)]
        with app.app_context():
            db.session.add_all(
                Membership(user_id=uid, team_id=teams[i % 2]) for i, uid in enumerate(ids)
            )
            db.session.commit()
        make_assignment("alpha", team_id=teams[0])
        make_assignment("beta", team_id=teams[1], due=YESTERDAY)
        make_assignment("alpha", user_id=ids[1])
        for i, uid in enumerate(ids):
            if i % 3 == 0:
                make_attempt(uid, answers={"eerste-stap": (["b"], 0.0)})
            if i % 4 == 0:
                make_view(uid, "beta")

    return build


@pytest.fixture
def statements(count_statements):
    """statements(client, url): how many SQL statements one GET sends (it must answer 200)."""

    def count(client, url: str) -> int:
        with count_statements() as seen:
            response = client.get(url)
        assert response.status_code == 200
        return len(seen)

    return count


@pytest.mark.parametrize(
    "url",
    [
        "/beheer/voortgang",
        "/beheer/voortgang.csv",
        "/beheer/voortgang?status=te-laat",
        "/beheer/voortgang?status=geslaagd",
        "/beheer/voortgang?status=niet-begonnen&module=alpha",
        "/beheer/voortgang?pagina=2",
        "/beheer/voortgang.csv?status=te-laat",
        "/beheer/vragen-inzicht?module=alpha",
    ],
)
def test_report_query_count_is_constant(make_app, login_as, populate, statements, url):
    counts = {}
    for n in (10, 200):
        client = make_app().test_client()  # a fresh app: a cold report cache
        login_as("hr", client)
        populate(n)
        counts[n] = statements(client, url)
    print(f"{url}: {counts}")
    assert counts[10] == counts[200]


@pytest.mark.parametrize(
    "url",
    [
        "/beheer/",
        "/beheer/voortgang",
        "/beheer/voortgang.csv",
        "/beheer/voortgang?status=te-laat",
        "/beheer/vragen-inzicht?module=alpha",
        "/beheer/toewijzingen/nieuw",
    ],
)
def test_team_lead_views_keep_a_constant_query_count(
    app, make_app, login_as, populate, statements, url
):
    """A Teamleider's Voortgang (scoped to their team): the same count for 10 and 1,000."""
    counts = {}
    for n in (10, 1000):
        client = make_app().test_client()
        lead = login_as("learner", client)
        populate(n)
        with app.app_context():
            team_id = db.session.scalar(sa.select(Team.id).where(Team.name == f"Team {n}-0"))
            db.session.add(TeamLead(user_id=lead.id, team_id=team_id))
            db.session.commit()
        counts[n] = statements(client, url)
    print(f"{url}: {counts}")
    assert counts[10] == counts[1000]


def test_team_lead_report_counts_only_their_team(app, login_as, populate, client):
    populate(30)
    lead = login_as("learner")
    with app.app_context():
        team_id = db.session.scalar(sa.select(Team.id).where(Team.name == "Team 30-0"))
        db.session.add(TeamLead(user_id=lead.id, team_id=team_id))
        db.session.commit()
    page = client.get("/beheer/voortgang").text
    assert "15 medewerker(s)" in page  # the even half of the 30
    assert '<th scope="row">Alfa: de testmethode</th>' + totals_cells(15) in page
    assert '<th scope="row">Bèta' not in page  # assigned to the other team only


def test_matrix_pages_by_hundred_but_totals_count_everyone(client, hr, populate):
    populate(150)
    first = client.get("/beheer/voortgang")
    assert "pagina 1 van 2" in first.text
    assert len(re.findall(r'href="/beheer/medewerkers/\d+"', first.text)) == 100
    assert '<th scope="row">Alfa: de testmethode</th>' + totals_cells(76) in first.text
    assert '<th scope="row">Bèta: nog een methode</th>' + totals_cells(75) in first.text
    assert 'href="/beheer/voortgang?pagina=2">Volgende</a>' in first.text
    assert ">Vorige</a>" not in first.text
    second = client.get("/beheer/voortgang?pagina=2")
    assert "pagina 2 van 2" in second.text and "Vorige" in second.text
    assert 'href="/beheer/voortgang?pagina=1">Vorige</a>' in second.text
    assert ">Volgende</a>" not in second.text
    beyond = client.get("/beheer/voortgang?pagina=99")
    assert "pagina 2 van 2" in beyond.text
    rows = csv_rows(client.get("/beheer/voortgang.csv"))
    assert len({r[1] for r in rows[1:]}) == 150  # the CSV is never paged


def test_report_page_and_csv_are_cached_until_anything_changes(
    client, app, hr, world, make_attempt, make_view, statements
):
    """A second identical request is served from the cache (only the fingerprint query and
    the page's own statements); any change shows up at once, also for the CSV."""
    _, people = world
    url = "/beheer/voortgang"
    first = client.get(url).text
    cold = statements(client, "/beheer/voortgang?pagina=2")  # another key: built
    warm = statements(client, "/beheer/voortgang?pagina=2")  # the same key: cached
    assert warm < cold
    assert client.get(url).text.count("Geslaagd</span>") == first.count("Geslaagd</span>")
    assert totals_cells(5, "20% (1)") in first
    csv_before = csv_rows(client.get("/beheer/voortgang.csv"))
    assert any(r[0] == "Bea Bezig" and r[6] == "Bezig" for r in csv_before)

    # A new passed attempt (another process could have written it): seen at once.
    make_attempt(people["bezig"].id, score=5, max_score=5, passed=True)
    text = client.get(url).text
    assert totals_cells(5, "40% (2)") in text
    rows = csv_rows(client.get("/beheer/voortgang.csv"))
    assert any(r[0] == "Bea Bezig" and r[6] == "Geslaagd" for r in rows)

    # Handing in an open attempt is an UPDATE, not an insert: also seen at once.
    open_id = make_attempt(people["niet"].id, submitted=False)
    assert totals_cells(5, "40% (2)") in client.get(url).text
    with app.app_context():
        attempt = db.session.get(Attempt, open_id)
        attempt.submitted_at, attempt.score, attempt.passed = utcnow(), 5.0, True
        db.session.commit()
    assert totals_cells(5, "60% (3)") in client.get(url).text

    # Another hand-in stamped with the very same time as the latest: still seen at once.
    second_id = make_attempt(people["gelezen"].id, submitted=False)
    assert totals_cells(5, "60% (3)") in client.get(url).text
    with app.app_context():
        same_time = db.session.get(Attempt, open_id).submitted_at
        attempt = db.session.get(Attempt, second_id)
        attempt.submitted_at, attempt.score, attempt.passed = same_time, 5.0, True
        db.session.commit()
    assert totals_cells(5, "80% (4)") in client.get(url).text

    # A rename without an audit entry and a new lesson view: seen at once.
    with app.app_context():
        db.session.get(User, people["laat"].id).name = "Lotte Later"
        db.session.commit()
    assert "Lotte Later" in client.get(url).text
    assert "Lotte Later" in client.get("/beheer/voortgang.csv").data.decode("utf-8-sig")
    make_view(people["laat"].id, "beta")
    rows = csv_rows(client.get("/beheer/voortgang.csv?module=beta"))
    assert [r[6] for r in rows[1:]] == ["Te laat"]


def test_report_cache_is_bounded():
    cache = ReportCache(size=3)
    built = []
    for key in [1, 2, 3, 1, 4, 5]:
        cache.get_or_build(key, lambda key=key: built.append(key) or key)
    assert built == [1, 2, 3, 4, 5]  # 1 was served from the cache the second time
    assert len(cache) == 3
    cache.get_or_build(1, lambda: built.append("1 again") or 1)
    cache.get_or_build(2, lambda: built.append("2 again") or 2)
    assert built[-1] == "2 again"  # 2 and 3 (least recently used) went, 1 (used again) stayed

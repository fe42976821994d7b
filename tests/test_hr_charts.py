"""Pictures in Voortgang and Vragen-inzicht: SVG drawn on the server, the numbers also in
words and in a table, the same counts as the report's own rule."""

import csv
import datetime as dt
import io
import re
from collections import Counter

from klantwijs.course.model import Question
from klantwijs.hr.reports.charts import weakest
from klantwijs.hr.reports.insight import QuestionInsight
from klantwijs.models import utcnow
from tests.hr_helpers import TODAY
from tests.test_hr_reports import populate, world  # noqa: F401 - fixtures shared with it

BAR = re.compile(
    r"<strong>(?P<title>[^<]+)</strong> <span class=\"small\">(?P<words>[^<]+)</span></p>\s*"
    r"<svg[^>]*>(?P<parts>.*?)</svg>",
    re.S,
)
PART = re.compile(r'<rect class="seg-([a-z-]+)" x="([\d.]+)" y="0" width="([\d.]+)"')


def bars(html: str) -> dict[str, tuple[str, list[tuple[str, float, float]]]]:
    return {
        m["title"]: (m["words"], [(c, float(x), float(w)) for c, x, w in PART.findall(m["parts"])])
        for m in BAR.finditer(html)
    }


def test_voortgang_draws_a_stacked_bar_per_module(client, hr, world):  # noqa: F811
    page = client.get("/beheer/voortgang").text
    drawn = bars(page)
    words, parts = drawn["Alfa: de testmethode"]
    assert words == "5 toegewezen: 1 Geslaagd, 1 Bezig, 1 Gelezen, 2 Niet begonnen"
    assert parts == [
        ("geslaagd", 0.0, 20.0),
        ("bezig", 20.0, 20.0),
        ("gelezen", 40.0, 20.0),
        ("niet-begonnen", 60.0, 40.0),
    ]
    assert drawn["Bèta: nog een methode"] == ("1 toegewezen: 1 Te laat", [("te-laat", 0.0, 100.0)])
    # The legend and the table say the same in words.
    for status in ("Geslaagd", "Bezig", "Gelezen", "Niet begonnen", "Te laat"):
        assert f"</span>{status}</li>" in page
    assert '<td data-label="Bezig">20% (1)</td>' in page
    assert '<td data-label="Niet begonnen">40% (2)</td>' in page
    chart = page[page.index("chart-status-title") : page.index("</figure>")]
    assert "<script" not in chart and "<svg" in chart  # drawn on the server, no chart script


def test_bars_follow_the_filters(client, hr, world):  # noqa: F811
    team, _ = world
    only_beta = bars(client.get("/beheer/voortgang?module=beta").text)
    assert list(only_beta) == ["Bèta: nog een methode"]
    assert list(bars(client.get(f"/beheer/voortgang?team={team}").text)) == [
        "Alfa: de testmethode",
        "Bèta: nog een methode",
    ]


def test_bar_counts_match_the_report_for_many_people(client, hr, populate):  # noqa: F811
    """The chart counts in SQL; the CSV builds every cell in Python: they agree."""
    populate(90)
    data = client.get("/beheer/voortgang.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))[1:]
    from_csv = Counter((r[3], r[6]) for r in rows)
    for title, (_, parts) in bars(client.get("/beheer/voortgang").text).items():
        total = sum(n for (t, _), n in from_csv.items() if t == title)
        for css, _, width in parts:
            status = {
                "geslaagd": "Geslaagd",
                "bezig": "Bezig",
                "gelezen": "Gelezen",
                "niet-begonnen": "Niet begonnen",
                "te-laat": "Te laat",
            }[css]
            assert round(width * total / 100) == from_csv[(title, status)], (title, status)


def week_counts(html: str) -> dict[str, int]:
    table = html[html.index("Tabel geslaagd per week") :]
    table = table[: table.index("</table>")]
    return {
        day: int(n)
        for day, n in re.findall(
            r'<th scope="row">([\d-]+)</th><td data-label="Geslaagd">(\d+)', table
        )
    }


def test_passes_per_week_over_six_months(client, hr, make_user, make_attempt):
    anna, bert = make_user(), make_user()
    now = utcnow()
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    two_weeks_ago = monday - dt.timedelta(weeks=2)
    make_attempt(anna.id, slug="alpha", when=now - dt.timedelta(weeks=2))
    make_attempt(anna.id, slug="alpha", when=now - dt.timedelta(days=1))  # a second pass
    make_attempt(bert.id, slug="alpha", when=now - dt.timedelta(weeks=2))
    make_attempt(bert.id, slug="beta", when=now)
    make_attempt(bert.id, slug="beta", passed=False, when=now - dt.timedelta(weeks=1))
    make_attempt(anna.id, slug="beta", kind="practice", when=now)
    make_attempt(anna.id, slug="beta", when=now - dt.timedelta(weeks=40))  # too long ago
    page = client.get("/beheer/voortgang").text
    weeks = week_counts(page)
    assert len(weeks) == 26
    assert weeks[f"{monday:%d-%m-%Y}"] == 1
    assert weeks[f"{two_weeks_ago:%d-%m-%Y}"] == 2
    assert sum(weeks.values()) == 3
    assert "3 keer een module gehaald sinds" in page
    assert page.count('<rect class="seg-week"') == 2


def _insight(pct_right: int, answered: int = 10, n: int = 0) -> QuestionInsight:
    question = Question(id=f"q{n}", type="single", prompt=f"Vraag {n}", options=())
    return QuestionInsight(question, answered=answered, right=answered * pct_right // 100)


def test_weakest_are_the_ten_answered_right_least_often():
    rows = [_insight(p, n=i) for i, p in enumerate([90, 10, 50, 80, 20, 70, 30, 60, 40, 100, 0])]
    rows.append(_insight(0, answered=0, n=99))  # never answered: not weak, just unknown
    rows.append(_insight(10, answered=30, n=12))  # as weak as q1, answered more: first
    found = [r.question.id for r in weakest(rows)]
    assert found == ["q10", "q12", "q1", "q4", "q6", "q8", "q2", "q7", "q5", "q3"]
    assert weakest([]) == []


def test_vragen_inzicht_draws_the_weakest_questions(client, hr, make_user, make_attempt):
    for response, score in [("a", 1.0), ("b", 0.0), ("b", 0.0)]:
        make_attempt(
            make_user().id,
            answers={"eerste-stap": (response, score), "laatste-stap": ("a", 1.0)},
        )
    page = client.get("/beheer/vragen-inzicht?module=alpha").text
    assert "Alle beantwoorde vragen, de zwakste eerst" in page
    chart = page[page.index("chart-weak-title") : page.index("</figure>")]
    labels = re.findall(r'<p class="chart-label">([^<]+) <span class="small">([^<]+)</span>', chart)
    assert labels == [
        ("Wat doe je eerst?", "33% goed van 3"),
        ("Wat doe je als laatste?", "100% goed van 3"),
    ]
    assert '<rect class="seg-weak" x="0" y="0" width="33"' in chart
    assert "zwakste</span>" not in page  # with this few questions nothing is marked apart

"""Mijn cursus, lesson pages and Mijn voortgang through the test client."""

import datetime as dt
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from klantwijs.extensions import db
from klantwijs.models import Assignment, LessonView, Membership, Team
from klantwijs.status import local_today as today
from tests.learner_helpers import take_quiz


@contextmanager
def counted_statements(app):
    """Count SQL statements sent while the block runs."""
    seen = []

    def count(*_args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_visitors_see_the_landing_page_and_must_log_in_for_lessons(client):
    assert "Inloggen" in client.get("/").text
    response = client.get("/modules/alpha")
    assert response.status_code == 302 and "/inloggen" in response.location


def test_course_home_lists_modules_in_order_with_status_and_one_continue_action(client, learner):
    page = client.get("/").text
    assert "Mijn cursus" in page
    assert page.index("Alfa: de testmethode") < page.index("Bèta: nog een methode")
    assert page.count("Niet begonnen") == 2
    assert "0 van 2" in page and "<progress" in page
    assert len(re.findall(r'class="button primary"', page)) == 1
    assert 'href="/modules/alpha">Ga verder: Alfa' in page


def test_lesson_page_shows_lesson_sections_reading_time_and_start(client, learner, app):
    page = client.get("/modules/alpha").text
    assert "<h1>Alfa: de testmethode</h1>" in page
    assert "Laat de klant uitpraten." in page
    for anchor, title in [("luisteren", "Luisteren"), ("samenvatten", "Samenvatten")]:
        assert f'<a href="#{anchor}">{title}</a>' in page
        assert f'id="{anchor}"' in page
    assert "Leestijd: ongeveer 1 minuut" in page
    assert 'action="/modules/alpha/quiz"' in page and "Start de toets" in page
    with app.app_context():
        assert db.session.scalar(sa.select(LessonView.module_slug)) == "alpha"
    home = client.get("/").text
    assert "Gelezen" in home
    assert 'href="/modules/alpha/quiz">Ga verder: Alfa' in home


def test_unknown_module_is_404_in_dutch(client, learner):
    response = client.get("/modules/bestaat-niet")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.text


def test_passed_module_shows_geslaagd_and_best_score(client, learner, app):
    take_quiz(client, app, "alpha", right=False)
    take_quiz(client, app, "alpha", right=True)
    take_quiz(client, app, "alpha", right=False)
    page = client.get("/").text
    assert "Geslaagd" in page and "Beste score: 100%" in page
    assert "1 van 2" in page
    assert 'href="/modules/beta">Ga verder: Bèta' in page


def test_assigned_modules_come_first_with_deadline_days_and_te_laat(client, learner, app):
    with app.app_context():
        team = Team(name="Balie")
        db.session.add(team)
        db.session.flush()
        db.session.add(Membership(user_id=learner.id, team_id=team.id))
        db.session.add(
            Assignment(module_slug="beta", team_id=team.id, due_date=today() + dt.timedelta(days=3))
        )
        db.session.commit()
    page = client.get("/").text
    assert page.index("Bèta") < page.index("Alfa")
    assert "Deadline:" in page and "nog 3 dagen" in page
    with app.app_context():
        db.session.add(
            Assignment(
                module_slug="alpha", user_id=learner.id, due_date=today() - dt.timedelta(days=1)
            )
        )
        db.session.commit()
    page = client.get("/").text
    assert page.index("Alfa") < page.index("Bèta")
    assert "Te laat" in page


def test_progress_page_lists_attempts_with_date_score_and_result_link(client, learner, app):
    assert "Nog geen pogingen." in client.get("/voortgang").text
    first = take_quiz(client, app, "alpha", right=False)
    second = take_quiz(client, app, "alpha", right=True)
    page = client.get("/voortgang").text
    assert "Mijn voortgang" in page
    assert f'href="/pogingen/{first}/uitslag"' in page
    assert f'href="/pogingen/{second}/uitslag"' in page
    assert "Score: 4 van 4 (100%)" in page
    assert re.search(r"Score: 0(,\d+)? van 4 \(\d+%\)", page)  # wrong ordering may earn a part
    assert str(dt.date.today().year) in page
    assert 'href="/voortgang"' in client.get("/").text  # the menu link appears


@pytest.mark.parametrize("path", ["/", "/modules/alpha", "/voortgang"])
def test_learner_pages_need_few_sql_statements(client, learner, app, path):
    take_quiz(client, app, "alpha", right=False)
    take_quiz(client, app, "beta", right=True)
    with counted_statements(app) as seen:
        assert client.get(path).status_code == 200
    assert len(seen) <= 4, f"{path}: {len(seen)} statements"

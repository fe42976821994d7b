"""Voortgang's retention figure: per module the share of review answers right 30 or more days
after passing, on the page and per person in the CSV, in a constant number of queries."""

import csv
import datetime as dt
import io

import time_machine

from tests.conftest import log_in
from tests.learner_helpers import take_quiz
from tests.review_helpers import review_all, start_review

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def review_on(client, app, email: str, day: int, wrong=()) -> None:
    """On day `day` after T0: log in and review every due question (those numbered in
    `wrong` wrongly)."""
    log_in(client, email)
    session_id = start_review(client)
    review_all(client, app, session_id, wrong_numbers=wrong)


def passes_and_reviews(app, make_user, team_members: list, name: str, wrong_late=()):
    user = make_user(name=name, email=f"{name.split()[0].lower()}@example.nl")
    team_members.append(user)
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, user.email)
        take_quiz(client, app, "alpha", right=True)
        clock.move_to(T0 + dt.timedelta(days=2))
        review_on(client, app, user.email, 2)  # early: not counted
        clock.move_to(T0 + dt.timedelta(days=40))
        review_on(client, app, user.email, 40, wrong=wrong_late)  # 40 days on: counted
    return user


def report_text(client) -> str:
    response = client.get("/beheer/voortgang")
    assert response.status_code == 200
    return response.text


def test_retention_per_module_in_voortgang_and_per_person_in_the_csv(
    app, make_user, make_team, make_assignment, login_as, count_statements
):
    members = []
    passes_and_reviews(app, make_user, members, "Anna Jansen", wrong_late=(1,))
    team = make_team("Balie", members)
    make_assignment("alpha", team_id=team)
    make_assignment("beta", team_id=team)
    hr = app.test_client()
    login_as("hr", client=hr)

    with count_statements() as one:  # built afresh (the page is cached until data change)
        page = report_text(hr)
    assert "Herhalen goed na 30+ dagen" in page
    assert "75% (3 van 4)" in page  # Alfa: 3 of the 4 late answers right
    assert "–" in page  # Bèta: no reviews yet
    lines = list(
        csv.DictReader(
            io.StringIO(hr.get("/beheer/voortgang.csv").data.decode("utf-8-sig")), delimiter=";"
        )
    )
    by_module = {line["module"]: line["herhalen goed na 30+ dagen"] for line in lines}
    assert by_module == {"Alfa: de testmethode": "75% (3 van 4)", "Bèta: nog een methode": ""}

    bram = passes_and_reviews(app, make_user, [], "Bram de Boer")
    with app.app_context():
        from klantwijs.core.db import db
        from klantwijs.models import Membership

        db.session.add(Membership(user_id=bram.id, team_id=team))
        db.session.commit()
    with count_statements() as two:
        page = report_text(hr)
    assert "88% (7 van 8)" in page  # both people's late answers
    assert len(two) == len(one)  # the same number of queries for more people

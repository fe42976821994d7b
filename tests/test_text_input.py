"""Text that hides what it says: NUL, control and bidi override characters, and digits that
are not ASCII. Every form refuses them with a Dutch message and stores nothing; filters and
search boxes answer a page, never a 500 (PostgreSQL refuses NUL in text outright).

Written against findings in the issue "A Geslaagd HR can trust" (3).
"""

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.core.forms import FORBIDDEN_CHARACTERS
from klantwijs.models import Team, User
from tests.conftest import PASSWORD

HIDING = {
    "nul": "Anna\x00Jansen",
    "control": "Anna\x1b[31m",
    "line break": "Anna\nJansen",
    "right-to-left override": "Anna \u202egnaJ",
    "isolate": "Anna \u2066x\u2069",
}
NOT_ASCII_DIGITS = ["²", "①", "٣", "１"]


@pytest.fixture
def hr_client(app, make_user):
    hr = make_user(role="hr")
    client = app.test_client()
    assert (
        client.post("/inloggen", data={"email": hr.email, "password": PASSWORD}).status_code == 302
    )
    return client


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("text", HIDING.values(), ids=HIDING.keys())
def test_a_name_with_hidden_characters_is_refused(app, hr_client, text):
    people = count(app, User)
    response = hr_client.post(
        "/beheer/medewerkers/toevoegen", data={"name": text, "email": "anna@example.nl"}
    )
    assert response.status_code == 422
    assert FORBIDDEN_CHARACTERS in response.text
    assert count(app, User) == people


@pytest.mark.parametrize("text", HIDING.values(), ids=HIDING.keys())
def test_a_team_name_with_hidden_characters_is_refused(app, hr_client, text):
    response = hr_client.post("/beheer/teams", data={"name": text})
    assert response.status_code == 422
    assert FORBIDDEN_CHARACTERS in response.text
    assert count(app, Team) == 0


@pytest.mark.parametrize("text", HIDING.values(), ids=HIDING.keys())
def test_registration_refuses_a_name_with_hidden_characters(app, client, text):
    response = client.post(
        "/account-aanmaken",
        data={
            "name": text,
            "email": "nieuw@example.nl",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    assert response.status_code == 422
    assert count(app, User) == 0


@pytest.mark.parametrize("text", HIDING.values(), ids=HIDING.keys())
def test_the_people_search_answers_a_page(hr_client, text):
    response = hr_client.get("/beheer/medewerkers", query_string={"q": text})
    assert response.status_code == 200
    assert FORBIDDEN_CHARACTERS in response.text


@pytest.mark.parametrize("digit", NOT_ASCII_DIGITS)
def test_report_filters_take_ascii_digits_only(hr_client, digit):
    for path in ("/beheer/voortgang", "/beheer/voortgang.csv", "/beheer/vragen-inzicht"):
        response = hr_client.get(path, query_string={"team": digit})
        assert response.status_code == 400, path
        assert "Dit filter bestaat niet" in response.text


@pytest.mark.parametrize("digit", NOT_ASCII_DIGITS)
def test_page_numbers_take_ascii_digits_only(hr_client, digit):
    assert hr_client.get("/beheer/medewerkers", query_string={"pagina": digit}).status_code == 200

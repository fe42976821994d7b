"""Module toewijzen and Leden toevoegen: the people picker (searched and paged on the
server, select-all over the search, without JavaScript) and the e-mail each person gets
when a module is assigned (one per person per action, against a real SMTP server)."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.hr.queries import PICK_PER_PAGE
from klantwijs.models import Assignment, Membership, Notice, Role, User
from tests.hr_helpers import TODAY, audit_actions, count, free_port, smtp_server
from tests.trust_helpers import row_counts

NEXT_WEEK = TODAY + dt.timedelta(days=7)
PICKED = re.compile(r'name="people" value="(\d+)"( checked)?')


def people(app, n: int, prefix="Piet", **fields) -> list[int]:
    """n people named '<prefix> 0000' … in one go; their ids, by name."""
    with app.app_context():
        users = [
            User(
                email=f"{prefix.lower()}{i:05d}@example.nl",
                name=f"{prefix} {i:05d}",
                role=fields.get("role", Role.LEARNER.value),
                active=fields.get("active", True),
            )
            for i in range(n)
        ]
        db.session.add_all(users)
        db.session.commit()
        return [u.id for u in users]


def offered(html: str) -> list[int]:
    """The ids the picker's results list offers (not yet chosen)."""
    return [int(i) for i, checked in PICKED.findall(html) if not checked]


def chosen(html: str) -> list[int]:
    return [int(i) for i, checked in PICKED.findall(html) if checked]


# --- The picker ------------------------------------------------------------------------------


def test_picker_searches_and_pages_on_the_server(client, app, hr):
    ids = people(app, 60)
    everyone = client.get("/beheer/toewijzingen/nieuw").text
    assert "61 gevonden, pagina 1 van 3." in everyone  # the 60 and the HR officer
    page = client.get("/beheer/toewijzingen/nieuw?q=piet").text
    assert offered(page) == ids[:PICK_PER_PAGE]
    assert "60 gevonden voor ‘piet’, pagina 1 van 3." in page
    found = client.get("/beheer/toewijzingen/nieuw?q=piet 0004").text
    assert offered(found) == ids[40:50]
    assert "10 gevonden voor ‘piet 0004’." in found
    by_mail = client.get("/beheer/toewijzingen/nieuw?q=PIET00059@").text
    assert offered(by_mail) == [ids[59]]
    last = client.get("/beheer/toewijzingen/nieuw?q=piet&pagina=3").text
    assert offered(last) == ids[50:]
    beyond = client.get("/beheer/toewijzingen/nieuw?q=piet&pagina=99").text
    assert offered(beyond) == ids[50:]
    nothing = client.get("/beheer/toewijzingen/nieuw?q=zzz").text
    assert "Niemand gevonden" in nothing and offered(nothing) == []


def test_admins_and_deactivated_people_are_not_offered(client, app, hr, make_user):
    admin = make_user(name="Ada Admin", role="admin")
    gone = make_user(name="Gerda Weg", active=False)
    page = client.get("/beheer/toewijzingen/nieuw").text
    assert admin.id not in offered(page) and gone.id not in offered(page)
    data = {"modules": ["alpha"], "target": "people", "due_date": NEXT_WEEK.isoformat()}
    for user in (admin, gone):
        response = client.post("/beheer/toewijzingen/nieuw", data={**data, "people": [user.id]})
        assert response.status_code == 422
        assert "kan hier niet (meer) worden gekozen" in response.text
    assert count(app, Assignment) == 0


@pytest.mark.parametrize("n", [10, 1000])
def test_the_page_stays_small_and_cheap_with_many_people(client, app, hr, n, count_statements):
    people(app, n)
    with count_statements() as seen:
        response = client.get("/beheer/toewijzingen/nieuw")
    assert len(PICKED.findall(response.text)) == min(n + 1, PICK_PER_PAGE)
    assert len(response.data) < 40_000
    assert len(seen) <= 8, [s for s, _ in seen]


def test_without_javascript_searching_keeps_the_form_and_stores_nothing(client, app, hr):
    ids = people(app, 40)
    form = {
        "modules": ["beta"],
        "target": "people",
        "due_date": NEXT_WEEK.isoformat(),
        "people": [ids[0], ids[1]],
        "q": "piet 0003",
        "actie": "zoeken",
    }
    before = row_counts(app)
    page = client.post("/beheer/toewijzingen/nieuw", data=form)
    assert page.status_code == 200
    assert row_counts(app) == before
    assert chosen(page.text) == ids[:2]  # still ticked, listed apart
    assert offered(page.text) == ids[30:40]
    assert re.search(r'<input checked[^>]*value="beta"', page.text)
    assert f'value="{NEXT_WEEK.isoformat()}"' in page.text
    # A page button keeps everything too.
    paged = client.post(
        "/beheer/toewijzingen/nieuw", data={**form, "q": "piet", "pagina": "2", "actie": ""}
    )
    assert chosen(paged.text) == ids[:2]
    assert offered(paged.text) == ids[2 + PICK_PER_PAGE : 2 + 2 * PICK_PER_PAGE]
    # Then Module toewijzen assigns to the people ticked.
    done = client.post("/beheer/toewijzingen/nieuw", data={**form, "actie": "toewijzen"})
    assert done.status_code == 302
    with app.app_context():
        assigned = db.session.scalars(sa.select(Assignment.user_id)).all()
    assert sorted(assigned) == ids[:2]


def test_select_all_takes_everyone_the_search_found_not_only_the_page(client, app, hr):
    team_a = people(app, 60, prefix="Anna")
    others = people(app, 5, prefix="Bert")
    response = client.post(
        "/beheer/toewijzingen/nieuw",
        data={
            "modules": ["alpha"],
            "target": "people",
            "due_date": NEXT_WEEK.isoformat(),
            "searched": "anna",
            "all_found": "1",
            "people": [others[0]],
            "actie": "toewijzen",
        },
    )
    assert response.status_code == 302, response.text
    with app.app_context():
        assigned = set(db.session.scalars(sa.select(Assignment.user_id)))
    assert assigned == {*team_a, others[0]}
    detail = audit_actions(app)
    assert detail == ["toewijzing.opgeslagen"]


@pytest.mark.parametrize(
    ("people_field", "message"),
    [
        (["abc"], "bestaat niet (meer)"),
        (["0"], "bestaat niet (meer)"),
        (["99999999999"], "bestaat niet (meer)"),
        (["-1"], "bestaat niet (meer)"),
        (["１２"], "bestaat niet (meer)"),
        (["2147483000"], "kan hier niet (meer) worden gekozen"),
        ([str(n) for n in range(1, 10_003)], "bestaat niet (meer)"),
    ],
)
def test_bad_picks_are_refused_with_a_message(client, app, hr, people_field, message):
    response = client.post(
        "/beheer/toewijzingen/nieuw",
        data={
            "modules": ["alpha"],
            "target": "people",
            "due_date": NEXT_WEEK.isoformat(),
            "people": people_field,
        },
    )
    assert response.status_code == 422
    assert message in response.text
    assert count(app, Assignment) == 0


def test_a_hostile_search_is_refused_and_shows_everyone(client, app, hr):
    people(app, 3)
    page = client.get("/beheer/toewijzingen/nieuw?q=%00%E2%80%AE").text
    assert "tekens die niet zijn toegestaan" not in page or len(offered(page)) == 4
    posted = client.post(
        "/beheer/toewijzingen/nieuw", data={"q": "a\u202eb", "actie": "zoeken", "target": "people"}
    )
    assert posted.status_code == 200
    assert "tekens die niet zijn toegestaan" in posted.text
    assert len(offered(posted.text)) == 4
    long = client.get("/beheer/toewijzingen/nieuw?q=" + "x" * 5000)
    assert long.status_code == 200
    like = client.get("/beheer/toewijzingen/nieuw?q=%25").text  # % is no wildcard
    assert len(offered(like)) == 4


def test_add_members_uses_the_same_picker(client, app, hr, make_team):
    ids = people(app, 40)
    team_id = make_team("Verkoop")
    page = client.get(f"/beheer/teams/{team_id}?q=piet 0001").text
    assert offered(page) == ids[10:20]
    searched = client.post(
        f"/beheer/teams/{team_id}/leden",
        data={"q": "piet 0002", "actie": "zoeken", "people": [ids[0]]},
    )
    assert searched.status_code == 200 and count(app, Membership) == 0
    assert chosen(searched.text) == [ids[0]] and offered(searched.text) == ids[20:30]
    added = client.post(
        f"/beheer/teams/{team_id}/leden",
        data={"searched": "piet 0002", "all_found": "1", "people": [ids[0]], "actie": "x"},
    )
    assert added.status_code == 302
    with app.app_context():
        members = set(db.session.scalars(sa.select(Membership.user_id)))
    assert members == {ids[0], *ids[20:30]}
    # Members are not offered again.
    page = client.get(f"/beheer/teams/{team_id}?q=piet 0000").text
    assert offered(page) == ids[1:10]


# --- E-mail when a module is assigned ----------------------------------------------------------


def assign(client, **data):
    form = {"due_date": NEXT_WEEK.isoformat(), "actie": "toewijzen", **data}
    return client.post("/beheer/toewijzingen/nieuw", data=form, follow_redirects=True)


def test_assigning_to_a_team_mails_each_member_once(
    mail_app, make_user, make_team, make_attempt, login_as
):
    app, inbox = mail_app, mail_app.inbox
    anna, bert = make_user(email="anna@example.nl"), make_user(email="bert@example.nl")
    gone = make_user(email="weg@example.nl", active=False)
    done = make_user(email="klaar@example.nl")
    make_attempt(done.id, slug="beta", passed=True)
    team = make_team("Verkoop", [anna, bert, gone, done])
    client = app.test_client()
    login_as("hr", client)
    page = assign(client, modules=["alpha", "beta"], target="team", team=str(team))
    assert "3 medewerker(s) kregen een e-mail." in page.text
    assert sorted(inbox.recipients()) == ["anna@example.nl", "bert@example.nl", "klaar@example.nl"]
    mails = {rcpt[0]: m for rcpt, m in inbox.messages}
    body = mails["anna@example.nl"].get_body(("plain",)).get_content()
    assert mails["anna@example.nl"]["Subject"] == "Je hebt 2 nieuwe modules in Klantwijs"
    assert f"Alfa: de testmethode: Deadline {NEXT_WEEK:%d-%m-%Y}" in body
    assert "https://leren.example.nl/modules/alpha" in body
    assert "https://leren.example.nl/" in body
    klaar = mails["klaar@example.nl"]
    assert klaar["Subject"] == "Je hebt een nieuwe module: Alfa: de testmethode"
    assert "Bèta" not in klaar.get_body(("plain",)).get_content()  # already passed
    # The same form again changes nothing and mails nobody.
    again = assign(client, modules=["alpha", "beta"], target="team", team=str(team))
    assert "Er ging geen e-mail uit" in again.text and len(inbox.messages) == 3
    # A new Deadline is news.
    later = TODAY + dt.timedelta(days=30)
    assign(client, modules=["alpha"], target="team", team=str(team), due_date=later.isoformat())
    assert len(inbox.messages) == 6
    assert inbox.messages[-1][1]["Subject"] == "Een nieuwe Deadline in Klantwijs"
    assert f"Deadline {later:%d-%m-%Y}" in inbox.bodies()[-1]


def test_assigning_to_people_mails_each_person_once(mail_app, login_as):
    app, inbox = mail_app, mail_app.inbox
    ids = people(app, 3)
    client = app.test_client()
    login_as("hr", client)
    assign(client, modules=["alpha", "beta"], target="people", people=ids)
    assert len(inbox.messages) == 3
    assert len(set(inbox.recipients())) == 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notice.id))) == 3
        assert db.session.scalar(sa.select(sa.func.count()).where(Notice.sent_at.is_(None))) == 0


def test_an_earlier_deadline_elsewhere_counts_and_is_not_mailed(
    mail_app, make_user, make_team, make_assignment, login_as
):
    app, inbox = mail_app, mail_app.inbox
    anna = make_user()
    team = make_team("Verkoop", [anna])
    make_assignment("alpha", user_id=anna.id, due=TODAY + dt.timedelta(days=2))
    client = app.test_client()
    login_as("hr", client)
    assign(client, modules=["alpha"], target="team", team=str(team))
    assert inbox.messages == []  # her own, earlier Deadline still counts


def test_mail_down_queues_and_the_next_run_sends_each_once(
    make_app, make_user, make_team, login_as
):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    anna, bert = make_user(), make_user()
    team = make_team("Verkoop", [anna, bert])
    client = app.test_client()
    login_as("hr", client)
    page = assign(client, modules=["alpha"], target="team", team=str(team))
    assert page.status_code == 200
    assert "gaan mee met de volgende ronde" in page.text
    assert count(app, Assignment) == 1  # the assignment itself is saved
    assert "wachten nog" in client.get("/beheer/herinneringen").text
    with smtp_server() as (port, inbox):
        later = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        result = later.test_cli_runner().invoke(args=["reminders", "send", "--dry-run"])
        assert inbox.messages == [] and "Toewijzing gemaild" not in result.output
        result = later.test_cli_runner().invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
        assert sorted(inbox.recipients()) == sorted([anna.email, bert.email])
        assert "Toewijzing gemaild" in result.output
        later.test_cli_runner().invoke(args=["reminders", "send"])
        assert len(inbox.messages) == 2


def test_without_mail_assigning_says_nobody_was_told(client, app, hr, make_user, make_team):
    team = make_team("Verkoop", [make_user()])
    page = assign(client, modules=["alpha"], target="team", team=str(team))
    assert "E-mail is niet ingesteld: de medewerkers krijgen geen bericht." in page.text

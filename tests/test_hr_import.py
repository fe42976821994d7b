"""Medewerkers importeren: preview with per-row errors, nothing written until confirmed."""

import csv
import io
import re

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from klantwijs.core.db import db
from klantwijs.hr.imports import ImportFileError, parse
from klantwijs.models import AuditEntry, Invitation, Membership, Team, User
from tests.conftest import PASSWORD
from tests.hr_helpers import audit_actions, count, get_user

PAYLOAD = re.compile(r'name="payload" type="hidden" value="([^"]+)"')


def upload(client, data: bytes, filename="medewerkers.csv"):
    return client.post(
        "/beheer/medewerkers/importeren",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, preview):
    payload = PAYLOAD.search(preview.text).group(1)
    return client.post("/beheer/medewerkers/importeren/bevestigen", data={"payload": payload})


def written(app) -> tuple[int, int, int, int]:
    return (count(app, User), count(app, Team), count(app, Membership), count(app, AuditEntry))


GOOD = (
    "naam;e-mail;team\nAnna de Vries;anna@example.nl;Verkoop\nBert Jansen;bert@example.nl;Service\n"
)


def test_preview_then_confirm_imports_valid_rows_in_one_go(client, app, hr, make_user, make_team):
    make_team("Verkoop")
    make_user(email="bestaat@example.nl")
    csv_text = (
        "\ufeffnaam,e-mail,team\n"
        "Anna de Vries,anna@example.nl,verkoop\n"
        "Bert Jansen,BERT@example.nl,Service\n"
        ",leeg@example.nl,Service\n"
        "Kees,geen-adres,Service\n"
        "Dubbel,anna@example.nl,Service\n"
        "Bestaat,bestaat@example.nl,\n"
        'Formule,formule@example.nl,=HYPERLINK("x")\n'
    )
    before = written(app)
    preview = upload(client, csv_text.encode("utf-8"))
    assert preview.status_code == 200
    assert written(app) == before  # the preview writes nothing
    text = preview.text
    assert "<strong>2</strong> medewerker(s) klaar" in text
    assert "<strong>5</strong> regel(s) met een fout" in text
    for message in [
        "De naam ontbreekt.",
        "Dit is geen geldig e-mailadres.",
        "Dubbel in het bestand (ook op regel 2).",
        "Er is al een account met dit e-mailadres.",
        "formules zijn niet toegestaan",
    ]:
        assert message in text
    assert "Nieuwe teams die worden aangemaakt: Service." in text
    done = confirm(client, preview)
    assert done.status_code == 200
    assert "2 medewerker(s) toegevoegd" in done.text
    assert len(re.findall(r"/wachtwoord-instellen/[A-Za-z0-9_-]{20,}", done.text)) == 2
    assert count(app, User, User.email.in_(["anna@example.nl", "bert@example.nl"])) == 2
    assert count(app, User, User.password_hash.is_(None)) == 2
    assert count(app, Team) == 2  # Verkoop matched case-insensitively, Service created
    assert count(app, Membership) == 2
    assert count(app, Invitation) == 2
    assert count(app, User, User.email == "formule@example.nl") == 0
    assert audit_actions(app) == ["medewerkers.geimporteerd"]
    again = confirm(client, preview)  # a replayed confirm writes nothing new
    assert count(app, User) == 4
    assert "0 medewerker(s) toegevoegd" in again.text


def test_excel_cp1252_export_with_semicolons(client, app, hr):
    data = "naam;e-mail;team\nJosé Müller;jose@example.nl;Logistiek\n".encode("cp1252")
    preview = upload(client, data)
    assert "José Müller" in preview.text
    confirm(client, preview)
    assert count(app, User, User.name == "José Müller") == 1


def test_utf8_without_bom_and_quoted_cells(client, app, hr):
    data = b'naam,e-mail,team\n"Vries, Anna de",anna@example.nl,"Team ""A"""\n'
    preview = upload(client, data)
    assert preview.status_code == 200
    confirm(client, preview)
    assert count(app, User, User.name == "Vries, Anna de") == 1
    assert count(app, Team, Team.name == 'Team "A"') == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Het bestand is leeg."),
        (b"naam,e-mail\n", "geen medewerkers onder de kopregel"),
        (b"naam;team\nAnna;Verkoop\n", "De kolom(men) \u2018e-mail\u2019 ontbreken"),
        (b"voornaam,adres\nA,b\n", "\u2018naam\u2019 en \u2018e-mail\u2019 ontbreken"),
        ("naam;e-mail\nAnna;a@b.nl\n".encode("utf-16"), "zoals UTF-16"),
        (b"PK\x03\x04rest-of-a-zip", "Excel-bestand"),
        (b"naam;e-mail\nAnna\x81\x8d;a@b.nl\n", "niet te lezen"),
        (b"naam;e-mail\n" + b"A;a@b.nl\n" * 130000, "groter dan 1 MB"),
    ],
)
def test_bad_files_get_a_clear_message_and_write_nothing(client, app, hr, data, message):
    before = written(app)
    response = upload(client, data)
    assert response.status_code == 422
    assert message in response.text
    assert written(app) == before


def test_ten_megabyte_file_gets_the_dutch_413_page(client, app, hr):
    before = written(app)
    response = upload(client, b"naam;e-mail\n" + b"x" * (10 * 1024 * 1024))
    assert response.status_code == 413
    assert "te groot" in response.text
    assert written(app) == before


def test_no_file_chosen(client, hr):
    response = client.post(
        "/beheer/medewerkers/importeren", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Kies een CSV-bestand." in response.text


def test_too_many_rows(client, app, hr):
    data = "naam;e-mail\n" + "".join(f"P{i};p{i}@x.nl\n" for i in range(5001))
    response = upload(client, data.encode())
    assert response.status_code == 422
    assert "meer dan 5000 regels" in response.text


def test_only_formula_rows_offer_nothing_to_import(client, app, hr):
    data = b"naam;e-mail;team\n=1+1;a@example.nl;X\n@SUM(A1);b@example.nl;X\n"
    response = upload(client, data)
    assert response.status_code == 422
    assert "formules zijn niet toegestaan" in response.text
    assert "importeren</button>" not in response.text
    assert count(app, User) == 1


def test_tampered_or_foreign_payload_is_refused(client, app, hr, login_as):
    preview = upload(client, GOOD.encode())
    payload = PAYLOAD.search(preview.text).group(1)
    tampered = payload[:-3] + ("aaa" if not payload.endswith("aaa") else "bbb")
    response = client.post("/beheer/medewerkers/importeren/bevestigen", data={"payload": tampered})
    assert response.status_code == 422
    assert "Kies het bestand opnieuw" in response.text
    forged = URLSafeTimedSerializer("wrong-key", salt="beheer-import").dumps(
        {"by": hr.id, "rows": [[2, "Eve", "eve@example.nl", "X"]]}
    )
    client.post("/beheer/medewerkers/importeren/bevestigen", data={"payload": forged})
    other = app.test_client()
    login_as("hr", other)
    foreign = other.post("/beheer/medewerkers/importeren/bevestigen", data={"payload": payload})
    assert foreign.status_code == 422
    assert count(app, User) == 2  # hr + the other hr, nobody imported
    assert audit_actions(app) == []


def test_someone_added_between_preview_and_confirm_joins_the_team_without_a_link(
    client, app, hr, make_user
):
    preview = upload(client, GOOD.encode())
    bert = make_user(email="bert@example.nl", name="Bert al Binnen")
    done = confirm(client, preview)
    assert "1 medewerker(s) toegevoegd. 1 bestaande medewerker(s) in een team gezet." in done.text
    assert "Bert al Binnen (bert@example.nl) → Service" in done.text
    assert len(re.findall(r"/wachtwoord-instellen/[A-Za-z0-9_-]{20,}", done.text)) == 1
    assert count(app, Invitation, Invitation.user_id == bert.id) == 0
    assert count(app, Membership, Membership.user_id == bert.id) == 1


def test_thousand_rows_import(client, app, hr):
    lines = ["naam;e-mail;team"] + [
        f"Medewerker {i};m{i}@example.nl;Team {i % 7}" for i in range(1000)
    ]
    preview = upload(client, "\n".join(lines).encode())
    assert "<strong>1000</strong> medewerker(s) klaar" in preview.text
    done = confirm(client, preview)
    assert done.status_code == 200
    assert count(app, User) == 1001
    assert count(app, Team) == 7
    assert count(app, Membership) == 1000
    assert count(app, Invitation) == 1000


def test_parse_is_pure_and_names_the_line():
    rows = parse(b"Naam;E-mailadres;Team\n\n  Anna ; ANNA@x.nl ;  \n")
    assert [(r.line, r.name, r.email, r.team, r.ok) for r in rows] == [
        (3, "Anna", "anna@x.nl", "", True)
    ]
    with pytest.raises(ImportFileError):
        parse(b"\n\n")


# --- Existing accounts join a team -----------------------------------------------------------


def test_a_row_for_an_existing_account_adds_them_to_the_team(client, app, hr, make_user, make_team):
    anna = make_user(name="Anna de Vries", email="anna@example.nl")
    make_team("Verkoop")
    csv_text = (
        "naam;e-mail;team\n"
        "Anna (andere naam);ANNA@example.nl;Verkoop\n"
        "Bert Jansen;bert@example.nl;Service\n"
    )
    before = written(app)
    preview = upload(client, csv_text.encode())
    assert preview.status_code == 200
    assert written(app) == before  # nothing stored before confirm
    text = preview.text
    assert "van wie <strong>1</strong> al een account heeft en alleen in een team komt" in text
    assert "Bestaat al (Anna de Vries): komt in team Verkoop" in text
    assert "Nieuw account in team Service" in text
    assert "Er is al een account" not in text
    done = confirm(client, preview)
    assert "1 medewerker(s) toegevoegd. 1 bestaande medewerker(s) in een team gezet." in done.text
    assert len(re.findall(r"/wachtwoord-instellen/[A-Za-z0-9_-]{20,}", done.text)) == 1
    assert count(app, Membership, Membership.user_id == anna.id) == 1
    assert count(app, Invitation, Invitation.user_id == anna.id) == 0  # no link for her
    assert count(app, User, User.name == "Anna (andere naam)") == 0  # her name stays
    with app.app_context():
        detail = db.session.scalar(sa.select(AuditEntry.detail))
    assert "bestaande accounts in een team: anna@example.nl → Verkoop" in detail


def test_an_existing_account_without_a_team_or_already_in_it_is_skipped(
    client, app, hr, make_user, make_team
):
    anna = make_user(email="anna@example.nl")
    make_user(email="bert@example.nl")
    make_team("Verkoop", [anna])
    preview = upload(
        client, b"naam;e-mail;team\nAnna;anna@example.nl;verkoop\nBert;bert@example.nl;\n"
    )
    assert preview.status_code == 422
    assert "Bestaat al en staat al in team verkoop." in preview.text
    assert "Er is al een account met dit e-mailadres. Zonder team is er niets te doen." in (
        preview.text
    )


# --- Invitation links without mail: copy button and Download links (CSV) ---------------------

LINKS = re.compile(
    r'action="/beheer/medewerkers/importeren/links.csv".*?name="payload" type="hidden" value="([^"]+)"',
    re.S,
)


def imported(client):
    preview = upload(client, GOOD.encode())
    done = confirm(client, preview)
    return done, LINKS.search(done.text).group(1)


def link_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="uitnodigingslinks-'
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_the_links_have_copy_buttons_and_download_as_csv(client, app, hr):
    done, payload = imported(client)
    assert done.text.count("data-copy=") == 2
    assert "Download links (CSV)" in done.text
    rows = link_rows(
        client.post("/beheer/medewerkers/importeren/links.csv", data={"payload": payload})
    )
    assert rows[0] == ["naam", "e-mail", "uitnodigingslink", "opmerking"]
    assert [r[:2] for r in rows[1:]] == [
        ["Anna de Vries", "anna@example.nl"],
        ["Bert Jansen", "bert@example.nl"],
    ]
    for row in rows[1:]:
        assert row[2] in done.text and "/wachtwoord-instellen/" in row[2] and row[3] == ""


def test_the_download_leaves_out_links_that_no_longer_work(client, app, hr):
    done, payload = imported(client)
    links = re.findall(r'value="(http[^"]+/wachtwoord-instellen/[^"]+)"', done.text)
    anna_link = links[0]
    # Anna uses her link (she now has a password); Bert's link is replaced by a newer one.
    token = anna_link.rsplit("/", 1)[1]
    other = app.test_client()
    set_it = other.post(
        f"/wachtwoord-instellen/{token}", data={"password": PASSWORD, "password_repeat": PASSWORD}
    )
    assert set_it.status_code == 302
    bert = get_user(app, "bert@example.nl")
    client.post(f"/beheer/medewerkers/{bert.id}/uitnodiging")
    rows = link_rows(
        client.post("/beheer/medewerkers/importeren/links.csv", data={"payload": payload})
    )
    by_email = {r[1]: r for r in rows[1:]}
    assert by_email["anna@example.nl"][2] == ""
    assert "al gebruikt" in by_email["anna@example.nl"][3]
    assert by_email["bert@example.nl"][2] == ""
    assert "vervangen" in by_email["bert@example.nl"][3]


def test_a_password_account_never_gets_its_link_in_the_download(client, app, hr):
    done, payload = imported(client)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "anna@example.nl"))
        user.password_hash = "pbkdf2:sha256:1000$x$y"  # set some other way (e.g. SSO added one)
        db.session.commit()
    rows = link_rows(
        client.post("/beheer/medewerkers/importeren/links.csv", data={"payload": payload})
    )
    anna = next(r for r in rows if r[1] == "anna@example.nl")
    assert anna[2] == "" and "heeft al een wachtwoord" in anna[3]


def test_only_the_hr_person_who_imported_can_download(client, app, hr, login_as):
    _, payload = imported(client)
    other = app.test_client()
    login_as("hr", other)
    refused = other.post("/beheer/medewerkers/importeren/links.csv", data={"payload": payload})
    assert refused.status_code == 422
    assert "horen bij een import van iemand anders" in refused.text
    forged = URLSafeTimedSerializer("wrong-key", salt="beheer-import-links").dumps(
        {"by": hr.id, "links": [[1, "x"]]}
    )
    assert (
        client.post(
            "/beheer/medewerkers/importeren/links.csv", data={"payload": forged}
        ).status_code
        == 422
    )
    for junk in ["", "x" * 5000, payload[:-3]]:
        response = client.post("/beheer/medewerkers/importeren/links.csv", data={"payload": junk})
        assert response.status_code == 422

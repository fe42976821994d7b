"""Medewerkers importeren: preview with per-row errors, nothing written until confirmed."""

import io
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from klantwijs.hr.imports import ImportFileError, parse
from klantwijs.models import AuditEntry, Invitation, Membership, Team, User
from tests.hr_helpers import audit_actions, count

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


def test_someone_added_between_preview_and_confirm_is_skipped(client, app, hr, make_user):
    preview = upload(client, GOOD.encode())
    make_user(email="bert@example.nl")
    done = confirm(client, preview)
    assert "1 medewerker(s) toegevoegd" in done.text
    assert "Er is al een account met dit e-mailadres." in done.text


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

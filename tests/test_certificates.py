"""Certificaat: available once every assigned module (or the whole course) is passed; a
one-page PDF read back with pypdf (name, modules, code) whose QR code decodes (zxing-cpp) to
the public verification page, which shows the same content and says valid or revoked."""

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
import time_machine
import zxingcpp
from pypdf import PdfReader

from klantwijs.core.db import db
from klantwijs.learning import certificates
from klantwijs.models import AuditEntry, Certificate, User
from tests.conftest import log_in
from tests.hr_helpers import count
from tests.learner_helpers import take_quiz

BASE = "https://leren.example.nl"
CODE = re.compile(r"/certificaat/([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\.pdf")


@pytest.fixture
def app(make_app):
    return make_app(BASE_URL=BASE)


def download(client) -> tuple[str, bytes]:
    """Press Download je certificaat; return the code and the PDF."""
    response = client.post("/certificaat")
    assert response.status_code == 302, response.text
    found = CODE.search(response.location)
    assert found, response.location
    pdf = client.get(response.location)
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    return found.group(1), pdf.data


def read_pdf(data: bytes) -> tuple[int, str, list[str]]:
    """(pages, text of page 1, what the QR codes on page 1 say)."""
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    decoded = [
        found.text
        for image in page.images
        for found in zxingcpp.read_barcodes(image.image)
        if found.format == zxingcpp.BarcodeFormat.QRCode
    ]
    return len(reader.pages), page.extract_text(), decoded


def test_with_an_assigned_module_passed_the_learner_downloads_a_checkable_certificate(
    client, app, make_assignment
):
    anna = log_in_as(client, app, "Anna Jansen")
    make_assignment("alpha", user_id=anna.id)
    page = client.get("/certificaat").text
    assert "Je krijgt je certificaat als je deze modules hebt gehaald." in page
    refused = client.post("/certificaat", follow_redirects=True)
    assert "Je krijgt je certificaat als je alle modules hieronder hebt gehaald." in refused.text
    assert count(app, Certificate) == 0

    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        log_in(client, anna.email)
        take_quiz(client, app, "alpha", right=True)
        assert 'href="/certificaat">Download je certificaat' in client.get("/").text
        code, data = download(client)
    pages, text, qr = read_pdf(data)
    assert pages == 1
    assert "Anna Jansen" in text
    assert "Alfa: de testmethode" in text and "1 december 2026" in text
    assert "Bèta" not in text  # not assigned, so not on it
    assert code in text
    url = f"{BASE}/certificaat/controleren/{code}"
    assert qr == [url]

    stranger = app.test_client()  # no account: the verification page is public
    check = stranger.get(f"/certificaat/controleren/{code}")
    assert check.status_code == 200
    assert "Geldig." in check.text
    for shown in ("Anna Jansen", "Alfa: de testmethode", "1 december 2026", code):
        assert shown in check.text
    assert "Bèta" not in check.text


def test_without_assignments_every_module_of_the_course_counts(client, app):
    log_in_as(client, app, "Bram de Boer")
    take_quiz(client, app, "alpha", right=True)
    assert "Download je certificaat" not in client.get("/certificaat").text
    assert "Download je certificaat" not in client.get("/").text
    take_quiz(client, app, "beta", right=True)
    code, data = download(client)
    _, text, _ = read_pdf(data)
    assert "Alfa: de testmethode" in text and "Bèta" in text


def test_downloading_again_gives_the_same_certificate_until_something_changes(client, app):
    bram = log_in_as(client, app, "Bram de Boer")
    take_quiz(client, app, "alpha", right=True)
    take_quiz(client, app, "beta", right=True)
    first, _ = download(client)
    second, _ = download(client)
    assert first == second and count(app, Certificate) == 1
    with app.app_context():
        db.session.get(User, bram.id).name = "Bram van den Boer"
        db.session.commit()
    renamed, data = download(client)
    assert renamed != first
    assert "Bram van den Boer" in read_pdf(data)[1]
    page = client.get("/certificaat").text
    assert first in page and renamed in page  # both listed; the first still checks out
    assert "Bram de Boer" in app.test_client().get(f"/certificaat/controleren/{first}").text


def test_a_long_name_with_any_letters_prints_on_one_page(client, app):
    name = "Łukasz Wąsowski-Şahin Öztürk van der Ğüçlü-Ærøskøbing Ñúñez y Ōtomo Ďuríček"
    log_in_as(client, app, name)
    take_quiz(client, app, "alpha", right=True)
    take_quiz(client, app, "beta", right=True)
    _, data = download(client)
    pages, text, qr = read_pdf(data)
    assert pages == 1
    assert name in text.replace("\n", " ")
    assert len(qr) == 1


def test_the_certificate_shows_how_long_each_pass_counts(client, app, make_assignment):
    anna = log_in_as(client, app, "Anna Jansen")
    assignment = make_assignment("alpha", user_id=anna.id)
    with app.app_context():
        from klantwijs.models import Assignment

        db.session.get(Assignment, assignment).valid_months = 12
        db.session.commit()
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        log_in(client, anna.email)
        take_quiz(client, app, "alpha", right=True)
        code, data = download(client)
        check = app.test_client().get(f"/certificaat/controleren/{code}").text
    _, text, _ = read_pdf(data)
    assert "Geldig tot" in text and "1 december 2027" in text
    assert "geldig tot 1 december 2027" in check
    with time_machine.travel(dt.datetime(2027, 12, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        later = app.test_client().get(f"/certificaat/controleren/{code}").text
    assert "Verlopen" in later  # the module's validity ran out since


def test_an_admin_revokes_a_certificate_after_confirming_and_it_says_so(
    client, app, make_user, login_as
):
    log_in_as(client, app, "Anna Jansen")
    take_quiz(client, app, "alpha", right=True)
    take_quiz(client, app, "beta", right=True)
    code, _ = download(client)
    with app.app_context():
        certificate_id = db.session.scalar(sa.select(Certificate.id))

    hr = app.test_client()
    login_as("hr", client=hr)
    listing = hr.get(f"/beheer/certificaten?q={code.lower().replace('-', '')}")
    assert listing.status_code == 200 and code in listing.text
    assert "Intrekken" not in listing.text  # only admins revoke
    assert hr.get(f"/beheer/certificaten/{certificate_id}/intrekken").status_code == 403
    assert hr.post(f"/beheer/certificaten/{certificate_id}/intrekken").status_code == 403

    admin = app.test_client()
    login_as("admin", client=admin)
    ask = admin.get(f"/beheer/certificaten/{certificate_id}/intrekken")
    assert ask.status_code == 200 and code in ask.text and "Annuleren" in ask.text
    assert app.test_client().get(f"/certificaat/controleren/{code}").text.count("Geldig.") == 1
    too_long = admin.post(
        f"/beheer/certificaten/{certificate_id}/intrekken", data={"reason": "x" * 201}
    )
    assert too_long.status_code == 422 and "hooguit 200 tekens" in too_long.text
    done = admin.post(
        f"/beheer/certificaten/{certificate_id}/intrekken",
        data={"reason": "Uitgegeven op de verkeerde naam"},
    )
    assert done.status_code == 302
    check = app.test_client().get(f"/certificaat/controleren/{code}")
    assert check.status_code == 200
    assert "Ingetrokken" in check.text and "Geldig." not in check.text
    assert "Uitgegeven op de verkeerde naam" in check.text
    assert "Anna Jansen" in check.text  # what it said stays readable
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "certificaat ingetrokken")
        )
        assert code in entry.detail and "verkeerde naam" in entry.detail
    again = admin.post(f"/beheer/certificaten/{certificate_id}/intrekken", follow_redirects=True)
    assert "al ingetrokken" in again.text
    assert count(app, AuditEntry, AuditEntry.action == "certificaat ingetrokken") == 1
    # The learner's own copy now says so too; a new download makes a new, valid one.
    assert "Ingetrokken" in client.get("/certificaat").text
    new_code, _ = download(client)
    assert new_code != code


@pytest.mark.parametrize(
    "code",
    ["ZZZZ-ZZZZ-ZZZZ", "abcd", "ABCD-EFGH-JKL1", "A" * 500, "<script>", "ABCD-EFGH-JKLM%00"],
)
def test_an_unknown_or_malformed_code_is_not_found(client, app, code):
    response = app.test_client().get(f"/certificaat/controleren/{code}")
    assert response.status_code == 404
    assert "Er is geen certificaat met deze code." in response.text
    assert "<script>" not in response.text


def test_a_typed_code_finds_its_page(client, app):
    log_in_as(client, app, "Anna Jansen")
    take_quiz(client, app, "alpha", right=True)
    take_quiz(client, app, "beta", right=True)
    code, _ = download(client)
    visitor = app.test_client()
    assert "Certificaat controleren" in visitor.get("/certificaat/controleren").text
    typed = visitor.get(f"/certificaat/controleren?code= {code.lower().replace('-', ' ')} ")
    assert typed.status_code == 302 and typed.location.endswith(f"/controleren/{code}")
    lower = visitor.get(f"/certificaat/controleren/{code.lower()}")
    assert lower.status_code == 302 and lower.location.endswith(f"/controleren/{code}")
    wrong = visitor.get("/certificaat/controleren?code=nee")
    assert wrong.status_code == 422 and "Er is geen certificaat met deze code." in wrong.text


def test_nobody_else_downloads_a_learners_pdf(client, app, make_user):
    log_in_as(client, app, "Anna Jansen")
    take_quiz(client, app, "alpha", right=True)
    take_quiz(client, app, "beta", right=True)
    code, _ = download(client)
    other = app.test_client()
    log_in(other, make_user().email)
    assert other.get(f"/certificaat/{code}.pdf").status_code == 404
    assert app.test_client().get(f"/certificaat/{code}.pdf").status_code == 302  # to Inloggen


def test_codes_are_twelve_unambiguous_characters():
    codes = {certificates.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    assert certificates.normalise_code(" abcd efgh jkmn ") == "ABCD-EFGH-JKMN"
    assert certificates.normalise_code("ABCD-EFGH-JKL0") is None  # 0 is not in the alphabet
    assert certificates.normalise_code("ＡＢＣＤ-EFGH-JKMN") is None


def log_in_as(client, app, name: str) -> User:
    from klantwijs.accounts.operations import create_user
    from tests.conftest import PASSWORD

    with app.app_context():
        user = create_user(f"{name.split()[0].lower()}@example.nl", name, PASSWORD, role="learner")
        db.session.refresh(user)
        db.session.expunge(user)
    assert log_in(client, user.email).status_code == 302
    return user

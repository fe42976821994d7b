"""Beheer views: Medewerkers importeren (upload → preview → confirm).

The preview carries the checked rows to the confirm step in a signed, time-limited hidden field:
the browser cannot change them, and they are checked against the database once more.
"""

import csv
import io

from flask import Response, current_app, render_template
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from ...accounts.invitations import invitation_link, mail_invitations
from ...core.db import db
from ...core.dutch import local_today
from ..forms import ImportConfirmForm, ImportUploadForm
from ..imports import (
    ImportFileError,
    check_against_database,
    deserialise,
    import_people,
    link_states,
    parse,
    serialise,
)
from ..reports.csv import neutralise
from ._common import actor

MAX_FILE_BYTES = 1024 * 1024
PREVIEW_SECONDS = 3600
LINKS_SECONDS = 7 * 24 * 3600  # as long as an invitation link works


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="beheer-import")


def _upload_error(form, message: str):
    form.file.errors = [*form.file.errors, message]
    return render_template("hr/import.html", form=form), 422


def upload():
    form = ImportUploadForm()
    if not form.is_submitted():
        return render_template("hr/import.html", form=form)
    if not form.validate():
        return render_template("hr/import.html", form=form), 422
    storage = form.file.data
    if storage is None or not getattr(storage, "filename", ""):
        return _upload_error(form, "Kies een CSV-bestand.")
    data = storage.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return _upload_error(
            form, "Het bestand is groter dan 1 MB. Splits het in kleinere bestanden."
        )
    try:
        rows = parse(data)
    except ImportFileError as exc:
        return _upload_error(form, str(exc))
    new_teams = check_against_database(rows)
    valid = [r for r in rows if r.ok]
    confirm = ImportConfirmForm(formdata=None)
    confirm.payload.data = _serializer().dumps({"by": actor().id, "rows": serialise(rows)})
    return render_template(
        "hr/import_preview.html",
        rows=rows,
        valid=valid,
        joining=[r for r in valid if r.existing],
        invalid=[r for r in rows if not r.ok],
        new_teams=new_teams,
        confirm=confirm,
        filename=storage.filename,
    ), (200 if valid else 422)


def confirm():
    form = ImportConfirmForm()
    upload_form = ImportUploadForm(formdata=None)
    if not form.validate_on_submit():
        return _upload_error(upload_form, "Het formulier is verlopen. Kies het bestand opnieuw.")
    try:
        payload = _serializer().loads(form.payload.data or "", max_age=PREVIEW_SECONDS)
        if payload.get("by") != actor().id:
            raise BadSignature("another user")
        rows = deserialise(payload["rows"])
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return _upload_error(
            upload_form,
            "Het voorbeeld is verlopen of klopt niet meer. Kies het bestand opnieuw.",
        )
    check_against_database(rows)
    skipped = [r for r in rows if not r.ok]
    try:
        created = import_people(actor(), rows)
    except IntegrityError:
        db.session.rollback()
        return _upload_error(
            upload_form,
            "Er is niets geïmporteerd: iemand anders wijzigde tegelijk de medewerkers. "
            "Kies het bestand opnieuw.",
        )
    invitations = [(user, invitation_link(token)) for user, token in created.created]
    mail_note = mail_invitations(invitations)
    links = ImportConfirmForm(formdata=None)
    links.payload.data = _links_serializer().dumps(
        {"by": actor().id, "links": [[user.id, token] for user, token in created.created]}
    )
    return render_template(
        "hr/import_done.html",
        invitations=invitations,
        joined=created.joined,
        skipped=skipped,
        mail_note=mail_note,
        links_form=links,
    )


def _links_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="beheer-import-links")


def links_csv():
    """Download links (CSV): the invitation links this HR person made in an import, each
    only while it still works and the account still has no password (else the row says
    why). The links travel in a signed field of the page that showed them, bound to the
    person who made them; only their hashes are stored."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return _upload_error(ImportUploadForm(formdata=None), "Het formulier is verlopen.")
    try:
        payload = _links_serializer().loads(form.payload.data or "", max_age=LINKS_SECONDS)
        if payload.get("by") != actor().id:
            raise BadSignature("another user")
        pairs = [(int(uid), str(token)) for uid, token in payload["links"]]
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return _upload_error(
            ImportUploadForm(formdata=None),
            "Deze links kun je niet (meer) downloaden: ze horen bij een import van iemand "
            "anders of zijn ouder dan 7 dagen. Maak per medewerker een nieuwe link.",
        )
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["naam", "e-mail", "uitnodigingslink", "opmerking"])
    for user, token, problem in link_states(pairs):
        link, note = invitation_link(token), ""
        if problem:
            link, note = "", _LINK_GONE[problem]
        writer.writerow([neutralise(user.name), neutralise(user.email), link, note])
    filename = f"uitnodigingslinks-{local_today().isoformat()}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


_LINK_GONE = {
    "used": "al gebruikt: de medewerker heeft een wachtwoord gekozen",
    "expired": "verlopen of vervangen door een nieuwere link",
    "inactive": "account gedeactiveerd",
    "password": "heeft al een wachtwoord: een nieuwe link gaat alleen per e-mail",
    "unknown": "werkt niet meer",
}

"""Blueprint "certificate": the learner's Certificaat (page, issue, PDF) and the public
verification page that anyone with the code or the QR code opens, without an account."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...accounts.session import current_account
from ...core.dutch import local_today
from ...core.errors import render_error
from ...core.extensions import rate_limit
from ...core.mail import absolute_url
from ...course import get_course as course
from .. import certificate_pdf, certificates
from ..status import Status

bp = Blueprint("certificate", __name__)

UNKNOWN = (
    "Er is geen certificaat met deze code. Controleer de code op het certificaat: vier tekens, "
    "een streepje, vier tekens, een streepje en vier tekens."
)


@bp.get("/certificaat")
@login_required
def index():
    lines = certificates.certificate_lines(current_user.id, course(), local_today())
    return render_template(
        "certificate/index.html",
        lines=lines,
        complete=bool(lines) and all(line.status is Status.PASSED for line in lines),
        issued=certificates.certificates_of(current_user.id),
    )


@bp.post("/certificaat")
@login_required
@rate_limit("10 per minute")
def issue():
    certificate = certificates.issue(current_account(), course(), local_today())
    if certificate is None:
        flash("Je krijgt je certificaat als je alle modules hieronder hebt gehaald.", "info")
        return redirect(url_for("certificate.index"))
    return redirect(url_for("certificate.pdf", code=certificate.code))


@bp.get("/certificaat/<code>.pdf")
@login_required
@rate_limit("20 per minute")
def pdf(code: str):
    certificate = certificates.own_certificate(current_user.id, code)
    if certificate is None:
        abort(404)
    body = certificate_pdf.render(
        certificate,
        certificates.modules_on(certificate, local_today()),
        absolute_url("certificate.verify", code=certificate.code),
        revoked=certificate.revoked_at is not None,
    )
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificaat-{certificate.code}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/certificaat/controleren")
@rate_limit("60 per minute")
def check():
    """The form for a code read off a printed certificate; a code sends to its page."""
    raw = request.args.get("code")
    if raw is None:
        return render_template("certificate/check.html", error=None)
    code = certificates.normalise_code(raw)
    if code is None:
        return render_template("certificate/check.html", error=UNKNOWN, typed=raw[:40]), 422
    return redirect(url_for("certificate.verify", code=code))


@bp.get("/certificaat/controleren/<code>")
@rate_limit("60 per minute")
def verify(code: str):
    """Public: what the certificate says, and whether it is valid or revoked; 404 when no
    certificate has this code."""
    certificate = certificates.find(code)
    if certificate is None:
        return render_error(404, UNKNOWN)
    if certificate.code != code:  # typed in lower case or without dashes
        return redirect(url_for("certificate.verify", code=certificate.code))
    response = Response(
        render_template(
            "certificate/verify.html",
            certificate=certificate,
            modules=certificates.modules_on(certificate, local_today()),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response

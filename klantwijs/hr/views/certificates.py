"""Beheer → Certificaten: find a Certificaat by code or name; an admin revokes one (with a
confirmation step, audited). The operations are learning/certificates.py."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...core.db import db
from ...core.dutch import local_today
from ...core.forms import FORBIDDEN_CHARACTERS, has_forbidden_characters
from ...learning import certificates as certs
from ...models import Certificate
from ..forms import RevokeCertificateForm
from ._common import actor


def certificates():
    text = (request.args.get("q") or "").strip()[:100]
    if has_forbidden_characters(text):
        flash(FORBIDDEN_CHARACTERS, "error")
        text = ""
    return render_template(
        "hr/certificates.html", found=certs.search(text), q=text, today=local_today()
    )


def revoke_certificate(certificate_id: int):
    """Intrekken (admins): asks first; the reason shows on the public verification page."""
    if not current_user.is_admin:
        abort(403)
    certificate = db.get_or_404(Certificate, certificate_id)
    back = url_for("hr.certificates", q=certificate.code)
    if certificate.revoked_at is not None:
        flash("Dit certificaat is al ingetrokken.", "info")
        return redirect(back)
    form = RevokeCertificateForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                certs.revoke(actor(), certificate.id, form.reason.data or "")
            except certs.RevokeRefused as refused:
                db.session.rollback()
                flash(str(refused), "info")
                return redirect(back)
            flash(f"Certificaat {certificate.code} is ingetrokken.", "success")
            return redirect(back)
        status = 400 if "csrf_token" in form.errors else 422
    return render_template(
        "hr/certificate_revoke.html", form=form, certificate=certificate, back=back
    ), status

"""Beheer views: start page, Medewerkers (list, add, detail, deactivate, role) and the Logboek."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.invitations import invitation_link, link_may_be_shown, mail_invitations
from ...core.db import db
from ...core.dutch import local_today
from ...core.forms import FORBIDDEN_CHARACTERS, ConfirmForm, choices, has_forbidden_characters
from ...core.mail import mail_configured
from ...course import get_course
from ...learning.overview import attempts_of
from ...models import User, utcnow
from .. import queries
from ..errors import HrError
from ..forms import PersonForm, RoleForm
from ..people import add_person as add_person_op
from ..people import management_refusal, set_active
from ..people import reinvite as reinvite_op
from ..people import set_role as set_role_op
from ..reports.matrix import build_report
from ._common import actor, confirm_page, confirmed, int_arg, team_scope


def index():
    scope = team_scope()
    if scope is not None:
        return render_template("hr/index.html", teams=queries.team_choices(scope), counts=None)
    return render_template("hr/index.html", counts=queries.counts(), teams=None)


def people():
    query_text = (request.args.get("q") or "").strip()[:100]
    if has_forbidden_characters(query_text):
        flash(FORBIDDEN_CHARACTERS, "error")
        query_text = ""
    team_id = int_arg("team")
    pagination = queries.people_page(query_text, team_id, int_arg("pagina", 1, maximum=100_000))
    return render_template(
        "hr/people.html",
        pagination=pagination,
        teams=queries.team_names_of([u.id for u in pagination.items]),
        q=query_text,
        team_id=team_id,
        team_choices=queries.team_choices(),
    )


def add_person():
    form = PersonForm()
    form.teams.choices = choices(queries.team_choices())
    status = 200
    if form.validate_on_submit():
        try:
            user, token = add_person_op(actor(), form.name.data, form.email.data, form.teams.data)
        except HrError as exc:
            form.email.errors.append(str(exc))
            db.session.rollback()
            status = 422
        else:
            link = invitation_link(token)
            return render_template(
                "hr/invitation.html",
                user=user,
                link=link,
                mail_note=mail_invitations([(user, link)]),
            )
    elif form.errors:
        status = 422
    return render_template("hr/add_person.html", form=form), status


def person(user_id: int):
    """A person's modules and attempts; a Teamleider sees only the members of their teams
    (anyone else is "not found" for them) and no account actions."""
    scope = team_scope()
    user = db.get_or_404(User, user_id)
    if scope is not None and not queries.member_of_any(user.id, scope):
        abort(404)
    report = build_report(get_course(), local_today(), user_id=user.id)
    return render_template(
        "hr/person.html",
        user=user,
        invitation=queries.latest_invitation(user),
        now=utcnow(),
        teams=queries.teams_of(user),
        report=report,
        row=report.rows[0] if report.rows else None,
        attempts=attempts_of(user.id),
        course=get_course(),
        confirm=ConfirmForm(),
        role_form=RoleForm(role=user.role),
        refusal=management_refusal(current_user, user),
    )


def reinvite(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    shown = link_may_be_shown(user)
    if not shown and not mail_configured():
        flash(
            f"{user.name} heeft al een wachtwoord. Een nieuwe link gaat dan alleen per e-mail, "
            "en Klantwijs kan nu geen e-mail versturen. Stuur de medewerker naar "
            "Wachtwoord vergeten? op de inlogpagina zodra e-mail is ingesteld.",
            "error",
        )
        return redirect(url_for("hr.person", user_id=user.id))
    try:
        token = reinvite_op(actor(), user)
    except HrError as exc:
        flash(str(exc), "error")
        return redirect(url_for("hr.person", user_id=user.id))
    link = invitation_link(token)
    return render_template(
        "hr/invitation.html",
        user=user,
        link=link if shown else None,
        mail_note=mail_invitations([(user, link)]),
    )


def deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if confirmed(form):
        try:
            set_active(actor(), user, False)
        except HrError as exc:
            flash(str(exc), "error")
            return redirect(url_for("hr.person", user_id=user.id))
        flash(f"{user.name} is gedeactiveerd en kan niet meer inloggen.", "success")
        return redirect(url_for("hr.person", user_id=user.id))
    return confirm_page(
        form,
        title=f"{user.name} deactiveren?",
        message="Deze medewerker kan daarna niet meer inloggen. De resultaten blijven in Voortgang "
        "staan (gemarkeerd als inactief). Je kunt het account later weer activeren.",
        button="Deactiveren",
        back=url_for("hr.person", user_id=user.id),
    )


def reactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        set_active(actor(), user, True)
    except HrError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.name} is weer actief.", "success")
    return redirect(url_for("hr.person", user_id=user.id))


def set_role(user_id: int):
    if not current_user.is_admin:
        abort(403)
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        set_role_op(actor(), user, form.role.data)
    except HrError as exc:
        flash(str(exc), "error")
    else:
        flash(f"De rol van {user.name} is nu {user.role}.", "success")
    return redirect(url_for("hr.person", user_id=user.id))


def audit_log():
    if not current_user.is_admin:
        abort(403)
    page = int_arg("pagina", 1, maximum=100_000)
    entries, has_next = queries.audit_page(page)
    return render_template("hr/audit_log.html", entries=entries, page=page, has_next=has_next)

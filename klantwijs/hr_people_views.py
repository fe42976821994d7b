"""Beheer views: start page, Medewerkers (list, add, detail, deactivate, role) and the log."""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .accounts import current_account
from .extensions import db
from .hr_forms import ConfirmForm, PersonForm, RoleForm
from .mail import MailError, absolute_url, invitation_text, mail_configured, send_mail
from .models import MAX_ID, Assignment, AuditEntry, Invitation, Membership, Team, User, utcnow
from .people import HrError, set_active
from .people import add_person as add_person_op
from .people import reinvite as reinvite_op
from .people import set_role as set_role_op
from .reports import attempts_of, build_report
from .status import local_today

PER_PAGE = 100


def int_arg(name: str, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """A whole number from the query string within 1..maximum, else the default."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= maximum else default


def actor() -> User:
    return current_account()


def course():
    return current_app.extensions["course"]


def confirmed(form: ConfirmForm) -> bool:
    """True for a confirming POST; a POST without a valid token is a 400; a GET asks first."""
    if request.method != "POST":
        return False
    if not form.validate_on_submit():
        abort(400)
    return True


def confirm_page(form: ConfirmForm, title: str, message: str, button: str, back: str) -> str:
    """The page that asks before a destructive step."""
    return render_template(
        "hr/confirm.html", title=title, message=message, button=button, form=form, back=back
    )


def team_choices() -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in db.session.scalars(sa.select(Team).order_by(Team.name))]


def invitation_link(token: str) -> str:
    return absolute_url("auth.set_password", token=token)


def mail_invitation(user: User, link: str) -> str | None:
    """E-mail the link when SMTP is set up; return a Dutch note on what happened."""
    if not mail_configured():
        return None
    try:
        send_mail(user.email, "Je uitnodiging voor Klantwijs", invitation_text(user.name, link))
    except MailError:
        current_app.logger.warning("Invitation mail to %s failed", user.email, exc_info=True)
        return "De e-mail kon niet worden verstuurd. Geef de link zelf door."
    return f"De uitnodiging is ook gemaild naar {user.email}."


def index():
    counts = {
        "people": db.session.scalar(sa.select(sa.func.count(User.id))),
        "teams": db.session.scalar(sa.select(sa.func.count(Team.id))),
        "assignments": db.session.scalar(sa.select(sa.func.count(Assignment.id))),
    }
    return render_template("hr/index.html", counts=counts)


def people():
    query_text = (request.args.get("q") or "").strip()[:100]
    team_id = int_arg("team")
    page = int_arg("pagina", 1, maximum=100_000)
    query = sa.select(User).order_by(sa.func.lower(User.name), User.email)
    if query_text:
        like = f"%{query_text.lower().replace('%', '').replace('_', '')}%"
        query = query.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    if team_id:
        query = query.where(
            User.id.in_(sa.select(Membership.user_id).where(Membership.team_id == team_id))
        )
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    ids = [u.id for u in pagination.items]
    teams: dict[int, list[str]] = {}
    if ids:
        for uid, name in db.session.execute(
            sa.select(Membership.user_id, Team.name)
            .join(Team)
            .where(Membership.user_id.in_(ids))
            .order_by(Team.name)
        ):
            teams.setdefault(uid, []).append(name)
    return render_template(
        "hr/people.html",
        pagination=pagination,
        teams=teams,
        q=query_text,
        team_id=team_id,
        team_choices=team_choices(),
    )


def add_person():
    form = PersonForm()
    form.teams.choices = team_choices()
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
                "hr/invitation.html", user=user, link=link, mail_note=mail_invitation(user, link)
            )
    elif form.errors:
        status = 422
    return render_template("hr/add_person.html", form=form), status


def person(user_id: int):
    user = db.get_or_404(User, user_id)
    report = build_report(course(), local_today(), user_id=user.id)
    teams = db.session.scalars(
        sa.select(Team).join(Membership).where(Membership.user_id == user.id).order_by(Team.name)
    ).all()
    role_form = RoleForm(role=user.role)
    invitation = db.session.scalar(
        sa.select(Invitation)
        .where(Invitation.user_id == user.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )
    return render_template(
        "hr/person.html",
        user=user,
        invitation=invitation,
        now=utcnow(),
        teams=teams,
        report=report,
        row=report.rows[0] if report.rows else None,
        attempts=attempts_of(user.id),
        course=course(),
        confirm=ConfirmForm(),
        role_form=role_form,
    )


def reinvite(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = reinvite_op(actor(), user)
    except HrError as exc:
        flash(str(exc), "error")
        return redirect(url_for("hr.person", user_id=user.id))
    link = invitation_link(token)
    return render_template(
        "hr/invitation.html", user=user, link=link, mail_note=mail_invitation(user, link)
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
    query = (
        sa.select(AuditEntry, User.name, User.email)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    entries = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template(
        "hr/audit_log.html",
        entries=entries,
        page=page,
        has_next=page * PER_PAGE < total,
    )

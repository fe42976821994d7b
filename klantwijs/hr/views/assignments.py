"""Beheer views: Module toewijzen, change a Deadline, remove an assignment."""

from flask import flash, redirect, render_template, request, url_for

from ...core.db import db
from ...core.forms import ConfirmForm, choices
from ...core.mail import mail_configured
from ...course import get_course
from ...models import Assignment, Team
from .. import queries
from ..assignments import assign as assign_op
from ..assignments import change_deadline, remove_assignment, target_label
from ..errors import HrError
from ..forms import AssignForm, DeadlineForm
from ..notices import deliver
from ._common import actor, confirm_page, confirmed, int_arg, team_scope
from ._picker import browsing, picked_ids, picker

NOTICES_NOW = 200  # assignment mails sent while HR waits; the rest go with the next run


def _label(assignment: Assignment) -> str:
    teams, users = queries.target_names([assignment])
    return target_label(assignment, teams, users)


def assignments():
    rows = queries.all_assignments()
    teams, users = queries.target_names(rows)
    return render_template(
        "hr/assignments.html",
        rows=[(a, target_label(a, teams, users)) for a in rows],
        course=get_course(),
    )


def _offered(text: str):
    return queries.pickable(text, assignable=True)


def assign():
    """Module toewijzen: modules, a team or people (picker), a Deadline. A Teamleider
    assigns to the teams they lead only."""
    scope = team_scope()
    form = AssignForm()
    form.modules.choices = choices((m.slug, m.title) for m in get_course().modules)
    form.team.choices = choices(
        [("", "Kies een team")] + [(str(i), n) for i, n in queries.team_choices(scope)]
    )
    if scope is not None:
        form.target.choices = choices([("team", "Een team")])
    if request.method == "GET" and int_arg("team"):
        form.team.data = str(int_arg("team"))
    if request.method == "GET" and request.args.get("q") is not None:
        form.target.data = "people"
    status = 200
    if request.method == "POST" and browsing():
        form.target.data = "people"  # searching or paging: show it again, store nothing
    elif form.validate_on_submit():
        try:
            team = users = None
            if form.target.data == "team":
                team = db.session.get(Team, int(form.team.data))
            else:
                users = queries.users_by_ids(picked_ids(form, _offered))
            done = assign_op(
                actor(), form.modules.data, form.due_date.data, team, users, form.validity
            )
        except HrError as exc:
            db.session.rollback()
            field = form.people if form.target.data == "people" else form.target
            field.errors = [*field.errors, str(exc)]
            status = 422
        else:
            message = f"{done.created} toewijzing(en) opgeslagen"
            if done.updated:
                message += f", bij {done.updated} de Deadline bijgewerkt"
            flash(message + ". " + _mail_note(done.notice_ids), "success")
            return redirect(url_for("hr.report" if scope is not None else "hr.assignments"))
    elif form.errors:
        status = 422
    return render_template(
        "hr/assign.html",
        form=form,
        picker=picker(form, _offered) if scope is None else None,
    ), status


def _mail_note(notice_ids: list[int]) -> str:
    """Send the queued assignment mails now (up to NOTICES_NOW); a Dutch line on the result."""
    if not notice_ids:
        return "Er ging geen e-mail uit: niemand kreeg er iets bij."
    if not mail_configured():
        return "E-mail is niet ingesteld: de medewerkers krijgen geen bericht."
    now, later = notice_ids[:NOTICES_NOW], notice_ids[NOTICES_NOW:]
    result = deliver(get_course(), now)
    note = f"{len(result.sent)} medewerker(s) kregen een e-mail."
    waiting = len(later) + len(result.failed)
    if result.failed:
        note += f" {len(result.failed)} e-mail(s) konden niet worden verstuurd."
    if waiting:
        note += f" {waiting} e-mail(s) gaan mee met de volgende ronde van de herinneringen."
    return note


def edit(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    label = _label(assignment)
    form = DeadlineForm(obj=assignment)
    status = 200
    if form.validate_on_submit():
        change_deadline(actor(), assignment, form.due_date.data, label)
        flash("De Deadline is gewijzigd.", "success")
        return redirect(url_for("hr.assignments"))
    elif form.errors:
        status = 422
    module = get_course().get(assignment.module_slug)
    return render_template(
        "hr/edit_assignment.html",
        assignment=assignment,
        label=label,
        title=module.title if module else assignment.module_slug,
        form=form,
    ), status


def remove(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    label = _label(assignment)
    module = get_course().get(assignment.module_slug)
    title = module.title if module else assignment.module_slug
    form = ConfirmForm()
    if confirmed(form):
        remove_assignment(actor(), assignment, label)
        flash(f"De toewijzing van {title} aan {label} is verwijderd.", "success")
        return redirect(url_for("hr.assignments"))
    return confirm_page(
        form,
        title="Toewijzing verwijderen?",
        message=f"{title} is dan niet meer toegewezen aan {label}. Pogingen en resultaten blijven "
        "bewaard.",
        button="Toewijzing verwijderen",
        back=url_for("hr.assignments"),
    )

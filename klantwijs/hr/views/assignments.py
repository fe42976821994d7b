"""Beheer views: Module toewijzen, change a Deadline, remove an assignment."""

from flask import flash, redirect, render_template, request, url_for

from ...core.db import db
from ...core.forms import ConfirmForm, choices
from ...course import get_course
from ...models import Assignment, Team
from .. import queries
from ..assignments import assign as assign_op
from ..assignments import change_deadline, remove_assignment, target_label
from ..errors import HrError
from ..forms import AssignForm, DeadlineForm
from ._common import actor, confirm_page, confirmed, int_arg


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


def assign():
    form = AssignForm()
    form.modules.choices = choices((m.slug, m.title) for m in get_course().modules)
    form.team.choices = choices(
        [("", "Kies een team")] + [(str(i), n) for i, n in queries.team_choices()]
    )
    form.people.choices = choices(queries.active_people_choices())
    if request.method == "GET" and int_arg("team"):
        form.team.data = str(int_arg("team"))
    status = 200
    if form.validate_on_submit():
        team = db.session.get(Team, int(form.team.data)) if form.target.data == "team" else None
        users = queries.users_by_ids(form.people.data) if form.target.data == "people" else None
        try:
            created, updated = assign_op(
                actor(), form.modules.data, form.due_date.data, team, users
            )
        except HrError as exc:
            db.session.rollback()
            form.target.errors.append(str(exc))
            status = 422
        else:
            message = f"{created} toewijzing(en) opgeslagen"
            if updated:
                message += f", bij {updated} de Deadline bijgewerkt"
            flash(message + ".", "success")
            return redirect(url_for("hr.assignments"))
    elif form.errors:
        status = 422
    return render_template("hr/assign.html", form=form), status


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

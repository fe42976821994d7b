"""Beheer views: Module toewijzen, change a Deadline, remove an assignment."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from .extensions import db
from .hr_assignments import assign as assign_op
from .hr_assignments import change_deadline, remove_assignment, target_label
from .hr_forms import AssignForm, ConfirmForm, DeadlineForm
from .hr_people_views import actor, confirm_page, confirmed, course, int_arg, team_choices
from .models import Assignment, Team, User
from .people import HrError


def _labels(assignments) -> tuple[dict[int, str], dict[int, str]]:
    team_ids = {a.team_id for a in assignments if a.team_id}
    user_ids = {a.user_id for a in assignments if a.user_id}
    teams = (
        dict(
            db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(team_ids)))
            .tuples()
            .all()
        )
        if team_ids
        else {}
    )
    users = (
        {
            uid: f"{name} ({email})"
            for uid, name, email in db.session.execute(
                sa.select(User.id, User.name, User.email).where(User.id.in_(user_ids))
            )
        }
        if user_ids
        else {}
    )
    return teams, users


def _label(assignment: Assignment) -> str:
    teams, users = _labels([assignment])
    return target_label(assignment, teams, users)


def assignments():
    rows = db.session.scalars(
        sa.select(Assignment).order_by(Assignment.due_date, Assignment.module_slug, Assignment.id)
    ).all()
    teams, users = _labels(rows)
    return render_template(
        "hr/assignments.html",
        rows=[(a, target_label(a, teams, users)) for a in rows],
        course=course(),
    )


def assign():
    form = AssignForm()
    form.modules.choices = [(m.slug, m.title) for m in course().modules]
    form.team.choices = [("", "Kies een team")] + [(str(i), n) for i, n in team_choices()]
    form.people.choices = [
        (uid, f"{name} ({email})")
        for uid, name, email in db.session.execute(
            sa.select(User.id, User.name, User.email)
            .where(User.active.is_(True))
            .order_by(sa.func.lower(User.name), User.email)
        )
    ]
    if request.method == "GET" and int_arg("team"):
        form.team.data = str(int_arg("team"))
    status = 200
    if form.validate_on_submit():
        team = db.session.get(Team, int(form.team.data)) if form.target.data == "team" else None
        users = (
            db.session.scalars(sa.select(User).where(User.id.in_(form.people.data))).all()
            if form.target.data == "people"
            else None
        )
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
    module = course().get(assignment.module_slug)
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
    module = course().get(assignment.module_slug)
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

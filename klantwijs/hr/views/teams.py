"""Beheer views: Teams (create, rename, members, Teamleiders, delete)."""

from flask import flash, redirect, render_template, url_for

from ...core.db import db
from ...core.forms import ConfirmForm
from ...course import get_course
from ...models import Team, TeamLead, User
from .. import queries
from ..errors import HrError
from ..forms import MembersForm, TeamForm, TeamLeadForm
from ..teams import add_lead, create_team, delete_team, remove_lead, rename_team
from ..teams import add_members as add_members_op
from ..teams import remove_member as remove_member_op
from ._common import actor, confirm_page, confirmed
from ._picker import browsing, picked_ids, picker


def teams():
    form = TeamForm()
    status = 200
    if form.validate_on_submit():
        try:
            team = create_team(actor(), form.name.data)
        except HrError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
            status = 422
        else:
            flash(f"Team {team.name} is aangemaakt.", "success")
            return redirect(url_for("hr.team", team_id=team.id))
    elif form.errors:
        status = 422
    rows = queries.teams_with_member_counts()
    return render_template("hr/teams.html", rows=rows, form=form), status


def _offered(team: Team):
    return lambda text: queries.pickable(text, not_in_team=team.id)


def _team_page(team: Team, rename_form=None, members_form=None, lead_form=None, status=200):
    members_form = members_form or MembersForm(formdata=None)
    return render_template(
        "hr/team.html",
        team=team,
        members=queries.members_of(team),
        leads=queries.leads_of(team),
        rename_form=rename_form or TeamForm(name=team.name, formdata=None),
        members_form=members_form,
        picker=picker(members_form, _offered(team)),
        lead_form=lead_form or TeamLeadForm(formdata=None),
        assignments=queries.assignments_of_team(team),
        course=get_course(),
    ), status


def team(team_id: int):
    return _team_page(db.get_or_404(Team, team_id))


def rename(team_id: int):
    team = db.get_or_404(Team, team_id)
    form = TeamForm()
    if form.validate_on_submit():
        try:
            rename_team(actor(), team, form.name.data)
        except HrError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            flash(f"Het team heet nu {team.name}.", "success")
            return redirect(url_for("hr.team", team_id=team.id))
    return _team_page(team, rename_form=form, status=422)


def add_members(team_id: int):
    """Leden toevoegen through the picker; its search and page buttons only show the page
    again (with what was ticked)."""
    team = db.get_or_404(Team, team_id)
    form = MembersForm()
    if browsing():
        return _team_page(team, members_form=form)
    if form.validate_on_submit():
        try:
            added = add_members_op(actor(), team, picked_ids(form, _offered(team)))
        except HrError as exc:
            db.session.rollback()
            form.people.errors = [*form.people.errors, str(exc)]
        else:
            flash(f"{added} medewerker(s) toegevoegd aan {team.name}.", "success")
            return redirect(url_for("hr.team", team_id=team.id))
    return _team_page(team, members_form=form, status=422)


def remove_member(team_id: int, user_id: int):
    team = db.get_or_404(Team, team_id)
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if confirmed(form):
        remove_member_op(actor(), team, user)
        flash(f"{user.name} is uit {team.name} gehaald.", "success")
        return redirect(url_for("hr.team", team_id=team.id))
    return confirm_page(
        form,
        title=f"{user.name} uit {team.name} halen?",
        message="Modules die aan dit team zijn toegewezen, gelden daarna niet meer voor deze "
        "medewerker. Resultaten en pogingen blijven bewaard.",
        button="Uit team halen",
        back=url_for("hr.team", team_id=team.id),
    )


def add_team_lead(team_id: int):
    """Make someone Teamleider of this team (by e-mail address)."""
    team = db.get_or_404(Team, team_id)
    form = TeamLeadForm()
    if form.validate_on_submit():
        try:
            user = add_lead(actor(), team, form.email.data)
        except HrError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            flash(f"{user.name} is nu teamleider van {team.name}.", "success")
            return redirect(url_for("hr.team", team_id=team.id))
    return _team_page(team, lead_form=form, status=422)


def remove_team_lead(team_id: int, user_id: int):
    team = db.get_or_404(Team, team_id)
    user = db.get_or_404(User, user_id)
    if db.session.get(TeamLead, (user.id, team.id)) is None:
        flash(f"{user.name} is geen teamleider van {team.name}.", "error")
        return redirect(url_for("hr.team", team_id=team.id))
    form = ConfirmForm()
    if confirmed(form):
        remove_lead(actor(), team, user)
        flash(f"{user.name} is geen teamleider van {team.name} meer.", "success")
        return redirect(url_for("hr.team", team_id=team.id))
    return confirm_page(
        form,
        title=f"{user.name} als teamleider van {team.name} weghalen?",
        message=f"{user.name} ziet daarna de voortgang van dit team niet meer en kan er geen "
        "modules meer aan toewijzen. Het account zelf blijft zoals het is.",
        button="Teamleider weghalen",
        back=url_for("hr.team", team_id=team.id),
    )


def delete(team_id: int):
    team = db.get_or_404(Team, team_id)
    form = ConfirmForm()
    if confirmed(form):
        name = team.name
        delete_team(actor(), team)
        flash(f"Team {name} is verwijderd. Resultaten van de leden blijven bewaard.", "success")
        return redirect(url_for("hr.teams"))
    return confirm_page(
        form,
        title=f"Team {team.name} verwijderen?",
        message="Het team en de toewijzingen aan dit team verdwijnen. De medewerkers, hun "
        "pogingen en resultaten blijven bewaard.",
        button="Team verwijderen",
        back=url_for("hr.team", team_id=team.id),
    )

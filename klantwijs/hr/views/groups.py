"""Beheer views: link directory groups (the OIDC_GROUPS_CLAIM claim) to teams, and unlink."""

from flask import current_app, flash, redirect, render_template, url_for
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ...accounts.directory import MAX_GROUP_LENGTH, GroupLinkError, group_links
from ...accounts.directory import link_group as link_group_op
from ...accounts.directory import unlink_group as unlink_group_op
from ...core.db import db
from ...core.forms import REQUIRED, ConfirmForm, KlantwijsForm, choices
from ...models import GroupTeam, Team
from .. import queries
from ._common import actor, confirm_page, confirmed, int_arg


def _not_blank(_form, field) -> None:
    if not (field.data or "").strip():
        raise ValidationError(REQUIRED)


def _team_id(value) -> int:
    """A team id from the form; anything that is not a plain number is no team (0)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0


def _listed_team(_form, field) -> None:
    if field.data not in {choice.value for choice in field.choices}:
        raise ValidationError(
            "Kies een team uit de lijst. Staat het er niet meer in? Laad de pagina opnieuw."
        )


class GroupLinkForm(KlantwijsForm):
    group = StringField(
        "Groep",
        validators=[
            InputRequired(REQUIRED),
            _not_blank,
            Length(max=MAX_GROUP_LENGTH, message=f"Hooguit {MAX_GROUP_LENGTH} tekens."),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    team = SelectField("Team", coerce=_team_id, validate_choice=False, validators=[_listed_team])


def group_teams():
    form = GroupLinkForm()
    form.team.choices = choices(queries.team_choices())
    status = 200
    if form.validate_on_submit():
        team = db.session.get(Team, form.team.data)
        try:
            link_group_op(actor(), form.group.data, team)
        except GroupLinkError as exc:
            form.group.errors.append(str(exc))
            status = 422
        else:
            flash(f"Groep {form.group.data} is gekoppeld aan {team.name}.", "success")
            return redirect(url_for("hr.group_teams"))
    elif form.errors:
        status = 422
    return render_template(
        "hr/group_teams.html",
        links=group_links(),
        form=form,
        claim=current_app.config.get("OIDC_GROUPS_CLAIM", "").strip(),
        sso=bool(current_app.config.get("OIDC_ISSUER", "").strip()),
    ), status


def unlink_group():
    """?koppeling=<id>: ask first, then remove the link."""
    link = db.get_or_404(GroupTeam, int_arg("koppeling") or 0)
    team = db.session.get(Team, link.team_id)
    form = ConfirmForm()
    if confirmed(form):
        unlink_group_op(actor(), link)
        flash(f"Groep {link.group_name} is niet meer gekoppeld aan {team.name}.", "success")
        return redirect(url_for("hr.group_teams"))
    return confirm_page(
        form,
        title=f"Groep {link.group_name} ontkoppelen van {team.name}?",
        message="Wie nu in het team zit, blijft erin; HR kan leden met de hand uit het team "
        "halen. Bij volgende inlogs verandert Klantwijs het team niet meer vanwege deze groep.",
        button="Ontkoppelen",
        back=url_for("hr.group_teams"),
    )

"""Blueprint: Beheer (teams, people, assignments, reports, CSV), for hr and admin only.

This module is the URL map and the access rule; views live in hr_*_views.py. The blueprint's
CLI group holds `flask reminders send`.
"""

import datetime as dt

import click
from flask import Blueprint, abort, request
from flask_login import current_user

from . import (
    hr_assignment_views,
    hr_import_views,
    hr_people_views,
    hr_report_views,
    hr_team_views,
)
from .extensions import login_manager
from .hr_people_views import MAX_ID

bp = Blueprint("hr", __name__, url_prefix="/beheer", cli_group="reminders")


@bp.before_request
def require_hr():
    """Anonymous → login page; a learner → 403; hr and admin pass."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_hr:
        abort(403)
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        abort(404)  # beyond any database integer: no such row
    return None


@bp.app_template_filter("beheer_tijd")
def beheer_tijd(value: dt.datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """A stored UTC time shown in Dutch local time."""
    from .reports import local

    return local(value).strftime(fmt) if value else ""


@bp.after_request
def no_store(response):
    """Beheer pages show personal data and invitation links: keep them out of caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


_GET, _POST, _BOTH = ["GET"], ["POST"], ["GET", "POST"]
ROUTES = [
    ("/", "index", hr_people_views.index, _GET),
    ("/medewerkers", "people", hr_people_views.people, _GET),
    ("/medewerkers/toevoegen", "add_person", hr_people_views.add_person, _BOTH),
    ("/medewerkers/<int:user_id>", "person", hr_people_views.person, _GET),
    ("/medewerkers/<int:user_id>/uitnodiging", "reinvite", hr_people_views.reinvite, _POST),
    ("/medewerkers/<int:user_id>/deactiveren", "deactivate", hr_people_views.deactivate, _BOTH),
    ("/medewerkers/<int:user_id>/activeren", "reactivate", hr_people_views.reactivate, _POST),
    ("/medewerkers/<int:user_id>/rol", "set_role", hr_people_views.set_role, _POST),
    ("/medewerkers/importeren", "import_people", hr_import_views.upload, _BOTH),
    ("/medewerkers/importeren/bevestigen", "import_confirm", hr_import_views.confirm, _POST),
    ("/teams", "teams", hr_team_views.teams, _BOTH),
    ("/teams/<int:team_id>", "team", hr_team_views.team, _GET),
    ("/teams/<int:team_id>/naam", "rename_team", hr_team_views.rename, _POST),
    ("/teams/<int:team_id>/leden", "add_members", hr_team_views.add_members, _POST),
    (
        "/teams/<int:team_id>/leden/<int:user_id>/verwijderen",
        "remove_member",
        hr_team_views.remove_member,
        _BOTH,
    ),
    ("/teams/<int:team_id>/verwijderen", "delete_team", hr_team_views.delete, _BOTH),
    ("/toewijzingen", "assignments", hr_assignment_views.assignments, _GET),
    ("/toewijzingen/nieuw", "assign", hr_assignment_views.assign, _BOTH),
    ("/toewijzingen/<int:assignment_id>", "edit_assignment", hr_assignment_views.edit, _BOTH),
    (
        "/toewijzingen/<int:assignment_id>/verwijderen",
        "remove_assignment",
        hr_assignment_views.remove,
        _BOTH,
    ),
    ("/voortgang", "report", hr_report_views.report, _GET),
    ("/voortgang.csv", "report_csv", hr_report_views.report_csv, _GET),
    ("/vragen-inzicht", "insight", hr_report_views.insight, _GET),
    ("/logboek", "audit_log", hr_people_views.audit_log, _GET),
]
for rule, endpoint, view, methods in ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=methods)


@bp.cli.command("send")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Rekenen alsof het deze dag is.")
@click.option("--dry-run", is_flag=True, help="Alleen tonen wie een herinnering zou krijgen.")
def send_reminders_command(today, dry_run: bool) -> None:
    """E-mail people whose module is due within REMINDER_DAYS or late (once a day per module)."""
    from flask import current_app

    from .mail import mail_configured
    from .reminders import send_reminders
    from .status import local_today

    if not dry_run and not mail_configured():
        raise click.ClickException("MAIL_SERVER is niet ingesteld; er is niets verstuurd.")
    day = today.date() if today else local_today()
    sent, failed = send_reminders(day, dry_run=dry_run)
    for line in sent:
        click.echo(f"Verstuurd: {line}" if not dry_run else f"Zou sturen: {line}")
    for line in failed:
        click.echo(f"Mislukt: {line}", err=True)
    days = current_app.config.get("REMINDER_DAYS", 3)
    click.echo(f"{len(sent)} herinnering(en) op {day.isoformat()} (REMINDER_DAYS={days}).")
    if failed:
        raise SystemExit(1)

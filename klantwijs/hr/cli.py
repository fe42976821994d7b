"""flask reminders send (the blueprint's CLI group)."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..core.dutch import local_today
from ..core.mail import mail_configured
from ..course import get_course
from ..learning.nudges import send_nudges
from .mailer import Mailer, MailServerDown
from .reminders import Schedule, send_reminders

reminders_cli = AppGroup("reminders", help="Herinneringen voor deadlines versturen.")


@reminders_cli.command("send")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Rekenen alsof het deze dag is.")
@click.option("--dry-run", is_flag=True, help="Alleen tonen wie een herinnering zou krijgen.")
def send_reminders_command(today, dry_run: bool) -> None:
    """E-mail people whose module is due within REMINDER_DAYS, or on the REMINDER_OVERDUE_DAYS
    after its Deadline (once a day per module); first any queued assignment mails."""
    if not dry_run and not mail_configured():
        if current_app.config.get("MAIL_SERVER"):
            raise click.ClickException(
                "BASE_URL is niet ingesteld (links in e-mails komen alleen uit BASE_URL); "
                "er is niets verstuurd."
            )
        raise click.ClickException("MAIL_SERVER is niet ingesteld; er is niets verstuurd.")
    day = today.date() if today else local_today()
    schedule = Schedule.from_config(current_app.config)
    run = send_reminders(get_course(), day, schedule, dry_run=dry_run, progress=click.echo)
    for line in run.notices.sent:
        click.echo(f"Toewijzing gemaild: {line}")
    for line in run.notices.failed:
        click.echo(f"Mislukt (toewijzing): {line}", err=True)
    for line in run.sent:
        click.echo(f"Verstuurd: {line}" if not dry_run else f"Zou sturen: {line}")
    for line in run.failed:
        click.echo(f"Mislukt: {line}", err=True)
    if run.server_down:
        click.echo(
            "De mailserver was onbereikbaar: de rest gaat mee met de volgende ronde.", err=True
        )
    overdue = ",".join(str(d) for d in schedule.overdue)
    click.echo(
        f"{len(run.sent)} herinnering(en) op {day.isoformat()} (REMINDER_DAYS={schedule.before}, "
        f"REMINDER_OVERDUE_DAYS={overdue})."
    )
    nudged = _send_review_nudges(day, dry_run)
    if run.failed or run.notices.failed or run.server_down or nudged.failed:
        raise SystemExit(1)


def _send_review_nudges(day, dry_run: bool):
    """Herhalen: "Je hebt N vragen om te herhalen", weekly, to those who allow it
    (learning/nudges.py), over one mail connection."""
    with Mailer() as mailer:
        nudged = send_nudges(
            get_course(), day, mailer.send, dry_run=dry_run, fatal=(MailServerDown,)
        )
    for line in nudged.sent:
        click.echo(f"Herhalen gemaild: {line}" if not dry_run else f"Zou sturen: {line}")
    for line in nudged.failed:
        click.echo(f"Mislukt (herhalen): {line}", err=True)
    click.echo(f"{len(nudged.sent)} e-mail(s) over herhalen op {day.isoformat()}.")
    return nudged


def init_app(app: Flask) -> None:
    app.cli.add_command(reminders_cli)

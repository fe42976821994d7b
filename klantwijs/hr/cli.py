"""flask reminders send (the blueprint's CLI group)."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..core.dutch import local_today
from ..core.mail import mail_configured
from ..course import get_course
from .reminders import send_reminders

reminders_cli = AppGroup("reminders", help="Herinneringen voor deadlines versturen.")


@reminders_cli.command("send")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Rekenen alsof het deze dag is.")
@click.option("--dry-run", is_flag=True, help="Alleen tonen wie een herinnering zou krijgen.")
def send_reminders_command(today, dry_run: bool) -> None:
    """E-mail people whose module is due within REMINDER_DAYS or late (once a day per module)."""
    if not dry_run and not mail_configured():
        if current_app.config.get("MAIL_SERVER"):
            raise click.ClickException(
                "BASE_URL is niet ingesteld (links in e-mails komen alleen uit BASE_URL); "
                "er is niets verstuurd."
            )
        raise click.ClickException("MAIL_SERVER is niet ingesteld; er is niets verstuurd.")
    day = today.date() if today else local_today()
    days = int(current_app.config.get("REMINDER_DAYS", 3))
    sent, failed = send_reminders(get_course(), day, days, dry_run=dry_run)
    for line in sent:
        click.echo(f"Verstuurd: {line}" if not dry_run else f"Zou sturen: {line}")
    for line in failed:
        click.echo(f"Mislukt: {line}", err=True)
    click.echo(f"{len(sent)} herinnering(en) op {day.isoformat()} (REMINDER_DAYS={days}).")
    if failed:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(reminders_cli)

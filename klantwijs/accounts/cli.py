"""flask user create|set-role: accounts from the command line, through the audited operations."""

import click
from flask import Flask
from flask.cli import AppGroup

from ..models import ROLE_VALUES
from .operations import EmailTaken, change_role, create_user, find_user_by_email
from .passwords import password_problem

user_cli = AppGroup("user", help="Accounts beheren.")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Naam zoals medewerkers die zien.")
@click.option(
    "--role",
    type=click.Choice(ROLE_VALUES),
    default=None,
    help="Standaard learner; het allereerste account wordt admin.",
)
@click.option(
    "--password",
    prompt="Wachtwoord",
    hide_input=True,
    confirmation_prompt="Herhaal wachtwoord",
    help="Wordt gevraagd als het ontbreekt.",
)
def user_create(email: str, name: str, role: str | None, password: str) -> None:
    """Create an account with a password."""
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    try:
        user = create_user(email, name, password, role=role)
    except EmailTaken:
        raise click.ClickException(f"Er is al een account met {email}.") from None
    click.echo(f"Account aangemaakt: {user.email} ({user.role}).")


@user_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLE_VALUES))
def user_set_role(email: str, role: str) -> None:
    """Change an account's role (written to the Logboek; the person's sessions end)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Geen account met {email}.")
    change_role(None, user, role)
    click.echo(f"{user.email} is nu {role}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(user_cli)

"""CLI: flask course check|dump, flask user create|set-role."""

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import backup
from .accounts import EmailTaken, create_user, find_user_by_email
from .content import ContentError, course_as_dict, load_course
from .extensions import db
from .models import ROLE_VALUES
from .passwords import password_problem

course_cli = AppGroup("course", help="De cursusinhoud controleren en exporteren.")
user_cli = AppGroup("user", help="Accounts beheren.")


@course_cli.command("check")
def course_check() -> None:
    """List every problem in lessons/ and quiz/ (exit 1), or a one-line summary (exit 0)."""
    try:
        course = load_course(current_app.config["LESSONS_DIR"], current_app.config["QUIZ_DIR"])
    except ContentError as exc:
        for error in exc.errors:
            click.echo(error, err=True)
        click.echo(f"{len(exc.errors)} fout(en) gevonden.", err=True)
        sys.exit(1)
    questions = sum(len(m.quiz.questions) for m in course.modules)
    click.echo(f"OK: {len(course.modules)} modules, {questions} vragen.")


@course_cli.command("dump")
def course_dump() -> None:
    """Print the whole course as JSON (shape documented in the README)."""
    click.echo(
        json.dumps(course_as_dict(current_app.extensions["course"]), ensure_ascii=False, indent=2)
    )


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
    """Change an account's role."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Geen account met {email}.")
    user.role = role
    db.session.commit()
    click.echo(f"{user.email} is nu {role}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(course_cli)
    app.cli.add_command(user_cli)
    backup.init_app(app)

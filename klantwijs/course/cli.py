"""flask course check|dump."""

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .export import course_as_dict
from .loader import load_course
from .model import ContentError

course_cli = AppGroup("course", help="De cursusinhoud controleren en exporteren.")


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


def init_app(app: Flask) -> None:
    app.cli.add_command(course_cli)

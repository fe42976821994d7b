"""The course content (lessons/ and quiz/): read once at start-up, pure data afterwards.

Everything below this package is plain Python (no Flask, no database) except this file and
cli.py, which attach the course to the app.
"""

from __future__ import annotations

import sys

from flask import Flask, current_app

from .loader import load_course
from .model import ContentError, Course

__all__ = ["ContentError", "Course", "get_course", "init_app", "is_content_check", "load_course"]


def is_content_check(argv: list[str] | None = None) -> bool:
    """True when the process runs `flask course check`, which must work on broken content."""
    argv = sys.argv if argv is None else argv
    if "course" not in argv:
        return False
    at = argv.index("course")
    return argv[at + 1 : at + 2] == ["check"]


def init_app(app: Flask) -> None:
    """Load and validate the course; invalid content stops the app with every problem listed
    (only `flask course check` goes on, to print them without a traceback)."""
    try:
        app.extensions["course"] = load_course(app.config["LESSONS_DIR"], app.config["QUIZ_DIR"])
    except ContentError:
        if not is_content_check():
            raise
    from . import cli

    cli.init_app(app)


def get_course() -> Course:
    """The course this app serves."""
    return current_app.extensions["course"]

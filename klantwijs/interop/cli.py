"""flask course scorm | export | import-moodle, and flask xapi send | status."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ..course.loader import ID_PATTERN
from .moodle import MoodleError, gift, moodle_xml, quiz_toml, read_moodle_xml
from .scorm import VERSIONS, PackageError, build_package
from .shapes import UnsupportedType

xapi_cli = AppGroup("xapi", help="xAPI-statements naar de Learning Record Store sturen.")


def _fail(message: str) -> None:
    click.echo(f"Fout: {message}", err=True)
    sys.exit(1)


def _modules(slug: str | None):
    course = current_app.extensions["course"]
    if slug is None:
        return course.modules
    module = course.get(slug)
    if module is None:
        _fail(
            f"module '{slug}' bestaat niet (kies uit: {', '.join(m.slug for m in course.modules)})"
        )
    return (module,)


@click.command("scorm")
@with_appcontext
@click.option("--version", "version", type=click.Choice(VERSIONS), required=True)
@click.option("--module", "slug", help="Alleen deze module (slug); anders de hele cursus.")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def scorm_command(version: str, slug: str | None, out: Path) -> None:
    """Write a SCORM 1.2 or 2004 (4th edition) package: one SCO per module."""
    try:
        package = build_package(current_app.extensions["course"], version, slug)
    except (PackageError, UnsupportedType) as exc:
        _fail(str(exc))
    if out.suffix.lower() != ".zip":
        _fail(f"{out}: een SCORM-pakket is een .zip-bestand")
    try:
        out.write_bytes(package.data)
    except OSError as exc:
        _fail(f"{out}: kan niet schrijven ({exc.strerror})")
    names = ", ".join(m.slug for m in package.modules)
    click.echo(f"{out}: SCORM {version}, {len(package.modules)} SCO('s) ({names}), "
               f"{len(package.data) / 1024:.0f} kB")  # fmt: skip


@click.command("export")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(["moodle-xml", "gift"]), required=True)
@click.option("--module", "slug", help="Alleen deze module (slug); anders de hele cursus.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Schrijf naar dit bestand in plaats van naar het scherm.")  # fmt: skip
def export_command(fmt: str, slug: str | None, output: Path | None) -> None:
    """Export the quiz questions as Moodle XML or GIFT, a category per module."""
    modules = _modules(slug)
    try:
        text = moodle_xml(modules) if fmt == "moodle-xml" else gift(modules)
    except UnsupportedType as exc:
        _fail(str(exc))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: kan niet schrijven ({exc.strerror})")
    count = sum(len(m.quiz.questions) for m in modules)
    click.echo(f"{output}: {count} vragen als {fmt}.", err=True)


@click.command("import-moodle")
@with_appcontext
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--module", "slug", required=True, help="De slug van de module (quiz/SLUG.toml).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Waar het concept komt; standaard SLUG.concept.toml hier. '-' is het scherm.")  # fmt: skip
@click.option("--force", is_flag=True, help="Een bestaand bestand overschrijven.")
def import_moodle_command(source: Path, slug: str, output: Path | None, force: bool) -> None:
    """Read multichoice and ordering questions from Moodle XML into a quiz TOML draft."""
    if not ID_PATTERN.match(slug):
        _fail(f"'{slug}' is geen geldige slug (alleen a-z, 0-9 en -)")
    try:
        imported = read_moodle_xml(source.read_bytes())
    except MoodleError as exc:
        _fail(f"{source}: {exc}")
    if not imported.questions:
        for line in imported.skipped:
            click.echo(f"overgeslagen: {line}", err=True)
        _fail(f"{source}: geen multichoice- of ordering-vragen gevonden")
    draft = quiz_toml(imported, source.name)
    target = output or Path(f"{slug}.concept.toml")
    if str(target) == "-":
        click.echo(draft, nl=False)
    else:
        if target.exists() and not force:
            _fail(f"{target} bestaat al; kies een ander --output of gebruik --force")
        try:
            target.write_text(draft, encoding="utf-8")
        except OSError as exc:
            _fail(f"{target}: kan niet schrijven ({exc.strerror})")
        click.echo(f"{target}: {len(imported.questions)} vragen overgenomen.", err=True)
    for line in imported.skipped:
        click.echo(f"overgeslagen: {line}", err=True)
    for line in imported.todo:
        click.echo(f"nog te doen: {line}", err=True)


@xapi_cli.command("send")
@click.option("--force", is_flag=True, help="Ook statements waarvan de wachttijd nog loopt.")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True)
def xapi_send(force: bool, limit: int) -> None:
    """Deliver queued statements to the LRS; exit 1 when one could not be delivered."""
    from .xapi.sender import send_pending

    config = current_app.config
    if not config.get("XAPI_ENDPOINT"):
        _fail("XAPI_ENDPOINT is niet ingesteld; er wordt niets verstuurd")
    report = send_pending(
        config["XAPI_ENDPOINT"], config["XAPI_KEY"], config["XAPI_SECRET"], force=force, limit=limit
    )
    for row in report.sent:
        click.echo(f"verzonden  {row.verb:<11} {row.statement_id}  {row.statement['object']['id']}")
    for row, error in report.failed:
        click.echo(f"mislukt    {row.verb:<11} {row.statement_id}  {error}", err=True)
    if report.stopped:
        click.echo(f"Gestopt: {report.stopped}. De rest blijft in de wachtrij.", err=True)
    click.echo(f"{len(report.sent)} verzonden, {len(report.failed)} mislukt.")
    if report.failed:
        sys.exit(1)


@xapi_cli.command("status")
def xapi_status() -> None:
    """How many statements were delivered and how many still wait."""
    from .xapi.sender import queue_counts

    counts = queue_counts()
    click.echo(
        f"{counts['sent']} verzonden, {counts['waiting']} in de wachtrij "
        f"(waarvan {counts['failing']} na een mislukte poging)."
    )


def init_app(app: Flask) -> None:
    """Add the export commands to `flask course` (course/cli.py) and the `xapi` group."""
    course_cli = app.cli.commands.get("course")
    if course_cli is None:
        raise RuntimeError("interop.init_app must run after course.init_app")
    for command in (scorm_command, export_command, import_moodle_command):
        course_cli.add_command(command)
    app.cli.add_command(xapi_cli)

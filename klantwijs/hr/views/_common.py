"""Helpers every Beheer view uses: query-string numbers, the acting account, confirm steps."""

from flask import abort, g, render_template, request

from ...accounts.session import current_account
from ...core.forms import ConfirmForm
from ...models import MAX_ID, User


def int_arg(name: str, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """A whole number (ASCII digits) from the query string within 1..maximum, else the default."""
    raw = request.args.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return default
    value = int(raw)
    return value if 1 <= value <= maximum else default


def actor() -> User:
    return current_account()


def team_scope() -> list[int] | None:
    """None for hr and admin (everyone); for a Teamleider the ids of the teams they lead,
    to which every view they may open limits what it shows and accepts (hr/__init__.py)."""
    return g.team_scope


def confirmed(form: ConfirmForm) -> bool:
    """True for a confirming POST; a POST without a valid token is a 400; a GET asks first."""
    if request.method != "POST":
        return False
    if not form.validate_on_submit():
        abort(400)
    return True


def confirm_page(form: ConfirmForm, title: str, message: str, button: str, back: str) -> str:
    """The page that asks before a destructive step."""
    return render_template(
        "hr/confirm.html", title=title, message=message, button=button, form=form, back=back
    )

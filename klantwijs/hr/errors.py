"""A refused Beheer action, and commit-or-refuse for unique-constraint races."""

from sqlalchemy.exc import IntegrityError

from ..core.db import db


class HrError(Exception):
    """A refused HR action; str() is a Dutch message for the page."""


def commit_or_refuse(message: str) -> None:
    """Commit; a unique-constraint race with another request becomes a Dutch refusal."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise HrError(message) from None

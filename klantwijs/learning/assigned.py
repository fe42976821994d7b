"""The one rule for "which modules reach this person, and by when".

A module reaches a person directly or through a team they are in. When it reaches them more
than once, the earliest deadline counts (ties: the oldest assignment), and the shortest
validity of any of them (recertification, validity.py: a mandatory renewal is never lost to
an assignment without one). Mijn cursus, the reminders and the Voortgang report all read
assignments through this module; Voortgang's totals read the same rule as kept in
report_cells by the triggers of migration 0011 (ops/backup_json.py REPORT_CELLS rebuilds it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..core.db import db
from ..models import Assignment, Membership


@dataclass(frozen=True)
class Assigned:
    """One module assigned to one person: the assignment that counts."""

    user_id: int
    assignment_id: int
    module_slug: str
    due_date: dt.date
    assigned_at: dt.datetime
    valid_months: int | None = None  # the shortest validity reaching them; None: for good


def assigned_select(user_ids: sa.Select | None = None) -> sa.Select:
    """Direct assignments plus team assignments reached through membership, as one SELECT
    of (user_id, assignment_id, module_slug, due_date, created_at, valid_months)."""
    direct = sa.select(
        Assignment.user_id.label("user_id"),
        Assignment.id.label("assignment_id"),
        Assignment.module_slug,
        Assignment.due_date,
        Assignment.created_at,
        Assignment.valid_months,
    ).where(Assignment.user_id.is_not(None))
    via_team = sa.select(
        Membership.user_id.label("user_id"),
        Assignment.id.label("assignment_id"),
        Assignment.module_slug,
        Assignment.due_date,
        Assignment.created_at,
        Assignment.valid_months,
    ).join(Membership, Membership.team_id == Assignment.team_id)
    if user_ids is not None:
        direct = direct.where(Assignment.user_id.in_(user_ids))
        via_team = via_team.where(Membership.user_id.in_(user_ids))
    return sa.union_all(direct, via_team)


def pick_earliest(rows) -> dict[tuple[int, str], Assigned]:
    """Per (person, module) the assignment that counts, from rows of assigned_select()."""
    result: dict[tuple[int, str], Assigned] = {}
    validity: dict[tuple[int, str], int] = {}
    for user_id, assignment_id, slug, due_date, created_at, valid_months in rows:
        key = (user_id, slug)
        if valid_months is not None and valid_months < validity.get(key, valid_months + 1):
            validity[key] = valid_months
        current = result.get(key)
        if current is None or (due_date, assignment_id) < (
            current.due_date,
            current.assignment_id,
        ):
            result[key] = Assigned(user_id, assignment_id, slug, due_date, created_at)
    for key, months in validity.items():
        result[key] = dataclasses.replace(result[key], valid_months=months)
    return result


def assigned_modules(user_ids: sa.Select | None = None) -> dict[tuple[int, str], Assigned]:
    """Per (person, module): the assignment that counts. One query."""
    return pick_earliest(db.session.execute(assigned_select(user_ids)).tuples())


def assigned_to(user_id: int) -> dict[str, Assigned]:
    """module slug → the assignment that counts, for one person. One query."""
    found = assigned_modules(sa.select(sa.literal(user_id)))
    return {slug: item for (_, slug), item in found.items()}

"""Module toewijzen: assign, change a Deadline, remove; audited. Who the assignments reach is
learning/assigned.py's rule."""

import datetime as dt

import sqlalchemy as sa

from ..audit import audit, describe
from ..core.db import db
from ..models import Assignment, Team, User
from .errors import HrError


def target_label(assignment: Assignment, teams: dict[int, str], users: dict[int, str]) -> str:
    if assignment.team_id is not None:
        return f"team {teams.get(assignment.team_id, '?')}"
    return users.get(assignment.user_id, "?")


def assign(
    actor: User,
    slugs: list[str],
    due_date: dt.date,
    team: Team | None = None,
    users: list[User] | None = None,
) -> tuple[int, int]:
    """Assign modules to a team or to people; an existing one gets the new deadline.

    Returns (created, updated).
    """
    if (team is None) == (not users):
        raise HrError("Kies een team of een of meer medewerkers.")
    created = updated = 0
    lines = []
    targets = [("team", team)] if team is not None else [("user", u) for u in users or []]
    for kind, target in targets:
        column = Assignment.team_id if kind == "team" else Assignment.user_id
        existing = {
            a.module_slug: a
            for a in db.session.scalars(
                sa.select(Assignment).where(column == target.id, Assignment.module_slug.in_(slugs))
            )
        }
        label = f"team {target.name}" if kind == "team" else describe(target)
        for slug in slugs:
            if slug in existing:
                if existing[slug].due_date != due_date:
                    lines.append(
                        f"{slug} → {label}: deadline {existing[slug].due_date} → {due_date}"
                    )
                    existing[slug].due_date = due_date
                    updated += 1
                continue
            db.session.add(
                Assignment(
                    module_slug=slug,
                    team_id=target.id if kind == "team" else None,
                    user_id=target.id if kind == "user" else None,
                    due_date=due_date,
                    created_by_id=actor.id,
                )
            )
            lines.append(f"{slug} → {label}: deadline {due_date}")
            created += 1
    if lines:
        audit(actor, "toewijzing.opgeslagen", "; ".join(lines))
    db.session.commit()
    return created, updated


def change_deadline(actor: User, assignment: Assignment, due_date: dt.date, label: str) -> None:
    if assignment.due_date == due_date:
        return
    audit(
        actor,
        "toewijzing.gewijzigd",
        f"{assignment.module_slug} → {label}: deadline {assignment.due_date} → {due_date}",
    )
    assignment.due_date = due_date
    db.session.commit()


def remove_assignment(actor: User, assignment: Assignment, label: str) -> None:
    audit(
        actor,
        "toewijzing.verwijderd",
        f"{assignment.module_slug} → {label} (deadline {assignment.due_date})",
    )
    db.session.delete(assignment)
    db.session.commit()

"""Module toewijzen: operations, and who has which module assigned (one query for everyone)."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from .extensions import db
from .models import Assignment, Membership, Team, User
from .people import HrError, audit, describe


@dataclass(frozen=True)
class Assigned:
    """One module assigned to one person (the earliest deadline wins when assigned twice)."""

    user_id: int
    assignment_id: int
    module_slug: str
    due_date: dt.date
    assigned_at: dt.datetime


def assigned_select(user_ids: sa.Select | None = None) -> sa.Select:
    """Direct assignments plus team assignments reached through membership, as one SELECT."""
    direct = sa.select(
        Assignment.user_id.label("user_id"),
        Assignment.id.label("assignment_id"),
        Assignment.module_slug,
        Assignment.due_date,
        Assignment.created_at,
    ).where(Assignment.user_id.is_not(None))
    via_team = sa.select(
        Membership.user_id.label("user_id"),
        Assignment.id.label("assignment_id"),
        Assignment.module_slug,
        Assignment.due_date,
        Assignment.created_at,
    ).join(Membership, Membership.team_id == Assignment.team_id)
    if user_ids is not None:
        direct = direct.where(Assignment.user_id.in_(user_ids))
        via_team = via_team.where(Membership.user_id.in_(user_ids))
    return sa.union_all(direct, via_team)


def assigned_modules(user_ids: sa.Select | None = None) -> dict[tuple[int, str], Assigned]:
    """Per (person, module): the assignment that counts. One query."""
    result: dict[tuple[int, str], Assigned] = {}
    for row in db.session.execute(assigned_select(user_ids)):
        item = Assigned(
            row.user_id, row.assignment_id, row.module_slug, row.due_date, row.created_at
        )
        key = (item.user_id, item.module_slug)
        current = result.get(key)
        if current is None or (item.due_date, item.assignment_id) < (
            current.due_date,
            current.assignment_id,
        ):
            result[key] = item
    return result


def assignments_for_user(user_id: int) -> list[Assigned]:
    """The modules assigned to one person, by deadline (for Mijn cursus)."""
    found = assigned_modules(sa.select(sa.literal(user_id)))
    return sorted(found.values(), key=lambda a: (a.due_date, a.module_slug))


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

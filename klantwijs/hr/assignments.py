"""Module toewijzen: assign, change a Deadline, remove; audited. Who the assignments reach is
learning/assigned.py's rule."""

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..audit import audit, describe
from ..core.db import db
from ..models import Assignment, Team, User
from .errors import HrError
from .notices import queue_assigned


def target_label(assignment: Assignment, teams: dict[int, str], users: dict[int, str]) -> str:
    if assignment.team_id is not None:
        return f"team {teams.get(assignment.team_id, '?')}"
    return users.get(assignment.user_id, "?")


@dataclass
class Assigning:
    """What one Module toewijzen did: new and updated assignments, and the queued mails."""

    created: int = 0
    updated: int = 0
    notice_ids: list[int] = field(default_factory=list)


AUDIT_NAMES = 20  # above this many people, the Logboek line counts them instead of naming


def assign(
    actor: User,
    slugs: list[str],
    due_date: dt.date,
    team: Team | None = None,
    users: list[User] | None = None,
    valid_months: int | None = None,
) -> Assigning:
    """Assign modules to a team or to people; an existing one gets the new deadline (and
    validity: `valid_months`, recertification in learning/validity.py). Queues one e-mail
    per person reached (notices.py) in the same transaction. A constant number of queries,
    whatever the number of people."""
    if (team is None) == (not users):
        raise HrError("Kies een team of een of meer medewerkers.")
    result = Assigning()
    if team is not None:
        column, targets = Assignment.team_id, {team.id: team}
    else:
        column, targets = Assignment.user_id, {u.id: u for u in users or []}
    existing = {
        (getattr(a, column.key), a.module_slug): a
        for a in db.session.scalars(
            sa.select(Assignment).where(column.in_(targets), Assignment.module_slug.in_(slugs))
        )
    }
    lines: dict[tuple[str, str], list[str]] = {}  # (slug, change) → labels
    pending = []
    for target_id, target in targets.items():
        label = f"team {target.name}" if team is not None else describe(target)
        for slug in slugs:
            found = existing.get((target_id, slug))
            if found is not None:
                if found.valid_months != valid_months:
                    change = f"geldigheid {_months(found.valid_months)} → {_months(valid_months)}"
                    lines.setdefault((slug, change), []).append(label)
                    found.valid_months = valid_months
                    result.updated += found.due_date == due_date
                if found.due_date != due_date:
                    change = f"deadline {found.due_date} → {due_date}"
                    lines.setdefault((slug, change), []).append(label)
                    found.due_date = due_date
                    pending.append((found, "deadline"))
                    result.updated += 1
                continue
            new = Assignment(
                module_slug=slug,
                team_id=target_id if team is not None else None,
                user_id=target_id if team is None else None,
                due_date=due_date,
                created_by_id=actor.id,
                valid_months=valid_months,
            )
            db.session.add(new)
            pending.append((new, "nieuw"))
            validity = f", geldig {_months(valid_months)}" if valid_months else ""
            lines.setdefault((slug, f"deadline {due_date}{validity}"), []).append(label)
            result.created += 1
    if lines:
        audit(actor, "toewijzing.opgeslagen", _audit_text(lines))
    db.session.flush()
    changes = [(a.id, a.module_slug, a.due_date, change) for a, change in pending]
    result.notice_ids = queue_assigned(actor, changes, team.id if team is not None else None)
    db.session.commit()
    return result


def _audit_text(lines: dict[tuple[str, str], list[str]]) -> str:
    parts = []
    for (slug, change), labels in lines.items():
        who = (
            ", ".join(labels)
            if len(labels) <= AUDIT_NAMES
            else f"{len(labels)} medewerkers ({', '.join(labels[:AUDIT_NAMES])}, …)"
        )
        parts.append(f"{slug} → {who}: {change}")
    return "; ".join(parts)


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


def _months(valid_months: int | None) -> str:
    """'12 maanden' or 'altijd' (the audit log's words for a validity)."""
    return f"{valid_months} maanden" if valid_months else "altijd"

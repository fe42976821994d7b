"""The reads behind Beheer's pages (writes are in people.py, teams.py, assignments.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from ..core.db import db
from ..models import Assignment, AuditEntry, Invitation, Membership, Team, User

PER_PAGE = 100


def counts() -> dict[str, int]:
    """How many people, teams and assignments (Beheer's start page)."""
    return {
        "people": db.session.scalar(sa.select(sa.func.count(User.id))),
        "teams": db.session.scalar(sa.select(sa.func.count(Team.id))),
        "assignments": db.session.scalar(sa.select(sa.func.count(Assignment.id))),
    }


def team_choices() -> list[tuple[int, str]]:
    """(id, name) of every team, by name."""
    return [(t.id, t.name) for t in db.session.scalars(sa.select(Team).order_by(Team.name))]


def _search(query: sa.Select, text: str) -> sa.Select:
    like = f"%{text.lower().replace('%', '').replace('_', '')}%"
    return query.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))


def people_page(text: str, team_id: int | None, page: int) -> Pagination:
    """One page of Medewerkers, by name; filtered by a search text and a team."""
    query = sa.select(User).order_by(sa.func.lower(User.name), User.email)
    if text:
        query = _search(query, text)
    if team_id:
        query = query.where(
            User.id.in_(sa.select(Membership.user_id).where(Membership.team_id == team_id))
        )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def team_names_of(user_ids: list[int]) -> dict[int, list[str]]:
    """user id → names of their teams, by name."""
    teams: dict[int, list[str]] = {}
    if user_ids:
        for uid, name in db.session.execute(
            sa.select(Membership.user_id, Team.name)
            .join(Team)
            .where(Membership.user_id.in_(user_ids))
            .order_by(Team.name)
        ):
            teams.setdefault(uid, []).append(name)
    return teams


def teams_of(user: User) -> list[Team]:
    return list(
        db.session.scalars(
            sa.select(Team)
            .join(Membership)
            .where(Membership.user_id == user.id)
            .order_by(Team.name)
        )
    )


def latest_invitation(user: User) -> Invitation | None:
    return db.session.scalar(
        sa.select(Invitation)
        .where(Invitation.user_id == user.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )


def audit_page(page: int) -> tuple[list, bool]:
    """One page of the Logboek, newest first, with each actor's name and e-mail; and whether
    a next page exists."""
    query = (
        sa.select(AuditEntry, User.name, User.email)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    total = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    entries = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return entries, page * PER_PAGE < total


def teams_with_member_counts() -> list:
    """(team, number of members) for every team, by name."""
    return db.session.execute(
        sa.select(Team, sa.func.count(Membership.user_id))
        .outerjoin(Membership, Membership.team_id == Team.id)
        .group_by(Team.id)
        .order_by(sa.func.lower(Team.name))
    ).all()


def members_of(team: Team) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership)
            .where(Membership.team_id == team.id)
            .order_by(User.name)
        )
    )


def non_member_choices(team: Team) -> list[tuple[int, str]]:
    """(id, "name (e-mail)") of everyone not in the team, by name."""
    members = sa.select(Membership.user_id).where(Membership.team_id == team.id)
    return [
        (uid, f"{name} ({email})")
        for uid, name, email in db.session.execute(
            sa.select(User.id, User.name, User.email)
            .where(User.id.not_in(members))
            .order_by(sa.func.lower(User.name), User.email)
        )
    ]


def assignments_of_team(team: Team) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment).where(Assignment.team_id == team.id).order_by(Assignment.due_date)
        )
    )


def all_assignments() -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment).order_by(
                Assignment.due_date, Assignment.module_slug, Assignment.id
            )
        )
    )


def target_names(assignments) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the teams and people these assignments go to: (team id → name, user id →
    "name (e-mail)")."""
    team_ids = {a.team_id for a in assignments if a.team_id}
    user_ids = {a.user_id for a in assignments if a.user_id}
    teams = (
        dict(
            db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(team_ids)))
            .tuples()
            .all()
        )
        if team_ids
        else {}
    )
    users = (
        {
            uid: f"{name} ({email})"
            for uid, name, email in db.session.execute(
                sa.select(User.id, User.name, User.email).where(User.id.in_(user_ids))
            )
        }
        if user_ids
        else {}
    )
    return teams, users


def active_people_choices() -> list[tuple[int, str]]:
    """(id, "name (e-mail)") of every active person, by name (Module toewijzen)."""
    return [
        (uid, f"{name} ({email})")
        for uid, name, email in db.session.execute(
            sa.select(User.id, User.name, User.email)
            .where(User.active.is_(True))
            .order_by(sa.func.lower(User.name), User.email)
        )
    ]


def users_by_ids(user_ids: list[int]) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(user_ids))))


def team_name(team_id: int | None) -> str | None:
    if not team_id:
        return None
    return db.session.scalar(sa.select(Team.name).where(Team.id == team_id))

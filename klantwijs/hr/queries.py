"""The reads behind Beheer's pages (writes are in people.py, teams.py, assignments.py)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased

from ..core.db import db
from ..models import (
    Assignment,
    AuditEntry,
    Invitation,
    Membership,
    Notice,
    NoticeKind,
    Role,
    Team,
    TeamLead,
    User,
)
from .notices import MAX_TRIES

PER_PAGE = 100
PICK_PER_PAGE = 25  # people per page in a picker: a page stays small with 10 or 10,000


def counts() -> dict[str, int]:
    """How many people, teams and assignments (Beheer's start page)."""
    return {
        "people": db.session.scalar(sa.select(sa.func.count(User.id))),
        "teams": db.session.scalar(sa.select(sa.func.count(Team.id))),
        "assignments": db.session.scalar(sa.select(sa.func.count(Assignment.id))),
    }


def team_choices(team_ids: list[int] | None = None) -> list[tuple[int, str]]:
    """(id, name) of every team (or of these teams: a Teamleider's), by name."""
    query = sa.select(Team.id, Team.name).order_by(Team.name)
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    return [tuple(row) for row in db.session.execute(query)]


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


# --- People pickers (Module toewijzen, Leden toevoegen): searched and paged in SQL ---------


def pickable(text: str, *, assignable: bool = False, not_in_team: int | None = None) -> sa.Select:
    """The people a picker offers for a search text, by name: to assign a module to
    (assignable: active, no admins), or to add to a team (not yet a member)."""
    query = sa.select(User.id, User.name, User.email)
    if assignable:
        query = query.where(User.active.is_(True), User.role != Role.ADMIN.value)
    if not_in_team is not None:
        query = query.where(
            User.id.not_in(sa.select(Membership.user_id).where(Membership.team_id == not_in_team))
        )
    if text:
        query = _search(query, text)
    return query


@dataclass
class PickPage:
    items: list  # (id, name, e-mail) rows
    total: int  # everyone the search finds, the chosen included
    page: int
    pages: int


def pick_page(query: sa.Select, page: int, leave_out: list[int]) -> PickPage:
    """One page of a picker's results without the people already chosen (they are listed
    apart), and how many the search finds in all. Two or three queries, sorted and limited
    in SQL."""

    def count(select: sa.Select) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery()))

    total = shown = count(query)
    if leave_out:
        query = query.where(User.id.not_in(leave_out))
        shown = count(query)
    pages = max(1, -(-shown // PICK_PER_PAGE))
    page = min(max(page, 1), pages)
    items = db.session.execute(
        query.order_by(sa.func.lower(User.name), User.email, User.id)
        .limit(PICK_PER_PAGE)
        .offset((page - 1) * PICK_PER_PAGE)
    ).all()
    return PickPage(items, total, page, pages)


def pick_all(query: sa.Select, limit: int) -> list[int]:
    """The ids of everyone a search finds (select-all), at most `limit` + 1 of them."""
    return list(db.session.scalars(sa.select(query.subquery().c.id).limit(limit + 1)))


def named(user_ids: list[int], query: sa.Select | None = None) -> list:
    """(id, name, e-mail) of these people, by name; with `query`, only those it offers."""
    if not user_ids:
        return []
    query = query if query is not None else sa.select(User.id, User.name, User.email)
    return db.session.execute(
        query.where(User.id.in_(user_ids)).order_by(sa.func.lower(User.name), User.email)
    ).all()


# --- Teamleiders --------------------------------------------------------------------------


def leads_of(team: Team) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(TeamLead, TeamLead.user_id == User.id)
            .where(TeamLead.team_id == team.id)
            .order_by(sa.func.lower(User.name))
        )
    )


def member_of_any(user_id: int, team_ids: list[int]) -> bool:
    """Is this person in one of these teams (a Teamleider's person pages)?"""
    return (
        db.session.scalar(
            sa.select(Membership.user_id)
            .where(Membership.user_id == user_id, Membership.team_id.in_(team_ids))
            .limit(1)
        )
        is not None
    )


def users_by_ids(user_ids: list[int]) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(user_ids))))


def team_name(team_id: int | None) -> str | None:
    if not team_id:
        return None
    return db.session.scalar(sa.select(Team.name).where(Team.id == team_id))


# --- Herinneringen ------------------------------------------------------------------------

RECENT_PER_PAGE = 50


def recent_reminders(page: int) -> tuple[list, bool]:
    """Reminder mails, newest first: (notice, name, e-mail, sent by), and whether there are
    older ones."""
    by = aliased(User)
    rows = db.session.execute(
        sa.select(Notice, User.name, User.email, by.name)
        .join(User, User.id == Notice.user_id)
        .outerjoin(by, by.id == Notice.created_by_id)
        .where(Notice.kind == NoticeKind.REMINDER.value)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(RECENT_PER_PAGE + 1)
        .offset((page - 1) * RECENT_PER_PAGE)
    ).all()
    return rows[:RECENT_PER_PAGE], len(rows) > RECENT_PER_PAGE


def waiting_notices() -> dict[str, int]:
    """Assignment mails still to be sent, and those given up on after too many failures."""
    unsent = (
        sa.select(Notice.tries)
        .where(Notice.kind == NoticeKind.ASSIGNED.value, Notice.sent_at.is_(None))
        .subquery()
    )
    waiting, given_up = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((unsent.c.tries < MAX_TRIES, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((unsent.c.tries >= MAX_TRIES, 1), else_=0)), 0),
        )
    ).one()
    return {"waiting": int(waiting), "given_up": int(given_up)}

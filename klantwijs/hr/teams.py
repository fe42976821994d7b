"""Beheer operations on teams: create, rename, delete, add and remove members; audited."""

import sqlalchemy as sa

from ..accounts.operations import normalise_email
from ..audit import audit, describe
from ..core.db import db
from ..models import Assignment, Membership, Team, TeamLead, User
from .errors import HrError, commit_or_refuse


def teams_by_id(team_ids: list[int]) -> list[Team]:
    if not team_ids:
        return []
    teams = db.session.scalars(
        sa.select(Team).where(Team.id.in_(set(team_ids))).order_by(Team.name)
    ).all()
    if len(teams) != len(set(team_ids)):
        raise HrError("Een van de gekozen teams bestaat niet (meer).")
    return list(teams)


def team_name_taken(name: str, except_id: int | None = None) -> bool:
    query = sa.select(Team.id).where(sa.func.lower(Team.name) == name.strip().lower())
    if except_id is not None:
        query = query.where(Team.id != except_id)
    return db.session.scalar(query) is not None


def create_team(actor: User, name: str) -> Team:
    name = name.strip()
    if team_name_taken(name):
        raise HrError("Er is al een team met deze naam.")
    audit(actor, "team.aangemaakt", name)  # before the insert: nothing flushes it early
    team = Team(name=name)
    db.session.add(team)
    commit_or_refuse("Er is al een team met deze naam.")
    return team


def rename_team(actor: User, team: Team, name: str) -> None:
    name = name.strip()
    if team_name_taken(name, except_id=team.id):
        raise HrError("Er is al een team met deze naam.")
    if name == team.name:
        return
    audit(actor, "team.hernoemd", f"{team.name} → {name}")
    team.name = name
    commit_or_refuse("Er is al een team met deze naam.")


def delete_team(actor: User, team: Team) -> None:
    """Remove the team, its memberships and its team assignments; attempts stay."""
    members = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.team_id == team.id)
    )
    assignments = db.session.scalars(
        sa.select(Assignment.module_slug).where(Assignment.team_id == team.id)
    ).all()
    db.session.execute(sa.delete(Assignment).where(Assignment.team_id == team.id))
    db.session.execute(sa.delete(Membership).where(Membership.team_id == team.id))
    audit(
        actor,
        "team.verwijderd",
        f"{team.name} ({members} leden; toewijzingen: {', '.join(assignments) or 'geen'})",
    )
    db.session.delete(team)
    db.session.commit()


AUDIT_NAMES = 20  # above this many people, the Logboek line counts them instead of naming


def add_members(actor: User, team: Team, user_ids: list[int]) -> int:
    """Put these people in the team (those already in it are skipped). Three queries."""
    existing = set(
        db.session.scalars(
            sa.select(Membership.user_id).where(
                Membership.team_id == team.id, Membership.user_id.in_(user_ids)
            )
        )
    )
    wanted = set(user_ids) - existing
    if not wanted:
        return 0
    users = db.session.execute(
        sa.select(User.id, User.name, User.email)
        .where(User.id.in_(wanted))
        .order_by(sa.func.lower(User.name))
    ).all()
    if len(users) != len(wanted):
        raise HrError("Een van de gekozen medewerkers bestaat niet (meer).")
    names = [f"{u.name} <{u.email}>" for u in users]
    if len(names) > AUDIT_NAMES:
        names = [f"{len(names)} medewerkers", *names[:AUDIT_NAMES], "…"]
    audit(actor, "team.leden_toegevoegd", f"{team.name}: {', '.join(names)}")
    db.session.add_all(Membership(user_id=u.id, team_id=team.id) for u in users)
    commit_or_refuse("Iemand anders voegde tegelijk leden toe. Probeer het opnieuw.")
    return len(users)


def remove_member(actor: User, team: Team, user: User) -> None:
    result = db.session.execute(
        sa.delete(Membership).where(Membership.team_id == team.id, Membership.user_id == user.id)
    )
    if result.rowcount:
        audit(actor, "team.lid_verwijderd", f"{team.name}: {describe(user)}")
    db.session.commit()


def add_lead(actor: User, team: Team, email: str) -> User:
    """Make the person with this e-mail address a Teamleider of the team."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise HrError("Er is geen account met dit e-mailadres.")
    if not user.active:
        raise HrError(f"{user.name} is gedeactiveerd. Activeer het account eerst.")
    if db.session.get(TeamLead, (user.id, team.id)) is not None:
        raise HrError(f"{user.name} is al teamleider van {team.name}.")
    audit(actor, "team.teamleider_toegevoegd", f"{team.name}: {describe(user)}")
    db.session.add(TeamLead(user_id=user.id, team_id=team.id, created_by_id=actor.id))
    commit_or_refuse(f"{user.name} is al teamleider van {team.name}.")
    return user


def remove_lead(actor: User, team: Team, user: User) -> None:
    result = db.session.execute(
        sa.delete(TeamLead).where(TeamLead.team_id == team.id, TeamLead.user_id == user.id)
    )
    if result.rowcount:
        audit(actor, "team.teamleider_verwijderd", f"{team.name}: {describe(user)}")
    db.session.commit()

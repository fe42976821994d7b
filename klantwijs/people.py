"""HR operations on people, invitations and teams; every change writes an AuditEntry.

Plain functions, callable without HTTP. Each one commits its own transaction.
"""

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .accounts import normalise_email
from .extensions import db
from .models import (
    Assignment,
    AuditEntry,
    Invitation,
    Membership,
    Role,
    Team,
    User,
    utcnow,
)

INVITATION_DAYS = 7


class HrError(Exception):
    """A refused HR action; str() is a Dutch message for the page."""


def commit_or_refuse(message: str) -> None:
    """Commit; a unique-constraint race with another request becomes a Dutch refusal."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise HrError(message) from None


def audit(actor: User | None, action: str, detail: str) -> AuditEntry:
    """Record who did what; the caller commits together with the change itself."""
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, detail=detail[:20000])
    db.session.add(entry)
    return entry


def describe(user: User) -> str:
    return f"{user.name} <{user.email}>"


# --- Invitations --------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation(user: User, actor: User | None, first: bool = False) -> str:
    """Make a fresh link for user and end older open ones; returns the token (never stored)."""
    now = utcnow()
    if not first:
        db.session.execute(
            sa.update(Invitation)
            .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
            .where(Invitation.expires_at > now)
            .values(expires_at=now)
        )
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + dt.timedelta(days=INVITATION_DAYS),
            created_by_id=actor.id if actor else None,
        )
    )
    return token


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == hash_token(token))
    )


def invitation_problem(invitation: Invitation | None) -> str | None:
    """'unknown', 'used', 'expired' or 'inactive' when the link cannot be used, else None."""
    if invitation is None:
        return "unknown"
    if invitation.used_at is not None:
        return "used"
    if invitation.expires_at <= utcnow():
        return "expired"
    user = db.session.get(User, invitation.user_id)
    if user is None or not user.active:
        return "inactive"
    return None


def claim_invitation(invitation: Invitation) -> bool:
    """Mark the link used; False when another request used it first (single use, race-safe)."""
    result = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


# --- People --------------------------------------------------------------------------------


def add_person(actor: User, name: str, email: str, team_ids: list[int]) -> tuple[User, str]:
    """Create an account without a password, put it in teams, and return it with its link."""
    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise HrError("Er is al een account met dit e-mailadres.")
    user = User(email=email, name=name.strip(), password_hash=None, role=Role.LEARNER.value)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise HrError("Er is al een account met dit e-mailadres.") from None
    teams = _teams(team_ids)
    for team in teams:
        db.session.add(Membership(user_id=user.id, team_id=team.id))
    token = new_invitation(user, actor, first=True)
    team_text = f" in {', '.join(t.name for t in teams)}" if teams else ""
    audit(actor, "medewerker.toegevoegd", f"{describe(user)}{team_text}")
    commit_or_refuse("Er is al een account met dit e-mailadres.")
    return user, token


def reinvite(actor: User, user: User) -> str:
    if not user.active:
        raise HrError("Dit account is gedeactiveerd. Activeer het eerst.")
    token = new_invitation(user, actor)
    audit(actor, "uitnodiging.nieuw", describe(user))
    db.session.commit()
    return token


def _may_manage(actor: User, user: User) -> None:
    if user.id == actor.id:
        raise HrError("Je kunt je eigen account hier niet wijzigen.")
    if user.is_admin and not actor.is_admin:
        raise HrError("Alleen een beheerder met de rol admin kan dit account wijzigen.")


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ends every session, refuses login) or reactivate; history stays."""
    _may_manage(actor, user)
    if user.active == active:
        return
    user.active = active
    user.session_version += 1
    audit(actor, "medewerker.geactiveerd" if active else "medewerker.gedeactiveerd", describe(user))
    db.session.commit()


def set_role(actor: User, user: User, role: str) -> None:
    if not actor.is_admin:
        raise HrError("Alleen een admin kan rollen wijzigen.")
    if user.id == actor.id:
        raise HrError("Je kunt je eigen rol niet wijzigen.")
    role = Role(role).value
    if user.role == role:
        return
    old = user.role
    user.role = role
    user.session_version += 1
    audit(actor, "rol.gewijzigd", f"{describe(user)}: {old} → {role}")
    db.session.commit()


# --- Teams ---------------------------------------------------------------------------------


def _teams(team_ids: list[int]) -> list[Team]:
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


def add_members(actor: User, team: Team, user_ids: list[int]) -> int:
    existing = set(
        db.session.scalars(sa.select(Membership.user_id).where(Membership.team_id == team.id))
    )
    wanted = set(user_ids) - existing
    if not wanted:
        return 0
    users = db.session.scalars(sa.select(User).where(User.id.in_(wanted)).order_by(User.name)).all()
    if len(users) != len(wanted):
        raise HrError("Een van de gekozen medewerkers bestaat niet (meer).")
    audit(actor, "team.leden_toegevoegd", f"{team.name}: {', '.join(map(describe, users))}")
    for user in users:
        db.session.add(Membership(user_id=user.id, team_id=team.id))
    commit_or_refuse("Iemand anders voegde tegelijk leden toe. Probeer het opnieuw.")
    return len(users)


def remove_member(actor: User, team: Team, user: User) -> None:
    result = db.session.execute(
        sa.delete(Membership).where(Membership.team_id == team.id, Membership.user_id == user.id)
    )
    if result.rowcount:
        audit(actor, "team.lid_verwijderd", f"{team.name}: {describe(user)}")
    db.session.commit()

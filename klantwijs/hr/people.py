"""Beheer operations on people: add, new invitation link, (de)activate, role.

Plain functions with an explicit actor, callable without HTTP; every change is audited and
commits its own transaction.
"""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..accounts.invitations import new_invitation
from ..accounts.operations import change_role, normalise_email
from ..audit import audit, describe
from ..core.db import db
from ..models import Membership, Role, User
from .errors import HrError, commit_or_refuse
from .teams import teams_by_id


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
    teams = teams_by_id(team_ids)
    for team in teams:
        db.session.add(Membership(user_id=user.id, team_id=team.id))
    token = new_invitation(user, actor, first=True)
    team_text = f" in {', '.join(t.name for t in teams)}" if teams else ""
    audit(actor, "medewerker.toegevoegd", f"{describe(user)}{team_text}")
    commit_or_refuse("Er is al een account met dit e-mailadres.")
    return user, token


def reinvite(actor: User, user: User) -> str:
    """A new Wachtwoord instellen link. For an account that already has a password the
    caller mails it to the person only (see accounts.invitations.link_may_be_shown)."""
    _may_manage(actor, user)
    if not user.active:
        raise HrError("Dit account is gedeactiveerd. Activeer het eerst.")
    token = new_invitation(user, actor)
    audit(actor, "uitnodiging.nieuw", describe(user))
    db.session.commit()
    return token


def management_refusal(actor, user) -> str | None:
    """The one rule for acting on a person in Beheer (links, (de)activation, role): HR
    manages learners; only an admin manages HR people and admins; nobody manages themselves
    here. A Dutch reason when refused, else None. `actor` may be the signed-in row."""
    if user.id == actor.id:
        return "Je kunt je eigen account hier niet wijzigen."
    if user.is_hr and not actor.is_admin:
        return "Alleen een admin kan het account van een HR-medewerker of admin wijzigen."
    return None


def _may_manage(actor: User, user: User) -> None:
    refusal = management_refusal(actor, user)
    if refusal:
        raise HrError(refusal)


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
    _may_manage(actor, user)
    change_role(actor, user, role)

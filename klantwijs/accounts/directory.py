"""Teams from the directory: groups (values of the OIDC_GROUPS_CLAIM claim) linked to teams in
Beheer, and memberships of linked teams that follow the claim at every single sign-on.

Teams nobody linked a group to are left alone: HR manages those by hand as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..audit import audit, describe
from ..core.db import db
from ..models import GroupTeam, Membership, Team, User

MAX_GROUP_LENGTH = 255
MAX_GROUPS = 5000  # more values than any directory sends for one person


class GroupLinkError(Exception):
    """A Dutch message for Beheer: the link cannot be made."""


def groups_from_claim(value) -> list[str] | None:
    """The claim as a list of group names; a single string counts as one group. None when
    the provider did not send it (then memberships stay as they are)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return None
    return [g.strip() for g in value[:MAX_GROUPS] if isinstance(g, str) and g.strip()]


def follow_groups(user: User, groups: list[str]) -> None:
    """Make the person's membership of every linked team match the groups claim (audited);
    the caller commits."""
    links = db.session.execute(
        sa.select(GroupTeam.group_name, GroupTeam.team_id, Team.name).join(Team)
    ).all()
    if not links:
        return
    member_of = set(groups)
    team_names = {team_id: name for _, team_id, name in links}
    because: dict[int, str] = {}
    for group, team_id, _ in links:
        if group in member_of:
            because.setdefault(team_id, group)
    current = set(
        db.session.scalars(
            sa.select(Membership.team_id).where(
                Membership.user_id == user.id, Membership.team_id.in_(list(team_names))
            )
        )
    )
    for team_id in sorted(set(because) - current):
        db.session.add(Membership(user_id=user.id, team_id=team_id))
        audit(
            None,
            "team.lid_via_groep",
            f"{team_names[team_id]}: {describe(user)} (groep {because[team_id]})",
        )
    gone = sorted(current - set(because))
    if gone:
        db.session.execute(
            sa.delete(Membership).where(Membership.user_id == user.id, Membership.team_id.in_(gone))
        )
        for team_id in gone:
            audit(
                None,
                "team.lid_weg_via_groep",
                f"{team_names[team_id]}: {describe(user)} (niet meer in een gekoppelde groep)",
            )


# --- Beheer: the links themselves ------------------------------------------------------------


def group_links() -> list[tuple[GroupTeam, str]]:
    """Every link with its team's name, by group and team."""
    return list(
        db.session.execute(
            sa.select(GroupTeam, Team.name)
            .join(Team)
            .order_by(GroupTeam.group_name, sa.func.lower(Team.name))
        ).tuples()
    )


def link_group(actor: User, group_name: str, team: Team) -> GroupTeam:
    group_name = group_name.strip()
    taken = db.session.scalar(
        sa.select(GroupTeam.id).where(
            GroupTeam.group_name == group_name, GroupTeam.team_id == team.id
        )
    )
    if taken is not None:
        raise GroupLinkError(f"Groep {group_name} is al gekoppeld aan {team.name}.")
    audit(actor, "groep.gekoppeld", f"{group_name} → {team.name}")
    link = GroupTeam(group_name=group_name, team_id=team.id)
    db.session.add(link)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise GroupLinkError(
            f"Groep {group_name} is zojuist al gekoppeld aan {team.name}."
        ) from None
    return link


def unlink_group(actor: User, link: GroupTeam) -> None:
    """Remove a link; current members stay in the team (HR can remove them by hand)."""
    team = db.session.get(Team, link.team_id)
    audit(actor, "groep.ontkoppeld", f"{link.group_name} → {team.name}")
    db.session.delete(link)
    db.session.commit()

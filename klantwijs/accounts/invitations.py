"""Invitation links ("Wachtwoord instellen"): single use, 7 days, only the token's hash stored.

Issued by Beheer (add person, new link, import) and by the person (an expired link asks for a
new one); the same service mails them, with the body from templates/email/invitation.txt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import sqlalchemy as sa

from ..audit import audit, describe
from ..core.db import db
from ..core.mail import (
    MailError,
    absolute_url,
    build_message,
    mail_configured,
    render_mail,
    send_messages,
)
from ..models import Invitation, User, utcnow

INVITATION_DAYS = 7
RESET_VALID = dt.timedelta(hours=1)  # a Wachtwoord vergeten? link
logger = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation(
    user: User,
    actor: User | None,
    first: bool = False,
    valid_for: dt.timedelta = dt.timedelta(days=INVITATION_DAYS),
) -> str:
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
            expires_at=now + valid_for,
            created_by_id=actor.id if actor else None,
        )
    )
    return token


def link_may_be_shown(user: User) -> bool:
    """A link is shown on screen (to HR) only for an account without a password: for one
    with a password it would work as a password reset, so it goes by e-mail only."""
    return user.password_hash is None


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


# --- Mailing the links ---------------------------------------------------------------------

INVITATION_SUBJECT = "Je uitnodiging voor Klantwijs"
NEW_LINK_SUBJECT = "Je nieuwe link voor Klantwijs"
RESET_SUBJECT = "Een nieuw wachtwoord voor Klantwijs"


def invitation_link(token: str) -> str:
    return absolute_url("auth.set_password", token=token)


def invitation_text(name: str, link: str) -> str:
    return render_mail("email/invitation.txt", name=name, link=link)


def mail_invitations(
    invitations: list[tuple[User, str]], subject: str = INVITATION_SUBJECT
) -> str | None:
    """E-mail each (person, link) over one connection when SMTP is set up.

    Returns a Dutch note for the page on what happened, or None when mail is off."""
    if not mail_configured() or not invitations:
        return None
    messages = [
        build_message(user.email, subject, invitation_text(user.name, link))
        for user, link in invitations
    ]
    try:
        send_messages(messages)
    except MailError:
        logger.warning("Invitation mail failed", exc_info=True)
        if len(messages) == 1:
            return "De e-mail kon niet worden verstuurd. Geef de link zelf door."
        return "De e-mails konden niet (allemaal) worden verstuurd. Geef de links zelf door."
    if len(messages) == 1:
        return f"De uitnodiging is ook gemaild naar {invitations[0][0].email}."
    return f"De uitnodigingen zijn ook gemaild ({len(messages)})."


def mail_reset_link(user: User) -> None:
    """Wachtwoord vergeten?: a one-hour link to the account's own address (MailError if the
    mail server refuses). The caller commits the link first."""
    token = new_invitation(user, None, valid_for=RESET_VALID)
    audit(None, "wachtwoord.link_aangevraagd", f"{describe(user)} (Wachtwoord vergeten?)")
    db.session.commit()
    body = render_mail("email/reset.txt", name=user.name, link=invitation_link(token))
    send_messages([build_message(user.email, RESET_SUBJECT, body)])


REGISTER_SUBJECT = "Je account bij Klantwijs"


def mail_registration(email: str, user: User | None) -> None:
    """Account aanmaken by e-mail: a new account gets a link to choose its password; for an
    address that already has an account its owner is told, and nothing changes (MailError if
    the mail server refuses). The page says the same in both cases."""
    if user is None:
        return
    if user.password_hash is None and user.active:
        token = new_invitation(user, None)
        db.session.commit()
        body = render_mail("email/register.txt", name=user.name, link=invitation_link(token))
    else:
        body = render_mail(
            "email/register_taken.txt",
            name=user.name,
            login=absolute_url("auth.login"),
            forgot=absolute_url("auth.forgot_password"),
        )
    send_messages([build_message(email, REGISTER_SUBJECT, body)])

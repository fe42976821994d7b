"""Factories for Beheer tests: teams, assignments, attempts, answers and lesson views as rows."""

import contextlib
import datetime as dt

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.core.dutch import local_today
from klantwijs.models import (
    Answer,
    Assignment,
    Attempt,
    AuditEntry,
    LessonView,
    Membership,
    Team,
    User,
    utcnow,
)

TODAY = local_today()  # the Dutch day, as the app counts Deadlines


def login_as(make_user, client, role="hr", **kwargs) -> User:
    """Create an account with this role and log the client in as it."""
    user = make_user(role=role, **kwargs)
    response = client.post(
        "/inloggen", data={"email": user.email, "password": "een lange zin als wachtwoord"}
    )
    assert response.status_code == 302, response.text
    return user


def make_team(app, name="Verkoop", members=()) -> int:
    with app.app_context():
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
        for user in members:
            db.session.add(Membership(user_id=user.id, team_id=team.id))
        db.session.commit()
        return team.id


def make_assignment(app, slug="alpha", team_id=None, user_id=None, due=None) -> int:
    with app.app_context():
        assignment = Assignment(
            module_slug=slug,
            team_id=team_id,
            user_id=user_id,
            due_date=due or TODAY + dt.timedelta(days=14),
        )
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


def make_attempt(
    app,
    user_id,
    slug="alpha",
    score=4.0,
    max_score=5,
    passed=True,
    submitted=True,
    kind="exam",
    answers=None,
    when=None,
) -> int:
    """An attempt row; answers maps question id → (response, score 0..1)."""
    with app.app_context():
        attempt = Attempt(
            user_id=user_id,
            module_slug=slug,
            kind=kind,
            content_version="test",
            seed=1,
            question_ids=list((answers or {}).keys()),
            submitted_at=(when or utcnow()) if submitted else None,
            score=score if submitted else None,
            max_score=max_score,
            passed=passed if submitted else None,
        )
        db.session.add(attempt)
        db.session.flush()
        for question_id, (response, answer_score) in (answers or {}).items():
            db.session.add(
                Answer(
                    attempt_id=attempt.id,
                    question_id=question_id,
                    response=response,
                    score=answer_score,
                )
            )
        db.session.commit()
        return attempt.id


def make_view(app, user_id, slug="alpha") -> None:
    with app.app_context():
        db.session.add(LessonView(user_id=user_id, module_slug=slug))
        db.session.commit()


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def get_user(app, email) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


class Inbox:
    """Collects messages received by the local SMTP server."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def bodies(self) -> list[str]:
        return [m.get_body(("plain",)).get_content() for _, m in self.messages]

    def recipients(self) -> list[str]:
        return [r for rcpts, _ in self.messages for r in rcpts]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def smtp_server():
    """A real SMTP server on localhost (aiosmtpd), yielding (port, inbox)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()

"""Checks and a mail server for Beheer tests (the row factories are fixtures in conftest.py)."""

import contextlib

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.core.dutch import local_today
from klantwijs.models import AuditEntry, User

TODAY = local_today()  # the Dutch day, as the app counts Deadlines


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

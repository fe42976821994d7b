"""One SMTP connection for a run of e-mails (reminders, assignment notices), reconnecting
when the server drops it. core/mail.py sends small groups all-or-nothing; a run of thousands
needs to know which mail failed, and must not open a connection per mail."""

from __future__ import annotations

import contextlib
import smtplib
from email.message import EmailMessage

from flask import current_app

from ..core.mail import MailError

# Reply codes after which the server closes the connection: reconnect and try again.
_CLOSING = {421}


class MailServerDown(MailError):
    """No connection to the mail server (also after reconnecting): stop this run."""


class Mailer:
    """`with Mailer() as mailer: mailer.send(message)`: connects at the first mail, keeps the
    connection, and on a dropped connection reconnects once and sends that mail again.

    send() raises MailError when the server refuses this one mail (the connection stays),
    MailServerDown when it cannot be reached."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None
        self.connections = 0

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=20)
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as exc:
            raise MailServerDown(str(exc) or exc.__class__.__name__) from exc
        self.connections += 1
        return smtp

    def _drop(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
        self.smtp = None

    def send(self, message: EmailMessage) -> None:
        for attempt in (1, 2):
            if self.smtp is None:
                self.smtp = self._connect()
            try:
                self.smtp.send_message(message)
                return
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code not in _CLOSING:
                    raise MailError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
                self._drop()
                error: Exception = exc
            except smtplib.SMTPRecipientsRefused as exc:
                raise MailError(f"geweigerd: {', '.join(exc.recipients)}") from exc
            except (smtplib.SMTPException, OSError) as exc:  # dropped, timed out, reset
                self._drop()
                error = exc
            if attempt == 2:
                raise MailError(str(error) or error.__class__.__name__)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
        self._drop()

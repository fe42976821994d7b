"""Plain-text e-mail over SMTP (smtplib); off until MAIL_SERVER is set."""

import smtplib
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, has_request_context, render_template, url_for


class MailError(Exception):
    """The mail server refused or could not be reached."""


def absolute_url(endpoint: str, **values) -> str:
    """A full link for e-mail: BASE_URL when set (needed for the CLI), else this request's host."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if has_request_context():
        if base:
            return base + url_for(endpoint, **values)
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context():
        return (base or "http://localhost") + url_for(endpoint, **values)


def mail_configured() -> bool:
    """Mail goes out only with MAIL_SERVER and BASE_URL both set: links in e-mails always
    come from BASE_URL, never from a request's Host header (which a visitor chooses)."""
    return bool(current_app.config.get("MAIL_SERVER") and current_app.config.get("BASE_URL"))


def warn_if_half_configured(app) -> None:
    """MAIL_SERVER without BASE_URL sends nothing: say so at start-up."""
    if app.config.get("MAIL_SERVER") and not app.config.get("BASE_URL"):
        app.logger.warning(
            "MAIL_SERVER is set but BASE_URL is not: no e-mail is sent until BASE_URL is set "
            "(links in e-mails come from BASE_URL only)."
        )


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("Klantwijs", current_app.config["MAIL_FROM"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="klantwijs")
    message.set_content(body)
    return message


def send_messages(messages: Iterable[EmailMessage]) -> None:
    """Send over one connection; raise MailError on any SMTP or network failure."""
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in messages:
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(str(exc)) from exc


def send_mail(to: str, subject: str, body: str) -> None:
    send_messages([build_message(to, subject, body)])


def render_mail(template: str, **context) -> str:
    """A plain-text mail body from templates/email/ (no HTML escaping in .txt templates)."""
    return render_template(template, **context).strip() + "\n"

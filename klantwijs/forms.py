"""Account forms with Dutch messages; Flask-WTF adds the CSRF token to each."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict
from wtforms import EmailField, PasswordField, StringField
from wtforms.i18n import get_translations
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from .passwords import MAX_LENGTH, password_problem

REQUIRED = "Vul dit veld in."
_DUTCH = get_translations(["nl"])


class KlantwijsForm(FlaskForm):
    """Every form: WTForms' own messages in Dutch, and fields read request.form only (files only
    when the form has a FileField), so a file posted under a text field's name is a missing
    value with a message, not a crash."""

    class Meta:
        def get_translations(self, form):
            return _DUTCH

        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:
                return formdata
            if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
                return None
            if any(isinstance(f, FileField) for f in form):
                return CombinedMultiDict((request.files, request.form))
            return request.form


def _acceptable_password(_form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _email_field(label: str = "E-mailadres") -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired(REQUIRED),
            Length(max=254, message="Een e-mailadres is hooguit 254 tekens."),
            Email(
                "Vul een geldig e-mailadres in, zoals naam@bedrijf.nl.", check_deliverability=False
            ),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def _new_password(label: str = "Wachtwoord") -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(REQUIRED), _acceptable_password],
        render_kw={"autocomplete": "new-password", "minlength": 12, "maxlength": MAX_LENGTH},
    )


def _repeat(other: str) -> PasswordField:
    return PasswordField(
        "Herhaal wachtwoord",
        validators=[InputRequired(REQUIRED), EqualTo(other, "De wachtwoorden zijn niet gelijk.")],
        render_kw={"autocomplete": "new-password"},
    )


class RegisterForm(KlantwijsForm):
    name = StringField(
        "Naam",
        validators=[
            InputRequired(REQUIRED),
            Length(max=100, message="Een naam is hooguit 100 tekens."),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password = _new_password()
    password_repeat = _repeat("password")


class LoginForm(KlantwijsForm):
    email = _email_field()
    password = PasswordField(
        "Wachtwoord",
        validators=[InputRequired(REQUIRED), Length(max=MAX_LENGTH, message="Wachtwoord te lang.")],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(KlantwijsForm):
    current_password = PasswordField(
        "Huidig wachtwoord",
        validators=[InputRequired(REQUIRED), Length(max=MAX_LENGTH, message="Wachtwoord te lang.")],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password("Nieuw wachtwoord")
    password_repeat = _repeat("password")


class SetPasswordForm(KlantwijsForm):
    password = _new_password()
    password_repeat = _repeat("password")

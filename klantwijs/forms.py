"""Account forms with Dutch messages; Flask-WTF adds the CSRF token to each."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from .passwords import MAX_LENGTH, password_problem

REQUIRED = "Vul dit veld in."


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


class RegisterForm(FlaskForm):
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


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Wachtwoord",
        validators=[InputRequired(REQUIRED), Length(max=MAX_LENGTH, message="Wachtwoord te lang.")],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Huidig wachtwoord",
        validators=[InputRequired(REQUIRED), Length(max=MAX_LENGTH, message="Wachtwoord te lang.")],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password("Nieuw wachtwoord")
    password_repeat = _repeat("password")


class SetPasswordForm(FlaskForm):
    password = _new_password()
    password_repeat = _repeat("password")

"""Account forms with Dutch messages; Flask-WTF adds the CSRF token to each."""

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ..core.forms import REQUIRED, KlantwijsForm, email_field
from .passwords import MAX_LENGTH, password_problem


def _acceptable_password(form, field) -> None:
    """Long enough, not common, not the account's own e-mail address or name: the form's
    e-mail and name fields when it has them, else `form.own_words` set by the view."""
    own = tuple(getattr(form, "own_words", ()))
    for name in ("email", "name"):
        if name in form:
            own += (form[name].data or "",)
    problem = password_problem(field.data or "", own)
    if problem:
        raise ValidationError(problem)


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


class RegisterByMailForm(KlantwijsForm):
    """Account aanmaken when Klantwijs can send e-mail: the password is chosen through the
    link sent to the address, so the page answers the same whether or not it is taken."""

    name = StringField(
        "Naam",
        validators=[
            InputRequired(REQUIRED),
            Length(max=100, message="Een naam is hooguit 100 tekens."),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = email_field()


class RegisterForm(RegisterByMailForm):
    """Account aanmaken without e-mail (a laptop install): the password on the form itself."""

    password = _new_password()
    password_repeat = _repeat("password")


class LoginForm(KlantwijsForm):
    email = email_field()
    password = PasswordField(
        "Wachtwoord",
        validators=[InputRequired(REQUIRED), Length(max=MAX_LENGTH, message="Wachtwoord te lang.")],
        render_kw={"autocomplete": "current-password"},
    )
    # Off by default: a shared computer should not keep someone logged in.
    remember = BooleanField("Ingelogd blijven", default=False)


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


class ForgotPasswordForm(KlantwijsForm):
    email = email_field()

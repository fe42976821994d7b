"""Beheer forms: Dutch labels and messages, CSRF through Flask-WTF."""

import datetime as dt

from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Email, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .forms import REQUIRED, KlantwijsForm, SetPasswordForm
from .models import Role
from .status import local_today


class HrForm(KlantwijsForm):
    """Base of every Beheer form (Dutch messages, request.form only)."""


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        choices = {str(value) for value, _ in self.choices or []}
        if any(str(value) not in choices for value in self.data or []):
            raise ValidationError("Een van de keuzes bestaat niet (meer). Laad de pagina opnieuw.")


def _name(label: str) -> StringField:
    return StringField(
        label,
        validators=[InputRequired(REQUIRED), Length(max=100, message="Hooguit 100 tekens.")],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


def _not_blank(_form, field) -> None:
    if not (field.data or "").strip():
        raise ValidationError(REQUIRED)


class PersonForm(HrForm):
    name = StringField(
        "Naam",
        validators=[
            InputRequired(REQUIRED),
            _not_blank,
            Length(max=100, message="Een naam is hooguit 100 tekens."),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "off"},
    )
    email = StringField(
        "E-mailadres",
        validators=[
            InputRequired(REQUIRED),
            Length(max=254, message="Een e-mailadres is hooguit 254 tekens."),
            Email(
                "Vul een geldig e-mailadres in, zoals naam@bedrijf.nl.", check_deliverability=False
            ),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"type": "email", "autocomplete": "off", "inputmode": "email"},
    )
    teams = CheckboxesField("Teams", coerce=int, validate_choice=True)


class TeamForm(HrForm):
    name = StringField(
        "Teamnaam",
        validators=[
            InputRequired(REQUIRED),
            _not_blank,
            Length(max=100, message="Hooguit 100 tekens."),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class MembersForm(HrForm):
    people = CheckboxesField("Medewerkers", coerce=int)

    def validate_people(self, field):
        if not field.data:
            raise ValidationError("Kies minstens één medewerker.")


class ConfirmForm(HrForm):
    """Only a CSRF token: the button of a confirmation step."""


class RoleForm(HrForm):
    role = SelectField(
        "Rol",
        choices=[
            (Role.LEARNER.value, "Medewerker (learner)"),
            (Role.HR.value, "HR (hr)"),
            (Role.ADMIN.value, "Beheerder (admin)"),
        ],
    )


def _deadline_in_range(_form, field) -> None:
    if field.data is None:
        return
    today = local_today()
    if field.data < today:
        raise ValidationError("Kies een Deadline vanaf vandaag.")
    if field.data > today + dt.timedelta(days=3 * 366):
        raise ValidationError("Kies een Deadline binnen drie jaar.")


def _deadline() -> DateField:
    return DateField(
        "Deadline",
        validators=[InputRequired("Kies een Deadline."), _deadline_in_range],
    )


class AssignForm(HrForm):
    modules = CheckboxesField("Modules")
    target = SelectField(
        "Toewijzen aan",
        choices=[("team", "Een team"), ("people", "Medewerkers")],
        default="team",
    )
    team = SelectField("Team", coerce=str, validate_choice=False)
    people = CheckboxesField("Medewerkers", coerce=int)
    due_date = _deadline()

    def validate_modules(self, field):
        if not field.data:
            raise ValidationError("Kies minstens één module.")

    def validate_team(self, field):
        if self.target.data != "team":
            return
        if not field.data:
            raise ValidationError("Kies een team.")
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Ongeldige keuze: dit team bestaat niet (meer).")

    def validate_people(self, field):
        if self.target.data == "people" and not field.data:
            raise ValidationError("Kies minstens één medewerker.")


class DeadlineForm(HrForm):
    due_date = _deadline()


class ImportUploadForm(HrForm):
    file = FileField("CSV-bestand")


class ImportConfirmForm(HrForm):
    payload = HiddenField()


class InvitationPasswordForm(HrForm, SetPasswordForm):
    """Wachtwoord instellen from an invitation link: SetPasswordForm with HrForm's form reading."""

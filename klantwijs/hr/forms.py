"""Beheer forms: Dutch labels and messages, CSRF through Flask-WTF."""

import datetime as dt

from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ..core.dutch import local_today
from ..core.forms import REQUIRED, CheckboxesField, KlantwijsForm, choices, email_field
from ..models import Role


def _not_blank(_form, field) -> None:
    if not (field.data or "").strip():
        raise ValidationError(REQUIRED)


class PersonForm(KlantwijsForm):
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
    email = email_field(autocomplete="off")
    teams = CheckboxesField("Teams", coerce=int, validate_choice=True)


class TeamForm(KlantwijsForm):
    name = StringField(
        "Teamnaam",
        validators=[
            InputRequired(REQUIRED),
            _not_blank,
            Length(max=100, message="Hooguit 100 tekens."),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class MembersForm(KlantwijsForm):
    people = CheckboxesField("Medewerkers", coerce=int)

    def validate_people(self, field):
        if not field.data:
            raise ValidationError("Kies minstens één medewerker.")


class RoleForm(KlantwijsForm):
    role = SelectField(
        "Rol",
        choices=choices(
            [
                (Role.LEARNER.value, "Medewerker (learner)"),
                (Role.HR.value, "HR (hr)"),
                (Role.ADMIN.value, "Beheerder (admin)"),
            ]
        ),
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


class AssignForm(KlantwijsForm):
    modules = CheckboxesField("Modules")
    target = SelectField(
        "Toewijzen aan",
        choices=choices([("team", "Een team"), ("people", "Medewerkers")]),
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
        if field.data not in {choice.value for choice in field.iter_choices()}:
            raise ValidationError("Ongeldige keuze: dit team bestaat niet (meer).")

    def validate_people(self, field):
        if self.target.data == "people" and not field.data:
            raise ValidationError("Kies minstens één medewerker.")


class DeadlineForm(KlantwijsForm):
    due_date = _deadline()


class ImportUploadForm(KlantwijsForm):
    file = FileField("CSV-bestand")


class ImportConfirmForm(KlantwijsForm):
    payload = HiddenField()

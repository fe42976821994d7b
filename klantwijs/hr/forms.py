"""Beheer forms: Dutch labels and messages, CSRF through Flask-WTF."""

import datetime as dt

from flask_wtf.file import FileField
from wtforms import DateField, Field, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ..core.dutch import local_today
from ..core.forms import REQUIRED, CheckboxesField, KlantwijsForm, choices, email_field
from ..learning.validity import VALIDITY_CHOICES
from ..models import MAX_ID, Role

MAX_PICKED = 10_000  # people chosen in one go (select-all of a search included)


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


class PeopleField(Field):
    """People chosen in a picker (templates/hr/_picker.html): ids from checkboxes named
    after the field. There are no choices to render (the picker searches the server); the
    caller checks that each id may be chosen. A value that is no id is a Dutch error."""

    def process_formdata(self, valuelist):
        self.data = []
        self.bad = False
        for value in valuelist[: MAX_PICKED + 1]:
            if not (value.isascii() and value.isdigit() and len(value) <= 10) or not (
                0 < int(value) <= MAX_ID
            ):
                self.bad = True
                continue
            if int(value) not in self.data:
                self.data.append(int(value))
        if len(valuelist) > MAX_PICKED:
            self.bad = True

    def _value(self):
        return ""

    def pre_validate(self, form):
        if getattr(self, "bad", False):
            raise ValidationError(
                "Een van de gekozen medewerkers bestaat niet (meer). Laad de pagina opnieuw."
            )


def _search_text(_form, field) -> None:
    field.data = (field.data or "").strip()


class PickerForm(KlantwijsForm):
    """A people picker's state: who is chosen, the search, the page, select-all."""

    people = PeopleField("Medewerkers")
    q = StringField(
        "Zoek op naam of e-mailadres",
        validators=[Length(max=100, message="Hooguit 100 tekens."), _search_text],
    )
    searched = HiddenField(validators=[Length(max=100), _search_text])  # what the list shows
    all_found = CheckboxesField(choices=choices([("1", "alle")]))

    @property
    def select_all(self) -> bool:
        return "1" in (self.all_found.data or [])


class MembersForm(PickerForm):
    def validate_people(self, field):
        if not field.data and not self.select_all:
            raise ValidationError("Kies minstens één medewerker.")


class TeamLeadForm(KlantwijsForm):
    email = email_field("E-mailadres van de teamleider", autocomplete="off")


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


class AssignForm(PickerForm):
    modules = CheckboxesField("Modules")
    target = SelectField(
        "Toewijzen aan",
        choices=choices([("team", "Een team"), ("people", "Medewerkers")]),
        default="team",
    )
    team = SelectField("Team", coerce=str, validate_choice=False)
    due_date = _deadline()
    # Recertification (learning/validity.py): after this many months the module is Verlopen.
    valid_months = SelectField(
        "Geldigheid",
        choices=choices(
            [("", "Altijd geldig")] + [(str(m), f"Geldig {m} maanden") for m in VALIDITY_CHOICES]
        ),
        default="",
    )

    @property
    def validity(self) -> int | None:
        """The chosen validity in months, or None (no recertification)."""
        return int(self.valid_months.data) if self.valid_months.data else None

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
        if self.target.data == "people" and not field.data and not self.select_all:
            raise ValidationError("Kies minstens één medewerker.")


class RevokeCertificateForm(KlantwijsForm):
    """Intrekken of a Certificaat (admin): the reason shows on its verification page."""

    reason = StringField(
        "Reden (staat op de controlepagina)",
        validators=[Length(max=200, message="Een reden is hooguit 200 tekens.")],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class DeadlineForm(KlantwijsForm):
    due_date = _deadline()


class ImportUploadForm(KlantwijsForm):
    file = FileField("CSV-bestand")


class ImportConfirmForm(KlantwijsForm):
    payload = HiddenField()

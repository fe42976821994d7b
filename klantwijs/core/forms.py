"""The base of every form: Dutch WTForms messages, request.form only; shared fields."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict
from wtforms import EmailField, PasswordField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import Email, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

REQUIRED = "Vul dit veld in."
_DUTCH = get_translations(["nl"])
FORBIDDEN_CHARACTERS = (
    "Dit veld bevat tekens die niet zijn toegestaan (zoals onzichtbare stuurtekens). "
    "Typ de tekst opnieuw."
)
# Bidirectional overrides and isolates: they make text read differently than it is stored.
_BIDI = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def has_forbidden_characters(text: str, multiline: bool = False) -> bool:
    """NUL, other control characters (a newline only where a textarea allows it) and bidi
    override characters: refused in every text field and search box."""
    allowed = {"\n", "\r", "\t"} if multiline else {"\t"}
    return any(
        (ord(ch) < 32 and ch not in allowed) or 0x7F <= ord(ch) < 0xA0 or ch in _BIDI for ch in text
    )


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

    def validate(self, extra_validators=None) -> bool:
        """WTForms' validation, then: no text field holds NUL, control or bidi characters
        (PostgreSQL refuses NUL; the others hide what a name or team really says)."""
        valid = super().validate(extra_validators)
        for field in self:
            data = field.data
            if not isinstance(data, str) or not data:
                continue
            if isinstance(field, PasswordField):
                bad = "\x00" in data
            else:
                bad = has_forbidden_characters(data, multiline=isinstance(field, TextAreaField))
            if bad:
                field.errors = [*field.errors, FORBIDDEN_CHARACTERS]
                valid = False
        return valid


def email_field(label: str = "E-mailadres", autocomplete: str = "email") -> EmailField:
    """E-mailadres: required, at most 254 characters, a valid address, spaces trimmed."""
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
        render_kw={"autocomplete": autocomplete, "inputmode": "email"},
    )


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes; a value that is not among the choices is a Dutch error."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        choices = {str(choice.value) for choice in self.iter_choices()}
        if any(str(value) not in choices for value in self.data or []):
            raise ValidationError("Een van de keuzes bestaat niet (meer). Laad de pagina opnieuw.")


class ConfirmForm(KlantwijsForm):
    """Only a CSRF token: the button of a confirmation step."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' SelectChoice (tuples are deprecated since 3.3)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]

"""Medewerkers importeren: read a CSV (naam, e-mail, team), check every row, write in one go.

Parsing is pure; checking against the database takes two queries; nothing is written until
the HR officer confirms the preview.
"""

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ..accounts.invitations import new_invitation
from ..accounts.operations import normalise_email
from ..audit import audit
from ..core.db import db
from ..models import Membership, Role, Team, User

MAX_ROWS = 5000
MAX_NAME = 100
MAX_EMAIL = 254
COLUMNS = {
    "naam": "name",
    "name": "name",
    "e-mail": "email",
    "email": "email",
    "e-mailadres": "email",
    "emailadres": "email",
    "team": "team",
    "teams": "team",
}
FORMULA_START = tuple("=+-@\t\r")


class ImportFileError(Exception):
    """The file as a whole cannot be read; str() is a Dutch message."""


@dataclass
class ImportRow:
    line: int
    name: str
    email: str
    team: str
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Excel's Windows-1252; anything else is refused."""
    if not data.strip():
        raise ImportFileError("Het bestand is leeg.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "Dit is een Excel-bestand, geen CSV. Kies in Excel ‘Opslaan als’ → ‘CSV UTF-8’."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise ImportFileError(
            "Dit bestand heeft een codering die we niet kunnen lezen (zoals UTF-16). "
            "Sla het op als ‘CSV UTF-8’ en probeer het opnieuw."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            "De tekens in dit bestand zijn niet te lezen. Sla het op als ‘CSV UTF-8’ "
            "en probeer het opnieuw."
        ) from None


def parse(data: bytes) -> list[ImportRow]:
    """Rows with their own problems (empty name, bad e-mail, formula, duplicate in file)."""
    text = decode(data)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFileError("Het bestand heeft geen kopregel.") from None
    columns = {}
    for index, title in enumerate(header):
        key = COLUMNS.get(title.strip().lower())
        if key and key not in columns:
            columns[key] = index
    missing = [
        label for key, label in (("name", "naam"), ("email", "e-mail")) if key not in columns
    ]
    if missing:
        raise ImportFileError(
            "De kolom(men) "
            + " en ".join(f"‘{m}’" for m in missing)
            + " ontbreken. De eerste regel moet de kolommen naam, e-mail en team noemen."
        )
    rows: list[ImportRow] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    f"Het bestand heeft meer dan {MAX_ROWS} regels. Splits het in kleinere bestanden."
                )

            def cell(key: str, values=values) -> str:
                index = columns.get(key)
                return values[index].strip() if index is not None and index < len(values) else ""

            rows.append(_check_row(reader.line_num, cell("name"), cell("email"), cell("team")))
    except csv.Error as exc:
        raise ImportFileError(f"Regel {reader.line_num} is geen geldige CSV ({exc}).") from None
    if not rows:
        raise ImportFileError("Het bestand heeft geen medewerkers onder de kopregel.")
    seen: dict[str, int] = {}
    for row in rows:
        if row.email and row.email in seen:
            row.errors.append(f"Dubbel in het bestand (ook op regel {seen[row.email]}).")
        elif row.email:
            seen[row.email] = row.line
    return rows


def _check_row(line: int, name: str, email: str, team: str) -> ImportRow:
    row = ImportRow(line=line, name=name, email=normalise_email(email), team=team)
    raw = {"naam": name, "e-mail": email, "team": team}
    for label, value in raw.items():
        if value.startswith(FORMULA_START):
            row.errors.append(f"De {label} begint met ‘{value[0]}’: formules zijn niet toegestaan.")
    if not name:
        row.errors.append("De naam ontbreekt.")
    elif len(name) > MAX_NAME:
        row.errors.append(f"De naam is langer dan {MAX_NAME} tekens.")
    if len(team) > MAX_NAME:
        row.errors.append(f"De teamnaam is langer dan {MAX_NAME} tekens.")
    if not email:
        row.errors.append("Het e-mailadres ontbreekt.")
    elif len(row.email) > MAX_EMAIL or not _valid_email(row.email):
        row.errors.append("Dit is geen geldig e-mailadres.")
    return row


def _valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def check_against_database(rows: list[ImportRow]) -> list[str]:
    """Mark rows whose e-mail already has an account; return team names that do not exist yet."""
    emails = [r.email for r in rows if r.email]
    existing: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        existing.update(db.session.scalars(sa.select(User.email).where(User.email.in_(chunk))))
    for row in rows:
        if row.email in existing:
            row.errors.append("Er is al een account met dit e-mailadres.")
    known = {n.lower() for n in db.session.scalars(sa.select(Team.name))}
    new = {}
    for row in rows:
        if row.ok and row.team and row.team.lower() not in known:
            new.setdefault(row.team.lower(), row.team)
    return sorted(new.values(), key=str.lower)


def serialise(rows: list[ImportRow]) -> list[list]:
    return [[r.line, r.name, r.email, r.team] for r in rows if r.ok]


def deserialise(data) -> list[ImportRow]:
    """Rows from a signed payload, checked again (they were made by us, but times change)."""
    rows = [_check_row(int(line), str(n), str(e), str(t)) for line, n, e, t in data]
    seen = set()
    for row in rows:
        if row.email in seen:
            row.errors.append("Dubbel in het bestand.")
        seen.add(row.email)
    return rows


def import_people(actor: User, rows: list[ImportRow]) -> list[tuple[User, str]]:
    """Create all valid rows, their teams and invitations in one transaction."""
    valid = [r for r in rows if r.ok]
    if not valid:
        return []
    teams = {t.name.lower(): t for t in db.session.scalars(sa.select(Team))}
    created_teams = []
    for row in valid:
        if row.team and row.team.lower() not in teams:
            team = Team(name=row.team)
            db.session.add(team)
            teams[row.team.lower()] = team
            created_teams.append(row.team)
    users = [
        User(email=r.email, name=r.name, password_hash=None, role=Role.LEARNER.value) for r in valid
    ]
    db.session.add_all(users)
    db.session.flush()
    result = []
    for row, user in zip(valid, users, strict=True):
        if row.team:
            db.session.add(Membership(user_id=user.id, team_id=teams[row.team.lower()].id))
        result.append((user, new_invitation(user, actor, first=True)))
    detail = f"{len(users)} medewerkers"
    if created_teams:
        detail += f"; nieuwe teams: {', '.join(created_teams)}"
    detail += ": " + ", ".join(u.email for u in users)
    audit(actor, "medewerkers.geimporteerd", detail)
    db.session.commit()
    return result

"""Medewerkers importeren: read a CSV (naam, e-mail, team), check every row, write in one go.

Parsing is pure; checking against the database takes three queries; nothing is written
until the HR officer confirms the preview. A row for an account that already exists puts
that person in the row's team (the preview says so); only new accounts get an invitation.
"""

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ..accounts.invitations import hash_token, link_may_be_shown, new_invitation
from ..accounts.operations import normalise_email
from ..audit import audit
from ..core.db import db
from ..models import Invitation, Membership, Role, Team, User, utcnow

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
    # Set by check_against_database for an account that exists: (id, name); the row then
    # adds that person to `team` instead of creating an account.
    existing: tuple[int, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def outcome(self) -> str:
        """What confirming does with this row, in Dutch (the preview's last column)."""
        if self.existing:
            return f"Bestaat al ({self.existing[1]}): komt in team {self.team}"
        return "Nieuw account" + (f" in team {self.team}" if self.team else "")


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
    """Rows whose e-mail has an account: with a team they will join it (refused when they
    are in it already), without one they are skipped. Returns the team names that do not
    exist yet."""
    emails = [r.email for r in rows if r.email]
    existing: dict[str, tuple[int, str]] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        existing.update(
            (email, (uid, name))
            for uid, name, email in db.session.execute(
                sa.select(User.id, User.name, User.email).where(User.email.in_(chunk))
            )
        )
    teams_of: dict[int, set[str]] = {}
    ids = [uid for uid, _ in existing.values()]
    for start in range(0, len(ids), 500):
        for uid, name in db.session.execute(
            sa.select(Membership.user_id, Team.name)
            .join(Team, Team.id == Membership.team_id)
            .where(Membership.user_id.in_(ids[start : start + 500]))
        ):
            teams_of.setdefault(uid, set()).add(name.lower())
    for row in rows:
        found = existing.get(row.email)
        if found is None:
            continue
        if not row.team:
            row.errors.append(
                "Er is al een account met dit e-mailadres. Zonder team is er niets te doen."
            )
        elif row.team.lower() in teams_of.get(found[0], set()):
            row.errors.append(f"Bestaat al en staat al in team {row.team}.")
        else:
            row.existing = found
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


@dataclass
class Imported:
    created: list[tuple[User, str]]  # new accounts with their invitation tokens
    joined: list[ImportRow]  # existing accounts put in a team


def import_people(actor: User, rows: list[ImportRow]) -> Imported:
    """Create all valid rows (accounts, teams, invitations) and put existing accounts in
    their team, in one transaction."""
    valid = [r for r in rows if r.ok]
    if not valid:
        return Imported([], [])
    teams = {t.name.lower(): t for t in db.session.scalars(sa.select(Team))}
    created_teams = []
    for row in valid:
        if row.team and row.team.lower() not in teams:
            team = Team(name=row.team)
            db.session.add(team)
            teams[row.team.lower()] = team
            created_teams.append(row.team)
    new_rows = [r for r in valid if r.existing is None]
    joined = [r for r in valid if r.existing is not None]
    users = [
        User(email=r.email, name=r.name, password_hash=None, role=Role.LEARNER.value)
        for r in new_rows
    ]
    db.session.add_all(users)
    db.session.flush()
    created = []
    for row, user in zip(new_rows, users, strict=True):
        if row.team:
            db.session.add(Membership(user_id=user.id, team_id=teams[row.team.lower()].id))
        created.append((user, new_invitation(user, actor, first=True)))
    for row in joined:
        db.session.add(Membership(user_id=row.existing[0], team_id=teams[row.team.lower()].id))
    detail = f"{len(users)} medewerkers"
    if created_teams:
        detail += f"; nieuwe teams: {', '.join(created_teams)}"
    detail += ": " + ", ".join(u.email for u in users)
    if joined:
        detail += "; bestaande accounts in een team: " + ", ".join(
            f"{r.email} → {r.team}" for r in joined
        )
    audit(actor, "medewerkers.geimporteerd", detail)
    db.session.commit()
    return Imported(created, joined)


def link_states(pairs: list[tuple[int, str]]) -> list[tuple[User, str, str | None]]:
    """For (person id, token) pairs made by an import: (person, token, why the link no
    longer works or None). A link works while unused, unexpired (a newer link expires it)
    and the account has no password and is active. Two queries per 500 links."""
    found: list[tuple[User, str, str | None]] = []
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        users = {
            u.id: u
            for u in db.session.scalars(sa.select(User).where(User.id.in_([u for u, _ in chunk])))
        }
        invitations = {
            i.token_hash: i
            for i in db.session.scalars(
                sa.select(Invitation).where(
                    Invitation.token_hash.in_([hash_token(t) for _, t in chunk])
                )
            )
        }
        now = utcnow()
        for uid, token in chunk:
            user = users.get(uid)
            if user is None:
                continue
            invitation = invitations.get(hash_token(token))
            if invitation is None or invitation.user_id != uid:
                problem = "unknown"
            elif invitation.used_at is not None:
                problem = "used"
            elif not link_may_be_shown(user):
                problem = "password"
            elif invitation.expires_at <= now:
                problem = "expired"
            elif not user.active:
                problem = "inactive"
            else:
                problem = None
            found.append((user, token, problem))
    return found

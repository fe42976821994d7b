"""Password rules (NIST 800-63B style): long enough, not common, no composition rules."""

import gzip
from functools import cache
from importlib import resources

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 256
# werkzeug's default. PASSWORD_HASH_METHOD overrides it, for tests only (tests/conftest.py).
DEFAULT_HASH_METHOD = "scrypt"


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("klantwijs") / "data"
    words = gzip.decompress((data / "common-passwords.txt.gz").read_bytes()).decode().split()
    words += (data / "common-passwords-nl.txt").read_text(encoding="utf-8").split()
    return frozenset(w.strip().lower() for w in words)


def _folded(text: str) -> str:
    return "".join(text.lower().split())


def password_problem(password: str, own_words: tuple[str, ...] = ()) -> str | None:
    """Return a Dutch message when the password is not acceptable, else None.

    `own_words`: the account's e-mail address and name, which a password may not be."""
    if len(password) < MIN_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens."
    if len(password) > MAX_LENGTH:
        return f"Kies een wachtwoord van hooguit {MAX_LENGTH} tekens."
    folded = _folded(password)
    if not folded:
        return "Een wachtwoord van alleen spaties is niet veilig. Kies een zin met woorden."
    if len(set(folded)) <= 2:
        return "Dit wachtwoord herhaalt steeds dezelfde tekens. Kies een zin met verschillende woorden."
    if password.lower() in common_passwords() or folded in common_passwords():
        return "Dit wachtwoord wordt veel gebruikt en is makkelijk te raden. Kies een ander."
    for word in own_words:
        word = _folded(word or "")
        local = word.split("@", 1)[0]
        if word and (folded == word or (len(local) >= 4 and folded == local)):
            return "Je wachtwoord mag niet je e-mailadres of je naam zijn. Kies iets anders."
    return None


def hash_method() -> str:
    """The app's PASSWORD_HASH_METHOD; scrypt outside an app or when unset."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_HASH_METHOD
    return DEFAULT_HASH_METHOD


@cache
def _dummy_hash(method: str) -> str:
    """Checked when no account matches, so a wrong e-mail costs as much time as a wrong
    password: made with the same method as real hashes, once per method."""
    return generate_password_hash("klantwijs-dummy-password", method=method)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=hash_method())


def verify_password(password_hash: str | None, password: str) -> bool:
    """Compare in constant time; an account without a password never matches."""
    if not password_hash:
        check_password_hash(_dummy_hash(hash_method()), password)
        return False
    return check_password_hash(password_hash, password)

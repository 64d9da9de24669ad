"""Collector accounts: the people who work the handoff queue. Passwords are stored as
scrypt hashes with a per-user salt and compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.common.language import LANGUAGES
from receivables.errors import Conflict, InvalidInput, NotFound
from receivables.models import Collector

ROLES = ("junior", "senior", "admin")
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")

# scrypt cost: 16 MiB and some 50 ms per hash; stored with the hash, so raising it later
# leaves existing hashes valid
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=128 * r * (n + p + 2)
    )


def hash_password(password: str) -> str:
    """'scrypt$n$r$p$salt$hash', a fresh random salt each time."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P, _DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash; False for anything malformed."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# a real hash to check against when the user is unknown, so that an unknown name takes as
# long as a wrong password
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def normalize_username(username: str) -> str:
    return username.strip().lower()


def get_collector(*, session: Session, username: str) -> Collector:
    collector = session.scalar(
        select(Collector).where(func.lower(Collector.username) == normalize_username(username))
    )
    if collector is None:
        raise NotFound("collector", username)
    return collector


def create_collector(
    *, session: Session, username: str, name: str, password: str, role: str = "junior"
) -> Collector:
    username = normalize_username(username)
    if not USERNAME.match(username):
        raise InvalidInput("a username is lower-case letters, digits, '.', '_' or '-'")
    if not name.strip():
        raise InvalidInput("the name is empty")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(Collector.id).where(func.lower(Collector.username) == username)):
        raise Conflict(f"a collector named {username} already exists")
    collector = Collector(
        username=username,
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        active=True,
    )
    session.add(collector)
    session.flush()
    return collector


def set_password(*, session: Session, username: str, password: str) -> Collector:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    collector = get_collector(session=session, username=username)
    collector.password_hash = hash_password(password)
    session.flush()
    return collector


def set_active(*, session: Session, username: str, active: bool) -> Collector:
    collector = get_collector(session=session, username=username)
    collector.active = active
    session.flush()
    return collector


def authenticate(*, session: Session, username: str, password: str) -> Collector | None:
    """The active collector with this name and password, else None (same time either way)."""
    try:
        collector: Collector | None = get_collector(session=session, username=username)
    except NotFound:
        collector = None
    stored = collector.password_hash if collector else _DUMMY_HASH
    if not verify_password(password, stored) or collector is None or not collector.active:
        return None
    return collector


def list_collectors(*, session: Session) -> list[Collector]:
    return list(session.scalars(select(Collector).order_by(Collector.username)))


CONSOLE_LANGUAGES = LANGUAGES


def set_language(*, session: Session, username: str, language: str) -> Collector:
    """The console's language the collector chose; it follows them to every browser."""
    if language not in CONSOLE_LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(CONSOLE_LANGUAGES)}")
    collector = get_collector(session=session, username=username)
    collector.language = language
    session.flush()
    return collector


def get_active_collector(*, session: Session, username: str) -> Collector:
    """The active collector with this username; InvalidInput otherwise, for a name given by
    a caller (the handoff API's claim) rather than by a signed-in collector."""
    try:
        collector = get_collector(session=session, username=username)
    except NotFound:
        collector = None
    if collector is None or not collector.active:
        raise InvalidInput(f"no active collector with the username {username!r}")
    return collector


def collector_names(*, session: Session, usernames: set[str]) -> dict[str, str]:
    """Username -> display name, for pages that show who handles a case."""
    if not usernames:
        return {}
    rows = session.execute(
        select(Collector.username, Collector.name).where(Collector.username.in_(usernames))
    )
    return {str(username): str(name) for username, name in rows.tuples()}

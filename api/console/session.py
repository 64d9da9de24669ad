"""The console's session cookie: who is signed in, since when, signed with HMAC-SHA256.

value = "v1.<username, base64url>.<issued, unix s>.<stamp>.<signature, hex>"; the stamp is a
short digest of the collector's password hash, so a new password (or a deactivated account,
checked on every request) ends every older session. Pure apart from the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

COOKIE = "settle_console"
MAX_AGE = 12 * 3600  # one working day


@dataclass(frozen=True)
class SessionClaims:
    username: str
    issued: int
    stamp: str


def password_stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _sign(payload: str, secret: bytes) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()


def make_cookie(username: str, password_hash: str, secret: bytes, now: float | None = None) -> str:
    user = base64.urlsafe_b64encode(username.encode()).decode().rstrip("=")
    payload = f"v1.{user}.{int(now if now is not None else time.time())}"
    payload += f".{password_stamp(password_hash)}"
    return f"{payload}.{_sign(payload, secret)}"


def read_cookie(value: str, secret: bytes, now: float | None = None) -> SessionClaims | None:
    """The claims of a valid, unexpired cookie, else None."""
    payload, _, signature = value.rpartition(".")
    if not payload or not hmac.compare_digest(signature.encode(), _sign(payload, secret).encode()):
        return None
    try:
        version, user, issued_text, stamp = payload.split(".")
        issued = int(issued_text)
        username = base64.urlsafe_b64decode(user + "=" * (-len(user) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    age = (now if now is not None else time.time()) - issued
    if version != "v1" or not -60 <= age <= MAX_AGE:
        return None
    return SessionClaims(username, issued, stamp)

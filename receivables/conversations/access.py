"""Who may read and write a conversation through the public conversation API.

Channel conversations (telegram:, whatsapp:, sms:, voice:) are reached only by their
channel; anyone who guesses a chat id must not read or continue them. A web chat
conversation gets a secret on its first message; only a hash of it is stored, and every
later request must show the secret. A wrong or missing one looks exactly like a conversation
that does not exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.errors import NotFound
from receivables.models import Conversation, Message

CHANNEL_PREFIXES = ("telegram:", "whatsapp:", "sms:", "voice:")


def is_channel_conversation(conversation_id: str) -> bool:
    """Pure."""
    return conversation_id.lower().startswith(CHANNEL_PREFIXES)


def hash_token(token: str) -> str:
    """Pure. The secrets are 256 random bits, so a plain SHA-256 is enough (no salt or
    stretching needed, unlike a password)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(conversation: Conversation, token: str | None) -> bool:
    if not token or conversation.token_hash is None:
        return False
    return hmac.compare_digest(hash_token(token), conversation.token_hash)


def check_access(*, session: Session, conversation_id: str, token: str | None) -> Conversation:
    """The conversation, when `token` is its secret; NotFound otherwise (also for channel
    conversations and for conversations without a secret)."""
    conversation = session.get(Conversation, conversation_id)
    if (
        conversation is None
        or is_channel_conversation(conversation_id)
        or not token_matches(conversation, token)
    ):
        raise NotFound("conversation", conversation_id)
    return conversation


def open_webchat_conversation(
    *, session: Session, conversation_id: str, token: str | None
) -> str | None:
    """Before a debtor's message on the public API: a new conversation is created with a
    fresh secret, which is returned (the only time it is ever seen); an existing one needs
    its secret (None is returned). NotFound for a channel id or a wrong secret."""
    if is_channel_conversation(conversation_id):
        raise NotFound("conversation", conversation_id)
    if session.get(Conversation, conversation_id) is not None:
        check_access(session=session, conversation_id=conversation_id, token=token)
        return None
    secret = secrets.token_urlsafe(32)
    try:
        with session.begin_nested():  # two first messages at once: one wins, one gets 404
            session.add(
                Conversation(
                    id=conversation_id,
                    channel="webchat",
                    state="bot",
                    token_hash=hash_token(secret),
                )
            )
    except IntegrityError as exc:
        raise NotFound("conversation", conversation_id) from exc
    return secret


def discard_unused_conversation(*, session: Session, conversation_id: str) -> None:
    """A conversation just opened whose first message was refused (a rate limit): gone
    again, with its secret, as if it had never been opened."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None and not session.scalar(
        select(Message.id).where(Message.conversation_id == conversation_id).limit(1)
    ):
        session.delete(conversation)

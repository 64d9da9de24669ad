"""Telegram: the secret token, real Update payloads parsed, replies rendered for PTB."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from channels import telegram
from channels.base import Button, Reply

USER = {"id": 42, "is_bot": False, "first_name": "Mark", "language_code": "en-GB"}
CHAT = {"id": 42, "type": "private", "first_name": "Mark"}


def message_update(update_id: int, **message: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1773309600,
            "chat": CHAT,
            "from": USER,
            **message,
        },
    }


def test_secret_token_compared_exactly() -> None:
    assert telegram.verify(secret="s3cr3t-Token_1", header="s3cr3t-Token_1")
    for header in (None, "", "s3cr3t-token_1", "s3cr3t-Token_1 ", "s3cr3t"):
        assert not telegram.verify(secret="s3cr3t-Token_1", header=header)


def test_text_message() -> None:
    parsed = telegram.parse(message_update(10, text=" Wat is mijn saldo? "))
    assert parsed is not None and parsed.kind == "message" and parsed.inbound is not None
    assert parsed.inbound.conversation_id == "telegram:42"
    assert (parsed.inbound.delivery_id, parsed.inbound.text) == ("10", "Wat is mijn saldo?")
    assert parsed.inbound.language is None and not parsed.started


def test_start_greets_in_the_app_language() -> None:
    parsed = telegram.parse(message_update(11, text="/start"))
    assert parsed is not None and parsed.started and parsed.inbound is not None
    assert (parsed.inbound.text, parsed.inbound.language) == ("/greet", "en")


def test_callback_query() -> None:
    update = {
        "update_id": 12,
        "callback_query": {
            "id": "cbq-1",
            "from": USER,
            "chat_instance": "ci",
            "data": "/ask_balance",
            "message": {"message_id": 5, "date": 1773309600, "chat": CHAT, "text": "Waarmee?"},
        },
    }
    parsed = telegram.parse(update)
    assert parsed is not None and parsed.kind == "callback" and parsed.inbound is not None
    assert (parsed.callback_query_id, parsed.inbound.text) == ("cbq-1", "/ask_balance")
    assert parsed.inbound.conversation_id == "telegram:42"


def test_shared_contact_is_a_hint_only_when_it_is_ones_own() -> None:
    own = telegram.parse(
        message_update(
            13, contact={"phone_number": "31612345678", "first_name": "Mark", "user_id": 42}
        )
    )
    assert own is not None and own.kind == "contact" and own.phone == "+31612345678"
    other = telegram.parse(
        message_update(
            14, contact={"phone_number": "+31687654321", "first_name": "Els", "user_id": 99}
        )
    )
    assert other is not None and other.kind == "contact" and other.phone is None


def test_what_is_not_handled() -> None:
    photo = telegram.parse(
        message_update(15, photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}])
    )
    assert photo is not None and photo.kind == "unsupported"
    edited = {"update_id": 16, "edited_message": message_update(16, text="x")["message"]}
    assert telegram.parse(edited) is None
    group = message_update(17, text="hoi")
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "g"}
    assert telegram.parse(group) is None


def test_buttons_become_an_inline_keyboard() -> None:
    long_payload = '/inform{"debtor_reference": "' + "X" * 60 + '"}'
    reply = Reply(
        "Waarmee kan ik helpen?",
        (Button("Mijn saldo", "/ask_balance"), Button("Lang", long_payload)),
        "nl",
        message_id=7,
    )
    (arguments,) = telegram.render(reply)
    assert arguments["text"] == "Waarmee kan ik helpen?"
    markup = arguments["reply_markup"]
    assert isinstance(markup, InlineKeyboardMarkup)
    rows = markup.to_dict()["inline_keyboard"]
    assert rows == [
        [{"text": "Mijn saldo", "callback_data": "/ask_balance"}],
        [{"text": "Lang", "callback_data": "#7:1"}],
    ]


def test_share_phone_and_remove_keyboards() -> None:
    (share,) = telegram.render(Reply("Deelt u uw nummer?", language="nl", keyboard="share_phone"))
    assert isinstance(share["reply_markup"], ReplyKeyboardMarkup)
    button = share["reply_markup"].to_dict()["keyboard"][0][0]
    assert button == {"text": "Deel mijn telefoonnummer", "request_contact": True}
    (remove,) = telegram.render(Reply("Dank u.", keyboard="remove"))
    assert isinstance(remove["reply_markup"], ReplyKeyboardRemove)
    assert telegram.render(Reply("Dank u.")) == [{"text": "Dank u."}]


def test_long_text_in_parts_with_the_keyboard_last() -> None:
    parts = telegram.render(Reply("a" * 5000, (Button("OK", "/affirm"),)))
    assert [len(p["text"]) for p in parts] == [4096, 904]
    assert "reply_markup" not in parts[0] and "reply_markup" in parts[1]

"""WhatsApp and SMS: Twilio's signature, parsing the webhook, numbered options, templates."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from twilio.request_validator import RequestValidator

from channels import whatsapp
from channels.base import Button, Reply, choose_option, split_conversation_id
from channels.twilio_signature import public_url, verify

# Twilio's documented example (docs "Webhooks security"): auth token 12345
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOC_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_signature_known_answer() -> None:
    items = list(DOC_PARAMS.items())
    assert RequestValidator("12345").compute_signature(DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    assert verify(auth_token="12345", url=DOC_URL, params=items, signature=DOC_SIGNATURE)
    # Twilio may sign with or without the default port
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert verify(auth_token="12345", url=with_port, params=items, signature=DOC_SIGNATURE)


@pytest.mark.parametrize(
    ("url", "params", "signature", "token"),
    [
        (DOC_URL, DOC_PARAMS, None, "12345"),
        (DOC_URL, DOC_PARAMS, "", "12345"),
        (DOC_URL, DOC_PARAMS, DOC_SIGNATURE, "54321"),
        ("https://mycompany.com/myapp.php?foo=1&bar=3", DOC_PARAMS, DOC_SIGNATURE, "12345"),
        ("http://mycompany.com/myapp.php?foo=1&bar=2", DOC_PARAMS, DOC_SIGNATURE, "12345"),
        (DOC_URL, {**DOC_PARAMS, "Digits": "9999"}, DOC_SIGNATURE, "12345"),
        (DOC_URL, {**DOC_PARAMS, "Extra": "x"}, DOC_SIGNATURE, "12345"),
    ],
)
def test_twilio_signature_refused(
    url: str, params: dict[str, str], signature: str | None, token: str
) -> None:
    assert not verify(auth_token=token, url=url, params=list(params.items()), signature=signature)


def test_repeated_parameters_are_signed_as_twilio_does() -> None:
    items = [("To", "+1"), ("MediaUrl", "b"), ("MediaUrl", "a")]
    # the URL, then every name and value, sorted by name and then by value
    data = b"https://x.example/hMediaUrlaMediaUrlbTo+1"
    signature = base64.b64encode(hmac.new(b"t", data, hashlib.sha1).digest()).decode()
    assert verify(auth_token="t", url="https://x.example/h", params=items, signature=signature)


def test_public_url_is_the_configured_one() -> None:
    assert public_url("https://s.example/", "/channels/twilio/voice/turn", "lang=nl&n=2") == (
        "https://s.example/channels/twilio/voice/turn?lang=nl&n=2"
    )
    assert public_url("https://s.example", "/channels/twilio/whatsapp") == (
        "https://s.example/channels/twilio/whatsapp"
    )


def test_parse_whatsapp_and_sms() -> None:
    message = whatsapp.parse(
        {
            "MessageSid": "SM1",
            "From": "whatsapp:+31612345678",
            "To": "whatsapp:+3197010200300",
            "Body": "  Wat is mijn saldo? ",
        }
    )
    assert message is not None
    assert (message.channel, message.conversation_id) == ("whatsapp", "whatsapp:+31612345678")
    assert (message.delivery_id, message.text) == ("SM1", "Wat is mijn saldo?")
    assert message.hint == {"phone": "+31612345678"}
    sms = whatsapp.parse({"SmsMessageSid": "SM2", "From": "+31612345678", "Body": "hoi"})
    assert sms is not None and sms.conversation_id == "sms:+31612345678"
    tapped = whatsapp.parse(
        {"MessageSid": "SM3", "From": "whatsapp:+316", "Body": "Ja", "ButtonPayload": "/affirm"}
    )
    assert tapped is not None and tapped.text == "/affirm"


def test_what_is_no_message_is_not_parsed() -> None:
    assert whatsapp.parse({"MessageSid": "SM1", "MessageStatus": "delivered", "From": "+1"}) is None
    assert whatsapp.parse({"Body": "hoi", "From": "+316"}) is None
    assert whatsapp.parse({"MessageSid": "SM1", "Body": "hoi"}) is None
    assert whatsapp.has_media({"NumMedia": "1"}) and not whatsapp.has_media({"NumMedia": "0"})


BUTTONS = (Button("Mijn saldo", "/ask_balance"), Button("Mijn facturen", "/ask_invoices"))


def test_buttons_become_numbered_options() -> None:
    (body,) = whatsapp.render(Reply("Waarmee kan ik helpen?", BUTTONS, "nl"))
    assert body == (
        "Waarmee kan ik helpen?\n\n1. Mijn saldo\n2. Mijn facturen\n\n"
        "U kunt antwoorden met het nummer van uw keuze."
    )
    (english,) = whatsapp.render(Reply("How can I help?", BUTTONS, "en"))
    assert english.endswith("You can reply with the number of your choice.")
    assert whatsapp.render(Reply("Dank u.")) == ["Dank u."]


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("2", "/ask_invoices"),
        (" 1 ", "/ask_balance"),
        ("2.", "/ask_invoices"),
        ("1)", "/ask_balance"),
        ("3", None),
        ("0", None),
        ("12", None),
        ("48213907", None),
        ("twee", None),
    ],
)
def test_a_number_picks_an_option(text: str, payload: str | None) -> None:
    assert choose_option(text, BUTTONS) == payload
    assert choose_option(text, ()) is None


def test_long_text_is_split_for_twilio() -> None:
    text = ("Een zin van een paar woorden. " * 40 + "\n") * 3
    bodies = whatsapp.render(Reply(text))
    assert len(bodies) > 1 and all(len(b) <= 1600 for b in bodies)
    assert " ".join(bodies).split() == text.split()


def test_template_variable_is_one_line() -> None:
    reply = Reply("We hebben € 50,00 ontvangen.\nUw saldo is nu € 0,00.", BUTTONS, "nl")
    (value,) = whatsapp.template_variables(reply).values()
    assert "\n" not in value and "  " not in value
    assert value.startswith("We hebben € 50,00 ontvangen. Uw saldo is nu € 0,00. 1. Mijn saldo")


def test_conversation_ids() -> None:
    assert split_conversation_id("whatsapp:+31612345678") == ("whatsapp", "+31612345678")
    assert split_conversation_id("voice:CA1") == ("voice", "CA1")
    assert split_conversation_id("web-123") == ("", "web-123")


def test_empty_twiml_answer() -> None:
    assert whatsapp.empty_response().endswith("<Response />")

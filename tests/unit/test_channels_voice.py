"""The voice channel's TwiML: valid XML with TwiML's verbs only, in the caller's language."""

from __future__ import annotations

from channels import voice
from channels.base import Button, Reply
from tests.fakes.twiml import parse_twiml, spoken

VOICES = voice.Voices()
ACTION, SILENCE = "https://s.example/v/turn?lang=nl&n=2", "https://s.example/v/silence?tries=1"


def test_language_menu_in_both_languages() -> None:
    root = parse_twiml(voice.language_menu(action=ACTION, silence=SILENCE, voices=VOICES))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib["input"] == "dtmf speech" and gather.attrib["speechTimeout"] == "auto"
    assert gather.attrib["numDigits"] == "1" and gather.attrib["action"] == ACTION
    says = gather.findall("Say")
    assert [s.attrib["language"] for s in says] == ["nl-NL", "en-US"]
    assert [s.attrib["voice"] for s in says] == ["Polly.Lotte", "Polly.Joanna"]
    assert "Nederlands, toets 1" in spoken(root) and "English, press 2" in spoken(root)
    assert root[-1].tag == "Redirect" and root[-1].text == SILENCE


def test_prompt_speaks_buttons_as_key_options() -> None:
    reply = Reply(
        "Uw openstaande saldo is € 1.234,56.",
        (Button("Stuur mij een betaallink", "/pay"), Button("Medewerker", "/human")),
        "nl",
    )
    root = parse_twiml(voice.prompt([reply], "nl", action=ACTION, silence=SILENCE, voices=VOICES))
    gather = root.find("Gather")
    assert gather is not None and gather.attrib["numDigits"] == "1"
    assert gather.attrib["language"] == "nl-NL"
    text = spoken(root)
    assert "duizend tweehonderdvierendertig euro en zesenvijftig cent" in text
    assert "Toets 1 voor stuur mij een betaallink. Toets 2 voor medewerker." in text
    assert "€" not in text and "1.234" not in text


def test_prompt_for_a_number_takes_keys_until_hash() -> None:
    reply = Reply("Wat is uw klantnummer, of het nummer van een van uw facturen?", language="nl")
    root = parse_twiml(voice.prompt([reply], "nl", action=ACTION, silence=SILENCE, voices=VOICES))
    gather = root.find("Gather")
    assert gather is not None and "numDigits" not in gather.attrib
    assert gather.attrib["finishOnKey"] == "#"
    assert "intoetsen, gevolgd door een hekje" in spoken(root)


def test_links_are_not_read_out() -> None:
    reply = Reply(
        "Here is your secure payment link for €50.00:\nhttps://s.example/pay/tok\n"
        "You can pay with iDEAL. 💶",
        language="en",
    )
    assert voice.links_in([reply]) == ["https://s.example/pay/tok"]
    xml = voice.prompt(
        [reply],
        "en",
        action=ACTION,
        silence=SILENCE,
        voices=VOICES,
        link_note="I've just sent you the payment link by text message.",
    )
    text = spoken(parse_twiml(xml))
    assert "http" not in text and "💶" not in text and "fifty euros" in text
    assert "sent you the payment link by text message" in text


def test_nothing_to_say_asks_again() -> None:
    root = parse_twiml(voice.prompt([], "en", action=ACTION, silence=SILENCE, voices=VOICES))
    assert "didn't catch that" in spoken(root)


def test_transfer_dials_and_leave_message_records() -> None:
    said = [Reply("Natuurlijk. Ik geef uw gesprek door aan een collega.", language="nl")]
    root = parse_twiml(
        voice.transfer(
            said, "nl", number="+31201234567", action="https://s.example/v/dialed", voices=VOICES
        )
    )
    dial = root.find("Dial")
    assert dial is not None and dial.text == "+31201234567"
    assert dial.attrib["action"] == "https://s.example/v/dialed"
    assert "verbind u nu door" in spoken(root)
    root = parse_twiml(
        voice.leave_message(said, "nl", action="https://s.example/v/recorded", voices=VOICES)
    )
    record = root.find("Record")
    assert record is not None and record.attrib["action"] == "https://s.example/v/recorded"
    assert [e.tag for e in root] == ["Say", "Say", "Record", "Say", "Hangup"]


def test_goodbye_hangs_up() -> None:
    root = parse_twiml(voice.goodbye("en", voices=VOICES))
    assert [e.tag for e in root] == ["Say", "Hangup"] and "Goodbye" in spoken(root)
    assert [e.tag for e in parse_twiml(voice.hang_up())] == ["Hangup"]


def test_language_from_the_menu_answer() -> None:
    assert voice.language_picked({"Digits": "1"}) == ("nl", None)
    assert voice.language_picked({"Digits": "2"}) == ("en", None)
    assert voice.language_picked({"SpeechResult": "English please."}) == ("en", None)
    assert voice.language_picked({"SpeechResult": "Nederlands"}) == ("nl", None)
    said = "Ik wil graag weten hoeveel ik nog moet betalen"
    assert voice.language_picked({"SpeechResult": said}) == ("nl", said)
    assert voice.language_picked({"Digits": "7"}) == (None, None)
    assert voice.language_picked({}) == (None, None)
    assert voice.heard({"Digits": "12031985", "SpeechResult": ""}) == "12031985"
    assert voice.heard({"SpeechResult": " mijn saldo "}) == "mijn saldo"

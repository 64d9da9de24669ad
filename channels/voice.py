"""The phone line through Twilio Voice: TwiML for each step of a call. Pure.

A call starts with a language menu; every answer after that (speech or keypad) is one debtor
turn through the same bot, and the replies are read out with <Say> inside the next <Gather>,
so the caller can answer before the voice has finished. Buttons are spoken as "press 1 for ...",
links are left out (the route texts them to the caller), amounts and dates written out. On a
handoff the call is put through (<Dial>) or, with nobody to put it through to, a message is
recorded (<Record>). Silence is answered by the route: the prompt again, then goodbye.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from channels.base import Reply
from channels.speech import speakable, spoken_title
from channels.twilio_signature import verify
from receivables.common.language import detect_language
from texts import text as channel_text

__all__ = [
    "Voices",
    "language_picked",
    "goodbye",
    "heard",
    "language_menu",
    "leave_message",
    "hang_up",
    "links_in",
    "prompt",
    "transfer",
    "verify",
]

LOCALES = {"nl": "nl-NL", "en": "en-US"}
MAX_OPTIONS_ON_ONE_KEY = 9
_ENGLISH = re.compile(r"\b(?:english|engels|inglés)\b", re.IGNORECASE)
_DUTCH = re.compile(r"\b(?:nederlands|dutch|hollands)\b", re.IGNORECASE)
# the bot asks for something a keypad can give: a customer number or a date of birth
_ASKS_DIGITS = re.compile(r"nummer|geboortedatum|number|date of birth", re.IGNORECASE)


@dataclass(frozen=True)
class Voices:
    """The text-to-speech voice per language."""

    nl: str = "Polly.Lotte"
    en: str = "Polly.Joanna"

    def of(self, language: str) -> str:
        return self.nl if language == "nl" else self.en


def heard(params: Mapping[str, str]) -> str:
    """What the caller said or typed in a <Gather> ("" for nothing)."""
    return (params.get("Digits") or params.get("SpeechResult") or "").strip()


def language_picked(params: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The language picked in the menu (None: nothing we understood), and an utterance to pass on to the bot when the
    caller said more than the language's name ("ik wil mijn saldo weten")."""
    digits = params.get("Digits", "")
    if digits in ("1", "2"):
        return ("nl" if digits == "1" else "en"), None
    speech = params.get("SpeechResult", "").strip()
    if _ENGLISH.search(speech):
        return "en", None
    if _DUTCH.search(speech):
        return "nl", None
    detected = detect_language(speech) if speech else None
    return (detected, speech) if detected else (None, None)


def links_in(replies: Sequence[Reply]) -> list[str]:
    """The links in replies, in order: they are texted, never read out."""
    return [link for r in replies for link in speakable(r.text, r.language).links]


def _say(parent: VoiceResponse | Gather, words: str, language: str, voices: Voices) -> None:
    if words:
        parent.say(words, voice=voices.of(language), language=LOCALES[language])


def _gather(response: VoiceResponse, language: str, action: str, options: int) -> Gather:
    return response.gather(
        input="dtmf speech",
        action=action,
        method="POST",
        language=LOCALES[language],
        speech_timeout="auto",
        timeout=6,
        # one key picks an option; numbers and dates end with #
        num_digits=1 if 0 < options <= MAX_OPTIONS_ON_ONE_KEY else None,
        finish_on_key="#",
    )


def _speak_replies(
    parent: VoiceResponse | Gather,
    replies: Sequence[Reply],
    language: str,
    voices: Voices,
    link_note: str | None,
) -> None:
    for reply in replies:
        spoken = speakable(reply.text, language)
        _say(parent, spoken.text, language, voices)
        if spoken.links and link_note:
            _say(parent, link_note, language, voices)
        for number, button in enumerate(reply.buttons, start=1):
            title = spoken_title(button.title, language)
            _say(
                parent,
                channel_text("voice.press", language, number=number, title=title),
                language,
                voices,
            )


def language_menu(*, action: str, silence: str, voices: Voices) -> str:
    """'Voor Nederlands, toets 1. For English, press 2.'"""
    response = VoiceResponse()
    gather = _gather(response, "nl", action, options=2)
    _say(gather, channel_text("voice.language_menu", "nl"), "nl", voices)
    _say(gather, channel_text("voice.language_menu", "en"), "en", voices)
    response.redirect(silence, method="POST")
    return str(response)


def prompt(
    replies: Sequence[Reply],
    language: str,
    *,
    action: str,
    silence: str,
    voices: Voices,
    link_note: str | None = None,
) -> str:
    """The bot's replies, read out inside a <Gather> for the caller's answer."""
    response = VoiceResponse()
    options = next((len(r.buttons) for r in reversed(replies) if r.buttons), 0)
    gather = _gather(response, language, action, options)
    if not replies:
        _say(gather, channel_text("voice.not_understood", language), language, voices)
    _speak_replies(gather, replies, language, voices, link_note)
    if not options and replies and _ASKS_DIGITS.search(replies[-1].text):
        _say(gather, channel_text("voice.keypad_hint", language), language, voices)
    response.redirect(silence, method="POST")
    return str(response)


def transfer(
    replies: Sequence[Reply], language: str, *, number: str, action: str, voices: Voices
) -> str:
    """The replies, then the call put through to a collector."""
    response = VoiceResponse()
    _speak_replies(response, replies, language, voices, None)
    _say(response, channel_text("voice.transfer", language), language, voices)
    response.dial(number, action=action, method="POST", timeout=25)
    return str(response)


def leave_message(replies: Sequence[Reply], language: str, *, action: str, voices: Voices) -> str:
    """The replies, then a message recorded for the collectors."""
    response = VoiceResponse()
    _speak_replies(response, replies, language, voices, None)
    _say(response, channel_text("voice.leave_message", language), language, voices)
    response.record(
        action=action, method="POST", max_length=120, timeout=5, play_beep=True, finish_on_key="#"
    )
    _say(response, channel_text("voice.goodbye", language), language, voices)
    response.hangup()
    return str(response)


def goodbye(language: str, *, voices: Voices, key: str = "voice.goodbye") -> str:
    response = VoiceResponse()
    _say(response, channel_text(key, language), language, voices)
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)

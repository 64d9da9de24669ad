"""The gateway's own debtor-facing texts, in Dutch and English."""

from __future__ import annotations

TEXTS = {
    "assistant_unavailable": {
        "nl": "Excuses, ik kan u op dit moment niet automatisch helpen. Uw bericht is goed "
        "ontvangen: een collega neemt het gesprek over en antwoordt u hier.",
        "en": "Sorry, I can't help you automatically right now. Your message has been "
        "received: a colleague will take over and reply to you here.",
    },
    "colleague_will_answer": {
        "nl": "Dank u voor uw bericht. Een collega neemt uw gesprek over en antwoordt u hier.",
        "en": "Thank you for your message. A colleague will take over and reply to you here.",
    },
    "payment_received": {
        "nl": "We hebben {amount} ontvangen, dank u wel.",
        "en": "We received {amount}, thank you.",
    },
    "balance_now": {
        "nl": "Uw openstaande saldo is nu {balance}.",
        "en": "Your outstanding balance is now {balance}.",
    },
}


def text(key: str, language: str) -> str:
    return TEXTS[key]["nl" if language == "nl" else "en"]

"""The channels' own debtor-facing texts, in Dutch and English."""

from __future__ import annotations

TEXTS = {
    # messaging
    "choose_by_number": {
        "nl": "U kunt antwoorden met het nummer van uw keuze.",
        "en": "You can reply with the number of your choice.",
    },
    "text_only": {
        "nl": "Excuses, ik kan alleen tekstberichten lezen. Wilt u uw vraag typen?",
        "en": "Sorry, I can only read text messages. Could you type your question?",
    },
    "share_phone_offer": {
        "nl": "Wilt u uw telefoonnummer met ons delen? Dan vinden we uw gegevens sneller. "
        "Voor uw veiligheid vraag ik daarna nog steeds uw klantnummer en geboortedatum.",
        "en": "Would you like to share your phone number with us? It helps us find your "
        "details faster. For your security I will still ask for your customer number and "
        "date of birth.",
    },
    "share_phone_button": {"nl": "Deel mijn telefoonnummer", "en": "Share my phone number"},
    "phone_received": {
        "nl": "Dank u wel, uw nummer is genoteerd. Waarmee kan ik u helpen?",
        "en": "Thank you, I've noted your number. How can I help you?",
    },
    "phone_not_yours": {
        "nl": "Deel alstublieft uw eigen telefoonnummer, met de knop hieronder.",
        "en": "Please share your own phone number, with the button below.",
    },
    # voice
    "voice_language_menu": {
        "nl": "Welkom. Voor Nederlands, toets 1.",
        "en": "For English, press 2.",
    },
    "voice_press": {"nl": "Toets {number} voor {title}.", "en": "Press {number} for {title}."},
    "voice_keypad_hint": {
        "nl": "U kunt de cijfers ook intoetsen, gevolgd door een hekje.",
        "en": "You can also type the digits on your keypad, followed by the hash key.",
    },
    "voice_not_understood": {
        "nl": "Excuses, dat heb ik niet goed verstaan. Kunt u het nog eens zeggen?",
        "en": "Sorry, I didn't catch that. Could you say it again?",
    },
    "voice_link_sent": {
        "nl": "Ik heb u de betaallink zojuist per sms gestuurd.",
        "en": "I've just sent you the payment link by text message.",
    },
    "voice_link_sent_whatsapp": {
        "nl": "Ik heb u de betaallink zojuist via WhatsApp gestuurd.",
        "en": "I've just sent you the payment link on WhatsApp.",
    },
    "voice_link_not_sent": {
        "nl": "Ik kan u de betaallink helaas niet per bericht sturen. U kunt ook betalen per "
        "overschrijving, of ons even via de chat op de website vragen om de link.",
        "en": "Unfortunately I can't send you the payment link by message. You can also pay "
        "by bank transfer, or ask us for the link in the chat on our website.",
    },
    "voice_transfer": {
        "nl": "Ik verbind u nu door met een collega. Een ogenblik alstublieft.",
        "en": "I'm putting you through to a colleague now. One moment, please.",
    },
    "voice_leave_message": {
        "nl": "Op dit moment is er helaas geen collega bereikbaar. Spreek na de toon uw naam, "
        "uw klantnummer en uw vraag in. Wij bellen u zo snel mogelijk terug.",
        "en": "Unfortunately no colleague is available right now. After the tone, please "
        "leave your name, your customer number and your question. We'll call you back as "
        "soon as we can.",
    },
    "voice_message_received": {
        "nl": "Dank u wel, uw bericht is goed ontvangen. Tot ziens.",
        "en": "Thank you, we've received your message. Goodbye.",
    },
    "voice_message_label": {"nl": "Ingesproken bericht", "en": "Voice message"},
    "voice_goodbye": {
        "nl": "Ik hoor niets meer. Bel ons gerust opnieuw als u nog vragen heeft. Tot ziens.",
        "en": "I can't hear anything anymore. Please call us again if you have any "
        "questions. Goodbye.",
    },
}


def text(key: str, language: str, **values: object) -> str:
    template = TEXTS[key]["nl" if language == "nl" else "en"]
    return template.format(**values) if values else template

"""Reading TwiML in tests: it must parse as XML and use only TwiML's verbs and nouns."""

from __future__ import annotations

import xml.etree.ElementTree as ET

# what each element may contain (Twilio's TwiML for Programmable Voice)
ALLOWED = {
    "Response": {
        "Say",
        "Play",
        "Gather",
        "Dial",
        "Record",
        "Redirect",
        "Hangup",
        "Pause",
        "Reject",
        "Enqueue",
        "Leave",
        "Connect",
        "Refer",
        "Pay",
        "Start",
        "Stop",
    },
    "Gather": {"Say", "Play", "Pause"},
    "Dial": {"Number", "Client", "Conference", "Queue", "Sip", "Sim", "Application"},
}
TEXT_ONLY = {"Say", "Play", "Redirect", "Number", "Hangup", "Record", "Pause"}


def parse_twiml(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == "Response", root.tag
    for parent in root.iter():
        children = {child.tag for child in parent}
        if parent.tag in TEXT_ONLY:
            assert not children, f"<{parent.tag}> holds {children}"
        else:
            assert children <= ALLOWED.get(parent.tag, set()), f"<{parent.tag}> holds {children}"
    return root


def spoken(root: ET.Element) -> str:
    return " ".join((say.text or "") for say in root.iter("Say"))

"""The creditor's look, shared by the web chat and the payment page: name, logo and brand
colour from the policy, with a text colour that is readable on it (WCAG contrast). Pure."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from receivables.policy.model import Policy

INK = "#1d2733"
WHITE = "#ffffff"
# WCAG AA for normal text
MIN_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(colour: str) -> str:
    """White on a dark brand colour, ink on a light one."""
    return WHITE if contrast(colour, WHITE) >= MIN_CONTRAST else INK


@dataclass(frozen=True)
class Brand:
    name: str
    logo_url: str | None
    colour: str
    colour_text: str

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def brand_of(policy: Policy) -> Brand:
    creditor = policy.creditor
    colour = creditor.brand_colour.lower()
    return Brand(creditor.name, creditor.logo_url, colour, text_on(colour))

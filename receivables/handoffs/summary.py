"""What a collector needs to know first about an escalated conversation. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# signs of vulnerability, in Dutch and English; the collector sees them as flags
_SIGNS = {
    "illness": r"ziek|ziekte|ziekenhuis|kanker|chemo|burn-?out|depressi|arbeidsongeschikt|"
    r"opgenomen|\bill\b|illness|sick|hospital|cancer|disabled|unable to work|mental health",
    "bereavement": r"overleden|overlijden|gestorven|begrafenis|weduwe|weduwnaar|"
    r"passed away|\bdied\b|death|funeral|bereave|widow",
    "debt_help": r"schuldhulp|schuldsanering|wsnp|bewindvoer|bewind\b|budgetbeheer|"
    r"budgetcoach|schuldhulpverlening|debt (?:help|advi[cs]e|advisor|counsel)|"
    r"debt relief|administrator|insolven|bankrupt|faillis",
    "job_loss": r"baan kwijt|ontslagen|werkloos|uitkering is gestopt|geen inkomen|"
    r"lost my job|laid off|unemployed|no income|benefits stopped",
}
_PATTERNS = {flag: re.compile(pattern, re.IGNORECASE) for flag, pattern in _SIGNS.items()}
# these ask for extra care; job loss alone is hardship, not vulnerability
VULNERABLE = ("illness", "bereavement", "debt_help")


def vulnerability_flags(texts: list[str]) -> list[str]:
    """The signs found in what the debtor wrote, in a fixed order."""
    joined = "\n".join(texts)
    return [flag for flag, pattern in _PATTERNS.items() if pattern.search(joined)]


@dataclass(frozen=True)
class SummaryFacts:
    reason: str
    debtor_name: str | None
    reference: str | None
    verified: bool
    balance: Decimal | None
    asked: list[str]
    offered: list[str]
    flags: list[str]
    disputed_invoice: str | None = None


def handoff_summary(facts: SummaryFacts) -> str:
    """A few lines a collector reads in ten seconds: who, verified or not, balance, what was
    asked and offered, flags."""
    who = f"{facts.debtor_name} ({facts.reference})" if facts.debtor_name else "Unknown debtor"
    lines = [
        f"{who}, {'verified' if facts.verified else 'NOT verified'}.",
        f"Reason: {facts.reason.replace('_', ' ')}.",
    ]
    if facts.balance is not None:
        lines.append(f"Open balance: EUR {facts.balance:.2f}.")
    if facts.disputed_invoice:
        lines.append(f"Disputed invoice: {facts.disputed_invoice} (put on hold).")
    if facts.flags:
        lines.append(f"Flags: {', '.join(f.replace('_', ' ') for f in facts.flags)}.")
    if facts.asked:
        lines.append("Debtor wrote: " + " | ".join(f'"{a[:160]}"' for a in facts.asked[-3:]))
    if facts.offered:
        lines.append("Bot offered: " + "; ".join(facts.offered))
    return "\n".join(lines)

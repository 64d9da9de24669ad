"""What may be stored of a text someone typed: no NUL or other control characters
(PostgreSQL text cannot hold NUL at all), no lone surrogates (not encodable as UTF-8).
Line breaks and tabs, emoji and right-to-left scripts stay as they are. Pure."""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def clean_values(value: Any) -> Any:
    """clean_text on every string in a JSON-like value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_values(k): clean_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_values(v) for v in value]
    return value

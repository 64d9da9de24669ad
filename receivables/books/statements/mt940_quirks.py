"""What banks do to MT940 that the `mt-940` library does not expect, mended in the text before
it reads it. One small function per quirk, each with its own test (tests/unit/
test_statement_quirks.py). Pure."""

from __future__ import annotations

import re

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):")
_SINGLE_LINE = {"20", "25", "28", "28C", "60F", "60M", "62F", "62M", "64", "65"}
# SWIFT envelope blocks: {1:...}{2:...}{3:{108:...}}, "{4:" and "-}{5:...}"
_BLOCK = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}")


def prepare(text: str) -> str:
    """All the mending, in order."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_envelope(text)
    text = join_wrapped_statement_number(text)
    return join_wrapped_ing_statement_line(text)


def strip_envelope(text: str) -> str:
    """Keep only the statements' fields. Drops SWIFT blocks ({1:}{2:}{3:}{4: ... -}{5:}),
    the headers banks put around statements (ABN AMRO's and bunq's "ABNANL2A / 940",
    ING's "0000 01INGBNL2AXXXX00001 / 940 00", Rabobank's ":940:"), free-text preambles,
    end markers ("-", "-}", "-XXX"), and the statement-level :86: that follows the closing
    balances (ING's "/SUM/...", old ING's totals), which mt-940 would otherwise add to the
    last transaction's description."""
    text = _BLOCK.sub("", text).replace("{4:", "")
    kept: list[str] = []
    inside = False  # between a :20: and the end of that statement's balances
    current: str | None = None  # the tag whose value the following lines continue
    closed = False  # the closing balance was seen: what follows is not a transaction's
    for line in text.split("\n"):
        found = _TAG.match(line)
        if found:
            current = found.group(1)
            if current == "20":
                inside, closed = True, False
            if current in ("62F", "62M", "64", "65"):
                closed = True
            if not inside or (closed and current in ("86", "NS")):
                current = None  # a statement-level field: dropped with its continuation
                continue
            kept.append(line)
            continue
        if current is None or (current in _SINGLE_LINE and current not in ("28", "28C")):
            continue  # envelope, header, end marker or preamble between statements
        if current in ("28", "28C") and not re.fullmatch(r"[\d/]*", line.strip()):
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def join_wrapped_statement_number(text: str) -> str:
    """ ":28C:0000" with "0" on the next line is statement number 00000 (OCA's ING file wraps
    even there); mt-940 refuses it ("Unable to parse StatementNumber")."""
    return re.sub(r"^(:28C?:[\d/]*)\n([\d/]+)$", r"\1\2", text, flags=re.MULTILINE)


def join_wrapped_ing_statement_line(text: str) -> str:
    """ING's :61: carries "/TRCD/code/" on its second line; a file wrapped at odd places
    (":61:...EREF//00000000001" + "005" + "/TRCD/00100/", or "/" + "TRCD/00108/") is joined
    back into the statement line and the /TRCD/ line, so the bank reference is whole."""

    def mend(found: re.Match[str]) -> str:
        field = found.group(0)
        lines = field.split("\n")
        glued = "".join(lines)
        if "/TRCD/" not in glued or (len(lines) == 2 and lines[1].startswith("/TRCD/")):
            return field
        head, _, tail = glued.partition("/TRCD/")
        return f"{head}\n/TRCD/{tail}"

    return re.sub(r"^:61:.*(?:\n(?!:\d{2}[A-Z]?:).*)*", mend, text, flags=re.MULTILINE)

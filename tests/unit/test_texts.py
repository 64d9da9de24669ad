"""The text catalogue: every key in Dutch and English with the same placeholders, every key the
code names exists (and every key is used), and the loader's language rules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from texts import load_catalogue, parity_problems, section, text
from texts.loader import CATALOGUE_DIR, Catalogue

ROOT = Path(__file__).resolve().parents[2]
CODE = ("api", "bot/actions", "channels", "payment_providers", "receivables", "settle", "tests")
# files and wholesale readers: the payment page's template and the web chat widget
PAY_TEMPLATE = ROOT / "api" / "templates" / "pay.html"
WIDGET = ROOT / "api" / "static" / "webchat.js"
# the first argument of text(...), gateway_text(...), texts.text(...) when it is shaped like a key
_TEXT_CALL = re.compile(r"""\btext\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""")
# "webchat.js" is a file, not a text
_FILE_ENDINGS = {"py", "js", "css", "html", "png", "yml", "yaml", "json", "db", "txt", "md", "log"}


def _python_files() -> list[Path]:
    here = Path(__file__).resolve()
    return [p for folder in CODE for p in (ROOT / folder).rglob("*.py") if p.resolve() != here]


def keys_in_code(catalogue: Catalogue, paths: list[Path] | None = None) -> dict[str, list[str]]:
    """Every catalogue-shaped key the code names ("voice.press", in a text() call or a table of
    keys), and every key-shaped first argument of a text() call, with where it appears."""
    files = sorted({key.split(".", 1)[0] for key in catalogue})
    shaped = re.compile(rf"""["']((?:{"|".join(files)})\.[a-z0-9_]+)["']""")
    found: dict[str, list[str]] = {}
    for path in _python_files() if paths is None else paths:
        source = path.read_text(encoding="utf-8")
        for key in {*shaped.findall(source), *_TEXT_CALL.findall(source)}:
            if key.rsplit(".", 1)[1] not in _FILE_ENDINGS:
                found.setdefault(key, []).append(path.name)
    return found


def test_every_key_has_dutch_and_english_with_the_same_placeholders() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) > 50
    assert parity_problems(catalogue) == []


def test_every_key_the_code_names_exists() -> None:
    catalogue = load_catalogue()
    used = keys_in_code(catalogue)
    assert len(used) > 40  # the scan sees the callers
    missing = {key: where for key, where in used.items() if key not in catalogue}
    assert missing == {}


def test_a_caller_naming_a_key_that_does_not_exist_is_found(tmp_path: Path) -> None:
    caller = tmp_path / "caller.py"
    caller.write_text(
        'say(gateway_text("voice.pres", "nl"))\n'
        'KEYS = {"sms": "voice.link_sent", "post": "voice.link_by_post"}\n'
        'text("greeting.hello", "en")\n'
        'session.execute(text("SELECT 1"))\n',
        encoding="utf-8",
    )
    catalogue = load_catalogue()
    used = keys_in_code(catalogue, [caller])
    assert sorted(k for k in used if k not in catalogue) == [
        "greeting.hello",
        "voice.link_by_post",
        "voice.pres",
    ]
    assert "voice.link_sent" in used


def test_every_key_is_used() -> None:
    catalogue = load_catalogue()
    used = keys_in_code(catalogue)
    read_whole = ("pay_page.", "webchat.")  # the template and the widget read their file whole
    unused = [k for k in catalogue if k not in used and not k.startswith(read_whole)]
    assert unused == []


def test_the_payment_page_and_the_widget_name_only_catalogue_labels() -> None:
    pay = section("pay_page")["nl"]
    template = PAY_TEMPLATE.read_text(encoding="utf-8")
    named = set(re.findall(r"\bt\.([a-z_]+)", template))
    assert named and named <= pay.keys()
    assert {"paid", "expired", "replaced"} <= pay.keys()  # t[state]

    webchat = section("webchat")["nl"]
    widget = WIDGET.read_text(encoding="utf-8")
    named = set(re.findall(r"\b(?:t|UI\[[a-z]+\])\.([a-z_]+)", widget))
    assert named and named <= webchat.keys()
    assert {"bot", "collector", "system", "waiting", "human"} <= webchat.keys()  # by sender, state
    assert "nl: {" not in widget and "Chat met ons" not in widget  # no labels of its own


def test_a_key_missing_from_one_language_fails_the_check() -> None:
    catalogue = {key: dict(languages) for key, languages in load_catalogue().items()}
    del catalogue["voice.press"]["en"]
    catalogue["messaging.text_only"]["nl"] = "  "
    assert parity_problems(catalogue) == ["messaging.text_only: no nl", "voice.press: no en"]


def test_a_language_removed_from_a_catalogue_file_fails_the_check(tmp_path: Path) -> None:
    shutil.copytree(CATALOGUE_DIR, tmp_path, dirs_exist_ok=True)
    gateway = tmp_path / "gateway.yml"
    lines = gateway.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("colleague_will_answer:\n")
    assert lines[at + 2].startswith("  en:")
    gateway.write_text("".join(lines[: at + 2] + lines[at + 3 :]), encoding="utf-8")
    assert parity_problems(load_catalogue(tmp_path)) == ["gateway.colleague_will_answer: no en"]


def test_placeholders_that_differ_between_languages_fail_the_check() -> None:
    catalogue = {
        "voice.press": {"nl": "Toets {number} voor {title}.", "en": "Press {number}."},
        "bot_pieces.extra": {"nl": "Hallo", "en": "Hello", "de": "Hallo"},
    }
    problems = parity_problems(catalogue)
    assert problems[0] == "bot_pieces.extra: unexpected language de"
    assert problems[1].startswith("voice.press: placeholders differ")


def test_a_malformed_entry_does_not_load(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("greeting: Hallo\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.greeting"):
        load_catalogue(tmp_path)


def test_text_fills_placeholders_in_the_language_asked() -> None:
    assert text("voice.press", "nl", number=2, title="mijn saldo") == "Toets 2 voor mijn saldo."
    assert text("voice.press", "en", number=2, title="my balance") == "Press 2 for my balance."
    assert text("payment_news.balance_now", "en", balance="€5.00") == (
        "Your outstanding balance is now €5.00."
    )
    with pytest.raises(KeyError):
        text("voice.no_such_text", "nl")
    with pytest.raises(KeyError):
        text("voice.press", "nl")  # a placeholder without its value


@pytest.mark.parametrize(
    ("asked", "language"),
    [
        ("nl", "nl"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("nl-BE", "nl"),
        (None, "nl"),
        ("", "nl"),
        ("de", "nl"),  # the one rule (receivables.common.language): else Dutch
    ],
)
def test_which_language_a_text_is_in(asked: str | None, language: str) -> None:
    assert text("webchat.launcher", asked) == section("webchat")[language]["launcher"]

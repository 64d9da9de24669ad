"""The held-out NLU examples are honest: none is within one word of a training example
(so the F1 in var/rasa-test says how the bot reads phrasings it has not seen), and every
business intent has enough of them in each language. Pure Python over the YAML, fast."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("nl", "en")
# small talk: how well these are read matters less, and they are not counted
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge", "out_of_scope"})
MIN_HELD_OUT = 15


def examples(path: Path) -> dict[str, list[str]]:
    """intent -> its examples in one NLU file."""
    found: dict[str, list[str]] = defaultdict(list)
    for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
        if "intent" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    found[block["intent"]].append(line.strip()[2:])
    return found


def words(text: str) -> tuple[str, ...]:
    """Lower case, punctuation gone ("that's" is "thats"), split on spaces; emoji stay."""
    text = re.sub(r"['’`]", "", text.lower())
    return tuple(re.sub(r"[!-/:-@\[-^{-~¿¡«»“”…]", " ", text).split())


def within_one_word(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Word-level edit distance <= 1: one word added, removed or replaced."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def training() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = defaultdict(list)
    for path in sorted((ROOT / "bot" / "data" / "nlu").glob("*/*.yml")):
        for intent, texts in examples(path).items():
            merged[intent].extend(texts)
    return merged


def held_out(language: str) -> dict[str, list[str]]:
    return examples(ROOT / "bot" / "tests" / "nlu" / f"{language}.yml")


def business_intents() -> set[str]:
    intents: set[str] = set()
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        intents.update((yaml.safe_load(path.read_text()) or {}).get("intents", []))
    return intents - SMALL_TALK


def _variants(text: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every sequence one replaced (marked "\0") or one removed word away, and itself."""
    replaced = {text[:i] + ("\0",) + text[i + 1 :] for i in range(len(text))}
    removed = {text[:i] + text[i + 1 :] for i in range(len(text))}
    return {text} | replaced | removed


def too_close(language: str) -> list[str]:
    """Held-out examples within one word of a training example (of any language). Two
    texts are within one word when they share a variant (see _variants); within_one_word
    confirms each pair found."""
    index: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    for intent, texts in training().items():
        for text in texts:
            for variant in _variants(words(text)):
                index[variant].append((words(text), f"{intent}: {text}"))
    close = set()
    for intent, texts in held_out(language).items():
        for text in texts:
            mine = words(text)
            for variant in _variants(mine):
                for theirs, label in index.get(variant, []):
                    if within_one_word(mine, theirs):
                        close.add(f"{intent}: {text!r} ~ {label!r}")
    return sorted(close)


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("ja graag", "ja graag!", True),
        ("Ja, graag", "ja heel graag", True),
        ("kan ik in 3 termijnen betalen", "kan ik in 4 termijnen betalen", True),
        ("kan ik in 3 termijnen betalen", "kan ik in 4 delen betalen", False),
        ("yes please", "no thanks", False),
        ("ok", "prima", True),
        ("yes that's me", "yes that suits me", False),
        ("👍", "👎", True),
        ("dag meneer/mevrouw", "dag meneer mevrouw", True),
    ],
)
def test_within_one_word(a: str, b: str, close: bool) -> None:
    assert within_one_word(words(a), words(b)) is close


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_held_out_example_is_within_one_word_of_training(language: str) -> None:
    close = too_close(language)
    assert not close, f"{len(close)} held-out examples are too close:\n" + "\n".join(close)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_business_intent_has_enough_held_out_examples(language: str) -> None:
    counts = {intent: len(texts) for intent, texts in held_out(language).items()}
    short = {i: counts.get(i, 0) for i in business_intents() if counts.get(i, 0) < MIN_HELD_OUT}
    assert not short, f"{language}: fewer than {MIN_HELD_OUT} held-out examples: {short}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_examples_are_unique_and_known(language: str) -> None:
    texts = [words(t) for texts in held_out(language).values() for t in texts]
    assert len(texts) == len(set(texts)), f"{language}: a held-out example appears twice"
    assert set(held_out(language)) <= business_intents() | SMALL_TALK

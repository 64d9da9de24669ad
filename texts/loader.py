"""Reads the catalogue once and hands out texts by key and language."""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import yaml

from receivables.common.language import LANGUAGES, resolve_language

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

Catalogue = dict[str, dict[str, str]]  # "<file>.<name>" -> language -> template


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Every `<file>.yml` in `directory` as "<file>.<name>" keys. A malformed entry (not a
    mapping of language to text) raises ValueError: the catalogue is code, it must load."""
    catalogue: Catalogue = {}
    for path in sorted(directory.glob("*.yml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(entries, dict):
            raise ValueError(f"{path.name}: not a mapping of keys")
        for name, languages in entries.items():
            key = f"{path.stem}.{name}"
            if not isinstance(languages, dict) or not all(
                isinstance(lang, str) and isinstance(value, str)
                for lang, value in languages.items()
            ):
                raise ValueError(f"{key}: expected a mapping of language to text")
            catalogue[key] = dict(languages)
    return catalogue


@cache
def _catalogue() -> Catalogue:
    return load_catalogue()


def text(key: str, language: str | None, /, **values: object) -> str:
    """The text for `key` in `language` with its placeholders filled. An unknown key raises
    KeyError, a missing value too."""
    return _catalogue()[key][resolve_language(language)].format(**values)


@cache
def section(name: str) -> dict[str, dict[str, str]]:
    """One file's texts per language, placeholders unfilled: {"nl": {...}, "en": {...}}. For
    a template (the payment page) or a client (the web chat widget) that shows them itself.
    Cached and shared: read it, do not change it."""
    prefix = f"{name}."
    entries = {k[len(prefix) :]: v for k, v in _catalogue().items() if k.startswith(prefix)}
    if not entries:
        raise KeyError(name)
    return {lang: {k: v[lang] for k, v in entries.items()} for lang in LANGUAGES}


def placeholders(template: str) -> set[str]:
    """The str.format names in a template: "Toets {number} voor {title}." -> number, title."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def parity_problems(catalogue: Catalogue) -> list[str]:
    """What keeps the catalogue from being complete: a key without Dutch or English (or with
    an empty text or a language it should not have), or placeholders that differ between the
    languages. Empty when all is well."""
    problems = []
    for key, languages in sorted(catalogue.items()):
        for lang in LANGUAGES:
            if not languages.get(lang, "").strip():
                problems.append(f"{key}: no {lang}")
        for lang in sorted(set(languages) - set(LANGUAGES)):
            problems.append(f"{key}: unexpected language {lang}")
        names = {lang: placeholders(languages[lang]) for lang in LANGUAGES if lang in languages}
        if len(set(map(frozenset, names.values()))) > 1:
            problems.append(f"{key}: placeholders differ {sorted(names.items())}")
    return problems

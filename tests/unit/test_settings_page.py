"""docs/settings.md names every SETTLE_ variable there is, and none that is not."""

from __future__ import annotations

import re
from pathlib import Path

from receivables.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "settings.md").read_text()
VARIABLE = re.compile(r"\bSETTLE_[A-Z0-9_]*[A-Z0-9]\b")
# where the processes, images and manifests read their environment (not the tests: their
# own names, such as tests/deploy's SETTLE_SERVICES, are no settings)
SOURCES = [
    "receivables",
    "api",
    "channels",
    "bot",
    "payment_providers",
    "texts",
    "scripts",
    "settle",
    "config",
    "deploy",
    "docker",
    "docker-compose.yml",
    "Makefile",
    ".ci",
]
SUFFIXES = {".py", ".yml", ".yaml", ".toml", ".sh", ""}


def variables_in(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            if file.suffix in SUFFIXES or file.name.endswith("Dockerfile"):
                found |= set(VARIABLE.findall(file.read_text(errors="replace")))
    return found


def settings_variables() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"SETTLE_{name.upper()}")
    return names


def test_every_setting_is_documented() -> None:
    missing = {name for name in settings_variables() if f"`{name}`" not in PAGE}
    assert missing == set(), "settings docs/settings.md does not name"


def test_every_variable_the_processes_read_is_documented() -> None:
    used = variables_in([ROOT / source for source in SOURCES if (ROOT / source).exists()])
    assert len(used) > 30  # the scan found them
    assert used - set(VARIABLE.findall(PAGE)) == set()


def test_the_page_names_no_variable_nobody_reads() -> None:
    read = settings_variables() | variables_in(
        [ROOT / s for s in [*SOURCES, "tests"] if (ROOT / s).exists()]
    )
    assert set(VARIABLE.findall(PAGE)) - read == set()

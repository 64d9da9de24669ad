"""What may import what (docs/architecture.md), enforced by import-linter's contracts in
pyproject.toml; and the page, the contracts and the tree kept saying the same thing."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "architecture.md"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
# The `settle` command line (issue 25) is built on its own branch: the page and the layers
# name it before its package is here. Once it exists this set must be emptied (and `settle`
# added to the root packages), which test_every_package_is_under_the_rules says.
LANDING: set[str] = set()


def test_imports_point_the_way_the_architecture_page_says() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    broken = result.stdout[result.stdout.find("Broken contracts") :]
    assert result.returncode == 0, "an import breaks docs/architecture.md:\n" + broken
    assert "0 broken" in result.stdout


def packages_in_tree() -> set[str]:
    """Every top-level Python package but the tests; bot/ (a Rasa project, no package
    itself) by its two Python packages."""
    found: set[str] = set()
    for folder in sorted(ROOT.iterdir()):
        if folder.name == "tests" or folder.name.startswith("."):
            continue
        if (folder / "__init__.py").is_file():
            found.add(folder.name)
        elif folder.is_dir() and not folder.name.endswith(".egg-info"):
            found |= {
                f"{folder.name}.{sub.name}"
                for sub in folder.iterdir()
                if (sub / "__init__.py").is_file()
            }
    return found


def layers() -> list[set[str]]:
    """The layers contract, top first, optional layers' parentheses taken off."""
    (contract,) = [c for c in CONFIG["contracts"] if c["type"] == "layers"]
    return [{name.strip(" ()") for name in layer.split("|")} for layer in contract["layers"]]


def test_every_package_is_under_the_rules() -> None:
    in_tree = packages_in_tree()
    assert in_tree >= {"receivables", "api", "channels", "bot.actions", "bot.runtime"}
    assert not LANDING & in_tree, f"{LANDING & in_tree} is here: take it out of LANDING"
    assert set(CONFIG["root_packages"]) == in_tree
    layered = set().union(*layers())
    assert layered | {"bot.runtime"} == in_tree | LANDING


def page_table() -> dict[str, tuple[str, set[str]]]:
    """The page's package table: package -> (its job, what it may import)."""
    rows: dict[str, tuple[str, set[str]]] = {}
    for line in PAGE.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`[\w.]+`", cells[0]):
            may_import = set(re.findall(r"`([\w.]+)`", cells[2]))
            assert may_import or cells[2] == "nothing", line
            rows[cells[0].strip("`")] = (cells[1], may_import)
    return rows


def test_the_page_names_each_package_its_job_and_what_the_rules_allow() -> None:
    rows = page_table()
    assert set(rows) == packages_in_tree() | LANDING
    stack = layers()
    for package, (job, may_import) in rows.items():
        assert job.endswith(".") and len(job) > 30, f"{package}: one sentence on its job"
        if package == "bot.runtime":
            allowed: set[str] = set()
        else:
            (level,) = [i for i, layer in enumerate(stack) if package in layer]
            allowed = set().union(set(), *stack[level + 1 :])
        assert may_import == allowed, f"{package}: the page and pyproject.toml disagree"


def test_bot_runtime_is_apart_both_ways() -> None:
    forbidden = [c for c in CONFIG["contracts"] if c["type"] == "forbidden"]
    others = packages_in_tree() - {"bot.runtime"}
    assert any(
        c["source_modules"] == ["bot.runtime"] and set(c["forbidden_modules"]) == others
        for c in forbidden
    )
    assert any(
        set(c["source_modules"]) == others and c["forbidden_modules"] == ["bot.runtime"]
        for c in forbidden
    )

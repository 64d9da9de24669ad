"""The Rasa project itself: data validation, NLU on held-out examples per language, and the
test stories, against the model the Makefile trained (models/settle.tar.gz)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.bot.test_nlu_data import SMALL_TALK

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "settle.tar.gz"
RESULTS = ROOT / "var" / "rasa-test"
# weighted over every intent of the held-out set of one language (bot/tests/nlu/), which
# holds no example within one word of the training data (tests/bot/test_nlu_data.py).
# Issue 14's floors: 0.93 weighted, 0.9 per business intent. On this honest set the model
# (the lighter DIET of bot/config.yml, seeded) reaches 0.962 (nl) and 0.953 (en), its
# weakest business intents 0.909 (request_human nl, inform en).
MIN_INTENT_F1 = 0.93
# every business intent (all but small talk) on its own
MIN_BUSINESS_INTENT_F1 = 0.9
# small talk (greet, out_of_scope, ...) has only a few held-out examples and is open-ended
MIN_SMALL_TALK_F1 = 0.5  # out_of_scope (en) is at 0.55: open-ended by nature


def run_rasa(*args: str) -> subprocess.CompletedProcess[str]:
    assert RASA.exists(), f"{RASA} is missing: run `make test`, which creates .venv-rasa"
    assert MODEL.exists(), f"{MODEL} is missing: run `make test`, which trains it"
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [str(RASA), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, (
        f"rasa {args[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def write_summary(name: str, data: dict[str, object]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2))


def test_data_validates() -> None:
    result = run_rasa(
        "data",
        "validate",
        "--config",
        "bot/config.yml",
        "--domain",
        "bot/domain",
        "--data",
        "bot/data",
    )
    assert "ERROR" not in result.stdout


@pytest.mark.parametrize("language", ["nl", "en"])
def test_intents_on_held_out_examples(language: str) -> None:
    out = RESULTS / f"nlu-{language}"
    run_rasa(
        "test",
        "nlu",
        "--model",
        str(MODEL),
        "--nlu",
        f"bot/tests/nlu/{language}.yml",
        "--out",
        str(out),
    )
    report = json.loads((out / "intent_report.json").read_text())
    weighted_f1 = report["weighted avg"]["f1-score"]
    per_intent = {
        name: round(values["f1-score"], 3)
        for name, values in report.items()
        if isinstance(values, dict) and "support" in values and not name.endswith("avg")
    }
    write_summary(
        f"intent-f1-{language}",
        {"weighted_f1": round(weighted_f1, 3), "accuracy": report["accuracy"], **per_intent},
    )
    assert weighted_f1 >= MIN_INTENT_F1, f"{language}: weighted intent F1 {weighted_f1:.3f}"
    weak = {
        name: f1
        for name, f1 in per_intent.items()
        if f1 < (MIN_SMALL_TALK_F1 if name in SMALL_TALK else MIN_BUSINESS_INTENT_F1)
    }
    assert not weak, f"{language}: intents recognised poorly: {weak}"


def test_stories_in_both_languages() -> None:
    out = RESULTS / "core"
    run_rasa(
        "test",
        "core",
        "--model",
        str(MODEL),
        "--stories",
        "bot/tests/test_stories.yml",
        "--out",
        str(out),
    )
    report = json.loads((out / "story_report.json").read_text())
    stories = report["conversation_accuracy"]
    write_summary("stories", stories)
    assert stories["correct"] == stories["total"] > 0, f"failed stories: {stories}"

"""The code Settle runs inside Rasa's environment (bot/runtime/), checked in that environment:
action-server responses are validated without re-checking the schema on every call
(RasaHQ/rasa#11717), and invalid responses are still refused."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

# counts the meta-schema checks while Rasa validates a good and a bad action response
PROBE = textwrap.dedent(
    """
    import json, sys
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction
    from bot.runtime import validation

    if sys.argv[1] == "installed":
        validation.install()
    checks = 0
    original = validators.Draft202012Validator.check_schema.__func__

    def counting(cls, schema, *args, **kwargs):
        global checks
        checks += 1
        return original(cls, schema, *args, **kwargs)

    validators.Draft202012Validator.check_schema = classmethod(counting)
    action = RemoteAction("action_tell_balance", None)
    good = {"events": [{"event": "slot", "name": "verified", "value": True}],
            "responses": [{"response": "utter_balance", "amount": "€ 12,00"}]}
    accepted = [action._validate_action_result(good) for _ in range(3)]
    try:
        action._validate_action_result({"events": "not a list"})
        refused = ""
    except ValidationError as error:
        refused = error.message
    print(json.dumps({"accepted": accepted, "refused": refused, "checks": checks}))
    """
)


def probe(mode: str) -> dict[str, object]:
    assert PYTHON.exists(), f"{PYTHON} is missing: run `make setup`, which creates .venv-rasa"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    command = [str(PYTHON), "-c", PROBE, mode]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_action_responses_are_validated_without_checking_the_schema_each_time() -> None:
    installed = probe("installed")
    assert installed["accepted"] == [True, True, True]
    assert "Failed to validate Action server response" in str(installed["refused"])
    assert installed["checks"] == 0


def test_rasa_alone_would_check_the_schema_on_every_response() -> None:
    """What the fix guards against: if this starts failing, Rasa or jsonschema changed and
    the fix in bot/runtime/validation.py may no longer be needed."""
    assert probe("plain")["checks"] == 4


# Rasa's own parser, given the arguments bot/runtime/server.py makes from the environment
PARSE = textwrap.dedent(
    """
    import json, sys
    from rasa.__main__ import create_argument_parser
    from bot.runtime.server import rasa_arguments

    token = sys.argv[1]
    started = ["run", "--enable-api", "--port", "5005"]
    parsed = create_argument_parser().parse_args(
        rasa_arguments(started, {"SETTLE_RASA_TOKEN": token})
    )
    try:
        create_argument_parser().parse_args([*started, "--auth-token", token])
        old = "parsed"
    except SystemExit as exc:
        old = f"exit {exc.code}"
    print(json.dumps({"token": parsed.auth_token, "old": old}))
    """
)


def test_a_token_that_looks_like_an_option_reaches_rasa_whole() -> None:
    """Issue 29: one `make run` in 64 died because the generated token began with "-"."""
    assert PYTHON.exists(), f"{PYTHON} is missing: run `make setup`, which creates .venv-rasa"
    token = "-25MK6S_token-from-token_urlsafe"
    result = subprocess.run(
        [str(PYTHON), "-c", PARSE, token],
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parsed = json.loads(result.stdout.strip().splitlines()[-1])
    assert parsed == {"token": token, "old": "exit 2"}  # the old way failed exactly so

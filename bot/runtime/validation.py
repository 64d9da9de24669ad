"""Validate action-server responses with a validator built once.

Rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate(result,
schema)` for every action-server response. `jsonschema.validate` first checks the schema
itself against its meta-schema (Draft 2020-12 in jsonschema 4.17), which takes 10-25 ms,
while checking the response takes well under a millisecond: under load this was 73 % of
Rasa's CPU time (RasaHQ/rasa#11717). Every jsonschema release that Rasa 3.6 allows
(>=3.2,<4.18) re-checks the schema inside `validate`, so the supported fix is the one the
jsonschema documentation gives: check the schema once, build the validator once, and
validate each response with it. Invalid responses are rejected exactly as before.
"""

from __future__ import annotations

from typing import Any

# the attribute on the installed method that says this module installed it
MARK = "settle_validator"


def build_validator() -> Any:
    """The validator for Rasa's action-response schema, the schema checked once here."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def install() -> None:
    """Replace RemoteAction._validate_action_result by one using a validator built once.
    Idempotent."""
    from jsonschema import ValidationError, exceptions
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if hasattr(RemoteAction._validate_action_result, MARK):
        return
    validator = build_validator()

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        # the same error jsonschema.validate raises (best_match), with Rasa's hint appended
        error: ValidationError | None = exceptions.best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    setattr(_validate_action_result, MARK, validator)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]

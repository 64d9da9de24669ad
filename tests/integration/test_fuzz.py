"""A fuzz run with schemathesis against a running gateway's /openapi.json, with the admin
token: no 5xx, and every response fits what the description says. Bounded: a few examples
per operation, against a fake Rasa, on a fresh SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from receivables.migrate import upgrade
from tests.fakes.rasa import fake_rasa
from tests.integration.gateways import ADMIN_TOKEN, gateway_process

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{workdir / 'fuzz.db'}"
    upgrade(url)
    with fake_rasa() as rasa:
        with gateway_process(
            workdir / "gateway.log",
            database_url=url,
            rasa_url=rasa.url,
            actions_url=rasa.url,
            # the fuzzer is one client sending many requests: limits are tested elsewhere
            rate_limit_exempt="127.0.0.1",
        ) as gateway:
            yield gateway


@pytest.fixture(scope="module")
def api_schema(gateway_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{gateway_url}/openapi.json")


FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)


def test_no_server_error_and_every_response_fits_its_schema(
    api_schema: Any, gateway_url: str
) -> None:
    """Every operation in turn, each with a bounded number of generated cases; the failures
    of all operations are reported together."""
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            case.call_and_validate(base_url=gateway_url, headers=ADMIN, checks=CHECKS, timeout=30)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # collected, reported below
            failures.append(f"{operation.label}: {exc}"[:1500])
    assert not failures, "\n\n".join(failures)


def test_ids_past_64_bits_and_negative_ids_by_hand(gateway_url: str) -> None:
    for path in (
        "/api/v1/debtors/9223372036854775808",
        "/api/v1/debtors/18446744073709551616/export",
        "/api/v1/debtors/-1",
        "/api/v1/handoffs/9223372036854775808/claim",
    ):
        method = "POST" if path.endswith("claim") else "GET"
        response = httpx.request(method, gateway_url + path, headers=ADMIN, json={"collector": "a"})
        assert response.status_code in (404, 422), path
        assert "detail" in response.json()

"""Two gateway processes against one PostgreSQL share the rate limits (in the database, or
in Redis when SETTLE_REDIS_URL is set) and the lockout per debtor: a limit is one limit
however many replicas run, and a lock set through one is seen and lifted through the other.
Rasa is a fake whose one skill is the real verification service."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from receivables.accounts.debtors import create_debtor
from receivables.db import make_engine, make_session_factory, session_scope
from tests.conftest import postgres_schema
from tests.conversation_tokens import keep_tokens
from tests.fakes.rasa import fake_rasa, verifying_bot
from tests.integration.gateways import ADMIN_TOKEN, gateway_processes

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REDIS_URL = os.environ.get("SETTLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_schema("settle_shared") as url:
        engine = make_engine(url)
        with session_scope(make_session_factory(engine)) as session:
            create_debtor(
                session=session,
                reference="48213907",
                name="Anna de Vries",
                date_of_birth=dt.date(1985, 3, 12),
                language="nl",
            )
        engine.dispose()
        yield url


@pytest.mark.parametrize("storage", ["database", "redis"])
def test_two_gateways_share_rate_limits_and_the_lockout(
    database_url: str, tmp_path: Path, storage: str
) -> None:
    settings = {
        "database_url": database_url,
        "rate_limit_conversation_messages": "4/minute",
    }
    if storage == "redis":
        settings["redis_url"] = REDIS_URL
    with fake_rasa(verifying_bot(database_url)) as bot:
        settings |= {"rasa_url": bot.url, "actions_url": bot.url}
        with gateway_processes(2, tmp_path, **settings) as (first, second):
            tokens = keep_tokens(httpx.Client(timeout=30))
            run = uuid.uuid4().hex[:8]

            def say(gateway: str, conversation: str, message: str) -> httpx.Response:
                return tokens.post(
                    f"{gateway}/api/v1/conversations/{conversation}-{run}/messages",
                    json={"text": message},
                )

            # one conversation, four messages spread over both: the fifth is one too many
            codes = [say(g, "busy", "hallo").status_code for g in (first, second) * 2]
            assert codes == [200] * 4
            refused = say(first, "busy", "hallo")
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
            assert say(second, "busy", "hallo").status_code == 429

            if storage == "redis":
                return  # the lockout lives in the database either way: tested once
            wrong = ["01-01-1980", "02-02-1981", "03-03-1982", "04-04-1983", "05-05-1984"]
            answers = [
                say((first, second)[n % 2], f"guess-{n}", f"48213907 {dob}").json()["messages"]
                for n, dob in enumerate(wrong)
            ]
            assert [m[-1]["text"] for m in answers] == ["no match"] * 4 + ["paused"]
            right = say(first, "real", "48213907 12-03-1985").json()["messages"][-1]["text"]
            assert right == "paused"
            status = tokens.get(f"{second}/api/v1/debtors/1/verification", headers=ADMIN).json()
            assert status["locked"] is True
            tokens.post(f"{second}/api/v1/debtors/1/verification/unlock", headers=ADMIN)
            again = say(first, "real-2", "48213907 12-03-1985").json()["messages"][-1]["text"]
            assert again == "verified"

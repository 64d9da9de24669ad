"""Pure rules of issue P8: the production guard, text cleaning, channel ids, headers."""

from __future__ import annotations

from api.security_headers import csp_for
from receivables.common.text import clean_text
from receivables.conversations.access import hash_token, is_channel_conversation
from receivables.settings import Settings, production_problems


def test_development_is_never_refused() -> None:
    assert production_problems(Settings(env="development")) == []


def test_production_names_every_unsafe_setting() -> None:
    problems = production_problems(Settings(env="production", admin_token="short"))
    assert len(problems) == 3
    assert (
        production_problems(
            Settings(
                env="staging",
                admin_token="x" * 24,
                payment_provider="mollie",
                public_url="https://pay.example.com",
            )
        )
        == []
    )


def test_clean_text_keeps_real_text_and_drops_what_cannot_be_stored() -> None:
    assert clean_text("a\x00b\x1bc\x7f") == "abc"
    assert clean_text("regel 1\nregel 2\ttab") == "regel 1\nregel 2\ttab"
    assert clean_text("x\ud800y") == "x\ufffdy"
    assert clean_text("שלום 😀") == "שלום 😀"


def test_channel_ids_and_token_hashes() -> None:
    assert is_channel_conversation("whatsapp:+316") and is_channel_conversation("Telegram:1")
    assert not is_channel_conversation("web-123") and not is_channel_conversation("rest:1")
    assert hash_token("abc") == hash_token("abc") != "abc" and len(hash_token("abc")) == 64


def test_our_pages_get_a_content_security_policy() -> None:
    assert "form-action 'self'" in (csp_for("/console/handoffs/1") or "")
    assert "https:" in (csp_for("/pay/abc") or "")
    assert csp_for("/") and csp_for("/static/embed-demo.html")
    assert csp_for("/api/v1/policy") is None

"""The web chat embedded on a creditor's site: its origin may call the conversation API."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from receivables.migrate import upgrade
from receivables.settings import Settings
from tests.conversation_tokens import keep_tokens


def client(tmp_path: Path, origins: str) -> TestClient:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    return keep_tokens(TestClient(create_app(Settings(database_url=url, webchat_origins=origins))))


def preflight(c: TestClient, origin: str) -> dict[str, str]:
    response = c.options(
        "/api/v1/conversations/web-1/messages",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    return dict(response.headers)


def test_a_listed_origin_may_post_messages_and_others_may_not(tmp_path: Path) -> None:
    with client(tmp_path, "https://www.voorbeeld-energie.nl, https://shop.example.com/") as c:
        allowed = preflight(c, "https://shop.example.com")
        assert allowed["access-control-allow-origin"] == "https://shop.example.com"
        assert "POST" in allowed["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in allowed
        assert "access-control-allow-origin" not in preflight(c, "https://evil.example")


def test_without_origins_the_web_chat_is_same_origin_only(tmp_path: Path) -> None:
    with client(tmp_path, "") as c:
        assert "access-control-allow-origin" not in preflight(c, "https://shop.example.com")


def test_the_widget_labels_come_from_the_catalogue_for_any_origin(tmp_path: Path) -> None:
    with client(tmp_path, "https://shop.example.com") as c:
        response = c.get("/api/v1/webchat/texts", headers={"Origin": "https://shop.example.com"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://shop.example.com"
        assert response.headers["cache-control"].startswith("public")
        labels = response.json()
        assert labels["nl"]["launcher"] == "Chat met ons"
        assert labels["en"]["launcher"] == "Chat with us"
        assert labels["en"]["unread_many"] == "{n} new messages"
        assert labels["nl"].keys() == labels["en"].keys()
        # public labels: an unlisted site that embeds the widget may read them too
        other = c.get("/api/v1/webchat/texts", headers={"Origin": "https://other.example"})
        assert other.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-origin" not in preflight(c, "https://other.example")

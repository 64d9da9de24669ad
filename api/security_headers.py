"""Security headers on every response, and a Content-Security-Policy on our pages (the
console, the web chat page, the payment page). Pure ASGI, so streams (the console's live
updates) pass untouched."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BASE = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# the console: nothing inline, forms only to itself
CONSOLE_CSP = f"{BASE}; style-src 'self'; form-action 'self'"
# the web chat page: its own inline stylesheet and the widget's style element
WEBCHAT_CSP = f"{BASE}; style-src 'self' 'unsafe-inline'; form-action 'self'"
# the payment page: its form may send the debtor on to the provider's checkout (https); the
# creditor's brand colours come as custom properties in the body's style attribute (no
# <style> element, no script)
PAY_CSP = f"{BASE}; style-src 'self'; style-src-attr 'unsafe-inline'; form-action 'self' https:"


def csp_for(path: str) -> str | None:
    """Pure."""
    if path.startswith("/console"):
        return CONSOLE_CSP
    if path.startswith("/pay/"):
        return PAY_CSP
    if path == "/" or (path.startswith("/static/") and path.endswith(".html")):
        return WEBCHAT_CSP
    return None


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}

                def add(name: str, value: str) -> None:
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode()))

                add("x-content-type-options", "nosniff")
                # payment links carry their secret in the path: never pass it on; elsewhere
                # only within our own origin ("no-referrer" would also turn the Origin header
                # of our own form posts into "null", which the console's Origin check refuses)
                add("referrer-policy", "no-referrer" if path.startswith("/pay/") else "same-origin")
                add("x-frame-options", "DENY")
                add("permissions-policy", "camera=(), microphone=(), geolocation=()")
                add("cross-origin-opener-policy", "same-origin")
                if https:
                    add("strict-transport-security", "max-age=31536000; includeSubDomains")
                if csp := csp_for(path):
                    add("content-security-policy", csp)
                if path.startswith(("/console", "/pay/")):
                    add("cache-control", "no-store")
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

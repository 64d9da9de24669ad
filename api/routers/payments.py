"""The payment link page (/pay/{token}) and the provider's webhook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import OutboundDep, PolicyDep, ProviderDep, SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.flows.payment_news import (
    WEBHOOK_PATH,
    LinkNotPayable,
    process_provider_update,
    start_checkout,
)
from api.payment_page import page_context
from payment_providers.base import PAID, ProviderError
from payment_providers.local import LocalProvider
from receivables.payments.links import get_link_by_token

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
router = APIRouter(tags=["payments"], responses=ERROR_RESPONSES)


@router.get("/pay/{token}", response_class=HTMLResponse, include_in_schema=False)
def payment_page(
    request: Request,
    token: str,
    session: SessionDep,
    provider: ProviderDep,
    policy: PolicyDep,
    settings: SettingsDep,
    outcome: Literal["paid", "canceled"] | None = None,
) -> HTMLResponse:
    """What is paid, to whom, and a Pay button while the link is open. Opening the page
    changes nothing (link previews in chat apps open it too)."""
    link = get_link_by_token(session=session, token=token)
    context = page_context(
        session,
        link,
        policy,
        local=isinstance(provider, LocalProvider),
        public_url=settings.public_url,
        whatsapp_from=settings.twilio_whatsapp_from,
    )
    context["outcome"] = outcome
    return TEMPLATES.TemplateResponse(request, "pay.html", context)


@router.post("/pay/{token}", response_class=HTMLResponse, include_in_schema=False)
async def pay(
    request: Request,
    token: str,
    outcome: Annotated[str, Form()],
    provider: ProviderDep,
    settings: SettingsDep,
    policy: PolicyDep,
    outbound: OutboundDep,
) -> Response:
    """Local provider: outcome=paid|canceled completes the checkout through the webhook path.
    Mollie: outcome=pay sends the debtor to Mollie's checkout."""
    local = isinstance(provider, LocalProvider)
    allowed = ("paid", "canceled") if local else ("pay",)
    if outcome not in allowed:
        raise HTTPException(422, detail=f"outcome must be one of {', '.join(allowed)}")
    sessions = request.app.state.sessions
    try:
        payment = await start_checkout(
            sessions=sessions, provider=provider, settings=settings, policy=policy, token=token
        )
    except LinkNotPayable:
        # paid meanwhile (a double click), replaced or expired: the page says which
        return RedirectResponse(f"/pay/{token}", status.HTTP_303_SEE_OTHER)
    except ProviderError as exc:
        raise HTTPException(502, detail=str(exc)) from exc
    if not isinstance(provider, LocalProvider):
        return RedirectResponse(payment.checkout_url or f"/pay/{token}", status.HTTP_303_SEE_OTHER)
    provider.complete(payment.id, PAID if outcome == "paid" else "canceled")
    await process_provider_update(
        sessions=sessions, provider=provider, outbound=outbound, payment_id=payment.id
    )
    return RedirectResponse(f"/pay/{token}?outcome={outcome}", status.HTTP_303_SEE_OTHER)


@router.post(WEBHOOK_PATH)
async def provider_webhook(
    request: Request,
    id: Annotated[str, Form(min_length=1, max_length=100)],
    provider: ProviderDep,
    outbound: OutboundDep,
) -> dict[str, str]:
    """Mollie posts only `id`; the status is fetched from the provider. Unknown ids are
    answered 200 as well (Mollie's advice: do not reveal which ids exist)."""
    try:
        booked = await process_provider_update(
            sessions=request.app.state.sessions,
            provider=provider,
            outbound=outbound,
            payment_id=id,
        )
    except ProviderError as exc:
        # a non-2xx makes Mollie retry later, which is what we want
        raise HTTPException(502, detail=str(exc)) from exc
    return {"status": "booked" if booked else "ok"}

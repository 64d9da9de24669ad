"""Who is asking, by network address: the peer, or X-Forwarded-For when the peer is one of
our own reverse proxies (anyone else could write any address in that header)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(text: str) -> tuple[Network, ...]:
    """ "10.0.0.0/8, 127.0.0.1" -> networks. Pure."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: str | None, trusted: str) -> str:
    """The client: walking X-Forwarded-For from the right, the first address that is not a
    trusted proxy (the ones to its left could be written by the client itself). Pure."""
    proxies = parse_networks(trusted)
    if not forwarded_for or not _in(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in(hop, proxies):
            return hop
    return hops[0] if hops else peer


def request_address(request: Request) -> str:
    settings = request.app.state.settings
    peer = request.client.host if request.client else "unknown"
    return client_address(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies)


def exempt(request: Request, address: str) -> bool:
    return _in(address, parse_networks(request.app.state.settings.rate_limit_exempt))

"""The real scheme and client address of a request, when the hub runs behind a proxy.

A TLS-terminating proxy (nginx, a load balancer) talks plain HTTP to the hub and says who the
client was and which scheme it used in ``Forwarded`` (RFC 7239) or ``X-Forwarded-For`` /
``X-Forwarded-Proto``. Those headers are believed only when the peer that connected to the
hub is a trusted proxy (``HUB_TRUSTED_PROXIES``); from anyone else they are ignored, so a
client cannot choose its own rate-limit key or audit address.

The middleware here is the one place that decides: it hands the rest of the app a request
whose ``remote``, ``scheme`` and ``secure`` are the real ones, so session cookies, rate
limits, the demo's loopback check and login audit events all read the same values. It also
sends ``Strict-Transport-Security`` on HTTPS responses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.5", "192.168.0.0/16", "::1"]`` → networks; raises ValueError naming a bad entry."""
    out: list[Network] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        try:
            out.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or CIDR network: {entry!r}") from None
    return tuple(out)


def _address(value: str) -> str | None:
    """An address as proxies write it ("203.0.113.7", "203.0.113.7:5123", "[2001:db8::1]:443",
    '"[2001:db8::1]"'), normalised; None for obfuscated ("_hidden"), "unknown" or garbage."""
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Resolved:
    client: str
    scheme: str


class ProxyTrust:
    def __init__(self, trusted: Iterable[str]) -> None:
        self.networks = parse_networks(trusted)

    def trusts(self, address: str | None) -> bool:
        if not address or not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def resolve(self, peer: str | None, headers: Any, scheme: str) -> Resolved:
        """Who the client is and which scheme it used. The chain of addresses is walked from
        the hub outwards; the first address that is not a trusted proxy is the client."""
        peer_text = peer or "unknown"
        if not self.trusts(peer):
            return Resolved(peer_text, scheme)
        hops, protos = _hops(headers)
        client = peer_text
        for hop in reversed(hops):
            if hop is None:  # an obfuscated or unknown hop: nothing further out can be believed
                break
            client = hop
            if not self.trusts(hop):
                break
        proto = protos[-1].strip().lower() if protos else ""
        return Resolved(client, proto if proto in ("http", "https") else scheme)


def _hops(headers: Any) -> tuple[list[str | None], list[str]]:
    """The forwarded-for chain (client first) and the forwarded protocols, from ``Forwarded``
    when the proxy sends it, else from ``X-Forwarded-For`` / ``X-Forwarded-Proto``."""
    forwarded = headers.getall("Forwarded", [])
    if forwarded:
        hops: list[str | None] = []
        protos: list[str] = []
        for header in forwarded:
            for element in header.split(","):
                pairs = dict(
                    (k.strip().lower(), v.strip()) for k, _, v in (p.partition("=") for p in element.split(";")) if k
                )
                if "for" in pairs:
                    hops.append(_address(pairs["for"]))
                if "proto" in pairs:
                    protos.append(pairs["proto"].strip('"'))
        return hops, protos
    xff = ",".join(headers.getall("X-Forwarded-For", []))
    hops = [_address(h) for h in xff.split(",") if h.strip()]
    proto_header = ",".join(headers.getall("X-Forwarded-Proto", []))
    return hops, [p for p in proto_header.split(",") if p.strip()]


HSTS_HEADER = "Strict-Transport-Security"


def forwarded_middleware(trust: ProxyTrust, hsts_seconds: int) -> Callable[..., Awaitable[web.StreamResponse]]:
    """The outermost middleware: everything after it sees the real ``remote`` and ``scheme``."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        real = trust.resolve(request.remote, request.headers, request.scheme)
        if real.client != request.remote or real.scheme != request.scheme:
            request = request.clone(remote=real.client, scheme=real.scheme)
        hsts = f"max-age={hsts_seconds}" if hsts_seconds > 0 and request.secure else None
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # redirects and the like are raised
            if hsts:
                exc.headers[HSTS_HEADER] = hsts
            raise
        if hsts:
            response.headers[HSTS_HEADER] = hsts
        return response

    return middleware

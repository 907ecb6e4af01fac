"""Who may read /metrics. Open by default (a Prometheus scraper on a closed network);
``HUB_METRICS_TOKEN`` asks for ``Authorization: Bearer <token>`` and
``HUB_METRICS_LOOPBACK_ONLY`` serves only clients on this machine. Both can be set."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from aiohttp import web


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def refusal(request: web.Request, settings: Any) -> web.Response | None:
    """None when the caller may read the metrics, else the response to send."""
    if settings.metrics_loopback_only and not _loopback(request.remote):  # remote: after trusted proxies
        return web.json_response({"error": "forbidden", "message": "metrics are served to loopback only"}, status=403)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if token:
        auth = request.headers.get("Authorization", "")
        given = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return web.json_response(
                {"error": "unauthorized", "message": "metrics need Authorization: Bearer <HUB_METRICS_TOKEN>"},
                status=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )  # fmt: skip
    return None

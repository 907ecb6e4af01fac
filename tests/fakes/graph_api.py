"""Fake Meta Graph API (WhatsApp Cloud API media + sends, Messenger/Instagram Send API).

Also builds webhook payloads the way Meta sends them, and signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.fakes._server import LoopbackServer


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` header Meta sends for ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class FakeGraph(LoopbackServer):
    def __init__(
        self, *, tokens: tuple[str, ...] = ("wa-token", "page-token", "ig-token"), version: str = "v21.0"
    ):
        super().__init__()
        self.tokens = set(tokens)
        self.version = version
        self.media: dict[str, tuple[bytes, str]] = {}  # WhatsApp media id -> (data, mime)
        self.cdn: dict[str, tuple[bytes, str]] = {}  # Messenger/Instagram attachment files
        self.sent: list[dict[str, Any]] = []  # {"path", "token", "body"}
        self.media_requests = 0
        self.fail_next: tuple[int, int] | None = None  # (HTTP status, Graph error code) for the next send
        self.media_status: int | None = None  # force a status on media downloads
        # WhatsApp users whose 24-hour window is closed: text to them gets error 131047,
        # only template messages pass (as on the real Cloud API).
        self.window_closed: set[str] = set()
        # Close a user's window after this many more text messages reach them (a window that
        # ends in the middle of a long, split answer).
        self.close_window_after: dict[str, int] = {}
        self._ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_post("/{version}/me/messages", self._send_messenger)
        self.app.router.add_post("/{version}/{phone_number_id}/messages", self._send_whatsapp)
        self.app.router.add_get("/download/{media_id}", self._download)
        self.app.router.add_get("/cdn/{name}", self._cdn)
        self.app.router.add_get("/{version}/{media_id}", self._media_info)

    # -- helpers for tests ---------------------------------------------------

    def add_media(self, media_id: str, data: bytes, mime: str = "image/jpeg") -> None:
        self.media[media_id] = (data, mime)

    def add_cdn_file(self, name: str, data: bytes, mime: str = "image/jpeg") -> str:
        self.cdn[name] = (data, mime)
        return f"{self.base_url}/cdn/{name}"

    @property
    def templates(self) -> list[dict[str, Any]]:
        """Bodies of the WhatsApp template messages accepted so far."""
        return [s["body"] for s in self.sent if s["body"].get("type") == "template"]

    # -- HTTP ------------------------------------------------------------------

    def _token(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        return token if token in self.tokens else None

    @staticmethod
    def _graph_error(status: int, code: int, message: str) -> web.Response:
        body = {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}}
        return web.json_response(body, status=status)

    def _check_send(self, request: web.Request) -> web.Response | None:
        if self._token(request) is None:
            return self._graph_error(401, 190, "Invalid OAuth access token.")
        if self.fail_next is not None:
            (status, code), self.fail_next = self.fail_next, None
            return self._graph_error(status, code, f"(#{code}) forced failure")
        return None

    async def _send_whatsapp(self, request: web.Request) -> web.Response:
        if (denied := self._check_send(request)) is not None:
            return denied
        body = await request.json()
        if body.get("type") == "template":
            if (refused := self._check_template(body)) is not None:
                return refused
        elif body.get("to") in self.window_closed:
            return self._graph_error(
                400,
                131047,
                "Re-engagement message: more than 24 hours have passed since the recipient last replied.",
            )
        self.sent.append({"path": request.path, "token": self._token(request), "body": body})
        to = body.get("to")
        if body.get("type") == "text" and to in self.close_window_after:
            self.close_window_after[to] -= 1
            if self.close_window_after[to] <= 0:
                del self.close_window_after[to]
                self.window_closed.add(to)
        wamid = f"wamid.OUT{next(self._ids)}"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": wamid}],
            }
        )

    def _check_template(self, body: dict[str, Any]) -> web.Response | None:
        """What the Cloud API checks itself: a name, a language, and text parameters
        without newlines, tabs or more than four consecutive spaces."""
        tpl = body.get("template") or {}
        if not tpl.get("name") or not (tpl.get("language") or {}).get("code"):
            return self._graph_error(400, 100, "Invalid parameter: template name and language required.")
        for comp in tpl.get("components") or []:
            for param in comp.get("parameters") or []:
                text = param.get("text")
                if param.get("type") != "text" or not isinstance(text, str) or not text:
                    return self._graph_error(400, 131008, "Required parameter is missing.")
                if "\n" in text or "\t" in text or "     " in text:
                    return self._graph_error(
                        400,
                        132018,
                        "Param text cannot have new-line/tab characters or more than 4 consecutive spaces.",
                    )
        return None

    async def _send_messenger(self, request: web.Request) -> web.Response:
        if (denied := self._check_send(request)) is not None:
            return denied
        body = await request.json()
        if body.get("messaging_type") == "MESSAGE_TAG" and not body.get("tag"):
            return self._graph_error(400, 100, "(#100) Tag is required for MESSAGE_TAG messaging type.")
        self.sent.append({"path": request.path, "token": self._token(request), "body": body})
        return web.json_response(
            {"recipient_id": body.get("recipient", {}).get("id"), "message_id": f"m_OUT{next(self._ids)}"}
        )

    async def _media_info(self, request: web.Request) -> web.Response:
        if self._token(request) is None:
            return self._graph_error(401, 190, "Invalid OAuth access token.")
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return self._graph_error(400, 100, "Unsupported get request.")
        data, mime = self.media[media_id]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.base_url}/download/{media_id}",
                "mime_type": mime,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": len(data),
                "id": media_id,
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        self.media_requests += 1
        if self.media_status is not None:
            return web.Response(status=self.media_status)
        if self._token(request) is None:
            return web.Response(status=401)
        data, mime = self.media[request.match_info["media_id"]]
        return web.Response(body=data, content_type=mime)

    async def _cdn(self, request: web.Request) -> web.Response:
        self.media_requests += 1
        if self.media_status is not None:
            return web.Response(status=self.media_status)
        name = request.match_info["name"]
        if name not in self.cdn:
            return web.Response(status=404)
        data, mime = self.cdn[name]
        return web.Response(body=data, content_type=mime)


# -- webhook payloads, shaped like Meta's -------------------------------------


def whatsapp_payload(
    messages: list[dict[str, Any]],
    *,
    wa_id: str = "905321234567",
    name: str = "Mehmet Demir",
    phone_number_id: str = "1098765",
    statuses: list[dict[str, Any]] | None = None,
) -> dict:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "903524440038", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = [{"from": wa_id, "timestamp": str(int(time.time())), **m} for m in messages]
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA_ID", "changes": [{"value": value, "field": "messages"}]}],
    }


def messaging_payload(obj: str, events: list[dict[str, Any]], *, page_id: str = "PAGE_1") -> dict:
    """``obj`` is "page" (Messenger) or "instagram"; events are the ``messaging`` items."""
    ts = int(time.time() * 1000)
    return {
        "object": obj,
        "entry": [
            {
                "id": page_id,
                "time": ts,
                "messaging": [{"recipient": {"id": page_id}, "timestamp": ts, **e} for e in events],
            }
        ],
    }


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()

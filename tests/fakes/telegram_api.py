"""Fake Telegram Bot API: getMe, getUpdates, sendMessage, getFile and file downloads.

Tests push updates with the ``push_*`` helpers and read what the bot sent from
``sent``. Failure modes: ``blocked_chats`` (403), ``unknown_chats`` (400 chat not
found), ``retry_after`` (429 with parameters.retry_after on the next sendMessage).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.fakes._server import LoopbackServer


class FakeTelegram(LoopbackServer):
    def __init__(self, token: str = "123456:TEST-token", *, max_wait: float = 0.3) -> None:
        super().__init__()
        self.token = token
        self.max_wait = max_wait  # long-poll cap, so tests never wait long
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.get_updates_offsets: list[int | None] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.blocked_chats: set[int] = set()
        self.unknown_chats: set[int] = set()
        self.retry_after: int | None = None
        self.file_status: int | None = None  # force a status on file downloads
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._sent_ids = itertools.count(5000)
        self._new_update = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/{method}", self._method)
        self.app.router.add_get("/bot{token}/{method}", self._method)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._file)

    # -- helpers for tests ---------------------------------------------------

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue any update dict; ``update_id`` is assigned if missing."""
        update.setdefault("update_id", next(self._update_ids))
        self.updates.append(update)
        self._new_update.set()
        return update["update_id"]

    def _message(self, chat_id: int, user: dict[str, Any] | None, **content: Any) -> dict[str, Any]:
        user = user or {"id": chat_id, "is_bot": False, "first_name": "Ayşe", "last_name": "Yılmaz"}
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": user.get("first_name")},
            "from": user,
            **content,
        }

    def push_text(self, chat_id: int, text: str, *, user: dict[str, Any] | None = None) -> dict[str, Any]:
        msg = self._message(chat_id, user, text=text)
        self.push_raw({"message": msg})
        return msg

    def add_file(self, file_id: str, data: bytes, path: str | None = None) -> None:
        self.files[file_id] = (path or f"photos/{file_id}.jpg", data)

    def push_photo(
        self, chat_id: int, data: bytes, *, caption: str | None = None, small: bytes = b"thumb"
    ) -> dict[str, Any]:
        """A photo with two sizes; the connector should take the larger one."""
        uid = next(self._message_ids)
        self.add_file(f"small-{uid}", small)
        self.add_file(f"large-{uid}", data)
        sizes = [
            {
                "file_id": f"small-{uid}",
                "file_unique_id": f"us{uid}",
                "width": 90,
                "height": 90,
                "file_size": len(small),
            },
            {
                "file_id": f"large-{uid}",
                "file_unique_id": f"ul{uid}",
                "width": 1280,
                "height": 960,
                "file_size": len(data),
            },
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        msg = self._message(chat_id, None, **content)
        self.push_raw({"message": msg})
        return msg

    def push_location(self, chat_id: int, lat: float, lon: float) -> dict[str, Any]:
        msg = self._message(chat_id, None, location={"latitude": lat, "longitude": lon})
        self.push_raw({"message": msg})
        return msg

    # -- HTTP ------------------------------------------------------------------

    @staticmethod
    def _error(status: int, description: str, **extra: Any) -> web.Response:
        body = {"ok": False, "error_code": status, "description": description, **extra}
        return web.json_response(body, status=status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            return await request.json()
        return dict(await request.post())

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params = await self._params(request)
        handler = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "getfile": self._get_file,
        }.get(method)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        return await handler(params)

    async def _get_me(self, params: dict[str, Any]) -> web.Response:
        me = {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Kayseri Talep",
            "username": "kayseri_talep_bot",
        }
        return web.json_response({"ok": True, "result": me})

    def _pending(self, offset: int | None) -> list[dict[str, Any]]:
        if offset is not None:
            # As Telegram does: an offset confirms (forgets) everything below it.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return list(self.updates)

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params["offset"]) if params.get("offset") not in (None, "") else None
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        self.get_updates_offsets.append(offset)
        pending = self._pending(offset)
        if not pending and timeout > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), min(timeout, self.max_wait))
            except TimeoutError:
                pass
            pending = self._pending(offset)
        return web.json_response({"ok": True, "result": pending[:limit]})

    async def _send_message(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if self.retry_after is not None:
            wait, self.retry_after = self.retry_after, None
            return self._error(
                429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait}
            )
        if chat_id in self.blocked_chats:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.unknown_chats:
            return self._error(400, "Bad Request: chat not found")
        reply = params.get("reply_parameters")
        record = {
            "chat_id": chat_id,
            "text": params.get("text"),
            "reply_parameters": json.loads(reply) if isinstance(reply, str) else reply,
            "reply_to_message_id": params.get("reply_to_message_id"),
        }
        self.sent.append(record)
        result = {
            "message_id": next(self._sent_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": record["text"],
        }
        return web.json_response({"ok": True, "result": result})

    async def _get_file(self, params: dict[str, Any]) -> web.Response:
        file_id = params.get("file_id", "")
        if file_id not in self.files:
            return self._error(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        result = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(data),
            "file_path": path,
        }
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        if self.file_status is not None:
            return web.Response(status=self.file_status)
        path = request.match_info["path"]
        for stored_path, data in self.files.values():
            if stored_path == path:
                return web.Response(body=data, content_type="image/jpeg")
        return web.Response(status=404)

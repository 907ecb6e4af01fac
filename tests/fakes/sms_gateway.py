"""Fake generic HTTP SMS gateway: the one the tests send SMS to (conftest's ``sms_gateway``).

Every request is recorded in ``received`` as ``{"path", "data", "headers"}``, refused ones
too. Each path speaks one dialect of the gateways the hub's client is set up for
(hub/delivery/sms.py), and answers as such a gateway does:

- ``/sms``: JSON in, ``{"status": "OK", "messageId": "msg-N"}`` out (the hub's default body
  template, so ``url`` points here);
- ``/form``: form fields in, NetGSM-style ``00 1234567890123`` (code and job id) out;
- ``/xml``: XML in, ``<result><code>0</code><id>X-55</id></result>`` out;
- ``/get``: query string in, ``00 999`` out;
- ``/echo``: anything in, 200 with ``30 Gecersiz kullanici: <the request body>`` out, as some
  gateways answer an error, echoing the request with its password.

Set ``status`` to something other than 200 and every request gets that status with
``Retry-After: 30`` (a busy or refusing gateway).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from aiohttp import web

from tests.fakes._server import LoopbackServer


class FakeSmsGateway(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.app = web.Application()
        self.app.router.add_post("/sms", self._json)
        self.app.router.add_post("/form", self._form)
        self.app.router.add_post("/xml", self._xml)
        self.app.router.add_get("/get", self._get)
        self.app.router.add_post("/echo", self._echo)

    @property
    def url(self) -> str:
        """The JSON endpoint, which takes the hub's default body template."""
        return f"{self.base_url}/sms"

    def to(self, phone_e164: str) -> list[dict[str, Any]]:
        """What was sent to ``phone_e164`` through ``/sms``, oldest first."""
        return [r for r in self.received if r["path"] == "/sms" and r["data"].get("to") == phone_e164]

    def texts_to(self, phone_e164: str) -> list[str]:
        return [r["data"]["text"] for r in self.to(phone_e164)]

    def _record(self, request: web.Request, data: Any) -> bool:
        """Record the request; True when it is to be answered as sent."""
        self.received.append({"path": request.path, "data": data, "headers": dict(request.headers)})
        return self.status == 200

    def _refused(self) -> web.Response:
        return web.Response(status=self.status, headers={"Retry-After": "30"}, text="busy")

    async def _json(self, request: web.Request) -> web.Response:
        if not self._record(request, await request.json()):
            return self._refused()
        return web.json_response({"status": "OK", "messageId": f"msg-{len(self.received)}"})

    async def _form(self, request: web.Request) -> web.Response:
        if not self._record(request, dict(await request.post())):
            return self._refused()
        return web.Response(text="00 1234567890123")

    async def _xml(self, request: web.Request) -> web.Response:
        root = ET.fromstring(await request.read())
        if not self._record(request, {el.tag: el.text for el in root.iter()}):
            return self._refused()
        return web.Response(text="<result><code>0</code><id>X-55</id></result>", content_type="application/xml")

    async def _get(self, request: web.Request) -> web.Response:
        if not self._record(request, dict(request.query)):
            return self._refused()
        return web.Response(text="00 999")

    async def _echo(self, request: web.Request) -> web.Response:
        body = (await request.read()).decode()
        if not self._record(request, body):
            return self._refused()
        return web.Response(text=f"30 Gecersiz kullanici: {body}")

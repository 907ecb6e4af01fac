"""Start/stop an aiohttp application on a free loopback port."""

from __future__ import annotations

from aiohttp import web


class LoopbackServer:
    """Owns the runner of one fake; subclasses build ``self.app``."""

    app: web.Application

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("fake server not started")
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> LoopbackServer:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        # Port 0 lets the OS pick; read back what it chose.
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

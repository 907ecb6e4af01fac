"""The Hub: one object that owns settings, database, pipeline, rules,
classifier, connectors and workers, and starts or stops them together."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from hub.api.key_cache import KeyCache
from hub.attachments import AttachmentStore
from hub.db import Database, migrate
from hub.intake.pipeline import Intake
from hub.intake.ports import ClassifierPort, NoopClassifier, RouterPort
from hub.settings import Settings
from hub.workers.leader import leadership_for

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 15.0


class Hub:
    def __init__(
        self,
        settings: Settings,
        *,
        classifier: ClassifierPort | None = None,
        router: RouterPort | None = None,
        run_migrations: bool = True,
    ) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if run_migrations:
            migrate(settings.resolved_database_url)
        self.db = Database(settings.resolved_database_url)
        self.attachments = AttachmentStore(settings.data_dir / "attachments", max_bytes=settings.max_attachment_bytes)
        self.classifier = classifier if classifier is not None else self._load_classifier()
        self.rules = router if router is not None else self._load_rules()
        self.intake = Intake(
            self.db,
            classifier=self.classifier,
            router=self.rules,
            attachments=self.attachments,
            prefix=settings.tracking_prefix,
            il=settings.il,
            duplicates=self._duplicates(),
            base_url=settings.base_url,
        )
        self.key_cache = KeyCache()  # bounded: wrong keys are cached too (hub/api/key_cache.py)
        self.connectors: Any = None  # hub.connectors_runtime.ConnectorRuntime, set in start()
        self.leadership = leadership_for(settings)  # which singleton jobs this process runs
        self._tasks: list[asyncio.Task] = []

    # -- parts -------------------------------------------------------------------
    def _load_classifier(self) -> ClassifierPort:
        if not self.settings.classifier_enabled:
            return NoopClassifier()
        from hub.classify import ClassifierAdapter

        return ClassifierAdapter.load(self.settings)

    def _load_rules(self) -> RouterPort:
        from hub.routing import RulesRuntime

        return RulesRuntime.start(self)

    def _duplicates(self) -> Any:
        if isinstance(self.classifier, NoopClassifier):
            return None
        from hub.intake.duplicates import DuplicateFinder

        try:
            return DuplicateFinder(window_days=self.settings.duplicate_window_days)
        except ImportError:
            log.warning("duplicate detection unavailable: classifier.duplicates missing")
            return None

    def extra_routes(self) -> list[Any]:
        """Route tables of the other API areas and of webhook connectors."""
        from hub.api import admin_api, privacy_api, reports_api, rules_api

        tables: list[Any] = [admin_api.routes, privacy_api.routes, rules_api.routes, reports_api.routes]
        try:
            from hub.web import routes as web_routes

            tables.append(web_routes.routes)
        except ImportError:
            pass
        from hub.ui import routes as ui_routes

        tables.append(ui_routes.install(self))  # staff UI; also sets self.web_session_actor
        return tables

    # -- lifecycle -----------------------------------------------------------------
    def app(self) -> web.Application:
        from hub.api.app import create_app
        from hub.connectors_runtime import ConnectorRuntime

        self.connectors = ConnectorRuntime.from_settings(self)
        app = create_app(self)
        self.connectors.mount(app)
        app.on_startup.append(self._on_startup)
        from hub.live import close_live

        app.on_shutdown.append(close_live)  # the live queue's streams end before the server waits
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _on_startup(self, app: web.Application) -> None:
        from hub.workers.runner import start_workers

        if self.settings.workers_enabled:
            self._tasks += start_workers(self)
        self._tasks += self.connectors.start()
        from hub.workers.periodic import keep_running

        self._tasks.append(asyncio.create_task(keep_running("following changes", self._follow_changes),
                                               name="follow-changes"))  # fmt: skip

    async def _follow_changes(self) -> None:
        """Pick up what changed outside this process: the rules file, a rules version
        another hub process activated, a newly activated classifier model."""
        steps = [getattr(self.rules, "reload_file", None), getattr(self.rules, "follow_database", None),
                 getattr(self.classifier, "follow_registry", None)]  # fmt: skip
        while True:
            await asyncio.sleep(self.settings.rules_watch_seconds)
            for step in filter(None, steps):
                try:
                    await asyncio.to_thread(step)
                except Exception:
                    log.exception("following %s failed; will retry", getattr(step, "__qualname__", step))

    async def _on_cleanup(self, app: web.Application) -> None:
        # Workers finish the item in hand; anything not finished stays claimable
        # after its lease, so a stop never leaves work half-done.
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in stuck:  # a task that swallowed its cancellation must not hang the stop
                log.warning("task %s did not stop within %ss; leaving it", task.get_name(), SHUTDOWN_GRACE_SECONDS)
        self._tasks.clear()
        await self.leadership.close()  # after the jobs stopped: another process may take them now
        if self.connectors is not None:
            await self.connectors.close()
        self.db.dispose()

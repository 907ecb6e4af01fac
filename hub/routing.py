"""The live routing rules: the last good RuleSet, hot-reloaded from the file or
the API, versioned in the database, and adapted to the pipeline's RouterPort."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from hub.actions import rules as rules_actions
from hub.auth import SYSTEM_CLI, Actor
from hub.routing_trace import remember
from hub.rules import RoutingInput, RulesError, RuleSet, stored_trace
from hub.rules.loader import read_rules_file
from hub.rules.text import normalize_newlines, version_diff
from hub.sla import WorkCalendar, compute_due

log = logging.getLogger(__name__)


def known_vocab() -> dict[str, Any]:
    """Topics and mahalle that rules may name (validated against these)."""
    out: dict[str, Any] = {}
    try:
        from classifier.taxonomy import default_taxonomy

        out["known_topics"] = set(default_taxonomy().topics)
    except (ImportError, AttributeError):
        pass
    try:
        from classifier.locator import Locator

        loc = Locator.default()
        out["known_mahalle"] = {(e["ilce"], e["mahalle"]) for e in loc.entries()}
    except (ImportError, AttributeError, TypeError, KeyError):
        pass
    return out


# Rule texts submitted through the API or the UI are parsed and validated in worker threads, at most
# this many at a time per event loop, so a burst of 1 MB texts neither stalls the loop nor takes every
# thread that database work needs.
CONCURRENT_RULE_CHECKS = 2
_check_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


async def off_loop(fn: Any, *args: Any, **kw: Any) -> Any:
    """Run rule parsing/validation work (fn) in a worker thread, within the rule-check slots."""
    loop = asyncio.get_running_loop()
    slots = _check_slots.get(loop)
    if slots is None:
        slots = _check_slots[loop] = asyncio.Semaphore(CONCURRENT_RULE_CHECKS)
    async with slots:
        return await asyncio.to_thread(fn, *args, **kw)


async def parse_candidate(text: str, *, source: str) -> RuleSet:
    """A submitted rule text as a RuleSet (raises RulesError), checked off the event loop."""
    return await off_loop(lambda: RuleSet.from_yaml_text(text, source=source, **known_vocab()))


class RulesRuntime:
    """Holds the active RuleSet. Reads are lock-free (one attribute swap)."""

    def __init__(self, hub: Any, ruleset: RuleSet, *, path: Path | None) -> None:
        self.hub = hub
        self.ruleset = ruleset
        self.path = path
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        self._mtime = path.stat().st_mtime if path and path.exists() else None
        self._lock = threading.Lock()
        self.calendar = WorkCalendar()

    @classmethod
    def start(cls, hub: Any) -> RulesRuntime:
        """Activate the file's rules, or the last good stored version if the file is broken."""
        path = Path(hub.settings.rules_file)
        vocab = known_vocab()
        stored = rules_actions.active_version(hub.db)
        try:
            ruleset = RuleSet.from_file(path, **vocab)
        except (RulesError, OSError) as exc:
            if stored is None:
                raise
            log.error("routing rules in %s are invalid; keeping stored version: %s", path, _fmt(exc))
            runtime = cls(hub, RuleSet.from_yaml_text(stored.text, source="stored", **vocab), path=path)
            runtime.last_error = _fmt(exc)
            return runtime
        runtime = cls(hub, ruleset, path=path)
        if stored is None or stored.digest != ruleset.digest:
            runtime._store(ruleset, author="file:" + path.name)
        else:
            runtime._sync_departments(ruleset)
        return runtime

    # -- RouterPort --------------------------------------------------------------
    @property
    def version(self) -> str | None:
        return self.ruleset.digest[:12]

    def route(self, inp: dict[str, Any]) -> dict[str, Any]:
        ruleset = self.ruleset
        routing_input = RoutingInput.from_mapping(inp)
        decision = ruleset.route(routing_input)
        out = decision.to_dict()
        days, business, policy = ruleset.sla_for(routing_input, decision)
        out["sla"] = {"days": days, "business_days": business, "policy": policy}
        return out

    def route_stored(self, inp: dict[str, Any]) -> dict[str, Any]:
        """``route`` for intake: the same decision, with the compact trace that is stored with the
        request (hub.rules.stored_trace); the request page rebuilds the full one."""
        ruleset = self.ruleset
        remember(ruleset)
        routing_input = RoutingInput.from_mapping(inp)
        decision = ruleset.route(routing_input, explain=False)
        out = decision.to_dict()
        # route() found the SLA the way sla_for() does, over the same decided values
        out["sla"] = {
            "days": decision.effective_sla_days,
            "business_days": decision.effective_sla_business_days,
            "policy": decision.sla_policy,
        }
        out["trace"] = stored_trace.compact(ruleset, routing_input, decision)
        return out

    def due(self, inp: dict[str, Any], decision: dict[str, Any], received_at: datetime) -> tuple[datetime, dict]:
        sla = decision.get("sla") or {}
        if decision.get("due_at"):
            # The engine computed it with the department's own working calendar.
            due = decision["due_at"]
            return (datetime.fromisoformat(due) if isinstance(due, str) else due), sla
        days = sla.get("days") or 30
        business = bool(sla.get("business_days"))
        return compute_due(received_at, days=days, business_days=business, calendar=self.calendar), sla

    # -- changing the rules --------------------------------------------------------
    def _sync_departments(self, ruleset: RuleSet) -> None:
        rules_actions.sync_departments(self.hub.db, department_dicts(ruleset))

    def _store(self, ruleset: RuleSet, *, author: str, comment: str | None = None) -> None:
        self._sync_departments(ruleset)
        old = self.ruleset.source_text if self.ruleset is not ruleset else ""
        diff = version_diff(old, ruleset.source_text)  # both LF: only real changes show
        rules_actions.store_version(
            self.hub.db, ruleset.source_text, ruleset.digest, author=author, diff=diff, comment=comment
        )

    def activate_text(
        self, text: str, *, actor: Actor = SYSTEM_CLI, source: str = "api", comment: str | None = None
    ) -> RuleSet:
        """Validate and activate; on error the last good set stays and the error is kept."""
        with self._lock:
            return self._activate_locked(text, actor=actor, source=source, comment=comment)

    def _activate_locked(self, text: str, *, actor: Actor, source: str, comment: str | None = None) -> RuleSet:
        try:
            ruleset = RuleSet.from_yaml_text(text, source=source, **known_vocab())
        except RulesError as exc:
            self.last_error = _fmt(exc)
            self.last_error_at = datetime.now().astimezone()
            log.error("routing rules rejected (%s); routing continues on %s: %s", source, self.version, self.last_error)
            raise
        self._store(ruleset, author=actor.id, comment=comment)
        self.ruleset = ruleset
        self.last_error = None
        self._write_file(ruleset)
        log.info("routing rules %s activated by %s", self.version, actor.id)
        return ruleset

    def _write_file(self, ruleset: RuleSet) -> None:
        """Keep the rules file the single source of truth: what the UI, the API or another
        process activated is written back, so a restart starts from it and hand-editing goes on
        from the active text. Atomic (temp file + rename); a file that cannot be written (read
        only) is logged, and the stored version keeps routing."""
        if self.path is None:
            return
        try:
            if self.path.exists() and self.path.read_bytes() == ruleset.source_text.encode("utf-8"):
                return
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(ruleset.source_text, encoding="utf-8", newline="\n")
            try:
                os.replace(tmp, self.path)
            finally:
                tmp.unlink(missing_ok=True)
            self._mtime = self.path.stat().st_mtime
        except OSError as exc:
            log.warning("active routing rules %s could not be written to %s: %s", self.version, self.path, exc)

    def reload_file(self) -> bool:
        if self.path is None or not self.path.exists():
            return False
        mtime = self.path.stat().st_mtime
        if mtime == self._mtime:
            return False
        self._mtime = mtime
        try:
            text = read_rules_file(self.path)  # refuses a file above the size limit without reading it
        except RulesError as exc:
            self.last_error = _fmt(exc)
            self.last_error_at = datetime.now().astimezone()
            log.error("routing rules file rejected; routing continues on %s: %s", self.version, self.last_error)
            return False
        # Compare and swap under the lock: an activation made meanwhile (API, UI) must not be
        # undone by a follower that read the file or the database before it.
        with self._lock:
            if normalize_newlines(text) == self.ruleset.source_text:
                return False  # our own write-back, or another process's: already active
            try:
                self._activate_locked(text, actor=Actor("file:" + self.path.name, "system"), source=str(self.path))
            except RulesError:
                return False
        return True

    def follow_database(self) -> bool:
        """Pick up a version another hub process activated (API or file) from the database."""
        with self._lock:  # read and swap together, see reload_file
            stored = rules_actions.active_version(self.hub.db)
            if stored is None or stored.digest == self.ruleset.digest:
                return False
            try:
                self.ruleset = RuleSet.from_yaml_text(stored.text, source=f"version {stored.id}", **known_vocab())
            except RulesError as exc:
                self.last_error = _fmt(exc)
                return False
            self._write_file(self.ruleset)
        log.info("routing rules %s picked up from the database (activated by %s)", self.version, stored.author)
        return True

    def status(self) -> dict[str, Any]:
        rs = self.ruleset
        return {
            "version": self.version,
            "digest": rs.digest,
            "rules": len(getattr(rs, "rules", []) or []),
            "departments": sorted(rs.departments),
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "source": rs.source_text,
        }


def department_dicts(ruleset: RuleSet) -> dict[str, dict[str, Any]]:
    out = {}
    for code, d in ruleset.departments.items():
        targets = []
        for t in getattr(d, "targets", []) or []:
            t = dataclasses.asdict(t) if dataclasses.is_dataclass(t) else dict(t)
            kind = t.get("kind")
            if kind == "email":
                targets.append({"email": t.get("address")})
            elif kind == "webhook":
                targets.append({"webhook": {k: v for k, v in (("url", t.get("url")), ("secret_env", t.get("secret_env"))) if v}})
            elif kind == "sms":
                targets.append({"sms": t.get("phone")})
            elif kind == "queue_only":
                targets.append({"queue_only": True})
        out[code] = {"name": d.name, "targets": targets}
    return out


def _fmt(exc: Exception) -> str:
    return exc.format() if isinstance(exc, RulesError) else str(exc)


__all__ = ["RulesRuntime", "known_vocab", "select"]

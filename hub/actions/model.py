"""The classifier model as supervisors change it: retrain (a candidate, judged by the gate),
activate a candidate that passed, roll back to the previous model. Each records an Event.

The model page, the API and ``run_hub.py train|model`` call these; nothing else changes the
registry's active model in a running hub (besides the seed model the first start trains).
Training takes seconds to minutes, so callers in the event loop use ``start_retrain``, which
runs it in a worker thread; the registry's training lock keeps it to one at a time across
the hub's processes on this machine.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from hub.actions import events
from hub.actions.errors import ActionError, Conflict, NotFound
from hub.auth import Actor, require
from hub.learning import registry

log = logging.getLogger(__name__)

MANAGE = "model.manage"
READ = "model.read"
NOTE_MAX = 500
# Background trainings started from pages, per hub (tests and shutdown wait for them).
_TRAININGS: weakref.WeakKeyDictionary[Any, asyncio.Task] = weakref.WeakKeyDictionary()


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise ActionError(f"note is longer than {NOTE_MAX} characters", field="note")
    return text or None


def _follow(hub: Any) -> None:
    """This process serves the newly active model at once (others follow within seconds)."""
    follow = getattr(hub.classifier, "follow_registry", None)
    if follow is not None:
        try:
            follow()
        except Exception:  # the registry changed; the periodic follower retries the load
            log.exception("loading the newly active classifier model failed")


def retrain(hub: Any, actor: Actor, *, activate_if_passed: bool = False, lock: Any = None) -> dict[str, Any]:
    """Train a candidate on the seed corpus + history + corrections; store it with its metrics
    and the gate's verdict. With ``activate_if_passed`` (the CLI's ``train``) a candidate that
    passed becomes active. ``lock``: the training lock, already held (start_retrain); it is
    released here either way. Blocking: seconds to minutes."""
    from classifier.errors import InputError
    from classifier.training import train_candidate
    from hub.learning import training_data

    reg = registry(hub)
    if lock is None:
        require(actor, MANAGE)
        lock = reg.training_lock()
        if not lock.acquire():
            raise Conflict("a model training is already running")
    try:
        require(actor, MANAGE)
        with hub.db.session() as session:
            events.record(session, actor, "classifier.retrain_started", None)
        try:
            data = training_data(hub)
            result = train_candidate(
                hub.settings.classifier_training_csv, data.history, reg.root, always_train=data.corrections,
                extra_metadata={"corrections_through": data.corrections_through, "n_corrections": len(data.corrections)},
            )  # fmt: skip
        except Exception as exc:
            with hub.db.session() as session:
                events.record(session, actor, "classifier.retrain_failed", None, error=type(exc).__name__,
                              message=str(exc)[:300] if isinstance(exc, InputError) else None)  # fmt: skip
            raise
        activated = False
        with hub.db.session() as session:
            events.record(session, actor, "classifier.trained", None, version=result.new_version, passed=result.passed,
                          compared_with=result.old_version, macro_f1=result.new_metrics.get("macro_f1"),
                          active_macro_f1=(result.old_metrics or {}).get("macro_f1"), reason=result.reason,
                          corrections_through=data.corrections_through, corrections=len(data.corrections),
                          history=len(data.history))  # fmt: skip
            if activate_if_passed and result.passed:
                _activate_in(session, hub, actor, result.new_version, via="retrain")
                activated = True
    finally:
        lock.release()
    if activated:
        result.activated = True
        _follow(hub)
    return result.to_dict()


def _activate_in(
    session: Any, hub: Any, actor: Actor, version: str, *, via: str, note: str | None = None
) -> None:
    """Record, then switch the pointer: a failed switch rolls the event back with the transaction."""
    from classifier.errors import InputError

    reg = registry(hub)
    previous = reg.active_version()
    events.record(
        session, actor, "classifier.activated", None, version=version, previous=previous, via=via, note=note
    )
    try:
        reg.activate(version)
    except InputError as exc:
        raise Conflict(str(exc)) from None


def activate(hub: Any, actor: Actor, version: str, *, note: str | None = None) -> dict[str, Any]:
    """Make a stored candidate the active model; refused if it failed the gate."""
    require(actor, MANAGE)
    from classifier.errors import InputError

    note = _note(note)
    reg = registry(hub)
    try:
        passed = reg.gate_passed(version)
    except InputError:
        raise NotFound(f"model version {version!r} not found", field="version") from None
    if version == reg.active_version():
        raise Conflict(f"model version {version} is already active")
    if passed is False:
        raise Conflict(f"model version {version} failed the evaluation gate")
    if passed is None and version not in reg.history():
        raise Conflict(f"model version {version} was never judged by the evaluation gate")
    with hub.db.session() as session:
        _activate_in(session, hub, actor, version, via="page", note=note)
    _follow(hub)
    return {"active": version}


def rollback(hub: Any, actor: Actor, *, note: str | None = None) -> dict[str, Any]:
    """Re-activate the model that was active before the current one."""
    require(actor, MANAGE)
    from classifier.errors import InputError

    note = _note(note)
    reg = registry(hub)
    current = reg.active_version()
    if reg.previous_version() is None:
        raise Conflict("no earlier model version to roll back to")
    with hub.db.session() as session:
        ev = events.record(session, actor, "classifier.rolled_back", None, previous=current, note=note)
        try:
            restored = reg.rollback()
        except InputError as exc:
            raise Conflict(str(exc)) from None
        ev.data = {**ev.data, "version": restored}
    _follow(hub)
    return {"active": restored, "previous": current}


async def start_retrain(hub: Any, actor: Actor) -> None:
    """Start a training in a worker thread and return at once; the page shows its state."""
    require(actor, MANAGE)
    lock = registry(hub).training_lock()
    if not await asyncio.to_thread(lock.acquire):
        raise Conflict("a model training is already running")

    async def run() -> None:
        try:
            await asyncio.to_thread(retrain, hub, actor, lock=lock)
        except Exception:  # recorded as classifier.retrain_failed; the page shows it
            log.exception("model training failed")

    _TRAININGS[hub] = asyncio.create_task(run(), name="model-training")


async def wait_for_training(hub: Any) -> None:
    """Wait for a training this process started (tests; a clean shutdown)."""
    task = _TRAININGS.get(hub)
    if task is not None:
        await asyncio.shield(task)

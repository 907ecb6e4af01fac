"""Work claimed by real, separate processes: never twice, never lost."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from aiohttp import web
from sqlmodel import select

from hub.actions import outbox
from hub.models import Delivery, Department, Outbox

ROOT = Path(__file__).resolve().parent.parent


def run_proc(*args: str, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "tests.proc_helpers", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if wait:
        return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_never_claim_the_same_row(hub, tmp_path) -> None:  # noqa: ANN001
    with hub.db.session() as s:
        for i in range(300):
            outbox.enqueue(s, kind="notify", idempotency_key=f"k{i}", payload={"i": i})
    url = hub.settings.resolved_database_url
    a = run_proc("claimer", url, str(tmp_path / "a.json"), "proc-a", wait=False)
    b = run_proc("claimer", url, str(tmp_path / "b.json"), "proc-b", wait=False)
    import time

    deadline = time.time() + 120
    while not ((tmp_path / "a.json.ready").exists() and (tmp_path / "b.json.ready").exists()):
        assert time.time() < deadline and a.poll() is None and b.poll() is None, "claimers did not start"
        time.sleep(0.05)
    (tmp_path / "go").write_text("go")
    for p in (a, b):
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    got_a = json.loads((tmp_path / "a.json").read_text())
    got_b = json.loads((tmp_path / "b.json").read_text())
    assert not set(got_a) & set(got_b), "a row was claimed by both processes"
    assert len(got_a) + len(got_b) == 300 and len(set(got_a) | set(got_b)) == 300
    assert got_a and got_b, "both processes should have taken part"
    with hub.db.reader() as s:
        assert len(s.exec(select(Delivery)).all()) == 300
        assert {r.status for r in s.exec(select(Outbox))} == {"done"}


class Receiver:
    """A department's webhook endpoint that de-duplicates by Idempotency-Key."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.work_items: dict[str, dict] = {}

    async def handle(self, request: web.Request) -> web.Response:
        key = request.headers["Idempotency-Key"]
        self.calls.append(key)
        self.work_items.setdefault(key, await request.json())
        return web.json_response({"ok": True})


async def _receiver() -> tuple[Receiver, web.AppRunner, str]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return rec, runner, f"http://127.0.0.1:{port}/hook"


def _settings_json(hub) -> str:  # noqa: ANN001
    st = hub.settings
    return json.dumps({
        "data_dir": str(st.data_dir), "database_url": st.resolved_database_url, "rules_file": str(st.rules_file),
        "classifier_model_dir": str(st.classifier_model_dir), "outbox_base_delay_seconds": 0.05,
        "worker_lease_seconds": 1.0,
    })  # fmt: skip


def _hub_with_kaski_webhook(settings_factory, tmp_path: Path, url: str):  # noqa: ANN001, ANN202
    """The shipped rules, with KASKİ's targets replaced by one webhook to ``url``."""
    from hub.context import Hub

    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^ *- email: kaski-talep@example\.invalid.*\n", "", text, count=1, flags=re.M)
    text = text.replace("https://kaski.example.invalid/talep-hub", url)
    rules = tmp_path / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    hub = Hub(settings_factory(rules_file=rules, worker_lease_seconds=1.0))
    with hub.db.reader() as s:
        assert s.get(Department, "kaski").targets == [
            {"webhook": {"url": url, "secret_env": "KASKI_WEBHOOK_SECRET"}}
        ]
    return hub


async def test_crash_after_commit_loses_nothing_and_sends_once(settings_factory, tmp_path) -> None:  # noqa: ANN001
    import asyncio

    rec, runner, url = await _receiver()
    try:
        hub = _hub_with_kaski_webhook(settings_factory, tmp_path, url)
        p = await asyncio.to_thread(run_proc, "crash_after_commit", _settings_json(hub))
        assert p.returncode == 17, p.stderr
        with hub.db.reader() as s:
            fwd = s.exec(select(Outbox).where(Outbox.kind == "forward")).all()
        assert len(fwd) == 1 and fwd[0].status == "pending", "the forward row was committed with the request"
        assert rec.calls == []
        p = await asyncio.to_thread(run_proc, "deliver", _settings_json(hub), "0")
        assert p.returncode == 0, p.stderr
        assert len(rec.calls) == 1
        with hub.db.reader() as s:
            assert s.get(Outbox, fwd[0].id).status == "done"
    finally:
        await runner.cleanup()


async def test_crash_after_send_redelivers_with_same_key(settings_factory, tmp_path) -> None:  # noqa: ANN001
    """At least once: a worker that dies after sending leaves the row to be sent
    again once its lease ends, with the same Idempotency-Key, so the department
    still gets one work item."""
    import asyncio

    rec, runner, url = await _receiver()
    try:
        hub = _hub_with_kaski_webhook(settings_factory, tmp_path, url)
        p = await asyncio.to_thread(run_proc, "crash_after_commit", _settings_json(hub))
        assert p.returncode == 17
        p = await asyncio.to_thread(run_proc, "deliver", _settings_json(hub), "1")
        assert p.returncode == 18, p.stderr
        assert len(rec.calls) == 1
        await asyncio.sleep(1.2)  # the dead worker's lease runs out
        p = await asyncio.to_thread(run_proc, "deliver", _settings_json(hub), "0")
        assert p.returncode == 0, p.stderr
        assert len(rec.calls) == 2 and len(set(rec.calls)) == 1
        assert len(rec.work_items) == 1
        with hub.db.reader() as s:
            rows = s.exec(select(Outbox).where(Outbox.kind == "forward")).all()
            assert [r.status for r in rows] == ["done"]
            assert len(s.exec(select(Delivery)).all()) >= 1
    finally:
        await runner.cleanup()

"""Live routing rules: activation through the API and the file, the last good
version kept on errors, versions, backtest, and the `rules` CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
WATER = {"text": "Talas Mevlana Mahallesi ana boru patladı, su yok.", "channel": "phone"}


async def test_broken_rules_via_api_keep_last_good_version(client) -> None:  # noqa: ANN001
    before = await (await client.get("/api/v1/rules")).json()
    r = await client.put("/api/v1/rules", json={"text": RULES.replace("department: kaski", "department: kaskii", 1)})
    assert r.status == 422
    body = await r.json()
    assert body["errors"][0]["line"] and "kaskii" in body["errors"][0]["message"]
    status = await (await client.get("/api/v1/rules")).json()
    assert status["version"] == before["version"]
    assert "kaskii" in status["last_error"]
    created = await (await client.post("/api/v1/requests", json=WATER)).json()
    assert created["department"] == "kaski", "routing continues on the last good rules"


async def test_valid_rules_via_api_activate_and_versions_reactivate(client) -> None:  # noqa: ANN001
    before = await (await client.get("/api/v1/rules")).json()
    new = RULES.replace("department: kaski\n", "department: fen-isleri\n")
    assert new != RULES
    r = await client.put("/api/v1/rules", json={"text": new})
    assert r.status == 200, await r.text()
    after = await r.json()
    assert after["version"] != before["version"] and after["last_error"] is None
    versions = (await (await client.get("/api/v1/rules/versions")).json())["items"]
    assert versions[0]["active"] and versions[0]["author"].startswith("apikey:")
    assert "-" in versions[0]["diff"] and "+" in versions[0]["diff"]
    old = next(v for v in versions if v["digest"].startswith(before["digest"][:12]))
    r = await client.post(f"/api/v1/rules/versions/{old['id']}/activate")
    assert (await r.json())["version"] == before["version"]


async def test_file_hot_reload_and_broken_file(settings_factory, tmp_path) -> None:  # noqa: ANN001
    from hub.context import Hub

    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    hub = Hub(settings_factory(rules_file=rules))
    v1 = hub.rules.version
    rules.write_text(RULES + "\nrules: [oops\n", encoding="utf-8")
    import os

    os.utime(rules, (1, 1))
    assert hub.rules.reload_file() is False
    assert hub.rules.version == v1 and hub.rules.last_error
    rules.write_text(RULES.replace("Kırsal Hizmetler Daire Başkanlığı", "Kırsal Hizmetler D.B.", 1), encoding="utf-8")
    os.utime(rules, (2, 2))
    assert hub.rules.reload_file() is True
    assert hub.rules.version != v1 and hub.rules.last_error is None


async def test_backtest_api_reports_changes(client) -> None:  # noqa: ANN001
    await client.post("/api/v1/requests", json=WATER)
    new = RULES.replace("department: kaski\n", "department: fen-isleri\n")
    r = await client.post("/api/v1/rules/backtest", json={"text": new})
    report = await r.json()
    assert r.status == 200, report
    flat = str(report)
    assert "fen-isleri" in flat and "kaski" in flat


def test_rules_check_cli(tmp_path) -> None:  # noqa: ANN001
    ok = subprocess.run([sys.executable, "run_hub.py", "rules", "check", "routing_rules.yaml"], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "geçerli" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(RULES.replace("department: kaski\n", "department: kaskii\n", 1), encoding="utf-8")
    r = subprocess.run([sys.executable, "run_hub.py", "rules", "check", str(bad)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2
    assert "kaskii" in r.stdout and "bunu mu demek istediniz" in r.stdout and "Traceback" not in r.stdout + r.stderr


def test_default_rules_route_roads_by_rural_or_central(hub) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    base = {"topic": "yol-altyapi", "topic_confidence": 0.95, "channel": "phone", "received_at": datetime.now(UTC),
            "text": "yol bozuk, asfalt çukur"}  # fmt: skip
    central = hub.rules.route({**base, "ilce": "Melikgazi", "mahalle": "Esentepe"})
    rural = hub.rules.route({**base, "ilce": "Sarız", "mahalle": "Yeni"})
    assert central["department"] == "fen-isleri"
    assert rural["department"] == "kirsal-hizmetler"
    assert rural["trace"] and central["matched_rules"]


def test_second_process_follows_rules_activated_elsewhere(settings_factory) -> None:  # noqa: ANN001
    """Two hub processes on one database: an activation in one reaches the other."""
    from hub.context import Hub

    a = Hub(settings_factory())
    b = Hub(settings_factory())
    assert a.rules.version == b.rules.version
    a.rules.activate_text(RULES.replace("department: kaski\n", "department: fen-isleri\n"))
    assert b.rules.follow_database() is True
    assert b.rules.version == a.rules.version
    assert b.rules.follow_database() is False


def test_rules_backtest_cli(hub, tmp_path) -> None:  # noqa: ANN001
    import json
    import os

    from connectors.base import RawMessage

    for i, text in enumerate(["Talas Mevlana Mahallesi su yok", "Melikgazi Esentepe mahallesinde çöp toplanmıyor"]):
        hub.intake.ingest(RawMessage(channel="phone", external_id=f"b{i}", text=text))
    cand = tmp_path / "candidate.yaml"
    cand.write_text(RULES.replace("department: kaski\n", "department: fen-isleri\n"), encoding="utf-8")
    st = hub.settings
    env = {**os.environ, "HUB_DATA_DIR": str(st.data_dir), "HUB_DATABASE_URL": st.resolved_database_url,
           "HUB_CLASSIFIER_MODEL_DIR": str(st.classifier_model_dir)}  # fmt: skip
    r = subprocess.run([sys.executable, "run_hub.py", "rules", "backtest", str(cand), "--since", "30d", "--json"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert "fen-isleri" in json.dumps(report)
    r = subprocess.run([sys.executable, "run_hub.py", "rules", "backtest", str(cand)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=180)  # fmt: skip
    assert r.returncode == 0 and r.stdout.strip()


def test_processes_starting_together_sync_departments_without_a_clash(hub) -> None:  # noqa: ANN001
    """Hub processes that start at once all mirror the rules' departments; an insert that loses
    the race to another one is retried, not fatal (a scale-out start once died on it)."""
    import threading

    from sqlmodel import select

    from hub.actions.rules import sync_departments
    from hub.models import Department

    depts = {f"yeni-{i}": {"name": f"Yeni Birim {i}", "targets": []} for i in range(20)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        try:
            sync_departments(hub.db, depts)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with hub.db.reader() as s:
        assert {d.code for d in s.exec(select(Department)) if d.active} == set(depts)


def test_following_the_database_never_undoes_an_activation_made_meanwhile(hub, monkeypatch) -> None:  # noqa: ANN001
    """The background follower read the active version, then an API activation landed, then the
    follower swapped the stale version back in: routing silently returned to the old rules."""
    import threading

    from hub.actions import rules as rules_actions

    edited = RULES.replace("department: kaski\n", "department: fen-isleri\n")
    real = rules_actions.active_version
    activation: list[threading.Thread] = []

    def stale_read(db):  # noqa: ANN001, ANN202
        stored = real(db)  # still the file's version
        if not activation:  # an API activation arrives between the read and the swap
            activation.append(threading.Thread(target=hub.rules.activate_text, args=(edited,)))
            activation[0].start()
            activation[0].join(timeout=0.5)
        return stored

    monkeypatch.setattr(rules_actions, "active_version", stale_read)
    hub.rules.follow_database()
    activation[0].join()
    monkeypatch.setattr(rules_actions, "active_version", real)
    assert hub.rules.ruleset.source_text == edited
    assert real(hub.db).digest == hub.rules.ruleset.digest
    assert hub.rules.follow_database() is False

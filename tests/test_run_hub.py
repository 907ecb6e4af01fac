"""The main job as a user starts it: `python run_hub.py --demo`, then SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_hub_serves_seeded_queue_and_stops_cleanly(tmp_path: Path, database_url: str, model_dir: Path) -> None:
    port = free_port()
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path / "data"), "HUB_PORT": str(port),
           "HUB_DATABASE_URL": database_url, "HUB_CLASSIFIER_MODEL_DIR": str(model_dir)}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "run_hub.py", "--demo", "--demo-count", "120"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.5)
        with urllib.request.urlopen(base + "/api/v1/requests?status=new&limit=200", timeout=10) as r:
            items = json.load(r)["items"]
        assert items and all(i["status"] == "new" for i in items)
        assert {i["location"]["il"] for i in items if i["location"]["mahalle"]} <= {"Kayseri"}
        with urllib.request.urlopen(base + "/api/v1/requests?limit=200", timeout=10) as r:
            everything = json.load(r)["items"]
        assert len({i["channel"] for i in everything}) >= 8, "demo data covers the channels"
        assert len({i["status"] for i in everything}) >= 5, "demo data has a mix of statuses"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "Demo girişleri" in out and "demo-agent-key" in out
    assert "Traceback" not in out

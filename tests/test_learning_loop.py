"""The learning loop from the hub: agents' corrections retrain the classifier
behind the evaluation gate, and the hub picks up the new model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def test_corrections_feed_gated_retraining(client, hub, tmp_path) -> None:  # noqa: ANN001
    from hub.classify import ClassifierAdapter
    from hub.context import Hub

    created = await (await client.post("/api/v1/requests", json={
        "text": "Mahallemizdeki ağaçların budanması gerekiyor, dallar camlara değiyor", "channel": "phone",
    })).json()  # fmt: skip
    r = await client.patch(f"/api/v1/requests/{created['id']}", json={"topic": "park-bahce"})
    assert r.status == 200
    # A separate model registry for this test, so the session's shared one is untouched.
    own = Hub(hub.settings.model_copy(update={"classifier_model_dir": tmp_path / "models"}))
    assert isinstance(own.classifier, ClassifierAdapter)
    before = own.classifier.version
    st = hub.settings
    env = {**os.environ, "HUB_DATA_DIR": str(st.data_dir), "HUB_DATABASE_URL": st.resolved_database_url,
           "HUB_CLASSIFIER_MODEL_DIR": str(tmp_path / "models")}  # fmt: skip
    r = subprocess.run([sys.executable, "run_hub.py", "train"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert "activated" in result and result["new_version"]
    if result["activated"]:
        assert own.classifier.follow_registry() is True
        assert own.classifier.version != before
    else:
        assert own.classifier.follow_registry() is False

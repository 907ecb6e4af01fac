"""Supervisors' model actions (hub/actions/model.py): retrain stores a candidate with its
metrics and learns the waiting corrections, activation refuses a candidate that failed the
gate, rollback restores the previous model, the running hub serves the switched model at once,
and every step leaves an Event. The CLI calls the same actions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from connectors.base import RawMessage, Sender
from hub.actions import model as model_actions
from hub.actions.errors import Conflict
from hub.auth import Actor, PermissionDenied
from hub.learning import registry
from hub.models import Correction, Event
from hub.queries.model import overview
from tests.model_support import POISON, base_registry, model_hub

SUPERVISOR = Actor("user:901", "supervisor", user_id=901)
AGENT = Actor("user:902", "agent", user_id=902)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return base_registry(tmp_path_factory.mktemp("model-base"))


@pytest.fixture
def mhub(settings_factory, base: Path, tmp_path: Path):  # noqa: ANN001, ANN201
    h = model_hub(settings_factory, base, tmp_path)
    yield h
    h.db.dispose()


def correct(hub: Any, text: str, topic: str, n: int = 0) -> int:
    """A request taken in, then its topic corrected by a supervisor; returns the request id."""
    from classifier.text import mask_pii
    from hub.actions import requests as ra

    res = hub.intake.ingest(RawMessage(channel="phone", external_id=f"m{n}-{topic}", sender=Sender(phone="05321112233"),
                                       text=text))  # fmt: skip
    with hub.db.session() as session:
        req = ra.get(session, SUPERVISOR, res.request_id)
        new = topic if req.topic != topic else "diger"
        ra.update(session, SUPERVISOR, req, {"topic": new}, masked_text=mask_pii(req.text))
    return res.request_id


def kinds(hub: Any) -> list[tuple[str, str, dict]]:
    with hub.db.reader() as s:
        rows = s.exec(
            select(Event).where(col(Event.kind).startswith("classifier.")).order_by(col(Event.id))
        ).all()
    return [(e.kind, e.actor, e.data) for e in rows]


def test_retrain_stores_a_candidate_with_metrics_and_learns_the_waiting_corrections(mhub) -> None:  # noqa: ANN001
    reg = registry(mhub)
    active = reg.active_version()
    correct(mhub, "Meydandaki projektörler üç gecedir yanmıyor", "aydinlatma", 1)
    correct(mhub, "Parktaki banklar kırılmış, oturulamıyor", "park-bahce", 2)
    assert overview(mhub)["waiting"] == 2
    with pytest.raises(PermissionDenied):
        model_actions.retrain(mhub, AGENT)

    result = model_actions.retrain(mhub, SUPERVISOR)

    assert not result["activated"] and reg.active_version() == active, "the page's retrain never activates"
    info = reg.info(result["new_version"])
    assert info["metrics"]["macro_f1"] == result["new_metrics"]["macro_f1"]
    assert {"aydinlatma", "park-bahce"} <= set(info["metrics"]["per_class"])
    assert info["gate"]["compared_with"] == active and info["n_corrections"] == 2
    with mhub.db.reader() as s:
        assert info["corrections_through"] == max(c.id for c in s.exec(select(Correction)).all())
    assert [k for k, _, _ in kinds(mhub)] == ["classifier.retrain_started", "classifier.trained"]
    _, who, data = kinds(mhub)[-1]
    assert who == "user:901" and data["version"] == result["new_version"] and data["corrections"] == 2
    view = overview(mhub)
    assert view["waiting"] == 0 and view["comparison"]["candidate"]["version"] == result["new_version"]
    correct(mhub, "Sokak lambası yanıp sönüyor", "aydinlatma", 3)
    assert overview(mhub)["waiting"] == 1


def test_activate_refuses_a_candidate_that_failed_the_gate(mhub) -> None:  # noqa: ANN001
    reg = registry(mhub)
    active = reg.active_version()
    request_id = correct(mhub, "Çöpler toplanmadı", "temizlik", 1)
    with mhub.db.session() as s:  # a flood of wrong corrections (test data, many at once)
        s.add_all(Correction(request_id=request_id, field_name="topic", new_value=label, text=text, actor="user:902")
                  for label, text in POISON)  # fmt: skip
    result = model_actions.retrain(mhub, SUPERVISOR)
    assert not result["passed"], result["reason"]
    with pytest.raises(Conflict, match="failed the evaluation gate"):
        model_actions.activate(mhub, SUPERVISOR, result["new_version"])
    assert reg.active_version() == active and mhub.classifier.version == active
    assert "classifier.activated" not in [k for k, _, _ in kinds(mhub)]
    row = next(m for m in overview(mhub)["models"] if m["version"] == result["new_version"])
    assert row["gate"]["passed"] is False and not row["can_activate"]


def test_activate_and_roll_back_switch_the_running_hub(mhub) -> None:  # noqa: ANN001
    reg = registry(mhub)
    first = reg.active_version()
    assert mhub.classifier.version == first
    with pytest.raises(Conflict, match="no earlier model"):
        model_actions.rollback(mhub, SUPERVISOR)
    candidate = model_actions.retrain(mhub, SUPERVISOR)["new_version"]
    assert reg.gate_passed(candidate), "unchanged data ties with the active model"
    with pytest.raises(PermissionDenied):
        model_actions.activate(mhub, AGENT, candidate)

    model_actions.activate(mhub, SUPERVISOR, candidate, note="yeni düzeltmeler")
    assert reg.active_version() == candidate and mhub.classifier.version == candidate
    with pytest.raises(Conflict, match="already active"):
        model_actions.activate(mhub, SUPERVISOR, candidate)

    assert model_actions.rollback(mhub, SUPERVISOR, note="geri") == {"active": first, "previous": candidate}
    assert reg.active_version() == first and mhub.classifier.version == first
    kind, who, data = kinds(mhub)[-2]
    assert (kind, who, data["version"], data["previous"], data["note"]) == (
        "classifier.activated", "user:901", candidate, first, "yeni düzeltmeler")  # fmt: skip
    kind, who, data = kinds(mhub)[-1]
    assert (kind, data["version"], data["previous"]) == ("classifier.rolled_back", first, candidate)
    # The rolled-back candidate passed its gate: it may be activated again.
    assert next(m for m in overview(mhub)["models"] if m["version"] == candidate)["can_activate"]


async def test_start_retrain_runs_in_the_background_one_at_a_time(mhub) -> None:  # noqa: ANN001
    held = registry(mhub).training_lock()
    assert held.acquire()  # e.g. `run_hub.py train` in another process
    try:
        with pytest.raises(Conflict, match="already running"):
            await model_actions.start_retrain(mhub, SUPERVISOR)
        assert overview(mhub)["running"]
    finally:
        held.release()
    await model_actions.start_retrain(mhub, SUPERVISOR)
    await model_actions.wait_for_training(mhub)
    assert [k for k, _, _ in kinds(mhub)][-1] == "classifier.trained"
    assert not overview(mhub)["running"]


def test_cli_trains_activates_and_rolls_back_through_the_same_actions(mhub, monkeypatch, capsys) -> None:  # noqa: ANN001
    from hub import cli

    st = mhub.settings
    for key, value in {"DATABASE_URL": st.database_url, "DATA_DIR": st.data_dir,
                       "CLASSIFIER_MODEL_DIR": st.classifier_model_dir,
                       "CLASSIFIER_TRAINING_CSV": st.classifier_training_csv}.items():  # fmt: skip
        monkeypatch.setenv(f"HUB_{key}", str(value))
    reg = registry(mhub)
    first = reg.active_version()

    assert cli.main(["train"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["passed"] and trained["activated"] and reg.active_version() == trained["new_version"]
    assert cli.main(["model", "rollback"]) == 0
    assert json.loads(capsys.readouterr().out)["active"] == first
    assert cli.main(["model", "activate", trained["new_version"]]) == 0
    capsys.readouterr()
    assert cli.main(["model", "status"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["active"]["version"] == trained["new_version"] and status["waiting_corrections"] == 0
    assert cli.main(["model", "activate", "nope"]) == 2
    assert "bulunamadı" in capsys.readouterr().err
    assert [(k, who) for k, who, _ in kinds(mhub)][-3:] == [
        ("classifier.activated", "system:cli"), ("classifier.rolled_back", "system:cli"), ("classifier.activated", "system:cli"),
    ]  # fmt: skip

"""The learning loop from the hub's side: gather agents' corrections and the
handled history, and hand them to the classifier's gated training."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from hub.actions import events
from hub.auth import SYSTEM_CLI
from hub.models import Correction, Request


def training_examples(hub: Any, *, limit: int = 50_000) -> list[tuple[str, str]]:
    """(label, masked text) pairs: topic corrections first, then closed requests' topics."""
    from classifier.text import mask_pii

    out: list[tuple[str, str]] = []
    with hub.db.reader() as session:
        for c in session.exec(select(Correction).where(Correction.field_name == "topic").order_by(Correction.id.desc()).limit(limit)):
            if c.new_value and c.text:
                out.append((c.new_value, c.text))
        rows = session.exec(
            select(Request.topic, Request.text)
            # Erased requests (KVKK) hold a placeholder, not the citizen's words.
            .where(Request.status == "closed", Request.topic.is_not(None), Request.erased_at.is_(None))
            .order_by(Request.id.desc())
            .limit(limit)
        )
        out.extend((topic, mask_pii(text)) for topic, text in rows if text)
    return out


def retrain(hub: Any) -> dict[str, Any]:
    from classifier.training import train_with_gate

    model_dir = hub.settings.classifier_model_dir or hub.settings.data_dir / "models"
    result = train_with_gate(None, training_examples(hub), model_dir)
    with hub.db.session() as session:
        events.record(session, SYSTEM_CLI, "classifier.trained", None, activated=result.activated,
                      new_version=result.new_version, old_version=result.old_version, reason=result.reason)  # fmt: skip
    return result.to_dict()

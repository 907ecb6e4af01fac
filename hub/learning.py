"""The learning loop from the hub's side: gather agents' corrections and the handled history
for the classifier's gated training (hub/actions/model.py runs it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from hub.models import Correction, Request

Example = tuple[str, str]  # (label, masked text)


def model_dir(hub: Any) -> Path:
    return Path(hub.settings.classifier_model_dir or hub.settings.data_dir / "models")


def registry(hub: Any) -> Any:
    """The hub's classifier.registry.ModelRegistry."""
    from classifier.registry import ModelRegistry

    return ModelRegistry(model_dir(hub))


@dataclass
class TrainingData:
    corrections: list[Example]  # agents' topic corrections: always learned
    history: list[Example]  # closed requests' topics
    corrections_through: int  # the newest correction id included (0: none)


def _topic_corrections(session: Session) -> Any:
    """Topic corrections a training can learn from (a new topic and a text to learn it on)."""
    return select(Correction).where(
        Correction.field_name == "topic", col(Correction.new_value).is_not(None), Correction.new_value != "",
        Correction.text != "",
    )  # fmt: skip


def training_data(hub: Any, *, limit: int = 50_000) -> TrainingData:
    from classifier.text import mask_pii

    with hub.db.reader() as session:
        fixes = session.exec(
            _topic_corrections(session).order_by(col(Correction.id).desc()).limit(limit)
        ).all()
        rows = session.exec(
            select(Request.topic, Request.text)
            # Erased requests (KVKK) hold a placeholder, not the citizen's words.
            .where(
                Request.status == "closed", col(Request.topic).is_not(None), col(Request.erased_at).is_(None)
            )
            .order_by(col(Request.id).desc())
            .limit(limit)
        ).all()
    return TrainingData(
        corrections=[(c.new_value, c.text) for c in fixes if c.new_value and c.text],
        history=[(topic, mask_pii(text)) for topic, text in rows if text],
        corrections_through=max((c.id or 0 for c in fixes), default=0),
    )


def training_examples(hub: Any, *, limit: int = 50_000) -> list[Example]:
    """(label, masked text) pairs: topic corrections first, then closed requests' topics."""
    data = training_data(hub, limit=limit)
    return data.corrections + data.history


def corrections_waiting(session: Session, through: int) -> int:
    """Topic corrections newer than the last training's newest one: not learned by any model yet."""
    query = _topic_corrections(session).where(col(Correction.id) > through)
    return session.exec(select(func.count()).select_from(query.subquery())).one()

"""Adapter from the standalone ``classifier`` package to the pipeline's ClassifierPort."""

from __future__ import annotations

import logging
from typing import Any

from hub.settings import Settings

log = logging.getLogger(__name__)


class ClassifierAdapter:
    def __init__(self, model: Any) -> None:
        self.model = model

    @classmethod
    def load(cls, settings: Settings) -> ClassifierAdapter:
        from classifier import Classifier

        model_dir = settings.classifier_model_dir or settings.data_dir / "models"
        return cls(Classifier.load(model_dir=model_dir))

    @property
    def version(self) -> str | None:
        return getattr(self.model, "model_version", None)

    def classify(
        self, text: str, *, subject: str | None = None, known_location: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self.model.classify(text, subject=subject, known_location=known_location).to_dict()

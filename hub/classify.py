"""Adapter from the standalone ``classifier`` package to the pipeline's ClassifierPort."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hub.settings import Settings

log = logging.getLogger(__name__)


class ClassifierAdapter:
    def __init__(self, model: Any, model_dir: Path | None = None, centroids: Any = None) -> None:
        self.model = model
        self.model_dir = model_dir
        self.centroids = centroids

    @classmethod
    def load(cls, settings: Settings) -> ClassifierAdapter:
        from classifier import Classifier

        model_dir = settings.classifier_model_dir or settings.data_dir / "models"
        centroids = None
        if settings.mahalle_centroids_file is not None:
            from classifier.geo import CentroidIndex

            centroids = CentroidIndex.load(settings.mahalle_centroids_file, max_km=settings.mahalle_centroid_max_km)
            log.info("mahalle centroids loaded: %d", len(centroids.rows))
        return cls(Classifier.load(model_dir=model_dir, centroids=centroids), model_dir, centroids)

    def follow_registry(self) -> bool:
        """Load the registry's active model if another process (``run_hub.py train``
        or a rollback) activated a different one. Swapping the attribute is atomic."""
        if self.model_dir is None:
            return False
        from classifier import Classifier
        from classifier.registry import ModelRegistry

        active = ModelRegistry(self.model_dir).active_version()
        if active is None or active == self.version:
            return False
        self.model = Classifier.load(model_dir=self.model_dir, centroids=self.centroids)
        log.info("classifier model %s activated", self.version)
        return True

    @property
    def version(self) -> str | None:
        return getattr(self.model, "model_version", None)

    def classify(
        self, text: str, *, subject: str | None = None, known_location: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self.model.classify(text, subject=subject, known_location=known_location).to_dict()

    def classify_many(self, items: list[tuple[str, str | None, dict[str, Any] | None]]) -> list[dict[str, Any]]:
        """Batch form for imports and polled channels (about twice as fast per text)."""
        found = self.model.classify_many(
            [t for t, _, _ in items], subjects=[s for _, s, _ in items], known_locations=[k for _, _, k in items]
        )
        return [c.to_dict() for c in found]

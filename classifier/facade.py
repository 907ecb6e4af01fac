"""What the hub calls: `Classifier.load(...)` once, then `classify(text)` from any thread."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.dataset import read_labelled_csv
from classifier.errors import InputError
from classifier.features import bigrams, tokenize
from classifier.geo import CentroidIndex
from classifier.model import CODE_VERSION, SEED_CORPUS, ModelBundle, train_bundle
from classifier.plain import as_dict
from classifier.registry import ModelRegistry
from classifier.taxonomy import Taxonomy, default_taxonomy
from classifier.textview import ascii_view

log = logging.getLogger(__name__)

# Where the default model trained from the seed corpus is cached between runs.
CACHE_ENV = "TALEP_CLASSIFIER_CACHE"
_DEFAULT_LOCK = threading.Lock()
# Longer texts (pasted documents, e-mail threads) are judged on their start: keeps time bounded.
MAX_CHARS = 5000


@dataclass
class Classification:
    topic: str
    topic_name: str
    confidence: float
    type: str
    type_confidence: float
    out_of_scope: bool
    needs_review: bool
    location: dict[str, Any] = field(default_factory=dict)
    model_version: str = ""
    type_cues: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # asdict's result, faster (classifier/plain.py)


def _empty_location() -> dict[str, Any]:
    return {
        "mahalle": None,
        "ilce": None,
        "confidence": 0.0,
        "ambiguous": False,
        "candidates": [],
        "source": None,
    }


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "talep-hub" / "classifier"


def _seed_bundle() -> ModelBundle:
    return train_bundle(read_labelled_csv(SEED_CORPUS), holdout_fraction=0.2, source="seed_corpus.csv")


def _default_bundle() -> ModelBundle:
    """The seed model, cached on disk per seed-corpus content; trained (a few seconds) if missing."""
    from classifier.dataset import data_hash

    digest = data_hash(read_labelled_csv(SEED_CORPUS))[:12]
    path = default_cache_dir() / f"seed-v{CODE_VERSION}-{digest}.joblib"
    with _DEFAULT_LOCK:
        if path.is_file():
            try:
                return ModelBundle.load(path)
            except InputError:
                log.warning("cached seed model %s unreadable, retraining", path)
        bundle = _seed_bundle()
        try:
            bundle.save(path)
        except OSError as exc:  # read-only home: keep the model in memory only
            log.warning("cannot cache seed model at %s: %s", path, exc.strerror)
        return bundle


class Classifier:
    """Topic + request type + location for one message. Read-only after load, so thread-safe."""

    def __init__(
        self, bundle: ModelBundle, taxonomy: Taxonomy | None = None, locator: Any = None,
        centroids: CentroidIndex | None = None,
    ) -> None:  # fmt: skip
        self.bundle = bundle
        self.taxonomy = taxonomy or default_taxonomy()
        self._locator = locator
        self._locator_lock = threading.Lock()
        self.centroids = centroids  # mahalle centroids for messages that carry coordinates

    @classmethod
    def load(
        cls,
        model_path: str | Path | None = None,
        model_dir: str | Path | None = None,
        *,
        taxonomy: Taxonomy | None = None,
        centroids: CentroidIndex | None = None,
    ) -> Classifier:
        """model_path: one artifact file. model_dir: a registry (its active model; the seed model is
        trained and activated there if it has none). Neither: the cached seed model.
        centroids: mahalle centroids (classifier.geo) for locating messages by coordinates."""
        if model_path is not None:
            return cls(ModelBundle.load(model_path), taxonomy, centroids=centroids)
        if model_dir is not None:
            registry = ModelRegistry(model_dir)
            try:
                bundle = registry.load_active()
            except InputError as exc:  # e.g. made by older code: serve the seed model, keep running
                log.warning("active model unusable (%s); training the seed model", exc)
                bundle = None
            if bundle is None:
                # Through the gate's own path, so the first model keeps out of the check slice
                # that later candidates are compared with it on.
                from classifier.training import train_with_gate

                bundle = registry.load(train_with_gate(None, [], model_dir).new_version)
            return cls(bundle, taxonomy, centroids=centroids)
        return cls(_default_bundle(), taxonomy, centroids=centroids)

    @property
    def model_version(self) -> str:
        return self.bundle.version

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.bundle.metadata)

    def _get_locator(self) -> Any:
        if self._locator is None:
            with self._locator_lock:
                if self._locator is None:
                    try:
                        from classifier.locator import Locator

                        self._locator = Locator.default()
                    except Exception as exc:  # gazetteer missing: classify without location
                        log.warning("locator unavailable: %s", exc.__class__.__name__)
                        self._locator = False
        return self._locator or None

    def _location(self, text: str, known: dict | None) -> dict[str, Any]:
        if known and (known.get("mahalle") or known.get("ilce")):
            return self._known_location(known)
        if known and self.centroids is not None and known.get("lat") is not None and known.get("lon") is not None:
            geo = self._geo_location(float(known["lat"]), float(known["lon"]))
            if geo is not None:
                return geo
        locator = self._get_locator()
        if locator is None:
            return _empty_location()
        res = locator.locate(text, ilce=(known or {}).get("ilce"))
        loc = res.to_dict()
        loc["source"] = "text" if (loc.get("mahalle") or loc.get("ilce")) else None
        return loc

    def _geo_location(self, lat: float, lon: float) -> dict[str, Any] | None:
        """The nearest centroid's mahalle, when it is clearly the nearest; else None (use the text)."""
        geo = self.centroids.nearest(lat, lon)  # type: ignore[union-attr]
        if not geo["mahalle"]:
            return None
        out = self._known_location({"mahalle": geo["mahalle"], "ilce": geo["ilce"], "confidence": geo["confidence"]})
        out.update(source="geo", distance_km=geo["distance_km"])
        return out

    def _known_location(self, known: dict) -> dict[str, Any]:
        """A location the channel gave (form field, muhtar's mahalle) wins over the text,
        but is written as the gazetteer writes it ("MİMARSİNAN MAH." → "Mimarsinan"),
        so rules and reports see one name per place."""
        out = {
            "mahalle": known.get("mahalle"),
            "ilce": known.get("ilce"),
            "confidence": float(known.get("confidence", 1.0)),
            "ambiguous": False,
            "candidates": [],
            "source": "known",
        }
        locator = self._get_locator()
        if locator is None or not known.get("mahalle"):
            if locator is not None and known.get("ilce"):
                out["ilce"] = locator.normalize_ilce(known["ilce"]) or known["ilce"]
            return out
        res = locator.resolve(known["mahalle"], known.get("ilce"))
        if not res.mahalle and known.get("ilce"):
            # The district does not hold that mahalle. Citizens and exported lists mix up the
            # central districts ("Sahabiye, Melikgazi"): a name only one district has wins over
            # the district given, which is kept beside it for the agent to see.
            alone = locator.resolve(known["mahalle"], None)
            if alone.mahalle and not alone.ambiguous:
                res = alone
                out["ilce_given"] = known["ilce"]
        if res.mahalle and not res.ambiguous:
            out["mahalle"], out["ilce"] = res.mahalle, res.ilce
        else:  # a name several districts share, and no district given: say so
            out["candidates"] = res.candidates
            out["ambiguous"] = bool(res.ambiguous)
        return out

    def classify(
        self,
        text: str,
        *,
        subject: str | None = None,
        known_location: dict | None = None,
        locate: bool = True,
    ) -> Classification:
        # The hub's usual call (one webhook message): same steps as classify_many without its
        # list handling, so the fixed cost per message stays small.
        if not isinstance(text, str):
            raise InputError("classify expects text as str")
        full = (f"{subject.strip()}. {text}" if subject and subject.strip() else text)[:MAX_CHARS]
        view = ascii_view(full)  # fold, clean, split and join word pairs once, for both models
        tokens = tokenize(view)
        pairs = list(bigrams(tokens))
        row = self.bundle.topic.proba_one(tokens, pairs)
        type_model = self.bundle.type_model
        rtype = type_model.predict_one(view, tokens, pairs) if type_model else None
        return self._result(full, row, rtype, known_location, locate)

    def classify_many(
        self,
        texts: list[str],
        *,
        subjects: list[str | None] | None = None,
        known_locations: list[dict | None] | None = None,
        locate: bool = True,
    ) -> list[Classification]:
        """Batch form of classify (much faster per text for imports and re-classification)."""
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise InputError("classify expects text as str")
        subjects = subjects or [None] * len(texts)
        known_locations = known_locations or [None] * len(texts)
        if len(subjects) != len(texts) or len(known_locations) != len(texts):
            raise InputError("subjects and known_locations must have one entry per text")
        full = [
            (f"{s.strip()}. {t}" if s and s.strip() else t)[:MAX_CHARS]
            for s, t in zip(subjects, texts, strict=True)
        ]
        views = [ascii_view(t) for t in full]  # fold and clean once, share between both models
        tokens = [tokenize(v) for v in views]
        proba = self.bundle.topic.predict_proba_tokens(tokens) if full else None
        types = (
            self.bundle.type_model.predict_views(views, tokens) if self.bundle.type_model and full else None
        )
        return [
            self._result(text, proba[i], types[i] if types else None, known_locations[i], locate)  # type: ignore[index]
            for i, text in enumerate(full)
        ]

    def _result(
        self,
        text: str,
        row: Any,
        rtype: tuple[str, float, list[str]] | None,
        known: dict | None,
        locate: bool,
    ) -> Classification:
        """One text's classification from its topic probabilities and its type prediction."""
        tax = self.taxonomy
        classes = self.bundle.topic.classes
        reasons = []
        best = int(row.argmax())
        topic, conf = classes[best], float(row[best])
        if tax.is_out_of_scope(topic) and conf < tax.threshold_for(topic):
            in_scope = [j for j, c in enumerate(classes) if not tax.is_out_of_scope(c)]
            if in_scope:
                # Not sure it needs no action: keep it as a request, routed to the likeliest
                # department, and let a person decide.
                best = max(in_scope, key=lambda j: row[j])
                topic, conf = classes[best], float(row[best])
                reasons.append("possible_out_of_scope")
        if not text.strip():
            topic, conf = tax.fallback_topic, 0.0
            reasons.append("empty_text")
        if topic not in tax.topics:
            reasons.append("topic_not_in_taxonomy")
        if conf < tax.threshold_for(topic) and "possible_out_of_scope" not in reasons:
            reasons.append("low_confidence")
        type_code, tconf, cues = rtype if rtype else ("sikayet", 0.0, [])
        return Classification(
            topic=topic,
            topic_name=tax.topic_name(topic),
            confidence=round(conf, 4),
            type=type_code,
            type_confidence=round(tconf, 4),
            out_of_scope=tax.is_out_of_scope(topic),
            needs_review=bool(reasons),
            location=self._location(text, known) if locate else _empty_location(),
            model_version=self.bundle.version,
            type_cues=cues,
            review_reasons=reasons,
        )

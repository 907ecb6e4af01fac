"""Topic and request-type models, the one-file artifact and its metadata."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np

from classifier.dataset import Example, data_hash, require_two_labels
from classifier.errors import InputError
from classifier.features import TextFeaturizer, tokenize
from classifier.linear import CalibratedLinear
from classifier.scoring import WARM_WORDS, WordScorer
from classifier.textview import ascii_view

ARTIFACT_FORMAT = "talep-classifier/1"
# Bumped whenever pickled model classes change shape; older files must be retrained, not guessed at.
CODE_VERSION = 3
DATA_DIR = Path(__file__).resolve().parent / "data"
SEED_CORPUS = DATA_DIR / "seed_corpus.csv"
SEED_TYPES = DATA_DIR / "seed_types.csv"


class TextModel:
    """Features + calibrated linear classifier: texts -> class probabilities."""

    def __init__(self, featurizer: TextFeaturizer, linear: CalibratedLinear, scorer: WordScorer) -> None:
        self.featurizer = featurizer
        self.linear = linear
        self.scorer = scorer

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.scorer.bind(self.linear.WT)

    @property
    def classes(self) -> list[str]:
        cached = self.__dict__.get("_classes")
        if cached is None:  # computed once; models are read-only after training
            cached = self.__dict__["_classes"] = [str(c) for c in self.linear.classes_]
        return cached

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        C: float = 0.5,
        char_range: tuple[int, int] | None = (2, 5),
    ) -> TextModel:
        feat = TextFeaturizer(char_range=char_range, word_bigrams=True, min_df=2 if len(texts) >= 200 else 1)
        token_lists = [feat.tokens(t) for t in texts]
        X = feat.fit_tokens(token_lists).transform_tokens(token_lists)
        linear = CalibratedLinear.fit(X, labels, C=C)
        words = Counter(w for toks in token_lists for w in set(toks))
        warm = [w for w, _ in words.most_common(WARM_WORDS)]
        return cls(feat, linear, WordScorer(feat, linear.WT, warm))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba_tokens([self.featurizer.tokens(t) for t in texts])

    def predict_proba_tokens(self, token_lists: Sequence[list[str]]) -> np.ndarray:
        """Same as predict_proba, for texts already folded and split (shared between models)."""
        return self.linear.proba_from_scores(self.scorer.scores(token_lists))

    def proba_one(self, tokens: Sequence[str], pairs: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities (1-D) of one folded, split text; pairs: its word bigrams if already joined."""
        return self.linear.proba_one(self.scorer.score_one(tokens, pairs))

    def predict(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        return self._top(self.predict_proba(texts))

    def predict_tokens(self, token_lists: Sequence[list[str]]) -> tuple[list[str], np.ndarray]:
        return self._top(self.predict_proba_tokens(token_lists))

    def _top(self, proba: np.ndarray) -> tuple[list[str], np.ndarray]:
        idx = proba.argmax(axis=1)
        return [self.classes[i] for i in idx], proba[np.arange(len(idx)), idx]


# Explainable cue words for the request type, matched on the ASCII-folded text. A cue raises the
# type's probability; the learned model decides when there is none.
TYPE_CUES: dict[str, re.Pattern[str]] = {
    "tesekkur": re.compile(
        r"\b(tesekkur\w*|sag ?olun\w*|(eline|elinize|ellerinize)( emeginize)? saglik|allah razi|emegi gecen\w*|minnettar\w*)"
    ),
    "bilgi_edinme": re.compile(
        r"(bilgi (almak|edinme|verir|istiyorum)|4982|nereye basvur\w*|hangi belge\w*|ogrenebilir miyim"
        r"|ne zaman (yapilacak|baslayacak|bitecek|gelecek))"
    ),
    "ihbar": re.compile(r"\b(ihbar\w*|haberiniz olsun|bildirmek ist\w*|kacak (yapi|kat|insaat)\w*)"),
    "gorus_oneri": re.compile(r"\b(oneri\w*|onerim\w*|tavsiye\w*|fikrim\w*|iyi olur(du)?|guzel olur)"),
    "istek": re.compile(r"\b(talep ediyor\w*|rica ed\w*|istiyoruz|istiyorum|yapilmasini|yapilsin|lutfen)"),
    "sikayet": re.compile(r"\b(sikayet\w*|rezalet\w*|biktik|magdur\w*|yaziklar|ilgilenmiyor\w*|ihmal\w*)"),
}
CUE_BOOST = 1.5
# Words at least one of which every match of the cue's pattern contains. Searching a pattern that
# starts with an alternation costs ~8 µs on a 400-character text; these substring tests skip the
# search for cues that cannot match (tests check the result equals searching every pattern).
_CUE_WORDS: dict[str, tuple[str, ...]] = {
    "tesekkur": ("tesekkur", "olun", " saglik", "allah razi", "emegi gecen", "minnettar"),
    "bilgi_edinme": ("bilgi ", "4982", "nereye basvur", "hangi belge", "ogrenebilir miyim", "ne zaman "),
    "ihbar": ("ihbar", "haberiniz olsun", "bildirmek ist", "kacak "),
    "gorus_oneri": ("oneri", "tavsiye", "fikrim", "iyi olur", "guzel olur"),
    "istek": ("talep ediyor", "rica ed", "istiyoru", "yapilmasini", "yapilsin", "lutfen"),
    "sikayet": ("sikayet", "rezalet", "biktik", "magdur", "yaziklar", "ilgilenmiyor", "ihmal"),
}


# (code, pattern, its ASCII-only twin, words); a cue without listed words is always searched. Views
# are mostly ASCII, where \b and \w mean the same with re.ASCII and skip Unicode category lookups.
_CUE_CHECKS = [
    (code, rx, re.compile(rx.pattern, (rx.flags & ~re.UNICODE) | re.ASCII), _CUE_WORDS.get(code)) for code, rx in TYPE_CUES.items()
]


def type_cues(view: str, classes: Sequence[str] | None = None) -> list[str]:
    """Codes of the TYPE_CUES that match the folded view (only those in classes, if given)."""
    out = []
    is_ascii = view.isascii()
    for code, rx, rx_ascii, words in _CUE_CHECKS:
        if classes is not None and code not in classes:
            continue
        if words is not None:
            for w in words:
                if w in view:
                    break
            else:
                continue  # none of its words occurs: the pattern cannot match
        if (rx_ascii if is_ascii else rx).search(view):
            out.append(code)
    return out


class TypeModel:
    """Request type = learned model on the type seed corpus, nudged by explainable cue words."""

    def __init__(self, model: TextModel) -> None:
        self.model = model

    @classmethod
    def train(cls, rows: Sequence[Example]) -> TypeModel:
        # Word uni/bi-grams only: the type lives in a few phrases, and this keeps it cheap.
        return cls(TextModel.train([t for _, t in rows], [lab for lab, _ in rows], C=0.5, char_range=None))

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float, list[str]]]:
        views = [ascii_view(t) for t in texts]
        return self.predict_views(views, [tokenize(v) for v in views])

    def predict_views(
        self, views: Sequence[str], token_lists: Sequence[list[str]]
    ) -> list[tuple[str, float, list[str]]]:
        proba = self.model.predict_proba_tokens(token_lists)
        return [self._decide(view, p.copy()) for view, p in zip(views, proba, strict=True)]

    def predict_one(
        self, view: str, tokens: Sequence[str], pairs: Sequence[str] | None = None
    ) -> tuple[str, float, list[str]]:
        """predict_views for one text (pairs: its word bigrams, if already joined)."""
        return self._decide(view, self.model.proba_one(tokens, pairs))

    def _decide(self, view: str, p: np.ndarray) -> tuple[str, float, list[str]]:
        """Type, its probability and the cues, from the model's probabilities p (changed in place)."""
        classes = self.model.classes
        cues = type_cues(view, classes)
        for code in cues:
            p[classes.index(code)] *= 1.0 + CUE_BOOST
        if "tesekkur" in classes and not _thanks_only(cues, view):
            # A thank-you reply tells the citizen "thank you for your kind words" and files the
            # message with low priority, so it needs a thanks cue and no complaint, request or
            # "but" cue: "... gereğini rica ederim, teşekkürler" is a request ending politely,
            # "hizmet için teşekkürler, fakat ..." a complaint.
            p[classes.index("tesekkur")] = 0.0
        p /= np.add.reduce(p)  # p.sum() without its Python-level wrapper
        i = int(p.argmax())
        return classes[i], float(p[i]), cues


_CONTRAST = re.compile(r"\b(fakat|ancak|ama|yalniz|keske|maalesef|ragmen|hala|halen)\b")


def _thanks_only(cues: list[str], view: str) -> bool:
    return "tesekkur" in cues and "sikayet" not in cues and "istek" not in cues and not _CONTRAST.search(view)


@dataclass
class ModelBundle:
    topic: TextModel
    type_model: TypeModel | None
    metadata: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        payload = {
            "format": ARTIFACT_FORMAT,
            "metadata": self.metadata,
            "topic": self.topic,
            "type": self.type_model,
        }
        joblib.dump(payload, tmp, compress=3)
        tmp.replace(p)  # atomic: a reader never sees a half-written model
        return p

    @classmethod
    def load(cls, path: str | Path) -> ModelBundle:
        """Load an artifact. Only load files you produced: joblib files can run code when unpickled."""
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: model file not found")
        try:
            payload = joblib.load(p)
        except Exception as exc:  # corrupt or foreign file: one clear line, no traceback
            raise InputError(f"{p}: not a classifier model file ({exc.__class__.__name__})") from None
        if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
            raise InputError(f"{p}: not a {ARTIFACT_FORMAT} model file")
        made_by = payload["metadata"].get("code_version")
        if made_by != CODE_VERSION:
            raise InputError(
                f"{p}: made by classifier code version {made_by}, this is {CODE_VERSION}; retrain it"
            )
        return cls(payload["topic"], payload["type"], payload["metadata"])

    @staticmethod
    def read_metadata(path: str | Path) -> dict:
        return dict(ModelBundle.load(path).metadata)


def _make_version(created: datetime, digest: str) -> str:
    return f"{created:%Y%m%dT%H%M%S}-{digest[:8]}"


def holdout_split(
    rows: Sequence[Example], fraction: float, seed: int = 42
) -> tuple[list[Example], list[Example]]:
    """Stratified when every label has at least two examples, else a plain shuffled split."""
    from sklearn.model_selection import train_test_split

    labels = [lab for lab, _ in rows]
    counts = require_two_labels(list(rows))
    n_test = max(int(round(len(rows) * fraction)), len(counts))
    stratify = labels if min(counts.values()) >= 2 and n_test < len(rows) - len(counts) else None
    train, test = train_test_split(list(rows), test_size=n_test, random_state=seed, stratify=stratify)
    return list(train), list(test)


def evaluate_model(model: TextModel, rows: Sequence[Example]) -> dict:
    from classifier.evaluation import classification_metrics

    texts = [t for _, t in rows]
    pred, conf = model.predict(texts)
    return classification_metrics([lab for lab, _ in rows], pred, conf)


def train_bundle(
    rows: Sequence[Example],
    *,
    type_rows: Sequence[Example] | None = None,
    metrics: dict | None = None,
    holdout_fraction: float = 0.0,
    source: str = "",
) -> ModelBundle:
    """Train topic (+ type) models. With holdout_fraction > 0, first measure on a held-out slice."""
    import sklearn

    rows = list(rows)
    counts = require_two_labels(rows)
    metrics = dict(metrics or {})
    if holdout_fraction > 0 and len(rows) >= 20:
        tr, te = holdout_split(rows, holdout_fraction)
        metrics = {"holdout_fraction": holdout_fraction, **evaluate_model(_train_topic(tr), te)}
    t0 = time.perf_counter()
    topic = _train_topic(rows)
    train_seconds = time.perf_counter() - t0
    if type_rows is None and SEED_TYPES.exists():
        from classifier.dataset import read_labelled_csv

        type_rows = read_labelled_csv(SEED_TYPES)
    type_model = TypeModel.train(type_rows) if type_rows else None
    created = datetime.now(UTC).replace(microsecond=0)
    digest = data_hash(rows)
    meta = {
        "format": ARTIFACT_FORMAT,
        "code_version": CODE_VERSION,
        "version": _make_version(created, digest),
        "created_at": created.isoformat(),
        "training_data_hash": "sha256:" + digest,
        "n_examples": len(rows),
        "labels": sorted(counts),
        "label_counts": dict(sorted(counts.items())),
        "type_labels": type_model.model.classes if type_model else [],
        "metrics": metrics,
        "train_seconds": round(train_seconds, 3),
        "source": source,
        "features": "char 2-5 in words (per-word sum) + word 1-2 grams on the ASCII-folded text; calibrated LinearSVC",
        "sklearn": sklearn.__version__,
    }
    return ModelBundle(topic, type_model, meta)


def _train_topic(rows: Sequence[Example]) -> TextModel:
    try:
        return TextModel.train([t for _, t in rows], [lab for lab, _ in rows])
    except ValueError as exc:  # e.g. every text empty after cleaning
        raise InputError(f"cannot train: {exc}") from None

"""The cached per-word scoring must give exactly the model the linear classifier was trained on."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest

from classifier import scoring
from classifier.dataset import read_labelled_csv
from classifier.model import SEED_CORPUS, ModelBundle, TextModel, train_bundle

NEW_TEXTS = [
    "Mahallemizde çöpler üç gündür toplanmıyor, koku dayanılmaz",
    "kopekler cocuklara saldiriyor lutfen toplayin",
    "su su su yok yok yok",  # repeated words: counts matter
    "",
    "zzqx vvbn",  # nothing in any vocabulary
    "Otobüs 30 dakikadır gelmiyor, durakta bekliyoruz. Ulaşım rezalet!",
    "park bahçe çimler sulanmıyor",
]


@pytest.fixture(scope="module")
def model() -> TextModel:
    rows = read_labelled_csv(SEED_CORPUS)
    return TextModel.train([t for _, t in rows], [lab for lab, _ in rows])


def _reference(model: TextModel, texts: list[str]) -> np.ndarray:
    """Probabilities the slow way: the full feature matrix times the weights."""
    feat = model.featurizer
    return model.linear.predict_proba(feat.transform_tokens([feat.tokens(t) for t in texts]))


def test_fast_scores_match_the_feature_matrix(model: TextModel) -> None:
    fast = model.predict_proba(NEW_TEXTS)
    assert np.allclose(fast, _reference(model, NEW_TEXTS), atol=1e-5)
    single = np.vstack([model.predict_proba([t]) for t in NEW_TEXTS])
    assert np.allclose(single, fast, atol=1e-5)
    assert np.allclose(fast.sum(axis=1), 1.0)


def test_pickled_model_scores_the_same_and_stores_weights_once(model: TextModel, tmp_path) -> None:
    before = model.predict_proba(NEW_TEXTS)
    bundle = ModelBundle(model, None, {"code_version": 3, "format": "talep-classifier/1"})
    loaded = ModelBundle.load(bundle.save(tmp_path / "m.joblib")).topic
    assert loaded.scorer.WT is loaded.linear.WT  # shared, not a second copy
    assert np.allclose(loaded.predict_proba(NEW_TEXTS), before, atol=1e-6)
    assert np.allclose(pickle.loads(pickle.dumps(model)).predict_proba(NEW_TEXTS), before, atol=1e-6)


def test_table_reset_keeps_results_correct(model: TextModel, monkeypatch) -> None:
    expected = _reference(model, NEW_TEXTS)
    scorer = model.scorer
    monkeypatch.setattr(scoring, "_TABLE_LIMIT", scorer._table.n + 3)
    for i in range(5):  # unseen words overflow the table, which goes back to the training words
        model.predict_proba([f"yepyeni{i} kelime{i} burada{i} ve{i} orada{i}"])
    assert scorer._table.n <= scoring._TABLE_LIMIT
    assert np.allclose(model.predict_proba(NEW_TEXTS), expected, atol=1e-5)


def test_concurrent_scoring_of_unseen_words(model: TextModel) -> None:
    texts = [f"sokak{i} lambası yanmıyor mahalle{i} karanlık" for i in range(200)]
    expected = _reference(model, texts)
    results: dict[int, np.ndarray] = {}

    def work(k: int) -> None:
        results[k] = np.vstack([model.predict_proba([t]) for t in texts])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results.values():
        assert np.allclose(got, expected, atol=1e-5)


def test_bundle_trains_and_classifies_unseen_text() -> None:
    rows = read_labelled_csv(SEED_CORPUS)
    bundle = train_bundle(rows, source="seed")
    pred, conf = bundle.topic.predict(["cop konteyneri tasmis kimse almiyor"])
    assert pred == ["temizlik"] and conf[0] > 0.3

"""Classifier facade: routing of obvious requests, abstention, out-of-scope, artifact metadata."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from classifier import Classification, Classifier
from classifier.dataset import read_labelled_csv
from classifier.errors import InputError
from classifier.model import SEED_CORPUS, ModelBundle, train_bundle
from classifier.taxonomy import default_taxonomy, parse_taxonomy


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    bundle = train_bundle(read_labelled_csv(SEED_CORPUS), holdout_fraction=0.2, source="test")
    return bundle.save(tmp_path_factory.mktemp("model") / "seed.joblib")


@pytest.fixture(scope="module")
def clf(model_file) -> Classifier:
    return Classifier.load(model_path=model_file)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Sokağımızdaki lambalar 3 gündür yanmıyor", "aydinlatma"),
        ("cop toplanmiyor 3 gundur", "temizlik"),
        ("Mahallede sular kesik, ne zaman gelecek?", "su-kanalizasyon"),
        ("Otobüs durakta durmadan geçti", "ulasim"),
        ("komşu kaçak kat çıkıyor", "imar"),
        ("Yolda büyük çukur var", "yol-altyapi"),
        ("sokak köpekleri çocuklara saldırıyor", "veteriner"),
    ],
)
def test_obvious_requests_are_routed(clf, text, topic):
    r = clf.classify(text, locate=False)
    assert r.topic == topic, r
    assert r.topic_name == default_taxonomy().topic_name(topic)


@pytest.mark.parametrize(
    "text", ["Günaydın herkese, hayırlı cumalar", "Takipçi satın almak için linke tıkla", "deneme"]
)
def test_obvious_out_of_scope(clf, text):
    r = clf.classify(text, locate=False)
    assert r.out_of_scope and r.topic == "out_of_scope"


def test_unsure_out_of_scope_is_kept_as_a_request(model_file):
    # With an out_of_scope bar of 1.0 nothing is dropped: it goes to a person with a department.
    raw = {
        "topics": [{"code": c, "name": c} for c in default_taxonomy().topics if c != "out_of_scope"]
        + [{"code": "out_of_scope", "name": "Kapsam Dışı", "out_of_scope": True, "review_threshold": 1.0}]
    }
    strict = Classifier.load(model_path=model_file, taxonomy=parse_taxonomy(raw))
    r = strict.classify("Günaydın herkese, hayırlı cumalar", locate=False)
    assert not r.out_of_scope and r.needs_review and r.topic != "out_of_scope"
    assert "possible_out_of_scope" in r.review_reasons


def test_empty_and_gibberish_go_to_review(clf):
    empty = clf.classify("   ", locate=False)
    assert empty.needs_review and "empty_text" in empty.review_reasons and empty.confidence == 0.0
    noise = clf.classify("qzx vbnm plkj", locate=False)
    assert noise.needs_review


def test_abstention_follows_the_taxonomy_threshold(model_file):
    raw = {"review_threshold": 0.0, "topics": [{"code": c, "name": c} for c in default_taxonomy().topics]}
    never = Classifier.load(model_path=model_file, taxonomy=parse_taxonomy(raw))
    always = Classifier.load(model_path=model_file, taxonomy=parse_taxonomy({**raw, "review_threshold": 1.0}))
    text = "Parktaki salıncak kırık"
    assert not never.classify(text, locate=False).needs_review
    r = always.classify(text, locate=False)
    assert r.needs_review and "low_confidence" in r.review_reasons


def test_type_is_predicted_with_cues(clf):
    thanks = clf.classify("Çöpler hemen toplandı, emeği geçenlere teşekkür ederiz", locate=False)
    assert thanks.type == "tesekkur" and "tesekkur" in thanks.type_cues
    info = clf.classify(
        "4982 sayılı kanun kapsamında asfalt harcamaları hakkında bilgi almak istiyorum", locate=False
    )
    assert info.type == "bilgi_edinme"


def test_thanks_type_needs_a_thanks_cue_and_no_complaint(clf):
    """A teşekkür is answered "thank you for your kind words" with low priority: a complaint that
    ends politely must never get that."""
    thanks = [
        "Parkımız çok güzel olmuş, elinize sağlık",
        "Sokağımızdaki lambayı aynı gün yaptınız, çok teşekkürler",
        "Zabıta ekibine ilgileri için teşekkür ederim",
        "KASKİ ekipleri arızayı hızla giderdi, Allah razı olsun",
    ]
    polite_complaints = [
        "3 gündür su yok, gereğinin yapılmasını rica ederim. Teşekkürler.",
        "Hizmetiniz için teşekkürler fakat otobüsler hâlâ geç geliyor",
        "Teşekkürler başkan, keşke şu çukuru da kapatsanız",
        "Çöpler toplanmıyor, mağduruz. Şimdiden teşekkürler",
    ]
    for text in thanks:
        assert clf.classify(text, locate=False).type == "tesekkur", text
    for text in polite_complaints:
        r = clf.classify(text, locate=False)
        assert r.type != "tesekkur" and "tesekkur" in r.type_cues, text


def test_known_location_wins_over_text(clf):
    r = clf.classify(
        "Talas Mevlana Mahallesi sokak lambaları yanmıyor",
        known_location={"mahalle": "Hunat", "ilce": "Melikgazi"},
    )
    assert r.location["source"] == "known" and r.location["mahalle"] == "Hunat"
    d = r.to_dict()
    assert d["location"]["ilce"] == "Melikgazi" and isinstance(r, Classification)


def test_location_from_text_when_unknown(clf):
    pytest.importorskip("classifier.locator")
    r = clf.classify("Talas Mevlana Mahallesi sokak lambaları yanmıyor")
    assert r.location["source"] == "text" and r.location["ilce"] == "Talas"


def test_artifact_metadata_and_fast_load(model_file, clf):
    t0 = time.perf_counter()
    bundle = ModelBundle.load(model_file)
    load_seconds = time.perf_counter() - t0
    meta = bundle.metadata
    for key in ("version", "training_data_hash", "labels", "metrics", "created_at"):
        assert meta.get(key), key
    assert meta["training_data_hash"].startswith("sha256:")
    assert set(meta["labels"]) == set(default_taxonomy().topics)
    assert 0.5 < meta["metrics"]["macro_f1"] <= 1.0
    assert clf.classify("su yok", locate=False).model_version == meta["version"]
    assert load_seconds < 5  # generous: the machine is shared; bench/ measures the real figure


def test_not_a_model_file_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a classifier model"):
        Classifier.load(model_path=junk)


def test_concurrent_reads_agree(clf):
    texts = ["su yok", "lamba yanmıyor", "çöp toplanmadı", "otobüs gelmedi", "park bakımsız"] * 20
    expected = [clf.classify(t, locate=False).topic for t in texts]
    results: list[list[str]] = []

    def worker() -> None:
        results.append([clf.classify(t, locate=False).topic for t in texts])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_huge_text_is_classified(clf):
    r = clf.classify("Sokak lambaları yanmıyor, gece karanlık. " * 50_000, locate=False)  # ~2 MB
    assert r.topic == "aydinlatma" and 0.0 <= r.confidence <= 1.0


def test_batch_equals_single(clf):
    texts = ["su yok", "Mahallede lamba yanmıyor", "merhaba"]
    batch = clf.classify_many(texts, locate=False)
    single = [clf.classify(t, locate=False) for t in texts]
    assert [b.topic for b in batch] == [s.topic for s in single]
    assert np.allclose([b.confidence for b in batch], [s.confidence for s in single], atol=1e-4)


def test_default_model_trains_from_seed_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("TALEP_CLASSIFIER_CACHE", str(tmp_path / "cache"))
    c = Classifier.load()
    assert list((tmp_path / "cache").glob("seed-*.joblib"))
    assert c.classify("sular kesik", locate=False).topic == "su-kanalizasyon"


def test_model_from_other_code_version_is_refused_and_registry_recovers(model_file, tmp_path):
    from classifier.registry import ModelRegistry

    bundle = ModelBundle.load(model_file)
    bundle.metadata["code_version"] = -1
    old = bundle.save(tmp_path / "old.joblib")
    with pytest.raises(InputError, match="retrain"):
        Classifier.load(model_path=old)
    reg = ModelRegistry(tmp_path / "reg")
    reg.activate(reg.add(bundle))
    c = Classifier.load(model_dir=tmp_path / "reg")  # falls back to a fresh seed model, activated
    assert c.model_version == reg.active_version() != bundle.version

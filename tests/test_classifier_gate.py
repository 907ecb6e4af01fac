"""Learning loop: a worse model is not activated, a better one is, and rollback restores the old one."""

from __future__ import annotations

import shutil

import pytest

from classifier import Classifier, ModelRegistry, train_with_gate
from classifier.errors import InputError

# A trusted check set: plain requests staff would route without hesitation.
CHECK = [
    ("su-kanalizasyon", "sular kesildi ne zaman gelecek"),
    ("su-kanalizasyon", "kanalizasyon taştı sokak pis su içinde"),
    ("aydinlatma", "sokak lambası yanmıyor"),
    ("aydinlatma", "cadde ışıkları gece yanmıyor"),
    ("temizlik", "çöpler toplanmadı konteyner taştı"),
    ("temizlik", "sokak süpürülmüyor çok pis"),
    ("ulasim", "otobüs durağa uğramadı"),
    ("ulasim", "tramvay seferleri aksıyor"),
    ("park-bahce", "parktaki salıncak kırık"),
    ("veteriner", "yaralı köpek yolda yatıyor"),
    ("yol-altyapi", "yoldaki çukur kapatılmadı"),
    ("imar", "kaçak kat çıkılıyor"),
]


@pytest.fixture(scope="module")
def base_registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    first = train_with_gate(None, [], root, holdout=CHECK)
    assert first.activated and first.old_version is None
    return root


@pytest.fixture()
def registry_dir(base_registry, tmp_path):
    # each test gets its own copy of a registry holding one active seed model
    return shutil.copytree(base_registry, tmp_path / "registry")


def test_worse_model_is_not_activated(registry_dir):
    reg = ModelRegistry(registry_dir)
    good = reg.active_version()
    # A poisoned batch of "corrections": the check set's own kind of messages, all relabelled parks.
    poison = [
        ("park-bahce", f"{text} {n}") for label, text in CHECK if label != "park-bahce" for n in range(60)
    ]
    res = train_with_gate(None, poison, registry_dir, holdout=CHECK)
    assert not res.activated, res.reason
    assert res.new_metrics["macro_f1"] < res.old_metrics["macro_f1"]
    assert reg.active_version() == good  # still the good model
    assert res.new_version in reg.versions()  # kept for inspection


def test_useful_corrections_activate_and_rollback_restores(registry_dir):
    reg = ModelRegistry(registry_dir)
    old = reg.active_version()
    corrections = [
        ("aydinlatma", "projektör bozuk meydan karanlık"),
        ("aydinlatma", "meydandaki projektörler yanmıyor"),
    ] * 3
    res = train_with_gate(None, corrections, registry_dir, holdout=CHECK, tolerance=0.01)
    assert res.activated, res.reason
    assert reg.active_version() == res.new_version != old
    assert Classifier.load(model_dir=registry_dir).model_version == res.new_version
    assert reg.rollback() == old
    assert Classifier.load(model_dir=registry_dir).model_version == old


def test_default_holdout_and_bad_examples(registry_dir):
    res = train_with_gate(None, [("temizlik", ""), ("", "x"), ("temizlik", "çöp kokuyor")], registry_dir)
    assert res.skipped_examples == 2
    assert res.details["n_check"] > 100  # 20 % of the seed corpus
    assert "macro-F1" in res.reason
    # The served model never learns the check slice (tests/test_classifier_candidates.py says why).
    meta = ModelRegistry(registry_dir).info(res.new_version)
    assert meta["n_examples"] == res.details["n_train"] and meta["gate"]["n_check"] == res.details["n_check"]


def test_rollback_without_history_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="roll back"):
        ModelRegistry(tmp_path).rollback()
    with pytest.raises(InputError, match="not in"):
        ModelRegistry(tmp_path).activate("nope")

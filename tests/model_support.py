"""Small, fast classifier registries for the model page's tests: a few seed examples per
topic train in about a second, instead of the whole seed corpus."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from classifier.dataset import read_labelled_csv
from classifier.model import SEED_CORPUS

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
# "Corrections" that relabel the check set's kind of messages as parks: a worse model.
POISON = [("park-bahce", f"{text} {n}") for label, text in CHECK if label != "park-bahce" for n in range(60)]


def small_seed(folder: Path, per_label: int = 12) -> Path:
    """The first `per_label` seed examples of every topic, as a labelled CSV."""
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for label, text in read_labelled_csv(SEED_CORPUS):
        if len(by_label[label]) < per_label:
            by_label[label].append((label, text))
    path = folder / "small_seed.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["label", "text"])
        for rows in by_label.values():
            w.writerows(rows)
    return path


def small_registry(root: Path, seed_csv: Path) -> str:
    """A registry at root whose active model was trained on seed_csv (as a hub's first start
    trains on the seed corpus: its check slice held out); returns its version."""
    from classifier.training import train_with_gate

    return train_with_gate(seed_csv, [], root).new_version


def model_hub(settings_factory: Any, base: Path, tmp_path: Path) -> Any:
    """A Hub on its own copy of the small registry in `base` (see base_registry)."""
    from hub.context import Hub

    models = shutil.copytree(base / "models", tmp_path / "models")
    return Hub(settings_factory(classifier_model_dir=models, classifier_training_csv=base / "small_seed.csv"))


def base_registry(folder: Path) -> Path:
    """folder/small_seed.csv and folder/models, a registry with one active small model."""
    folder.mkdir(parents=True, exist_ok=True)
    small_registry(folder / "models", small_seed(folder))
    return folder

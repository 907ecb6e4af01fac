"""Classifier figures on the shared complaint data; prints one JSON line per measurement.

(a) belediye_train.csv, fixed stratified 80/20 split (scikit-learn train_test_split, random_state=42,
    stratify=label), labels mapped onto taxonomy codes with classifier/data/label_map_belediye.csv;
    plus a plain char n-gram logistic regression baseline on the same split;
(b) ibb_train.csv -> ibb_valid.csv (labels as they are);
(c) out-of-scope detection with ibb_out_of_scope_tweets.csv: zero-shot with the seed model, and
    trained (belediye 80 % + tweets 80 % -> belediye 20 % + tweets 20 %);
(d) throughput on one core (CPU time of this process) and load time / RSS of a loaded model.

Usage: .venv/bin/python bench/classifier_eval.py [--speed]  (split files go to a temp dir;
--speed: only (d), on the same two models)
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from classifier.dataset import apply_label_map, read_label_map, read_labelled_csv  # noqa: E402
from classifier.evaluation import classification_metrics  # noqa: E402
from classifier.facade import Classifier  # noqa: E402
from classifier.model import SEED_CORPUS, ModelBundle, TextModel, train_bundle  # noqa: E402
from classifier.taxonomy import default_taxonomy  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "complaints"
MAPS = ROOT / "classifier" / "data"


def emit(obj: dict) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def headline(m: dict) -> dict:
    cov = {f"precision_at_{int(c['coverage'] * 100)}pct": c["precision"] for c in m["coverage_precision"]}
    return {"macro_f1": m["macro_f1"], "accuracy": m["accuracy"], **cov, "n_test": m["n_test"]}


def write_split(rows, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["label", "text"])
        w.writerows(rows)


def auto_route(model: TextModel, rows) -> dict:
    """Precision / share of requests routed without a person, with the taxonomy's thresholds."""
    tax = default_taxonomy()
    pred, conf = model.predict([t for _, t in rows])
    auto = np.array([c >= tax.threshold_for(p) for p, c in zip(pred, conf, strict=True)])
    ok = np.array([p == lab for p, (lab, _) in zip(pred, rows, strict=True)])
    return {
        "auto_routed_share": round(float(auto.mean()), 4),
        "auto_routed_precision": round(float(ok[auto].mean()), 4) if auto.any() else None,
    }


def timed_train(rows) -> tuple[TextModel, float]:
    t0 = time.process_time()
    m = TextModel.train([t for _, t in rows], [lab for lab, _ in rows])
    return m, time.process_time() - t0


def bench_belediye(tmp: Path) -> tuple[list, list, TextModel]:
    rows = read_labelled_csv(DATA / "belediye_train.csv")
    tr, te = train_test_split(rows, test_size=0.2, random_state=42, stratify=[lab for lab, _ in rows])
    write_split(tr, tmp / "belediye_split_train.csv")
    write_split(te, tmp / "belediye_split_test.csv")
    mapping = read_label_map(MAPS / "label_map_belediye.csv")
    tr, te = apply_label_map(tr, mapping), apply_label_map(te, mapping)
    model, secs = timed_train(tr)
    pred, conf = model.predict([t for _, t in te])
    m = classification_metrics([lab for lab, _ in te], pred, conf)
    emit(
        {
            "bench": "belediye_8class_split80_20_seed42",
            "model": "talep (char 2-5 + word 1-2, calibrated LinearSVC)",
            **headline(m),
            **auto_route(model, te),
            "per_class_f1": {k: v["f1"] for k, v in m["per_class"].items()},
            "train_cpu_s": round(secs, 2),
        }
    )
    # Baseline asked to beat: plain char n-gram TF-IDF + logistic regression.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    base = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        LogisticRegression(C=10, max_iter=3000),
    )
    base.fit([t for _, t in tr], [lab for lab, _ in tr])
    proba = base.predict_proba([t for _, t in te])
    bpred = [base.classes_[i] for i in proba.argmax(1)]
    emit(
        {
            "bench": "belediye_8class_split80_20_seed42",
            "model": "baseline char 2-5 TF-IDF + LogisticRegression(C=10)",
            **headline(classification_metrics([lab for lab, _ in te], bpred, proba.max(1))),
        }
    )
    return tr, te, model


def bench_ibb() -> TextModel:
    tr = read_labelled_csv(DATA / "ibb_train.csv")
    te = read_labelled_csv(DATA / "ibb_valid.csv")
    model, secs = timed_train(tr)
    pred, conf = model.predict([t for _, t in te])
    m = classification_metrics([lab for lab, _ in te], pred, conf)
    emit({"bench": "ibb_train_to_ibb_valid", **headline(m), "train_cpu_s": round(secs, 2)})
    return model


def bench_out_of_scope(bel_tr, bel_te) -> None:
    tweets = [("out_of_scope", t) for _, t in read_labelled_csv(DATA / "ibb_out_of_scope_tweets.csv")]
    tw_tr, tw_te = train_test_split(tweets, test_size=0.2, random_state=42)
    test = bel_te + tw_te
    truth = np.array([lab == "out_of_scope" for lab, _ in test])

    oos_bar = default_taxonomy().threshold_for("out_of_scope")

    def report(name: str, model: TextModel) -> None:
        pred, conf = model.predict([t for _, t in test])
        for rule, flagged in (
            ("argmax", np.array([p == "out_of_scope" for p in pred])),
            (
                f"confident>={oos_bar}",
                np.array([p == "out_of_scope" and c >= oos_bar for p, c in zip(pred, conf, strict=True)]),
            ),
        ):
            tp = int((flagged & truth).sum())
            emit(
                {
                    "bench": "out_of_scope_detection",
                    "model": name,
                    "rule": rule,
                    "oos_precision": round(tp / max(int(flagged.sum()), 1), 4),
                    "oos_recall": round(tp / int(truth.sum()), 4),
                    "complaints_flagged_oos": round(float(flagged[~truth].mean()), 4),
                    "n_tweets": int(truth.sum()),
                    "n_complaints": int((~truth).sum()),
                }
            )

    seed = train_bundle(read_labelled_csv(SEED_CORPUS)).topic
    report("seed corpus only (never saw real data)", seed)
    pred, conf = seed.predict([t for _, t in bel_te])
    m = classification_metrics([lab for lab, _ in bel_te], pred, conf)
    emit({"bench": "belediye_test_with_seed_model_only", **headline(m)})
    trained, _ = timed_train(bel_tr + tw_tr)
    report("belediye 80% + tweets 80%", trained)


def bench_speed(model_path: Path, label: str) -> None:
    clf = Classifier.load(model_path=model_path)
    texts = [t for _, t in read_labelled_csv(DATA / "ibb_valid.csv")]
    texts = [t for t in texts if 300 <= len(t) <= 500][:1000]
    mean_len = sum(map(len, texts)) / len(texts)
    clf.classify_many(texts[:50], locate=False)  # imports, first-use caches

    def rate(fn, n: int, repeat: int = 3) -> float:
        """Best of `repeat` runs (the machine is shared; the best run is the least disturbed)."""
        best = 0.0
        for _ in range(repeat):
            t0 = time.process_time()
            fn()
            best = max(best, n / max(time.process_time() - t0, 1e-9))
        return best

    batch_cold = 0.0
    for _ in range(3):  # a freshly loaded model has an empty per-word cache
        fresh = Classifier.load(model_path=model_path)
        fresh.classify("ısınma", locate=False)
        batch_cold = max(
            batch_cold, rate(lambda f=fresh: f.classify_many(texts, locate=False), len(texts), 1)
        )
    batch_warm = rate(lambda: clf.classify_many(texts, locate=False), len(texts))
    single = rate(lambda: [clf.classify(t, locate=False) for t in texts[:500]], 500)
    with_loc = rate(lambda: [clf.classify(t) for t in texts[:200]], 200)
    emit(
        {
            "bench": "throughput_one_core_cpu_time",
            "model": label,
            "mean_chars": round(mean_len),
            "batch_new_texts_per_s": round(batch_cold),
            "batch_seen_texts_per_s": round(batch_warm),
            "single_call_texts_per_s": round(single),
            "single_call_with_locator_per_s": round(with_loc),
        }
    )
    probe = (
        "import time,sys,re; t=time.perf_counter();"
        "from classifier.facade import Classifier; c=Classifier.load(model_path=sys.argv[1]);"
        "c.classify('sokak lambasi yanmiyor', locate=False); l=time.perf_counter()-t;"
        "hwm=re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); print(l, hwm)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(model_path)], capture_output=True, text=True, cwd=ROOT
    )
    load_s, rss_kb = out.stdout.split()
    t0 = time.perf_counter()
    ModelBundle.load(model_path)
    emit(
        {
            "bench": "artifact",
            "model": label,
            "file_mb": round(model_path.stat().st_size / 1e6, 2),
            "load_s": round(time.perf_counter() - t0, 3),
            "fresh_process_import_load_classify_s": round(float(load_s), 3),
            "fresh_process_max_rss_mb": round(int(rss_kb) / 1024, 1),
        }
    )


def main() -> None:
    if not DATA.is_dir():
        emit({"error": f"shared data not found at {DATA}"})
        sys.exit(2)
    speed_only = "--speed" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if speed_only:  # the same belediye 80 % training rows as bench_belediye, no accuracy runs
            rows = read_labelled_csv(DATA / "belediye_train.csv")
            bel_tr, _ = train_test_split(rows, test_size=0.2, random_state=42, stratify=[lab for lab, _ in rows])
            bel_tr = apply_label_map(bel_tr, read_label_map(MAPS / "label_map_belediye.csv"))
        else:
            bel_tr, bel_te, _ = bench_belediye(tmp)
            bench_ibb()
            bench_out_of_scope(bel_tr, bel_te)
        for name, rows in (("belediye-80", bel_tr), ("ibb_train", read_labelled_csv(DATA / "ibb_train.csv"))):
            path = tmp / f"{name}.joblib"
            train_bundle(rows, source=name).save(path)
            bench_speed(path, name)


if __name__ == "__main__":
    main()

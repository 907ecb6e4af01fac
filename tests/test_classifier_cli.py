"""The `python -m classifier` command line: contract JSON shapes and one-line errors on bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "complaints"


_CACHE: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def shared_seed_cache(tmp_path_factory):
    # One seed-model cache for the module: the first predict trains it, the others reuse it.
    _CACHE["dir"] = str(tmp_path_factory.mktemp("seedcache"))
    yield
    _CACHE.clear()


def run(args: list[str], stdin: str = "", env_extra: dict | None = None, tmp: Path | None = None):
    env = dict(os.environ)
    env["TALEP_CLASSIFIER_CACHE"] = _CACHE.get("dir") or str((tmp or Path("/tmp")) / "cache")
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "classifier", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def write_csv(path: Path, rows: list[tuple[str, ...]], header=("label", "text")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def assert_clean_error(proc, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()
    assert err, "an error message is expected on stderr"
    for word in words:
        assert word.lower() in proc.stderr.lower(), proc.stderr


@pytest.fixture(scope="module")
def small_train(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    rows = [
        ("su", f"{w} sular kesik, su gelmiyor")
        for w in ("Mahallede", "Sokakta", "Evde", "Bizde", "Burada", "Köyde")
    ] + [
        ("yol", f"{w} yolda çukur var, asfalt bozuk")
        for w in ("Mahallede", "Sokakta", "Cadde", "Bizde", "Köy", "Orada")
    ]
    return write_csv(tmp / "train.csv", rows)


def test_empty_file_is_a_clean_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    proc = run(["evaluate", "--train", str(empty), "--test", str(empty)], tmp=tmp_path)
    assert_clean_error(proc, "empty")


def test_missing_column_is_named(tmp_path, small_train):
    bad = write_csv(tmp_path / "bad.csv", [("su", "su yok")], header=("kategori", "text"))
    proc = run(["evaluate", "--train", str(bad), "--test", str(small_train)], tmp=tmp_path)
    assert_clean_error(proc, "missing column", "label")


def test_non_utf8_file_is_a_clean_error(tmp_path, small_train):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("label,text\nsu,Su kesintisi var, çok mağdurum\n".encode("iso-8859-9"))
    proc = run(["train", "--data", str(latin), "--out", str(tmp_path / "m.joblib")], tmp=tmp_path)
    assert_clean_error(proc, "utf-8")


def test_one_label_only_is_a_clean_error(tmp_path):
    one = write_csv(tmp_path / "one.csv", [("su", "su yok"), ("su", "sular kesik"), ("su", "su gelmiyor")])
    proc = run(["train", "--data", str(one), "--out", str(tmp_path / "m.joblib")], tmp=tmp_path)
    assert_clean_error(proc, "one label")


def test_missing_file_and_unknown_command(tmp_path):
    assert_clean_error(
        run(["train", "--data", str(tmp_path / "nope.csv"), "--out", "x"], tmp=tmp_path), "not found"
    )
    assert_clean_error(run(["frobnicate"], tmp=tmp_path), "invalid choice")


def test_train_then_predict_with_model_file(tmp_path, small_train):
    model = tmp_path / "model.joblib"
    proc = run(["train", "--data", str(small_train), "--out", str(model)], tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["labels"] == ["su", "yol"] and model.is_file()
    out = run(["predict", "--model", str(model)], stdin='{"text": "sular kesildi"}\n', tmp=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["topic"] == "su"


def test_custom_columns_and_long_fields(tmp_path):
    rows = [("x", "su", f"sular kesik {i} " + "uzun metin " * (20_000 if i == 0 else 1)) for i in range(6)]
    rows += [("x", "yol", f"yolda çukur var {i}") for i in range(6)]
    data = write_csv(tmp_path / "custom.csv", rows, header=("id", "kategori", "mesaj"))
    out = tmp_path / "m.joblib"
    proc = run(
        ["train", "--data", str(data), "--text-col", "mesaj", "--label-col", "kategori", "--out", str(out)]
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n_examples"] == 12


def test_predict_keeps_good_lines_and_reports_bad_ones(tmp_path):
    lines = (
        '{"text": "cop toplanmiyor 3 gundur"}\nnot json\n{"txt": "x"}\n{"text": "sokak lambası yanmıyor"}\n'
    )
    proc = run(["predict"], stdin=lines, tmp=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "line 2" in proc.stderr and "line 3" in proc.stderr
    rows = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(rows) == 4  # one answer per input line, so callers can zip them
    assert rows[0]["topic"] == "temizlik" and rows[3]["topic"] == "aydinlatma"
    assert "error" in rows[1] and "error" in rows[2]
    for key in ("topic", "confidence", "type", "out_of_scope", "needs_review"):
        assert key in rows[0]


def test_predict_survives_a_non_utf8_line(tmp_path):
    data = b'{"text": "su yok"}\n' + b"\xff\xfe bozuk\n" + '{"text": "lamba yanmıyor"}\n'.encode()
    env = dict(os.environ, TALEP_CLASSIFIER_CACHE=_CACHE["dir"])
    proc = subprocess.run(
        [sys.executable, "-m", "classifier", "predict"],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr and b"line 2" in proc.stderr
    rows = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [("error" in r) for r in rows] == [False, True, False]


def test_predict_with_missing_model_file(tmp_path):
    proc = run(
        ["predict", "--model", str(tmp_path / "none.joblib")], stdin='{"text": "su yok"}\n', tmp=tmp_path
    )
    assert_clean_error(proc, "not found")


@pytest.mark.skipif(not (SHARED / "belediye_train.csv").exists(), reason="shared complaint data not present")
def test_evaluate_with_label_map_on_real_complaints(tmp_path):
    with (SHARED / "belediye_train.csv").open(encoding="utf-8") as fh:
        rows = [(r["label"], r["text"]) for r in csv.DictReader(fh)]
    train = write_csv(tmp_path / "tr.csv", rows[::4])  # every 4th row: fast, all classes present
    test = write_csv(tmp_path / "te.csv", rows[1::9])
    proc = run(
        [
            "evaluate",
            "--train",
            str(train),
            "--test",
            str(test),
            "--map",
            "classifier/data/label_map_belediye.csv",
        ],
        tmp=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert set(res["per_class"]) >= {"su-kanalizasyon", "ulasim", "diger"}  # mapped onto taxonomy codes
    assert res["macro_f1"] > 0.7
    assert all({"coverage", "precision", "threshold"} <= set(c) for c in res["coverage_precision"])
    assert res["train_seconds"] >= 0 and res["predict_texts_per_s"] > 0

"""Issue 10, finding 8: imports stream their rows instead of reading whole files into memory.

A 50 MB CSV of bad rows took 28 s and 960 MB in ``run_hub.py import``. The import now reads
rows as a stream, hands good rows to intake in batches, keeps only the first rows' errors in
detail (plus counts) and refuses files over ``import_max_bytes`` before reading them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.imports import ImportRejected, ImportRun, import_file
from connectors.imports.folder import ImportFolderSource
from connectors.imports.importer import ERROR_DETAIL_CAP

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Başvuru No;Başvuru Tarihi;Başvuru Türü;Metin\r\n"
# Peak RSS of run_hub.py importing 20 MB of bad rows. The hub itself (classifier, database)
# takes about 225 MB before the first row; reading the whole file took over 500 MB.
RSS_BOUND_MB = 300


def bad_rows_csv(path: Path, megabytes: float) -> int:
    """Rows whose date cannot be read (every one is rejected); returns the row count."""
    target = int(megabytes * 1024 * 1024)
    line = "2026{:07d};tarih değil;Şikâyet;Sokak lambası yanmıyor, akşamları karanlık ({})\r\n"
    chunk, rows, size = [], 0, len(HEADER.encode())
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        while size < target:
            text = line.format(rows, rows)
            chunk.append(text)
            size += len(text.encode())
            rows += 1
            if len(chunk) == 10_000:
                fh.write("".join(chunk))
                chunk.clear()
        fh.write("".join(chunk))
    return rows


def good_rows_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        for i in range(n):
            fh.write(
                f"2027{i:07d};01.03.2026 10:{i % 60:02d};İstek;Mahallemizde çukur var, kapatılsın ({i})\r\n"
            )


# Run in a fresh interpreter whose only child is the import, so RUSAGE_CHILDREN measures it alone.
MEASURE = """
import resource, subprocess, sys, time
t = time.monotonic()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(proc.stdout)
sys.stderr.write(proc.stderr)
print(f"@@ rc={proc.returncode} maxrss_kb={ru.ru_maxrss} wall={wall:.1f} cpu={ru.ru_utime + ru.ru_stime:.1f}")
"""


def test_a_20_mb_csv_of_bad_rows_streams_in_bounded_memory(
    tmp_path: Path, database_url: str, model_dir
) -> None:  # noqa: ANN001
    path = tmp_path / "kotu.csv"
    rows = bad_rows_csv(path, 20)
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(tmp_path / "data"),
        "HUB_DATABASE_URL": database_url,
        "HUB_CLASSIFIER_MODEL_DIR": str(model_dir),
    }
    cmd = [
        sys.executable,
        "-c",
        MEASURE,
        sys.executable,
        str(ROOT / "run_hub.py"),
        "import",
        "cimer",
        str(path),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    stats = dict(kv.split("=") for kv in out.stdout.rsplit("@@ ", 1)[1].split())
    print(f"{path.stat().st_size / 2**20:.1f} MB, {rows} bad rows: {stats}")
    assert stats["rc"] == "1", out.stdout[-2000:] + out.stderr[-2000:]
    assert int(stats["maxrss_kb"]) < RSS_BOUND_MB * 1024, stats
    report = out.stdout
    assert f"{rows} satır okundu, 0 başvuru alındı, {rows} satır alınamadı." in report
    detailed = [line for line in report.splitlines() if line.startswith("    Satır ")]
    assert len(detailed) == ERROR_DETAIL_CAP
    assert f"… ve {rows - ERROR_DETAIL_CAP} hata/uyarı daha" in report


def test_good_rows_reach_intake_in_batches_with_the_error_cap_per_level(tmp_path: Path) -> None:
    path = tmp_path / "iyi.csv"
    good_rows_csv(path, 1_234)
    with path.open("a", encoding="utf-8", newline="") as fh:
        for i in range(150):
            fh.write(f"2028{i:07d};olmayan tarih;İstek;Metin {i}\r\n")
    with ImportRun(path, kind="cimer") as run:
        sizes = [len(batch) for batch in run.batches(size=500)]
    assert sizes == [500, 500, 234]
    result = run.result
    assert (result.row_count, result.accepted_count, result.rejected_count) == (1_384, 1_234, 150)
    assert len(result.rejected_rows) == ERROR_DETAIL_CAP and result.omitted_errors == 50
    assert result.rejected_rows[0] == 1_236  # the line number in the file, as before


def test_files_over_the_limit_are_refused_before_reading(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    path = tmp_path / "buyuk.csv"
    good_rows_csv(path, 2_000)
    opened: list[Path] = []
    real_open = Path.open
    monkeypatch.setattr(Path, "open", lambda self, *a, **kw: opened.append(self) or real_open(self, *a, **kw))
    with pytest.raises(ImportRejected, match=r"çok büyük .*HUB_IMPORT_MAX_BYTES"):
        import_file(path, kind="cimer", max_bytes=64 * 1024)
    assert path not in opened, "the file was opened although it is over the limit"


def test_cli_refuses_a_file_over_the_setting(tmp_path: Path, run, monkeypatch) -> None:  # noqa: ANN001
    path = tmp_path / "buyuk.csv"
    good_rows_csv(path, 2_000)
    monkeypatch.setenv("HUB_IMPORT_MAX_BYTES", "65536")
    code, out, _ = run("import", "cimer", str(path))
    assert code == 2 and "dosya reddedildi" in out and "çok büyük" in out


def test_drop_folder_refuses_an_oversized_file_and_caps_its_report(tmp_path: Path) -> None:
    folder = tmp_path / "cimer"
    folder.mkdir()
    good_rows_csv(folder / "buyuk.csv", 2_000)
    small = folder / "kotu.csv"
    with small.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        for i in range(300):
            fh.write(f"2029{i:07d};olmayan tarih;İstek;Metin {i}\r\n")
    old = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    for p in folder.iterdir():
        os.utime(p, (old, old))
    src = ImportFolderSource(folder, kind="cimer", max_bytes=64 * 1024)
    result = src._fetch(None)
    [q] = result.quarantined
    assert "çok büyük" in q.error and q.metadata["filename"] == "buyuk.csv"
    src.confirm(result.checkpoint)
    assert (folder / "hatali" / "buyuk.csv").exists()
    report = (folder / "islendi" / "kotu.csv.rapor.txt").read_text(encoding="utf-8")
    assert "300 satır alınamadı" in report and "… ve 200 hata/uyarı daha" in report

"""Locator throughput on one core, in texts per CPU-second; prints one JSON object per line.

Typical complaints are the real texts in ../shared (read at run time, never stored); the noisy
addresses come from bench/locator_formset.py. CPU time is used because the build machine is shared;
the best of `--repeat` passes is reported (the least disturbed one).

Run from the project root:  .venv/bin/python bench/locator_throughput.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from locator_formset import SHARED, generate  # noqa: E402

from classifier.locator import Locator  # noqa: E402

FILES = ["belediye_train.csv", "ibb_train.csv", "ibb_valid.csv", "ibb_out_of_scope_tweets.csv"]


def best_rate(loc: Locator, texts: list[str], repeat: int) -> tuple[float, float]:
    """(texts per CPU-second, texts per wall-second) of the fastest pass."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        for t in texts:
            loc.locate(t)
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return len(texts) / max(best_cpu, 1e-9), len(texts) / max(best_wall, 1e-9)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=SHARED)
    args = ap.parse_args()
    loc = Locator.default()
    texts: list[str] = []
    for name in FILES:
        path = args.shared / name
        if path.exists():
            with open(path, encoding="utf-8", newline="") as fh:
                texts += [row["text"] for row in csv.DictReader(fh) if row.get("text")]
    if texts:
        cpu, wall = best_rate(loc, texts, args.repeat)
        avg = round(sum(map(len, texts)) / len(texts))
        print(json.dumps({"metric": "locate_real_complaints", "texts": len(texts), "avg_chars": avg,
                          "texts_per_cpu_s": round(cpu), "texts_per_wall_s": round(wall)}), flush=True)  # fmt: skip
    noisy = [s.text for s in generate(loc.places, n_per_form=300, shared=args.shared)]
    cpu, wall = best_rate(loc, noisy, args.repeat)
    print(json.dumps({"metric": "locate_form_set", "texts": len(noisy), "texts_per_cpu_s": round(cpu),
                      "texts_per_wall_s": round(wall)}), flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Throughput of classifier.text (fold, ascii_fold, clean) and mask_pii; prints JSON lines.

mask_pii runs in the hub's logging filter, so its speed on log-sized lines matters most.
Run from the project root:  .venv/bin/python bench/locator_text_speed.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier.text import ascii_fold, clean, fold, mask_pii  # noqa: E402

LOG_LINES = [
    "intake: new request id=4821 channel=telegram chat=981234 topic=temizlik",
    "delivery: webhook POST https://example.org/hook status=200 in 41 ms",
    "intake: e-mail from citizen, reply-to kept, 2 attachments, 18 kB",
    "routing: rule 'kirsal-yol' matched request 4822 -> Kırsal Hizmetler",
    "sms: sending to 0532 123 45 67 (template yanit_alindi)",
]


def rate(fn: Callable[[str], object], texts: list[str], repeat: int = 1) -> float:
    t0 = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            fn(t)
    return len(texts) * repeat / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    args = ap.parse_args()
    path = args.shared / "data" / "complaints" / "belediye_train.csv"
    texts: list[str] = []
    if path.exists():
        with open(path, encoding="utf-8", newline="") as fh:
            texts = [row["text"] for row in csv.DictReader(fh)]
    if texts:
        avg = round(sum(map(len, texts)) / len(texts))
        for name, fn in [
            ("fold", fold),
            ("ascii_fold", ascii_fold),
            ("clean", clean),
            ("mask_pii", mask_pii),
        ]:
            print(
                json.dumps(
                    {
                        "metric": f"{name}_texts_per_s",
                        "texts": len(texts),
                        "avg_chars": avg,
                        "value": round(rate(fn, texts)),
                    }
                )
            )
    print(
        json.dumps(
            {"metric": "mask_pii_log_lines_per_s", "value": round(rate(mask_pii, LOG_LINES, repeat=20000))}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Accuracy, false-hit and speed figures for classifier.locator; prints one JSON object per line.

Run from the project root:  .venv/bin/python bench/locator_eval.py [--n 3000] [--shared ../shared]
The real complaint texts are read at run time from the shared folder and never stored.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from locator_evalset import generate, generate_ambiguous  # noqa: E402

from classifier.locator import CONFIDENT, Locator  # noqa: E402
from classifier.text import ascii_fold  # noqa: E402

# Words whose presence makes a real complaint an address text (excluded from the false-hit set).
_ADDRESS_HINT_RE = re.compile(
    r"\b(?:mah|mh|mahalle\w*|sok|sk|sokag\w*|sokak\w*|cad|cd|cadde\w*|bulvar\w*|no|apartman\w*|apt|"
    r"ilcesi\w*|koyu\w*|kayseri\w*)\b"
)


def emit(**kw: object) -> None:
    print(json.dumps(kw, ensure_ascii=False), flush=True)


def read_texts(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh) if row.get("text")]


def timed(loc: Locator, texts: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds for one pass; CPU time is steadier when other jobs share the machine."""
    w0, c0 = time.perf_counter(), time.process_time()
    for t in texts:
        loc.locate(t)
    return time.perf_counter() - w0, max(time.process_time() - c0, 1e-9)


def has_address_hint(text: str) -> bool:
    return _ADDRESS_HINT_RE.search(ascii_fold(text)) is not None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    ap.add_argument("--show-errors", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    loc = Locator.default()
    emit(metric="load_seconds", value=round(time.perf_counter() - t0, 4), places=len(loc.places))

    samples = generate(loc.places, n=args.n)
    ok = confident_wrong = 0
    errors = []
    by_kind = {"typo": [0, 0], "district": [0, 0], "plain": [0, 0]}
    for s in samples:
        r = loc.locate(s.text)
        hit = (r.ilce, r.mahalle) == (s.ilce, s.mahalle)
        ok += hit
        if not hit and r.confidence >= CONFIDENT:
            confident_wrong += 1
        kind = "typo" if s.typo else "district" if s.district_in_text else "plain"
        by_kind[kind][0] += hit
        by_kind[kind][1] += 1
        if not hit:
            errors.append((s.text, s.ilce, s.mahalle, r.to_dict()))
    emit(
        metric="noisy_address_exact",
        n=len(samples),
        exact=round(ok / len(samples), 4),
        confident_wrong=confident_wrong,
        by_kind={k: round(a / b, 4) if b else None for k, (a, b) in by_kind.items()},
    )
    for e in errors[: args.show_errors]:
        print("  ERR", json.dumps(e, ensure_ascii=False), file=sys.stderr)

    amb = generate_ambiguous(loc.places, n=max(200, args.n // 3))
    amb_conf_wrong = amb_flagged = amb_conf_any = 0
    for s in amb:
        r = loc.locate(s.text)
        amb_flagged += r.ambiguous
        if r.confidence >= CONFIDENT:
            amb_conf_any += 1
            if (r.ilce, r.mahalle) != (s.ilce, s.mahalle):
                amb_conf_wrong += 1
                if args.show_errors:
                    print("  AMB", s.text, r.to_dict(), file=sys.stderr)
    emit(
        metric="ambiguous_names_without_district",
        n=len(amb),
        flagged_ambiguous=round(amb_flagged / len(amb), 4),
        confident_answers=amb_conf_any,
        confident_wrong=amb_conf_wrong,
    )

    comp = args.shared / "data" / "complaints"
    if comp.exists():
        all_texts: list[str] = []
        for fname in [
            "ibb_out_of_scope_tweets.csv",
            "ibb_train.csv",
            "ibb_valid.csv",
            "belediye_train.csv",
        ]:
            texts = read_texts(comp / fname)
            all_texts += texts
            free = [t for t in texts if not has_address_hint(t)]
            tagged = [t for t in free if (r := loc.locate(t)).mahalle or r.ilce]
            cued = [t for t in texts if has_address_hint(t)]
            cued_results = [loc.locate(t) for t in cued]
            cued_tagged = sum(1 for r in cued_results if r.mahalle or r.ilce)
            cued_confident = sum(
                1 for r in cued_results if (r.mahalle or r.ilce) and r.confidence >= CONFIDENT
            )
            emit(
                metric="address_free_untagged",
                file=fname,
                n=len(free),
                untagged=round(1 - len(tagged) / max(len(free), 1), 4),
                tagged=len(tagged),
                texts_with_address_words=len(cued),
                of_which_tagged=cued_tagged,
                of_which_confident=cued_confident,
            )
            if args.show_errors:
                for t in tagged[:15]:
                    print(
                        "  FALSE", fname, loc.locate(t).to_dict(), t[:160].replace("\n", " "), file=sys.stderr
                    )
        wall, cpu = timed(loc, all_texts)
        avg_len = sum(map(len, all_texts)) / len(all_texts)
        emit(
            metric="speed_real_texts",
            texts=len(all_texts),
            avg_chars=round(avg_len),
            texts_per_s=round(len(all_texts) / wall),
            texts_per_cpu_s=round(len(all_texts) / cpu),
        )
    else:
        emit(metric="address_free_untagged", skipped=f"{comp} not found")

    texts = [s.text for s in samples]
    wall, cpu = timed(loc, texts)
    emit(
        metric="speed_noisy_addresses",
        texts=len(texts),
        texts_per_s=round(len(texts) / wall),
        texts_per_cpu_s=round(len(texts) / cpu),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Exact, confident-wrong and untagged rates of the locator per address form (issue 11); JSON lines.

Run from the project root:
    .venv/bin/python bench/locator_forms_eval.py [--n 500] [--seed 2026] [--show-errors 5]
The carrier texts are read at run time from ../shared and never stored or printed unless
--show-errors is given (for local debugging only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from locator_formset import ADDRESS_FORMS, SHARED, address_free, generate  # noqa: E402

from classifier.locator import Locator  # noqa: E402


def emit(**kw: object) -> None:
    print(json.dumps(kw, ensure_ascii=False), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500, help="samples per form")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--show-errors", type=int, default=0)
    ap.add_argument("--form", default=None, help="only this form")
    args = ap.parse_args()

    loc = Locator.default()
    samples = generate(loc.places, n_per_form=args.n, seed=args.seed, shared=args.shared)
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: dict[str, list[object]] = defaultdict(list)
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in samples:
        if args.form and s.form != args.form:
            continue
        r = loc.locate(s.text)
        st = stats[s.form]
        st["n"] += 1
        untagged = r.mahalle is None and r.ilce is None
        st["untagged"] += untagged
        if s.form == "ambiguous":
            ok = r.ambiguous and len({c["ilce"] for c in r.candidates}) > 1 if not untagged else True
            st["ambiguous_with_candidates"] += bool(r.ambiguous and len(r.candidates) > 1)
            st["confident"] += r.confident
            st["confident_wrong"] += r.confident  # any confident pick among namesakes is a guess
        elif s.form == "trap":
            ok = r.mahalle is None and r.ilce == s.ilce
            st["confident_wrong"] += (r.mahalle is not None) and r.confident
            st["mahalle_tagged"] += r.mahalle is not None
        else:
            ok = (r.ilce, r.mahalle) == (s.ilce, s.mahalle)
            st["confident_wrong"] += (not ok) and r.confident
        st["exact"] += ok
        reasons[s.form][(r.reason or "-").split(" (")[0]] += 1
        if not ok and len(errors[s.form]) < args.show_errors:
            errors[s.form].append(
                {"text": s.text[:300], "want": [s.ilce, s.mahalle], "detail": s.detail, "got": r.to_dict()}
            )
    total = {"n": 0, "exact": 0, "confident_wrong": 0, "untagged": 0}
    for form, st in stats.items():
        n = st["n"]
        row = {
            "form": form,
            "n": n,
            "exact": round(st["exact"] / n, 4),
            "confident_wrong": st["confident_wrong"],
            "untagged": round(st["untagged"] / n, 4),
        }
        if form == "ambiguous":
            row["ambiguous_with_candidates"] = round(st["ambiguous_with_candidates"] / n, 4)
            row["exact"] = None
            row["ok_not_confident"] = round(1 - st["confident"] / n, 4)
        if form == "trap":
            row["mahalle_tagged"] = st["mahalle_tagged"]
        emit(metric="form", **row)
        if form in ADDRESS_FORMS:
            for k in total:
                total[k] += st[k]
        for e in errors[form]:
            print("  ERR", json.dumps(e, ensure_ascii=False), file=sys.stderr)
    if total["n"]:
        emit(
            metric="addresses_overall",
            n=total["n"],
            exact=round(total["exact"] / total["n"], 4),
            confident_wrong=total["confident_wrong"],
            untagged=round(total["untagged"] / total["n"], 4),
        )
    if args.form in (None, "address_free"):
        free = address_free(args.shared)
        c0 = time.process_time()
        tagged = sum(1 for t in free if (r := loc.locate(t)).mahalle or r.ilce)
        cpu = time.process_time() - c0
        emit(
            metric="form",
            form="address_free",
            n=len(free),
            exact=None,
            confident_wrong=None,
            untagged=round(1 - tagged / max(len(free), 1), 4),
            tagged=tagged,
            texts_per_cpu_s=round(len(free) / max(cpu, 1e-9)),
        )
    emit(
        metric="reasons", **{f: dict(sorted(v.items(), key=lambda x: -x[1])[:8]) for f, v in reasons.items()}
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

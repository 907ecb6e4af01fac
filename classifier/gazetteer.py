"""Neighbourhood (mahalle) gazetteer: loading and building the shipped Kayseri file.

Reads three layouts:
- the shipped `classifier/data/gazetteer_kayseri.csv` (columns in SHIPPED_COLUMNS);
- the NVİ Kayseri extract `kayseri_mahalle.csv` (title-case `mahalle`, `tuik_nufus_2023`, ...);
- the national NVİ file `tr_mahalle_nvi_202403.csv` (upper-case `birim_adi`), filtered to one il.

Build the shipped file with: python -m classifier.gazetteer build [--src PATH] [--national PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from classifier.text import ascii_fold, fold

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_PATH = DATA_DIR / "gazetteer_kayseri.csv"
_SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "gazetteer"
DEFAULT_SRC = _SHARED / "kayseri_mahalle.csv"
DEFAULT_NATIONAL = _SHARED / "tr_mahalle_nvi_202403.csv"

SHIPPED_COLUMNS = [
    "il",
    "ilce",
    "mahalle",
    "mahalle_resmi_ad",
    "posta_kodu",
    "population",
    "unit_kind",
    "nvi_kimlik_no",
    "tr_ad_sayisi",
]

_MAHALLE_SUFFIXES = (" mahallesi", " mah.", " mah")


@dataclass(frozen=True, slots=True)
class Place:
    """One mahalle (or organised industrial zone) of the gazetteer."""

    il: str
    ilce: str
    mahalle: str
    mahalle_resmi_ad: str
    posta_kodu: str
    population: int
    unit_kind: str
    nvi_kimlik_no: str
    # How many municipal mahalle in all of Türkiye carry this name: 1 means distinctive.
    tr_ad_sayisi: int

    def as_row(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in SHIPPED_COLUMNS}


def tr_title(name: str) -> str:
    """Turkish title case as NVİ data uses it: "ŞHT.ÜSTĞM.HASAN ŞAHAN" -> "Şht.üstğm.hasan Şahan"."""
    words = []
    for word in " ".join(name.split()).split(" "):
        low = fold(word)
        if not low:
            continue
        first = low[0]
        first = {"i": "İ", "ı": "I"}.get(first, first.upper())
        words.append(first + low[1:])
    return " ".join(words)


def name_key(name: str) -> str:
    """Spacing- and diacritic-insensitive key used to count equal names ("Yavuz Selim" == "Yavuzselim")."""
    return "".join(ch for ch in ascii_fold(name) if ch.isalnum())


def _official_base(resmi_ad: str) -> str:
    base = " ".join(resmi_ad.split())
    low = fold(base)
    for suffix in _MAHALLE_SUFFIXES:
        if low.endswith(suffix):
            return base[: len(base) - len(suffix)]
    return base


def _int(value: str | None) -> int:
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        return 0


def national_name_counts(path: Path = DEFAULT_NATIONAL) -> Counter[str]:
    """Name key -> number of municipal mahalle in Türkiye with that name (empty if the file is absent)."""
    counts: Counter[str] = Counter()
    if not Path(path).exists():
        return counts
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            counts[name_key(row.get("birim_adi") or _official_base(row.get("bilesen_adi", "")))] += 1
    return counts


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def load_places(path: str | Path, il: str | None = None) -> list[Place]:
    """Places from any supported CSV layout, optionally restricted to one il (case/diacritic-insensitive)."""
    path = Path(path)
    header, rows = _rows(path)
    want_il = name_key(il) if il else None
    places: list[Place] = []
    if "birim_adi" in header:  # national NVİ layout
        counts: Counter[str] = Counter(name_key(r["birim_adi"]) for r in rows)
        for r in rows:
            if want_il and name_key(r["il"]) != want_il:
                continue
            places.append(
                Place(
                    il=tr_title(r["il"]),
                    ilce=tr_title(r["ilce"]),
                    mahalle=tr_title(r["birim_adi"]),
                    mahalle_resmi_ad=" ".join(r.get("bilesen_adi", "").split()),
                    posta_kodu=(r.get("ptt_posta_kodu") or "").strip(),
                    population=_int(r.get("tuik_nufus_2023")),
                    unit_kind="mahalle",
                    nvi_kimlik_no=(r.get("birim_kimlik_no") or "").strip(),
                    tr_ad_sayisi=counts[name_key(r["birim_adi"])],
                )
            )
        return places
    if "mahalle" not in header or "ilce" not in header:
        raise ValueError(f"{path}: not a gazetteer CSV (needs ilce and mahalle, or birim_adi columns)")
    local_counts: Counter[str] | None = None
    if "tr_ad_sayisi" not in header:
        local_counts = Counter(name_key(r["mahalle"]) for r in rows)
    for r in rows:
        if want_il and r.get("il") and name_key(r["il"]) != want_il:
            continue
        mahalle = " ".join(r["mahalle"].split())
        count = _int(r["tr_ad_sayisi"]) if local_counts is None else local_counts[name_key(mahalle)]
        places.append(
            Place(
                il=(r.get("il") or "").strip(),
                ilce=" ".join(r["ilce"].split()),
                mahalle=mahalle,
                mahalle_resmi_ad=" ".join((r.get("mahalle_resmi_ad") or "").split()),
                posta_kodu=(r.get("posta_kodu") or "").strip(),
                population=_int(r.get("population") or r.get("tuik_nufus_2023")),
                unit_kind=(r.get("unit_kind") or "mahalle").strip(),
                nvi_kimlik_no=(r.get("nvi_kimlik_no") or "").strip(),
                tr_ad_sayisi=max(count, 1),
            )
        )
    return places


def build(src: Path = DEFAULT_SRC, national: Path = DEFAULT_NATIONAL, out: Path = SHIPPED_PATH) -> int:
    """Write the shipped gazetteer from the NVİ Kayseri extract; returns the number of rows written."""
    places = load_places(src)
    counts = national_name_counts(national)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SHIPPED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for p in sorted(places, key=lambda p: (name_key(p.ilce), name_key(p.mahalle))):
            row = p.as_row()
            # Prefer the national count; fall back to the local one for units outside that file.
            row["tr_ad_sayisi"] = str(max(counts.get(name_key(p.mahalle), 0), 1))
            writer.writerow(row)
    return len(places)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifier.gazetteer")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build classifier/data/gazetteer_kayseri.csv")
    b.add_argument("--src", type=Path, default=DEFAULT_SRC)
    b.add_argument("--national", type=Path, default=DEFAULT_NATIONAL)
    b.add_argument("--out", type=Path, default=SHIPPED_PATH)
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        n = build(args.src, args.national, args.out)
    except (OSError, ValueError, KeyError) as exc:
        print(f"gazetteer build failed: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {n} places to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

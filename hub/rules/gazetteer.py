"""Helpers over the NVİ mahalle gazetteer (kayseri_mahalle.csv): known names and the rural-group heuristic.

Rural heuristic (reproducible; its output is the ``kirsal`` group shipped in routing_rules.yaml):
  1. Every mahalle of the 13 districts outside the central three (Melikgazi, Kocasinan, Talas) is rural.
  2. In the central three, a mahalle is rural when its PTT delivery area (``ptt_semt``) is a village area
     (the name contains "KÖYLER"), or when it has fewer than 1,500 residents (TÜİK 2023) and lies outside the
     urban-core delivery areas ÇARŞI, SANAYİ and TALAS, where low counts mean shops and workshops, not villages.
  3. Organised industrial zones (unit_kind ``sanayi_bolgesi_osb``) are never rural.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

CENTRAL_DISTRICTS = ("Melikgazi", "Kocasinan", "Talas")
URBAN_CORE_SEMTS = frozenset({"ÇARŞI", "SANAYİ", "TALAS"})
RURAL_POPULATION_LIMIT = 1500


def read_gazetteer(path: str | Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def known_mahalle(rows: Iterable[Mapping[str, str]]) -> set[tuple[str, str]]:
    """(ilce, mahalle) pairs in title case, as RuleSet.from_yaml_text(known_mahalle=...) expects."""
    return {(r["ilce"], r["mahalle"]) for r in rows}


def derive_rural_group(rows: Iterable[Mapping[str, str]]) -> tuple[list[str], list[str]]:
    """(whole districts, explicit 'Ilce/Mahalle' names) of the rural group, both sorted."""
    rows = list(rows)
    districts = sorted({r["ilce"] for r in rows} - set(CENTRAL_DISTRICTS))
    explicit = []
    for r in rows:
        if r["ilce"] not in CENTRAL_DISTRICTS or r.get("unit_kind") != "mahalle":
            continue
        semt = r.get("ptt_semt") or ""
        try:
            population = int(r.get("tuik_nufus_2023") or 0)
        except ValueError:
            population = 0
        village_area = "KÖYLER" in semt
        small = 0 < population < RURAL_POPULATION_LIMIT and semt not in URBAN_CORE_SEMTS
        if village_area or small:
            explicit.append(f"{r['ilce']}/{r['mahalle']}")
    return districts, sorted(explicit)

"""Mahalle from coordinates: the nearest centroid, when the municipality supplies centroids.

Telegram and WhatsApp let citizens share a location. The NVİ registry has no coordinates, so
the project ships none; a municipality's GIS unit can export one row per mahalle
(``ilce,mahalle,lat,lon``). A point is tagged with the nearest centroid only when it is close
(``max_km``) and clearly nearer to it than to the next one (``margin``); near a border the
answer is "ambiguous" with the candidates, never a confident guess.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifier.errors import InputError

EARTH_KM = 6371.0
REQUIRED = ("ilce", "mahalle", "lat", "lon")


@dataclass(frozen=True, slots=True)
class Centroid:
    ilce: str
    mahalle: str
    lat: float
    lon: float


class CentroidIndex:
    def __init__(self, rows: list[Centroid], *, max_km: float = 2.0, margin: float = 1.3) -> None:
        if not rows:
            raise InputError("centroid file has no rows")
        self.rows = rows
        self.max_km = max_km
        self.margin = margin
        self._lat = np.radians([r.lat for r in rows])
        self._lon = np.radians([r.lon for r in rows])

    @classmethod
    def load(cls, path: str | Path, **kw: Any) -> CentroidIndex:
        p = Path(path)
        try:
            with p.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
                if missing:
                    raise InputError(f"{p}: missing column(s) {', '.join(missing)} (need {','.join(REQUIRED)})")
                rows = []
                for n, rec in enumerate(reader, start=2):
                    try:
                        lat, lon = float(rec["lat"]), float(rec["lon"])
                    except (TypeError, ValueError):
                        raise InputError(f"{p}:{n}: lat/lon must be numbers") from None
                    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                        raise InputError(f"{p}:{n}: lat/lon out of range")
                    rows.append(Centroid(rec["ilce"].strip(), rec["mahalle"].strip(), lat, lon))
        except FileNotFoundError:
            raise InputError(f"{p}: centroid file not found") from None
        except UnicodeDecodeError:
            raise InputError(f"{p}: not UTF-8") from None
        return cls(rows, **kw)

    def distances_km(self, lat: float, lon: float) -> np.ndarray:
        """Great-circle distance (haversine) from the point to every centroid."""
        la, lo = math.radians(lat), math.radians(lon)
        a = np.sin((self._lat - la) / 2) ** 2 + math.cos(la) * np.cos(self._lat) * np.sin((self._lon - lo) / 2) ** 2
        return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))

    def nearest(self, lat: float, lon: float) -> dict[str, Any]:
        """Same shape as the text locator's answer, with ``source`` "geo" and ``distance_km``."""
        d = self.distances_km(lat, lon)
        order = np.argsort(d)[:3]
        cands = [
            {"mahalle": self.rows[i].mahalle, "ilce": self.rows[i].ilce, "distance_km": round(float(d[i]), 3)}
            for i in order
        ]
        best = float(d[order[0]])
        second = float(d[order[1]]) if len(order) > 1 else math.inf
        out: dict[str, Any] = {"mahalle": None, "ilce": None, "confidence": 0.0, "ambiguous": False,
                               "candidates": cands, "source": "geo", "distance_km": round(best, 3)}  # fmt: skip
        if best > self.max_km:
            return out  # far from every centroid: outside the municipality, or no data there
        if second < best * self.margin and cands[0]["ilce"] + cands[0]["mahalle"] != cands[1]["ilce"] + cands[1]["mahalle"]:
            out["ambiguous"] = True  # about as near to two mahalle: a border
            return out
        # 1.0 at the centroid, falling towards 0.5 at max_km
        out.update(mahalle=cands[0]["mahalle"], ilce=cands[0]["ilce"],
                   confidence=round(1.0 - 0.5 * best / self.max_km, 3))  # fmt: skip
        return out

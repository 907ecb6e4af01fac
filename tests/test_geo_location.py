"""A shared location (Telegram, WhatsApp) becomes a mahalle when the municipality supplies
centroids; near a border or far away it stays untagged instead of guessing.

The coordinates below are made up for the test (three mahalle on a small grid)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from classifier import Classifier
from classifier.errors import InputError
from classifier.geo import CentroidIndex
from connectors.base import Location, RawMessage, Sender
from hub.models import Request

CENTROIDS = """ilce,mahalle,lat,lon
Talas,Mevlana,38.7000,35.5000
Talas,Harman,38.7000,35.5300
Kocasinan,Yeşil,38.7400,35.4800
"""


@pytest.fixture
def centroid_file(tmp_path: Path) -> Path:
    p = tmp_path / "centroids.csv"
    p.write_text(CENTROIDS, encoding="utf-8")
    return p


def test_nearest_centroid_border_and_far_away(centroid_file: Path) -> None:
    idx = CentroidIndex.load(centroid_file)
    near = idx.nearest(38.7010, 35.5020)  # ~0.2 km from Mevlana, ~2.4 km from Harman
    assert (near["mahalle"], near["ilce"]) == ("Mevlana", "Talas") and near["confidence"] > 0.9
    border = idx.nearest(38.7000, 35.5150)  # half way between Mevlana and Harman
    assert border["mahalle"] is None and border["ambiguous"]
    assert {c["mahalle"] for c in border["candidates"][:2]} == {"Mevlana", "Harman"}
    far = idx.nearest(39.5, 36.5)  # ~120 km away: not ours
    assert far["mahalle"] is None and not far["ambiguous"] and far["distance_km"] > 100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ilce,mahalle,lat\nTalas,Mevlana,38.7\n", "missing column(s) lon"),
        ("ilce,mahalle,lat,lon\nTalas,Mevlana,kuzey,35.5\n", ":2: lat/lon must be numbers"),
        ("ilce,mahalle,lat,lon\nTalas,Mevlana,138.7,35.5\n", "out of range"),
        ("ilce,mahalle,lat,lon\n", "no rows"),
    ],
)
def test_bad_centroid_files_get_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "c.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CentroidIndex.load(p)


def test_classifier_prefers_a_named_place_then_coordinates_then_text(centroid_file: Path, model_dir: Path) -> None:
    clf = Classifier.load(model_dir=model_dir, centroids=CentroidIndex.load(centroid_file))
    text = "Kocasinan Yeşil mahallesinde su borusu patladı"
    geo = clf.classify(text, known_location={"lat": 38.7010, "lon": 35.5020}).location
    assert (geo["mahalle"], geo["ilce"], geo["source"]) == ("Mevlana", "Talas", "geo")
    named = clf.classify(text, known_location={"mahalle": "Harman", "ilce": "Talas", "lat": 38.7, "lon": 35.5}).location
    assert (named["mahalle"], named["source"]) == ("Harman", "known")
    border = clf.classify(text, known_location={"lat": 38.7000, "lon": 35.5150}).location
    assert (border["mahalle"], border["source"]) == ("Yeşil", "text")  # unsure point: the text decides


def test_telegram_location_is_tagged_through_the_hub(settings_factory, centroid_file: Path) -> None:
    from hub.context import Hub

    hub = Hub(settings_factory(mahalle_centroids_file=centroid_file))
    try:
        res = hub.intake.ingest(RawMessage(
            channel="telegram", external_id="tg-geo-1", text="Burada su borusu patladı, sokak göl oldu",
            sender=Sender(name="Ali", external_id="555"), location=Location(lat=38.7012, lon=35.5015),
        ))  # fmt: skip
        with hub.db.reader() as s:
            req = s.exec(select(Request).where(Request.id == res.request_id)).one()
        assert (req.mahalle, req.ilce, req.location_source) == ("Mevlana", "Talas", "geo")
        assert (req.lat, req.lon) == (38.7012, 35.5015)
    finally:
        hub.db.dispose()

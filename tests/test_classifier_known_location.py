"""A location the channel already knows wins over the text, in gazetteer spelling."""

from __future__ import annotations

import pytest

from classifier import Classifier


@pytest.fixture(scope="module")
def clf(tmp_path_factory):  # noqa: ANN001, ANN201
    return Classifier.load(model_dir=tmp_path_factory.mktemp("models"))


def test_known_location_is_normalised_to_gazetteer_names(clf) -> None:  # noqa: ANN001
    loc = clf.classify("Talas Mevlana Mahallesi yol bozuk", known_location={"mahalle": "MİMARSİNAN MAH.", "ilce": "KOCASİNAN"}).location
    assert (loc["ilce"], loc["mahalle"], loc["source"]) == ("Kocasinan", "Mimarsinan", "known")


def test_known_but_shared_name_without_district_is_ambiguous(clf) -> None:  # noqa: ANN001
    loc = clf.classify("yol bozuk", known_location={"mahalle": "Yeni"}).location
    assert loc["ambiguous"] is True and len(loc["candidates"]) >= 7

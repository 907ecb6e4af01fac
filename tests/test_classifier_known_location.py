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


@pytest.mark.parametrize(("given", "place"), [
    (("Sahabiye", "Melikgazi"), ("Sahabiye", "Kocasinan")),
    (("GEVHERNESİBE MAH.", "Melikgazi"), ("Gevher Nesibe", "Kocasinan")),
])  # fmt: skip
def test_a_district_that_lacks_the_mahalle_yields_to_a_name_only_one_district_has(clf, given, place) -> None:  # noqa: ANN001
    """Exported lists and citizens mix up the central districts; the place must still be found (it
    was left ambiguous, so such requests got no duplicate search and no mahalle rule)."""
    loc = clf.classify("yol bozuk", known_location={"mahalle": given[0], "ilce": given[1]}).location
    assert (loc["mahalle"], loc["ilce"], loc["ambiguous"]) == (*place, False)
    assert loc["ilce_given"] == given[1], "the district given stays visible"


def test_a_shared_name_in_the_wrong_district_stays_ambiguous(clf) -> None:  # noqa: ANN001
    loc = clf.classify("yol bozuk", known_location={"mahalle": "Fatih", "ilce": "Kocasinan"}).location
    assert loc["ambiguous"] is True and len(loc["candidates"]) >= 4 and "ilce_given" not in loc

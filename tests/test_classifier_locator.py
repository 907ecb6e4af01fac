"""Mahalle/ilçe extraction from citizen texts (classifier.locator) and the shipped gazetteer."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from classifier.gazetteer import SHIPPED_PATH, load_places, name_key
from classifier.gazetteer import main as gazetteer_main
from classifier.locator import CONFIDENT, Locator, run_locate_cli

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
NATIONAL = SHARED / "gazetteer" / "tr_mahalle_nvi_202403.csv"


@pytest.fixture(scope="module")
def loc() -> Locator:
    return Locator.default()


def where(loc: Locator, text: str, ilce: str | None = None) -> tuple[str | None, str | None]:
    r = loc.locate(text, ilce)
    return r.ilce, r.mahalle


# --- gazetteer ----------------------------------------------------------------------------------------


def test_shipped_gazetteer_has_all_kayseri_units() -> None:
    places = load_places(SHIPPED_PATH)
    assert len(places) == 715
    assert sum(p.unit_kind == "mahalle" for p in places) == 711
    assert len({p.ilce for p in places}) == 16
    mevlana_talas = next(p for p in places if p.mahalle == "Mevlana" and p.ilce == "Talas")
    assert mevlana_talas.posta_kodu and mevlana_talas.population > 0


def test_default_locator_is_cached(loc: Locator) -> None:
    assert Locator.default() is loc
    assert "Mevlana" in loc.names() and "Erkilet" in loc.names()


# --- extraction: forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Argıncık Mahallesi'nde kanalizasyon taştı",
        "argincik mah. kanalizasyon tasti",
        "ARGINCIK MH kanalizasyon",
        "Argıncık mahallesinde su yok",
        "argıncık mh. 12. sokak",
        "Argıncık Mahallesi’nde çöp var",
    ],
)
def test_mahalle_forms_and_case(loc: Locator, text: str) -> None:
    r = loc.locate(text)
    assert (r.ilce, r.mahalle) == ("Kocasinan", "Argıncık")
    assert r.confidence >= CONFIDENT and not r.ambiguous


def test_multiword_names_and_spacing(loc: Locator) -> None:
    assert where(loc, "MEHMET AKİF ERSOY MAHALLESİ'nde yol bozuk") == ("Develi", "Mehmet Akif Ersoy")
    assert where(loc, "Gömürgen Yeni mahallesi köy yolu") == ("Akkışla", "Gömürgen Yeni")
    # Written in two words though the registry spells it in one.
    assert where(loc, "Mimar Sinan Mah. Kocasinan") == ("Kocasinan", "Mimarsinan")


def test_one_letter_typos(loc: Locator) -> None:
    assert where(loc, "Argıncik mahalesinde çöp toplanmadı") == ("Kocasinan", "Argıncık")
    assert where(loc, "Argncık mahallesinde çöp toplanmadı") == ("Kocasinan", "Argıncık")
    assert where(loc, "Talas Mevlna mah. lambalar yanmıyor") == ("Talas", "Mevlana")
    assert where(loc, "Kayapınar Cumhuriyt mahallesi") == ("Felahiye", "Kayapınar Cumhuriyet")


def test_typo_alone_is_not_confident(loc: Locator) -> None:
    r = loc.locate("Argncık mahallesinde çöp toplanmadı")
    assert r.mahalle == "Argıncık" and r.confidence < CONFIDENT


def test_district_mentions(loc: Locator) -> None:
    assert where(loc, "Talas Mevlana Mah. sokak lambaları yanmıyor") == ("Talas", "Mevlana")
    assert where(loc, "Kocasinan/Mevlana mah çöp") == ("Kocasinan", "Mevlana")
    assert where(loc, "Melikgazi ilçesi Hürriyet mahallesinde su yok") == ("Melikgazi", "Hürriyet")
    assert where(loc, "Yeni mah. Develi/Kayseri su kesik") == ("Develi", "Yeni")
    assert where(loc, "Pınarbaşı Hürriyet mahallesi") == ("Pınarbaşı", "Hürriyet")


def test_district_only_text(loc: Locator) -> None:
    r = loc.locate("Talas ilçesinde yollar buz tuttu, tuzlama yapılmadı")
    assert (r.ilce, r.mahalle) == ("Talas", None)
    assert r.confidence >= CONFIDENT
    assert where(loc, "Bünyan'da otobüsler saatinde gelmiyor") == ("Bünyan", None)


def test_ilce_argument_narrows_ambiguous_name(loc: Locator) -> None:
    r = loc.locate("Cumhuriyet mahallesinde çöp toplanmıyor", ilce="TOMARZA")
    assert (r.ilce, r.mahalle) == ("Tomarza", "Cumhuriyet") and r.confidence >= CONFIDENT


def test_district_name_that_is_also_a_mahalle(loc: Locator) -> None:
    # Pınarbaşı has a mahalle called Melikgazi; "Melikgazi ilçesi" is the district.
    assert where(loc, "Melikgazi mahallesi Pınarbaşı") == ("Pınarbaşı", "Melikgazi")
    assert where(loc, "Melikgazi ilçesinde su kesintisi") == ("Melikgazi", None)


# --- ambiguity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Cumhuriyet", "Yeni", "Fatih", "Bahçelievler", "Kale", "Hürriyet"])
def test_shared_names_without_district_are_ambiguous(loc: Locator, name: str) -> None:
    r = loc.locate(f"{name} mahallesinde sular kesik")
    assert r.ambiguous
    assert r.ilce is None
    assert r.confidence < CONFIDENT
    assert len({c["ilce"] for c in r.candidates}) >= 2
    # "Bahçeli Evler" (Özvatan) is the same name written apart.
    assert {name_key(c["mahalle"]) for c in r.candidates} == {name_key(name)}


def test_yavuz_selim_spelling_variants_share_candidates(loc: Locator) -> None:
    r = loc.locate("Yavuz Selim mah. yol çalışması")
    assert r.ambiguous and r.ilce is None
    assert {c["ilce"] for c in r.candidates} == {"Bünyan", "Kocasinan", "Yeşilhisar", "Tomarza"}


def test_two_different_places_are_not_confident(loc: Locator) -> None:
    r = loc.locate("Erkilet mahallesinden Argıncık mahallesine giden otobüs gelmedi")
    assert r.ambiguous and r.confidence < CONFIDENT
    assert {c["mahalle"] for c in r.candidates} >= {"Erkilet", "Argıncık"}


# --- no false hits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Yeni bir park yapılsın, çocuklar için güvenli olsun",
        "Kale gibi duvar örmüşler, geçemiyoruz",
        "Güney tarafındaki yol çok bozuk",
        "Han'ın önündeki çöpler toplanmadı",
        "Cumhuriyet bayramında süsleme yapılmadı",
        "Hürriyet gazetesinde haber çıktı",
        "Fatih Sultan Mehmet Köprüsü trafiği",
        "Mevlana'nın sözleri duvara yazılmış",
        "Merkez bankası faizleri artırdı",
        "Sanayi sitesinde araç tamiri pahalı",
        "Yıldırım düştü, elektrikler kesildi",
        "Kuşçu amca güvercinlerini besliyor",
        "Bahçelievler'e giden metrobüs çok kalabalık",
        "Cumhuriyet Caddesi üzerinde kaldırım kırık",
        "Yeni sokakta lambalar yanmıyor",
        "su faturam çok yüksek geldi",
        "Bayram tatili boyunca çöpler toplanmadı",
    ],
)
def test_common_words_are_not_tagged(loc: Locator, text: str) -> None:
    r = loc.locate(text)
    assert (r.mahalle, r.ilce) == (None, None), r.to_dict()


def test_glued_case_endings_and_misspelt_cues(loc: Locator) -> None:
    assert where(loc, "Talasta çöpler toplanmıyor") == ("Talas", None)
    assert where(loc, "kocasinanda su yok") == ("Kocasinan", None)
    assert where(loc, "erkilet mahllesinde su yok") == ("Kocasinan", "Erkilet")
    assert where(loc, "Mevlana mahallsinde, Talas") == ("Talas", "Mevlana")
    # "talaş" (sawdust) is not Talas; "mahalli" (local) is not "mahallesi".
    assert where(loc, "Talaş tozu her yere yayılıyor") == (None, None)
    assert where(loc, "Yeni mahalli seçimler yaklaşıyor") == (None, None)


def test_apostrophe_marks_a_proper_noun_district(loc: Locator) -> None:
    # Hacılar (pilgrims) and Develi are everyday words/surnames; the apostrophe makes them places.
    assert where(loc, "Hacılar'da su kesik") == ("Hacılar", None)
    assert where(loc, "Develi'de yollar bozuk") == ("Develi", None)
    assert where(loc, "hacılar kafilesi döndü") == (None, None)


def test_form_labels_before_names(loc: Locator) -> None:
    assert where(loc, "Mahalle: Mevlana, İlçe: Talas") == ("Talas", "Mevlana")
    assert where(loc, "İlçe: Kocasinan Mahalle: Sahabiye") == ("Kocasinan", "Sahabiye")


def test_landmarks_named_after_a_mahalle_are_not_the_mahalle(loc: Locator) -> None:
    assert where(loc, "Sarımsaklı Barajı çevresi çok kirli") == (None, None)
    assert where(loc, "Erciyes Dağı yolunda kar temizlenmedi") == (None, None)
    assert where(loc, "Beyazşehir'de çöp toplanmıyor") == ("Kocasinan", "Beyazşehir")


def test_plain_noun_mahalle_is_not_a_cue(loc: Locator) -> None:
    # "yeni mahalleye taşındık" = "we moved to a new neighbourhood", not Yeni Mahallesi.
    assert where(loc, "Yeni mahalleye taşındık, su bağlanmadı") == (None, None)


def test_everyday_aliases(loc: Locator) -> None:
    assert where(loc, "İldem mahallesinde su yok") == ("Melikgazi", "İldem Cumhuriyet")
    r = loc.locate("Süksün mahallesi yolu kapalı")
    assert (r.ilce, r.mahalle, r.ambiguous) == ("İncesu", None, True)
    assert {c["mahalle"] for c in r.candidates} == {"Süksün Cumhuriyet", "Süksün Hürriyet", "Süksün Zafer"}


def test_distinctive_name_without_cue_is_tagged(loc: Locator) -> None:
    assert where(loc, "Erkilet'te su kesintisi var") == ("Kocasinan", "Erkilet")
    assert where(loc, "ERKILET'TE SU KESİNTİSİ VAR") == ("Kocasinan", "Erkilet")


def test_other_province_is_not_kayseri(loc: Locator) -> None:
    r = loc.locate("İstanbul Ataşehir'de Kayabaşı mahallesinde su yok")
    assert r.confidence < CONFIDENT


def test_namesake_after_another_place_name_is_not_confident(loc: Locator) -> None:
    # İnönü is a Pınarbaşı mahalle, Esenyurt a Melikgazi one: together they describe somewhere else.
    r = loc.locate("Esenyurt İnönü mahallesinde sular kesik")
    assert r.mahalle == "İnönü" and r.confidence < CONFIDENT


def test_district_name_as_street_name(loc: Locator) -> None:
    assert where(loc, "Hacılar Caddesi durağında otobüs beklerken") == (None, None)
    assert where(loc, "Talas yolu üzerinde kaza") == (None, None)


def test_real_out_of_scope_tweets_stay_untagged(loc: Locator) -> None:
    path = SHARED / "complaints" / "ibb_out_of_scope_tweets.csv"
    if not path.exists():
        pytest.skip("shared complaint data not available")
    with open(path, encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)][:800]
    tagged = [t for t in texts if (r := loc.locate(t)).mahalle or r.ilce]
    assert len(tagged) / len(texts) <= 0.05


# --- known location, autocomplete ---------------------------------------------------------------------


def test_resolve_normalises_known_location(loc: Locator) -> None:
    r = loc.resolve("MEVLANA MAH.", "talas")
    assert (r.ilce, r.mahalle, r.ambiguous) == ("Talas", "Mevlana", False) and r.confidence == 1.0
    r = loc.resolve("mimar sinan mahallesi", "MELİKGAZİ")
    assert (r.ilce, r.mahalle) == ("Melikgazi", "Mimarsinan")
    r = loc.resolve("Argncık", None)
    assert (r.ilce, r.mahalle) == ("Kocasinan", "Argıncık") and r.confidence < 1.0
    r = loc.resolve("Cumhuriyet", None)
    assert r.ambiguous and r.ilce is None and len(r.candidates) == 7
    for written in [
        "Talas Mevlana",
        "Mevlana (Talas)",
        "Mevlana Mah. Talas/Kayseri",
        "mevlana mahallesi talas ilçesi",
    ]:
        r = loc.resolve(written, None)
        assert (r.ilce, r.mahalle) == ("Talas", "Mevlana"), written
    # A name that contains a district word stays whole.
    assert (loc.resolve("Develi Camikebir").ilce, loc.resolve("Develi Camikebir").mahalle) == (
        "Develi",
        "Develi Camikebir",
    )


def test_resolve_unknown_name(loc: Locator) -> None:
    r = loc.resolve("Olmayan Yer", "Talas")
    assert (r.ilce, r.mahalle) == ("Talas", None)


def test_autocomplete(loc: Locator) -> None:
    items = loc.autocomplete("mev")
    assert {(i["ilce"], i["mahalle"]) for i in items} == {("Kocasinan", "Mevlana"), ("Talas", "Mevlana")}
    assert all(i["label"] == f"{i['mahalle']} ({i['ilce']})" for i in items)
    assert loc.autocomplete("ARGIN")[0]["mahalle"] == "Argıncık"
    assert loc.autocomplete("cumhur", limit=3).__len__() == 3
    assert [i["ilce"] for i in loc.autocomplete("cumhuriyet", ilce="Tomarza")] == ["Tomarza"]
    assert loc.autocomplete("") == []
    assert loc.autocomplete("zzzz") == []
    assert {i["mahalle"] for i in loc.autocomplete("mevlna")} >= {"Mevlana"}
    assert loc.autocomplete("ildem")[0]["mahalle"] == "İldem Cumhuriyet"


# --- other gazetteers -----------------------------------------------------------------------------------


@pytest.mark.skipif(not NATIONAL.exists(), reason="national NVİ file not available")
def test_from_csv_national_file_for_kayseri_matches_shipped() -> None:
    nat = Locator.from_csv(NATIONAL, il="Kayseri")
    assert len(nat.places) == 714  # Çağlayan (Yahyalı) was split off after the snapshot
    assert where(nat, "Talas Mevlana Mahallesi çöp") == ("Talas", "Mevlana")


@pytest.mark.skipif(not NATIONAL.exists(), reason="national NVİ file not available")
def test_from_csv_any_il() -> None:
    ankara = Locator.from_csv(NATIONAL, il="ANKARA")
    assert {p.il for p in ankara.places} == {"Ankara"}
    r = ankara.locate("Çankaya ilçesi Kızılay mahallesinde kaldırım kırık")
    assert (r.ilce, r.mahalle) == ("Çankaya", "Kızılay")


def test_from_csv_rejects_unknown_il() -> None:
    with pytest.raises(ValueError):
        Locator.from_csv(SHIPPED_PATH, il="Atlantis")


# --- CLI function ---------------------------------------------------------------------------------------


def test_run_locate_cli_answers_each_line_and_flags_bad_json(loc: Locator) -> None:
    lines = [
        json.dumps({"text": "Talas Mevlana Mahallesi sokak lambaları yanmıyor"}),
        "{bu json değil",
        json.dumps({"text": "Cumhuriyet mahallesi", "ilce": "Tomarza"}),
        "",
        json.dumps({"metin": "text alanı yok"}),
        json.dumps({"text": "su faturam çok yüksek geldi"}),
    ]
    out, err = io.StringIO(), io.StringIO()
    rc = run_locate_cli(io.StringIO("\n".join(lines) + "\n"), out, stderr=err)
    assert rc == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 5  # one per non-blank input line
    assert (rows[0]["ilce"], rows[0]["mahalle"]) == ("Talas", "Mevlana")
    assert set(rows[0]) == {"mahalle", "ilce", "confidence", "ambiguous", "candidates", "reason"}
    assert rows[1] == {"error": rows[1]["error"], "line": 2}
    assert (rows[2]["ilce"], rows[2]["mahalle"]) == ("Tomarza", "Cumhuriyet")
    assert rows[3]["line"] == 5 and "error" in rows[3]
    assert rows[4]["mahalle"] is None and rows[4]["ilce"] is None
    assert "line 2" in err.getvalue() and "line 5" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_run_locate_cli_ok_returns_zero(loc: Locator) -> None:
    out = io.StringIO()
    rc = run_locate_cli(io.StringIO('{"text": "Erkilet mahallesi"}\n'), out, stderr=io.StringIO())
    assert rc == 0
    assert json.loads(out.getvalue())["candidates"][0] == {
        "mahalle": "Erkilet",
        "ilce": "Kocasinan",
        "score": 0.95,
    }


# --- gazetteer build -------------------------------------------------------------------------------------

KAYSERI_SRC = SHARED / "gazetteer" / "kayseri_mahalle.csv"


@pytest.mark.skipif(not KAYSERI_SRC.exists(), reason="shared gazetteer not available")
def test_build_reproduces_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "g.csv"
    assert (
        gazetteer_main(["build", "--src", str(KAYSERI_SRC), "--national", str(NATIONAL), "--out", str(out)])
        == 0
    )
    assert out.read_text(encoding="utf-8") == SHIPPED_PATH.read_text(encoding="utf-8")


@pytest.mark.skipif(not KAYSERI_SRC.exists(), reason="shared gazetteer not available")
def test_from_csv_raw_registry_extract() -> None:
    raw = Locator.from_csv(KAYSERI_SRC)
    assert len(raw.places) == 715
    assert where(raw, "İldem mahallesinde su yok") == ("Melikgazi", "İldem Cumhuriyet")


def test_build_with_bad_source_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert gazetteer_main(["build", "--src", str(bad), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "not a gazetteer CSV" in err and "Traceback" not in err


def test_run_locate_cli_reports_badly_encoded_line(loc: Locator) -> None:
    raw = (
        b'{"text": "Erkilet mahallesi"}\n'
        + b'{"text": "\xff\xfe bozuk"}\n'
        + b'{"text": "Talas Mevlana mah"}\n'
    )
    out, err = io.StringIO(), io.StringIO()
    rc = run_locate_cli(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"), out, stderr=err)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rc == 2
    assert [r.get("mahalle") for r in rows] == ["Erkilet", None, "Mevlana"]
    assert rows[1]["line"] == 2 and "line 2" in err.getvalue()

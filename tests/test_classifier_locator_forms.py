"""Neighbourhoods as citizens write them (issue 11): case endings, the district beside the name,
typos, spacing and abbreviations; and the rules that must stay true. Examples written for this file."""

from __future__ import annotations

import pytest

from classifier.locate_suffixes import apostrophe_case, endings, glued_forms
from classifier.locator import CONFIDENT, Locator


@pytest.fixture(scope="module")
def loc() -> Locator:
    return Locator.default()


def where(loc: Locator, text: str, ilce: str | None = None) -> tuple[str | None, str | None]:
    r = loc.locate(text, ilce)
    return r.ilce, r.mahalle


# --- Turkish endings ----------------------------------------------------------------------------------


def test_endings_follow_vowel_harmony_and_consonant_assimilation() -> None:
    assert endings("hunat")["ta"] == "loc"  # back vowel, voiceless t -> -ta
    assert endings("tözgün")["de"] == "loc"  # front vowel, voiced n -> -de
    assert endings("dayoluk")["taki"] == "locrel"
    assert endings("gümüşsu")["nun"] == "gen"  # after a vowel: -nun
    assert endings("himmetdede")["yi"] == "acc"
    assert "te" not in endings("hunat") and "da" not in endings("tözgün")
    assert glued_forms("argıncık", "argincik")["arginciga"] == ("a", "dat")  # k softens to ğ


def test_apostrophe_endings_are_read_as_cases() -> None:
    assert [apostrophe_case(s) for s in ["da", "deki", "ten", "nın", "ya", "yı", "ler"]] == [
        "loc", "locrel", "abl", "gen", "dat", "acc", None,
    ]  # fmt: skip


# --- a distinctive name with a case ending, no cue word ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "ilce", "mahalle", "ending"),
    [
        ("Hunatta dün akşamdan beri su yok", "Melikgazi", "Hunat", "ta"),
        ("HUNAT'TA ÇÖP KONTEYNERİ TAŞIYOR", "Melikgazi", "Hunat", "ta"),
        ("Karahıdır’da yol çöktü", "Bünyan", "Karahıdır", "da"),
        ("karahidirda yol coktu", "Bünyan", "Karahıdır", "da"),
        ("dayolukta kar küreme aracı gelmedi", "Sarız", "Dayoluk", "ta"),
        ("Gümüşsu'daki çocuk parkı kırık", "Akkışla", "Gümüşsu", "daki"),
        ("gumussudaki cocuk parki kirik", "Akkışla", "Gümüşsu", "daki"),
        ("Erkilet'ten kalkan otobüs durmuyor", "Kocasinan", "Erkilet", "ten"),
        ("Tözgün'ün yolları çamur", "Pınarbaşı", "Tözgün", "ün"),
        ("Argıncığa giden minibüs yok", "Kocasinan", "Argıncık", "a"),
        ("Himmetdede'yi unutmayın lütfen", "Kocasinan", "Himmetdede", "yi"),
        ("Yunus Emrede sokak köpekleri çoğaldı", "Kocasinan", "Yunus Emre", "de"),
    ],
)
def test_case_ending_on_a_distinctive_name(
    loc: Locator, text: str, ilce: str, mahalle: str, ending: str
) -> None:
    r = loc.locate(text)
    assert (r.ilce, r.mahalle) == (ilce, mahalle)
    assert r.confident and not r.ambiguous
    assert r.reason == f"suffix -{ending} on a distinctive name"


def test_one_letter_typo_with_an_apostrophe_ending(loc: Locator) -> None:
    r = loc.locate("Karahdır'da su yok")
    assert (r.ilce, r.mahalle) == ("Bünyan", "Karahıdır") and not r.confident
    assert r.reason == "typo of Karahıdır with suffix -da"
    assert where(loc, "Süksün Zafeer'den yazıyorum") == ("İncesu", "Süksün Zafer")


def test_widespread_village_name_with_ending_is_a_guess(loc: Locator) -> None:
    # Karaköy is unique in Kayseri but common in Türkiye: tagged, never confidently.
    r = loc.locate("Karaköy'de su yok")
    assert (r.ilce, r.mahalle) == ("Yahyalı", "Karaköy") and not r.confident


def test_ending_that_breaks_harmony_is_not_a_case_ending(loc: Locator) -> None:
    # "hunatte": -te after a back vowel is no Turkish ending; "erkiletler" is no case ending at all.
    assert where(loc, "hunatte su yok") == (None, None)
    assert where(loc, "erkiletler geldi") == (None, None)


# --- the district beside the name --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ilce", "mahalle"),
    [
        ("Pınarbaşı/TÖZGÜNde su yok", "Pınarbaşı", "Tözgün"),
        ("Tomarza şiraz'daki okulun önü", "Tomarza", "Şiraz"),
        ("abdulbaki'deki (develi) çeşme akmıyor", "Develi", "Abdulbaki"),
        ("himmetdede'de, Kocasinan, çöpler alınmadı", "Kocasinan", "Himmetdede"),
        ("Mevlana, Talas ilçesi: su kesik", "Talas", "Mevlana"),
        ("Talas ilçesi Mevlana'da çöp var", "Talas", "Mevlana"),
        ("Sarız - Yeni mahallesi lambalar", "Sarız", "Yeni"),
        ("hacılar yukarı çöp toplanmadı", "Hacılar", "Yukarı"),
        ("Melikgazi / Tacettinveli okulunun önü", "Melikgazi", "Tacettinveli"),
        ("Develi Camikebir'deki cami avlusu", "Develi", "Develi Camikebir"),
    ],
)
def test_district_beside_the_name(loc: Locator, text: str, ilce: str, mahalle: str) -> None:
    r = loc.locate(text)
    assert (r.ilce, r.mahalle) == (ilce, mahalle)
    assert r.confident


def test_district_confirms_a_typo(loc: Locator) -> None:
    r = loc.locate("Tomarza şirzadaki okul")
    assert (r.ilce, r.mahalle) == ("Tomarza", "Şiraz") and r.confident
    assert r.reason == "typo of Şiraz confirmed by district"
    assert where(loc, "Hisracık mah. Melikgazi") == ("Melikgazi", "Hisarcık")


# --- typos in cue forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ilce", "mahalle"),
    [
        ("Beyazşheir mah yol bozuk", "Kocasinan", "Beyazşehir"),  # transposed letters
        ("Hisracık Mah. su yok", "Melikgazi", "Hisarcık"),
        ("Derbentbaış mahallesinde çöp", "Yeşilhisar", "Derbentbaşı"),
        ("Argncık mahallesi", "Kocasinan", "Argıncık"),  # dropped
        ("Argııncık mahallesi", "Kocasinan", "Argıncık"),  # doubled
        ("Szak mahallesi", "Yahyalı", "Sazak"),  # a dropped letter in a five-letter name
    ],
)
def test_typos_before_a_cue(loc: Locator, text: str, ilce: str, mahalle: str) -> None:
    r = loc.locate(text)
    assert (r.ilce, r.mahalle) == (ilce, mahalle)
    assert not r.confident  # no district to confirm the typo
    assert r.reason is not None and r.reason.startswith(f"typo of {mahalle}")


def test_cue_before_a_colon_names_the_word_before(loc: Locator) -> None:
    assert where(loc, "Erkilet mh.: su yok") == ("Kocasinan", "Erkilet")
    assert where(loc, "Mahalle: Mevlana, İlçe: Talas") == ("Talas", "Mevlana")


# --- spacing, multi-word and abbreviated names -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ilce", "mahalle"),
    [
        ("ziya gökalp mahallesi parkı", "Kocasinan", "Ziyagökalp"),
        ("Aşık Seyrani'deki çeşme", "Develi", "Aşık Seyrani"),
        ("100. Yıl mahallesi, Yahyalı", "Yahyalı", "100.yıl"),
        ("100.yıl mah Yahyalı", "Yahyalı", "100.yıl"),
        ("aşağı boğaziçi mah. yol", "Özvatan", "Aşağı Boğaziçi"),
        ("Aşağıboğaziçi mahallesinde", "Özvatan", "Aşağı Boğaziçi"),
        ("Eski Camiikebir mahallesi", "Develi", "E.camiikebir"),
        ("eski cami-i kebir mh", "Develi", "E.camiikebir"),
        ("Şehit Üsteğmen Hasan Şahan mahallesi", "Develi", "Şht.üstğm.hasan Şahan"),
        ("KüçükBürüngüzdeki çeşme", "Melikgazi", "Küçük Bürüngüz"),
    ],
)
def test_multiword_and_abbreviated_names(loc: Locator, text: str, ilce: str, mahalle: str) -> None:
    assert where(loc, text) == (ilce, mahalle)


# --- must stay true ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Yeni bir park istiyoruz",
        "Cumhuriyet bayramında süsleme yok",
        "Fatih bey adlı şoför kaba davrandı",
        "Güneyde kalan parklar bakımsız",
        "yenide bir sorun çıktı",  # a case ending on a common word is not enough
        "Yeni'de değil eskide kaldık",
        "Cumhuriyet Caddesi'nde çukur var",  # a street, not the mahalle
        "Erkilet Bulvarı'nda kaza oldu",
        "Sahabiye Sokak'ta lamba yanmıyor",
        "Hunat Camii önünde çöp var",  # a landmark named after the mahalle
        "Mevlana'nın sözleri duvarda",
        "Yunus Emre'nin şiirleri okunsun",  # a person's name with a genitive: the poet
        "19 Mayıs'ta tören alanı kirli",
        "trafik ışıkları yanmıyor",  # Işıklar is also a word
        "Kayseri'de toplu taşıma pahalı",
        "İstanbul Kavacık'ta su yok",
    ],
)
def test_common_words_streets_and_people_are_not_tagged(loc: Locator, text: str) -> None:
    r = loc.locate(text)
    assert (r.ilce, r.mahalle) == (None, None), r.to_dict()


@pytest.mark.parametrize(
    ("text", "ilce"),
    [("Talas'ta otobüs yok", "Talas"), ("talasta otobüs yok", "Talas"), ("Bünyan'dan gelen yol", "Bünyan")],
)
def test_district_names_are_districts_not_mahalle(loc: Locator, text: str, ilce: str) -> None:
    r = loc.locate(text)
    assert (r.ilce, r.mahalle) == (ilce, None)
    assert r.reason == "district only"


@pytest.mark.parametrize(
    "text",
    ["Cumhuriyet mahallesinde su yok", "Kale Mah. çöp", "Yavuz Selim mahallesi'nde", "bahçelievler mh lamba"],
)
def test_names_in_several_districts_stay_ambiguous(loc: Locator, text: str) -> None:
    r = loc.locate(text)
    assert r.ambiguous and r.ilce is None and r.confidence < CONFIDENT
    assert len({c["ilce"] for c in r.candidates}) >= 2
    assert r.reason is not None and "several districts" in r.reason


def test_shared_name_with_only_an_ending_is_not_guessed(loc: Locator) -> None:
    r = loc.locate("Yavuz Selim'de su yok")
    assert not r.confident


def test_the_given_district_beats_the_text(loc: Locator) -> None:
    r = loc.locate("Hunatta su yok", ilce="Talas")
    assert r.ilce == "Talas" and r.mahalle is None and not r.confident
    r = loc.locate("Cumhuriyet mahallesinde su yok", ilce="Tomarza")
    assert (r.ilce, r.mahalle) == ("Tomarza", "Cumhuriyet") and r.reason == "cue word; district given"


def test_every_answer_with_a_place_has_a_reason(loc: Locator) -> None:
    for text in ["Hunatta su yok", "Talas'ta su yok", "Mevlana mah.", "Tomarza Şiraz", "Yeni mah., Develi"]:
        r = loc.locate(text)
        assert (r.mahalle or r.ilce) and r.reason, text
    assert loc.locate("su faturam yüksek").reason is None
    assert "reason" in loc.locate("Hunatta").to_dict()

"""Seeded evaluation set for the locator, one label per address form of issue 11.

Each sample is a real complaint text (read at run time from ../shared, never stored) carrying a
Kayseri address written the way citizens write it, or no address at all:

- ``cue``: name + cue word (Mahallesi, Mah., mh, mahallesinde...), district when the name is shared;
- ``cue_typo``: the same with a transposed, dropped, doubled or swapped letter in the name;
- ``suffix``: a distinctive name with a case ending and no cue word ("Hunatta", "KARAHIDIR'DA");
- ``suffix_typo``: the same with a one-letter typo, marked as a proper noun by an apostrophe;
- ``district``: any name with the district beside it ("Pınarbaşı/TÖZGÜNde", "şiraz'daki (Tomarza)");
- ``multiword``: names of several words, spaced or joined, numbered or abbreviated ("100. Yıl",
  "Eski Camiikebir" for E.camiikebir);
- ``ambiguous``: a name found in several districts and no district: never a confident answer;
- ``address_free``: real complaints with no address words: no place at all;
- ``trap``: the issue's "must stay true" sentences written for this project (common words, streets,
  district or province only): no mahalle.

The suffix rules here are written independently of the locator's (a table per case), so that a
mistake in one does not hide in the other. Only gazetteer names (public NVİ facts) and our own
phrases are used; the complaint texts are carriers only.
"""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import OSA

from classifier.gazetteer import Place, name_key
from classifier.locate_names import COMMON_NAMES, OTHER_IL
from classifier.text import ascii_fold, fold

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "complaints"
CARRIER_FILES = ["belediye_train.csv", "ibb_train.csv", "ibb_valid.csv"]

# Same hint list as bench/locator_eval.py: texts with these words are not address-free.
ADDRESS_HINT_RE = re.compile(
    r"\b(?:mah|mh|mahalle\w*|sok|sk|sokag\w*|sokak\w*|cad|cd|cadde\w*|bulvar\w*|no|apartman\w*|apt|"
    r"ilcesi\w*|koyu\w*|kayseri\w*)\b"
)
WORD_RE = re.compile(r"[^\W_]+")

BACK = set("aıou")
FRONT = set("eiöü")
VOWELS = BACK | FRONT
VOICELESS = set("çfhkpsşt")
SOFTEN = {"k": "ğ", "p": "b", "ç": "c", "t": "d"}


@dataclass
class Sample:
    form: str
    text: str
    ilce: str | None  # expected; None for address-free and traps (trap: ilce may be a district)
    mahalle: str | None
    detail: str = ""


# --- Turkish case endings (written per case, from the grammar tables) -------------------------------


def _last_vowel(word: str) -> str:
    for ch in reversed(word):
        if ch in VOWELS:
            return ch
    return "e"


def case_ending(name: str, case: str) -> str:
    """The ending a Turkish writer puts after `name` (Turkish lower case) for one case."""
    v = _last_vowel(name)
    last = name[-1]
    a = "a" if v in BACK else "e"
    i4 = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}[v]
    d = "t" if last in VOICELESS else "d"
    ends_vowel = last in VOWELS
    if case == "loc":
        return d + a
    if case == "locrel":
        return d + a + "ki"
    if case == "abl":
        return d + a + "n"
    if case == "gen":
        return ("n" if ends_vowel else "") + i4 + "n"
    if case == "dat":
        return ("y" if ends_vowel else "") + a
    if case == "acc":
        return ("y" if ends_vowel else "") + i4
    raise ValueError(case)


# Phrases around a suffixed name, per case; {n} is the name with its ending.
CASE_PHRASES = {
    "loc": ["{n} su yok", "{n} oturuyorum,", "{n} yollar çok kötü.", "{n} üç gündür", "biz {n} yaşıyoruz,"],
    "locrel": ["{n} park", "{n} evimizin önünde", "{n} okulun yanında", "{n} çeşme"],
    "abl": ["{n} yazıyorum.", "{n} geçen otobüs", "{n} şehre giden yol", "{n} bir vatandaş olarak"],
    "gen": ["{n} yolları", "{n} suyu", "{n} girişinde", "{n} muhtarı da biliyor,"],
    "dat": ["{n} giden otobüs", "{n} su verilmiyor.", "{n} ekip gönderin", "{n} kimse bakmıyor."],
    "acc": ["{n} unuttunuz", "{n} kimse umursamıyor.", "{n} de ziyaret edin"],
}
CUE_FORMS = [
    "{m} Mahallesi",
    "{m} Mah.",
    "{m} mah",
    "{m} Mh.",
    "{m} mh.",
    "{m} mahallesinde",
    "{m} Mahallesi'nde",
    "{m} mahallesi’nden",
    "{m} MAH.",
    "{m} mahallemizde",
    "{m} mahallesindeki",
    "{m} mahalesi",
]
# The district beside the mahalle; {m} is the mahalle as written (maybe suffixed), {d} the district.
DISTRICT_SHAPES = [
    "{d}/{m}",
    "{d} / {m}",
    "{d} {m}",
    "{m}, {d}",
    "{m} ({d})",
    "{m} - {d}",
    "{m} {d}/Kayseri",
    "{d} ilçesi {m}",
    "{m}, {d} ilçesi",
    "{d}'nin {m}",
    "{d} {m}, Kayseri",
]
# Where the address phrase sits in the carrier text.
PLACEMENTS = [
    "{a} {c}",
    "{c} {a}",
    "{c}\n{a}",
    "{a}. {c}",
    "Merhaba, {a} {c}",
    "{c} Adres: {a}",
    "{c} ({a})",
    "{c1} {a} {c2}",
    "{c1} Biz {a} {c2}",
    "{a}: {c}",
    "Sayın yetkili, {c1} {a} {c2}",
]
ABBREVIATED = {  # registry abbreviations as people write them in full
    "E.camiikebir": ["Eski Camiikebir", "Eski Cami-i Kebir", "eski camikebir", "E. Camiikebir"],
    "Şht.üstğm.hasan Şahan": [
        "Şehit Üsteğmen Hasan Şahan",
        "şehit üsteğmen hasan şahan",
        "Şht. Üstğm. Hasan Şahan",
    ],
    "100.yıl": ["100. Yıl", "100.yıl", "100 Yıl", "yüzüncü yıl"],
    "75.yıl": ["75. Yıl", "75.yıl", "75 yıl"],
}
TRAPS: list[tuple[str, str | None]] = [  # (text, expected ilce or None); mahalle must be None
    ("Yeni bir park istiyoruz, çocuklar sokakta oynuyor", None),
    ("Cumhuriyet bayramında süsleme yapılmadı", None),
    ("Fatih bey adlı şoför çok kaba davrandı", None),
    ("Güneyde kalan parklar bakımsız", None),
    ("yenide bir sorun çıktı, fatura iki kat geldi", None),
    ("Kale gibi duvar örmüşler, geçemiyoruz", None),
    ("Merkezde trafik çok sıkışık", None),
    ("Yıldırım düştü, elektrikler kesildi", None),
    ("Cumhuriyet Caddesi üzerinde kaldırım kırık", None),
    ("Cumhuriyet Caddesi'nde çukur var", None),
    ("Erkilet Bulvarı'nda trafik ışığı bozuk", None),
    ("Sahabiye Sokak'ta lamba yanmıyor", None),
    ("Mevlana'nın sözleri duvara yazılmış", None),
    ("Hürriyet gazetesinde okudum", None),
    ("Sanayi sitesinde araç tamiri pahalı", None),
    ("Kayseri'de toplu taşıma çok pahalı", None),
    ("Kayseri'nin en güzel parkı bakımsız", None),
    ("Talas'ta otobüsler saatinde gelmiyor", "Talas"),
    ("Talasta çöpler toplanmıyor", "Talas"),
    ("Develi'de yollar bozuk", "Develi"),
    ("Bünyan'dan gelen otobüs durmadı", "Bünyan"),
    ("Kocasinan Belediyesi cevap vermiyor", "Kocasinan"),
    ("Melikgazi ilçesinde su kesintisi", "Melikgazi"),
    ("İncesu'ya giden yol kapalı", "İncesu"),
    ("Erciyes Dağı yolunda kar temizlenmedi", None),
    ("Yeni mahalleye taşındık, su bağlanmadı", None),
    ("Yeni'de değil eskide kaldık", None),
    ("Güney tarafındaki kaldırım kırık", None),
    ("Bahçelievler'e giden otobüs çok kalabalık", None),
    ("19 Mayıs'ta tören alanı temizlenmedi", None),
    ("30 Ağustos'ta yollar kapatıldı", None),
    ("Osman Kavuncu Bulvarı'nda kaza oldu", None),
    ("Hunat Camii önünde çöp var", None),
    ("Kuşçu amca güvercinlerini besliyor", None),
    ("Sarımsaklı Barajı çevresi çok kirli", None),
    ("Yunus Emre'nin şiirleri okunsun", None),
    ("Osmanlı döneminden kalma çeşme yıkılıyor", None),
]


# --- writing variants ------------------------------------------------------------------------------


def tr_upper(text: str) -> str:
    return text.replace("i", "İ").replace("ı", "I").upper()


def tr_lower(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower()


def asciify(text: str) -> str:
    return text.translate(str.maketrans("çğıöşüÇĞİÖŞÜâîûÂÎÛ’", "cgiosuCGIOSUaiuAIU'"))


def roughen(text: str, rng: random.Random) -> tuple[str, str]:
    """Whole-text writing style: as is, lower, UPPER, asciified (keeping case or lower)."""
    r = rng.random()
    if r < 0.35:
        return text, "as_is"
    if r < 0.55:
        return tr_lower(text), "lower"
    if r < 0.65:
        return tr_upper(text), "upper"
    if r < 0.85:
        return asciify(tr_lower(text)), "ascii_lower"
    return asciify(text), "ascii"


def name_variant(name: str, rng: random.Random) -> str:
    """The name in the case people type it (the whole text may be restyled later)."""
    r = rng.random()
    if r < 0.5:
        return name
    if r < 0.8:
        return tr_lower(name)
    return tr_upper(name)


def typo(word: str, rng: random.Random) -> str:
    """Transposed, dropped, doubled or replaced letter (never the first letter)."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 5:
        return word
    i = rng.choice(letters[1:-1])
    kind = rng.choice(["swap", "swap", "drop", "double", "sub"])
    if kind == "swap" and word[i + 1].isalpha() and word[i + 1] != word[i]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiklmnrsty") + word[i + 1 :]


def fair_typo(typoed: str, target: Place, pool: list[Place]) -> bool:
    """A reader could still tell: the intended name is strictly the nearest one (OSA distance 1)."""
    key, tkey = name_key(typoed), name_key(target.mahalle)
    if key == tkey or OSA.distance(key, tkey) != 1:
        return False
    return all(OSA.distance(key, name_key(p.mahalle)) > 1 for p in pool if name_key(p.mahalle) != tkey)


# --- carriers --------------------------------------------------------------------------------------


def load_carriers(shared: Path = SHARED, limit_chars: int = 260) -> list[str]:
    """Real complaints without address words, other provinces or capitalised gazetteer names."""
    out: list[str] = []
    for fname in CARRIER_FILES:
        path = shared / fname
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                text = " ".join((row.get("text") or "").split())
                if len(text) < 30:
                    continue
                asc = ascii_fold(text)
                if ADDRESS_HINT_RE.search(asc) or not OTHER_IL.isdisjoint(WORD_RE.findall(asc)):
                    continue
                if len(text) > limit_chars:
                    cut = text.rfind(". ", 0, limit_chars)
                    text = text[: cut + 1] if cut > 40 else text[:limit_chars]
                out.append(text)
    return out


def _strip_capital_names(carriers: list[str], keys: set[str]) -> list[str]:
    """Drop carriers that already name a place (capitalised gazetteer name), to keep the truth clean."""
    kept = []
    for text in carriers:
        words = WORD_RE.findall(text)
        if any(w[:1].isupper() and name_key(w) in keys for w in words):
            continue
        kept.append(text)
    return kept


def place_in(carrier: str, addr: str, rng: random.Random) -> str:
    shape = rng.choice(PLACEMENTS)
    cut = carrier.find(". ")
    c1, c2 = (carrier[: cut + 1], carrier[cut + 2 :]) if 0 < cut < len(carrier) - 3 else (carrier, "")
    return shape.format(a=addr, c=carrier, c1=c1, c2=c2).strip()


# --- the set ---------------------------------------------------------------------------------------


class FormSet:
    def __init__(self, places: list[Place], carriers: list[str], seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.places = [p for p in places if p.unit_kind == "mahalle"]
        self.by_key: dict[str, list[Place]] = defaultdict(list)
        for p in self.places:
            self.by_key[name_key(p.mahalle)].append(p)
        self.by_ilce: dict[str, list[Place]] = defaultdict(list)
        for p in self.places:
            self.by_ilce[p.ilce].append(p)
        ilce_keys = {name_key(p.ilce) for p in places}
        self.shared = [g for g in self.by_key.values() if len({p.ilce for p in g}) > 1]
        # Distinctive: one place in Kayseri, not an everyday word / person / district name, 5+ letters.
        self.distinctive = [
            g[0]
            for k, g in self.by_key.items()
            if len(g) == 1
            and k not in COMMON_NAMES
            and k not in ilce_keys
            and len(k) >= 5
            and not any(ch.isdigit() for ch in k)
        ]
        self.multi = [p for p in self.places if " " in p.mahalle or "." in p.mahalle]
        self.carriers = _strip_capital_names(carriers, set(self.by_key))

    def carrier(self) -> str:
        return self.rng.choice(self.carriers)

    def suffixed(self, name: str, case: str, apostrophe: str | None) -> str:
        """Name + ending; glued endings soften a final k/p/ç/t before a vowel, as people write it."""
        low = fold(name)
        end = case_ending(low, case)
        if apostrophe:
            return name + apostrophe + end
        base = name
        if end[0] in VOWELS and low[-1] in SOFTEN and " " not in name and self.rng.random() < 0.7:
            base = name[:-1] + SOFTEN[low[-1]]
        return base + end

    def _case_phrase(self, name: str, typo_word: str | None = None) -> tuple[str, str]:
        case = self.rng.choice(list(CASE_PHRASES))
        apos = self.rng.choice([None, None, "'", "'", "’"])
        written = typo_word or name_variant(name, self.rng)
        phrase = self.rng.choice(CASE_PHRASES[case]).format(n=self.suffixed(written, case, apos))
        return phrase, f"{case}{'' if apos else '_glued'}"

    def _text(self, addr: str) -> tuple[str, str]:
        return roughen(place_in(self.carrier(), addr, self.rng), self.rng)

    def gen_cue(self) -> Sample:
        p = self.rng.choice(self.places)
        mf = self.rng.choice(CUE_FORMS).format(m=name_variant(p.mahalle, self.rng))
        if len(self.by_key[name_key(p.mahalle)]) > 1:
            mf = self.rng.choice(DISTRICT_SHAPES).format(d=p.ilce, m=mf)
        text, style = self._text(mf)
        return Sample("cue", text, p.ilce, p.mahalle, style)

    def gen_cue_typo(self) -> Sample:
        while True:
            p = self.rng.choice(self.places)
            shared = len(self.by_key[name_key(p.mahalle)]) > 1
            with_d = shared or self.rng.random() < 0.4
            t = typo(p.mahalle, self.rng)
            if fair_typo(t, p, self.by_ilce[p.ilce] if with_d else self.places):
                break
        mf = self.rng.choice(CUE_FORMS).format(m=t)
        if with_d:
            mf = self.rng.choice(DISTRICT_SHAPES).format(d=p.ilce, m=mf)
        text, style = self._text(mf)
        return Sample("cue_typo", text, p.ilce, p.mahalle, f"{style} district={with_d}")

    def gen_suffix(self) -> Sample:
        p = self.rng.choice(self.distinctive)
        phrase, how = self._case_phrase(p.mahalle)
        text, style = self._text(phrase)
        return Sample("suffix", text, p.ilce, p.mahalle, f"{how} {style}")

    def gen_suffix_typo(self) -> Sample:
        while True:
            p = self.rng.choice(self.distinctive)
            t = typo(p.mahalle, self.rng)
            if len(name_key(p.mahalle)) >= 6 and fair_typo(t, p, self.places):
                break
        case = self.rng.choice(list(CASE_PHRASES))
        phrase = self.rng.choice(CASE_PHRASES[case]).format(
            n=self.suffixed(t, case, self.rng.choice(["'", "’"]))
        )
        text, style = self._text(phrase)
        return Sample("suffix_typo", text, p.ilce, p.mahalle, f"{case} {style}")

    def gen_district(self) -> Sample:
        p = self.rng.choice(self.places)
        key = name_key(p.mahalle)
        r = self.rng.random()
        if r < 0.45 and key not in COMMON_NAMES:
            case = self.rng.choice(list(CASE_PHRASES))
            apos = self.rng.choice([None, None, "'", "’"])
            m = self.suffixed(name_variant(p.mahalle, self.rng), case, apos)
            tail = self.rng.choice([t for t in CASE_PHRASES[case] if t.startswith("{n}")]).replace("{n}", "")
            addr = self.rng.choice(DISTRICT_SHAPES).format(d=name_variant(p.ilce, self.rng), m=m) + tail
            how = f"{case}{'' if apos else '_glued'}"
        elif r < 0.6:
            m, how = name_variant(p.mahalle, self.rng), "bare"
            addr = self.rng.choice(DISTRICT_SHAPES[:3] + DISTRICT_SHAPES[7:8]).format(d=p.ilce, m=m)
        else:
            m, how = self.rng.choice(CUE_FORMS).format(m=name_variant(p.mahalle, self.rng)), "cue"
            addr = self.rng.choice(DISTRICT_SHAPES).format(d=name_variant(p.ilce, self.rng), m=m)
        text, style = self._text(addr)
        return Sample("district", text, p.ilce, p.mahalle, f"{how} {style}")

    def gen_multiword(self) -> Sample:
        p = self.rng.choice(self.multi)
        if p.mahalle in ABBREVIATED:
            written = self.rng.choice(ABBREVIATED[p.mahalle])
        else:
            words = p.mahalle.split(" ")
            r = self.rng.random()
            written = "".join(words) if r < 0.3 else " ".join(words)
        shared = len(self.by_key[name_key(p.mahalle)]) > 1
        need_d = shared or name_key(p.mahalle) in COMMON_NAMES or any(ch.isdigit() for ch in p.mahalle)
        with_d = need_d or self.rng.random() < 0.3
        if self.rng.random() < 0.5:
            head, tail = self.rng.choice(CUE_FORMS).format(m=written), ""
        else:
            case = self.rng.choice(["loc", "locrel", "abl", "dat"])
            head = self.suffixed(written, case, self.rng.choice([None, "'"]))
            tail = self.rng.choice([t for t in CASE_PHRASES[case] if t.startswith("{n}")]).replace("{n}", "")
        if with_d:
            head = self.rng.choice(DISTRICT_SHAPES).format(d=p.ilce, m=head)
        text, style = self._text(head + tail)
        return Sample("multiword", text, p.ilce, p.mahalle, f"{written} {style}")

    def gen_ambiguous(self) -> Sample:
        group = self.rng.choice(self.shared)
        p = self.rng.choice(group)
        if self.rng.random() < 0.7:
            addr = self.rng.choice(CUE_FORMS).format(m=name_variant(p.mahalle, self.rng))
        else:
            addr, _ = self._case_phrase(p.mahalle)
        text, style = self._text(addr)
        return Sample("ambiguous", text, None, None, f"{p.mahalle} {style}")

    def gen_trap(self) -> Sample:
        text, ilce = self.rng.choice(TRAPS)
        full, style = roughen(place_in(self.carrier(), text, self.rng), self.rng)
        return Sample("trap", full, ilce, None, style)


ADDRESS_FORMS = ["cue", "cue_typo", "suffix", "suffix_typo", "district", "multiword"]


def generate(
    places: list[Place], n_per_form: int = 500, seed: int = 2026, shared: Path = SHARED
) -> list[Sample]:
    """`n_per_form` samples of every generated form (address forms, ambiguous, trap)."""
    carriers = load_carriers(shared)
    if not carriers:
        raise SystemExit(f"no carrier texts under {shared}")
    fs = FormSet(places, carriers, seed)
    out: list[Sample] = []
    for form in [*ADDRESS_FORMS, "ambiguous", "trap"]:
        gen = getattr(fs, f"gen_{form}")
        out += [gen() for _ in range(n_per_form)]
    return out


def address_free(shared: Path = SHARED) -> list[str]:
    """Every real complaint without address words (the false-hit set)."""
    texts: list[str] = []
    for fname in ["ibb_out_of_scope_tweets.csv", *CARRIER_FILES]:
        path = shared / fname
        if path.exists():
            with open(path, encoding="utf-8", newline="") as fh:
                texts += [
                    row["text"]
                    for row in csv.DictReader(fh)
                    if row.get("text") and not ADDRESS_HINT_RE.search(ascii_fold(row["text"]))
                ]
    return texts

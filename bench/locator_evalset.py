"""Seeded generator of noisy Turkish address sentences for measuring classifier.locator.

Every sentence is built from templates written for this project plus a gazetteer entry, then
roughened the way citizens write: Mah./Mh./mahallesinde variants, missing diacritics, upper or
lower case, one-letter typos in the mahalle name and district mentions in several forms.
Nothing here comes from a third-party dataset.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from classifier.gazetteer import Place, name_key
from classifier.text import ascii_fold

COMPLAINTS = [
    "sokak lambaları üç gündür yanmıyor",
    "çöpler bir haftadır toplanmadı",
    "kanalizasyon taştı, koku dayanılmaz",
    "yolda büyük bir çukur var, araçlar zarar görüyor",
    "parktaki salıncaklar kırık, çocuklar için tehlikeli",
    "başıboş köpekler okul yolunda saldırıyor",
    "sabahtan beri sular kesik",
    "kaldırım taşları yerinden çıkmış",
    "otobüs durağında oturak yok",
    "asfalt çalışması yarım bırakıldı",
    "yağmur suyu ızgarası tıkalı, yol göl oldu",
    "gece yarısına kadar inşaat gürültüsü yapılıyor",
    "konteynerler taşıyor, etrafa çöp saçılmış",
    "ağaç dalları elektrik tellerine değiyor",
    "kar küreme aracı hiç gelmedi",
    "seyyar satıcılar kaldırımı işgal ediyor",
    "su sayacı arızalı, fatura çok yüksek geldi",
    "yaşlı komşumuz yardım bekliyor",
    "trafik ışıkları çalışmıyor",
    "mezarlık yolunun bakımı yapılmıyor",
]
OPENERS = ["", "", "", "Merhaba, ", "İyi günler. ", "Sayın yetkili, ", "Acil! ", "Merhabalar "]
CLOSERS = ["", "", "", " Yardımcı olur musunuz?", " Lütfen ilgilenin.", " Teşekkürler.", " Bilginize."]
STREETS = ["Gül", "Lale", "Papatya", "Çınar", "Menekşe", "Ihlamur", "Nergis", "Akasya", "Sümbül", "Karanfil"]

MAH_FORMS = [
    "{m} Mahallesi",
    "{m} Mah.",
    "{m} mah",
    "{m} Mh.",
    "{m} mh",
    "{m} mahallesinde",
    "{m} mahallesi'nde",
    "{m} Mahallesi’nde",
    "{m} MAH.",
    "{m} mahallemizde",
]
DISTRICT_FORMS = [
    "{d}'ta {mf}",
    "{d} {mf}",
    "{d}/{mf}",
    "{d} ilçesi {mf}",
    "{mf}, {d}",
    "{mf} {d}/Kayseri",
    "{d} ilçesinde bulunan {mf}",
]
SENTENCE_FORMS = [
    "{o}{a} {c}.{x}",
    "{o}{c}. Adres: {a}.{x}",
    "{o}{c} ({a}){x}",
    "{o}{a} {s} Sokak No: {n} önünde {c}.{x}",
    "{o}{c}, {a} {s} Sk. no {n}.{x}",
]


@dataclass
class Sample:
    text: str
    ilce: str
    mahalle: str
    district_in_text: bool
    typo: bool


def _typo(word: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 5:
        return word
    i = rng.choice(letters[1:])
    kind = rng.choice(["del", "sub", "ins", "swap"])
    if kind == "del":
        return word[:i] + word[i + 1 :]
    if kind == "sub":
        return word[:i] + rng.choice("aeiklmnrst") + word[i + 1 :]
    if kind == "ins":
        return word[:i] + rng.choice("aeiklmnrst") + word[i:]
    if i + 1 < len(word) and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _typo_is_fair(typoed: str, target: Place, places: list[Place], district_known: bool) -> bool:
    """A typo is fair when the intended name stays strictly the closest one a reader could pick."""
    key = name_key(typoed)
    tkey = name_key(target.mahalle)
    d = Levenshtein.distance(key, tkey)
    if d == 0 or d > 1:
        return False
    pool = [p for p in places if p.ilce == target.ilce] if district_known else places
    return all(
        Levenshtein.distance(key, name_key(p.mahalle)) > d for p in pool if name_key(p.mahalle) != tkey
    )


def _roughen_case(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.3:
        return ascii_fold(text) if rng.random() < 0.5 else _asciify_keep_case(text)
    if r < 0.4:
        return text.replace("i", "İ").replace("ı", "I").upper()
    if r < 0.6:
        return text.replace("I", "ı").replace("İ", "i").lower()
    return text


def _asciify_keep_case(text: str) -> str:
    return text.translate(str.maketrans("çğıöşüÇĞİÖŞÜ’", "cgiosuCGIOSU'"))


def generate(places: list[Place], n: int = 3000, seed: int = 7) -> list[Sample]:
    """Noisy address sentences with the true (ilçe, mahalle); ambiguous names always carry a district."""
    rng = random.Random(seed)
    by_key: dict[str, set[str]] = {}
    for p in places:
        by_key.setdefault(name_key(p.mahalle), set()).add(p.ilce)
    out: list[Sample] = []
    while len(out) < n:
        p = rng.choice(places)
        ambiguous = len(by_key[name_key(p.mahalle)]) > 1
        with_district = ambiguous or rng.random() < 0.5
        name = p.mahalle
        typo = False
        if rng.random() < 0.25:
            cand = _typo(name, rng)
            if _typo_is_fair(cand, p, places, with_district):
                name, typo = cand, True
        mf = rng.choice(MAH_FORMS).format(m=name)
        if rng.random() < 0.05:  # misspelt cue word
            mf = mf.replace("Mahallesi", "Mahllesi").replace("mahallesinde", "mahallsinde")
        addr = rng.choice(DISTRICT_FORMS).format(d=p.ilce, mf=mf) if with_district else mf
        if "'ta " in addr and rng.random() < 0.5:  # case ending glued on without the apostrophe
            addr = addr.replace("'ta ", "ta ", 1)
        text = rng.choice(SENTENCE_FORMS).format(
            o=rng.choice(OPENERS),
            a=addr,
            c=rng.choice(COMPLAINTS),
            x=rng.choice(CLOSERS),
            s=rng.choice(STREETS),
            n=rng.randint(1, 120),
        )
        out.append(Sample(_roughen_case(text, rng), p.ilce, p.mahalle, with_district, typo))
    return out


def generate_ambiguous(places: list[Place], n: int = 1000, seed: int = 11) -> list[Sample]:
    """Sentences naming a mahalle that exists in several districts, without any district."""
    rng = random.Random(seed)
    by_key: dict[str, list[Place]] = {}
    for p in places:
        by_key.setdefault(name_key(p.mahalle), []).append(p)
    shared = [group for group in by_key.values() if len({p.ilce for p in group}) > 1]
    out: list[Sample] = []
    while len(out) < n:
        p = rng.choice(rng.choice(shared))
        mf = rng.choice(MAH_FORMS).format(m=p.mahalle)
        text = rng.choice(SENTENCE_FORMS).format(
            o=rng.choice(OPENERS),
            a=mf,
            c=rng.choice(COMPLAINTS),
            x=rng.choice(CLOSERS),
            s=rng.choice(STREETS),
            n=rng.randint(1, 120),
        )
        out.append(Sample(_roughen_case(text, rng), p.ilce, p.mahalle, False, False))
    return out

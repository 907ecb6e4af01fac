"""Find the mahalle (neighbourhood) and ilçe (district) a citizen's text talks about.

Matching runs on the ASCII-folded view, so "Mimar Sinan", "mimarsinan" and "MİMARSİNAN" meet;
spaces inside names are ignored ("Yavuz Selim" == "Yavuzselim"). Typos (one edit, two for long
names) are accepted only right before a mahalle cue ("Mevlna mah.").

Rules (details and measurements in docs/locator.md):
- A name counts when an address cue makes it an address: directly followed by a mahalle cue
  (Mahallesi, Mah., Mh, mahallesinde, mahallemizde, köyü, misspelt "mahllesi"...), directly preceded
  by a district ("Talas Mevlana"), or, for names that are not common words, any address cue in the
  text (sokak, cadde, no: 5, apt, ilçesi...).
- Without any cue only distinctive names are tagged: unique in Kayseri, at most two mahalle of that
  name in Türkiye, six letters or more, not a common word, written exactly (no typo), and the text
  does not name another province.
- A name directly followed by a street word ("Cumhuriyet Caddesi", "Fatih Parkı") is not a mahalle.
- Names that exist in several districts are only resolved by a district in the text or the `ilce`
  argument; otherwise the answer is ambiguous, ilce is null and confidence at most 0.5.
- Near-miss (typo) matches are confident only when a district confirms them.
- "Confident" means confidence >= CONFIDENT (0.8).
"""

from __future__ import annotations

import functools
import json
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from classifier.gazetteer import SHIPPED_PATH, Place, load_places, name_key
from classifier.text import ascii_fold, ascii_of_folded, fold

__all__ = ["CONFIDENT", "LocateResult", "Locator", "run_locate_cli"]

CONFIDENT = 0.8

_TOKEN_RE = re.compile(r"[^\W_]+")
_MAX_NAME_TOKENS = 6

# Words (ASCII-folded) that make the preceding name a mahalle.
# "X mahallesi..." / "X mahallemiz..." name a mahalle; "yeni mahallede" ("in the new neighbourhood")
# is a plain noun, so the bare case forms (mahallede, mahalleye, mahalleler...) are not cues.
_MAH_CUES = frozenset("mahalle mah mh mhl mahal mahalesi mahalesinde mahlesi mahallesinde".split())
_MAH_CUE_PREFIXES = ("mahallesi", "mahallemiz", "mahalesi")
_KOY_CUES = frozenset("koyu koyunde koyumuz koyumuzde koyune koyunun koyumuzun koyundeki koyden".split())
# Words that make the preceding name a street, park, school...: not a mahalle mention.
_STREET_PREFIXES = (
    "baraj",
    "golet",
    "golu",
    "dagi",
    "tepesi",
    "mesire",
    "ormani",
    "yaylasi",
    "kalesi",
    "kaplica",
    "medrese",
    "kumbet",
    "turbe",
    "sokag",
    "sokak",
    "cadde",
    "bulvar",
    "park",
    "okul",
    "ilkokul",
    "ortaokul",
    "lise",
    "hastane",
    "universite",
    "kopru",
    "meydan",
    "camii",
    "cami",
    "durag",
    "kavsag",
    "istasyon",
    "stadyum",
    "carsi",
    "yolu",
    "yolun",
    "tramvay",
    "kultur",
    "spor",
    "apartman",
    "sites",
    "avm",
    "pazari",
    "hamam",
    "mezarlig",
    "kisla",
)
_STREET_WORDS = frozenset("sok sk cad cd blv bul apt sitesi site cami".split())
# Words that make a preceding district name a street name ("Hacılar Caddesi", "Talas Yolu").
_NAMED_STREET_WORDS = frozenset(
    "caddesi caddesinde caddesine cad cd sokagi sokaginda sokagina sok sk bulvari bulvarinda blv yolu "
    "yolunda yoluna parki parkinda koprusu meydani duragi duraginda".split()
)
# Any of these anywhere in the text makes the text an address ("weak" cue).
_ADDRESS_WORDS = frozenset(
    "sok sk cad cd blv bulv apt daire blok kat ilce ilcesi ilcesinde ilcemiz ilcemizde mevkii mevki "
    "adres adresi adresim adresimiz kayseri semt semti".split()
)
_ADDRESS_PREFIXES = ("sokag", "sokak", "cadde", "bulvar", "apartman", "mahalle", "mahale", "ilcesi", "adres")


# Whole-text screens run in C before any per-token work.
_ADDRESS_WORDSET = _ADDRESS_WORDS | _MAH_CUES
_ADDRESS_PREFIX_RE = re.compile(r"\b(?:" + "|".join(_ADDRESS_PREFIXES) + r")|\bno\W{0,3}\d")
_MAH_CUE_HINTS = ("mah", "mh", "koy")
# Case endings glued to a place name without an apostrophe ("Talasta", "Erkilette"), ASCII-folded.
_GLUED_SUFFIXES = (
    "da de ta te dan den tan ten daki deki taki teki a e ya ye i yi in un nin nun li lu dir dur".split()
)
# Words that look like a misspelt "mahallesi" but are not ("mahalli" = local).
_NOT_MAH_CUES = frozenset("mahalli mahallinde mahallen mahallenin mahalleye mahalleden mahallede".split())

_ILCE_CUES = frozenset(
    "ilce ilcesi ilcesinde ilcesine ilcesinin ilcemiz ilcemizde belediyesi belediyesine belediyesinden "
    "belediye merkez merkezi merkezinde".split()
)

# Mahalle names that are everyday words, people, brands or places elsewhere: never tagged without a cue.
_COMMON_NAMES = frozenset(
    """
    yeni kale guney kuzey han cumhuriyet hurriyet fatih mevlana merkez sanayi yildirim kuscu bahcelievler
    orta asagi yukari akin sen yesil gazi sumer turan vatan saglik demokrasi sakarya erciyes kardesler
    gaziler barbaros yakut zumrut seker kemer harman kavak tavla kaman palas esentepe esenyurt sancaktepe
    osmangazi battalgazi selcuklu selimiye kurtulus inonu yunusemre osmanli anbar becen hunat vekse kosk
    gultepe altinoluk tinaztepe anafartalar kocatepe keykubat kilicaslan mimarsinan gevhernesibe
    yildirimbeyazit ahievran ertugrulgazi fevzicakmak hocaahmetyesevi saraybosna turgutreis yavuzselim
    mehmetakifersoy osmankavuncu talatpasa mithatpasa ziyagokalp orucreis kazimkarabekir alparslan
    alpaslan seyrani asikseyrani yenidogan yenisehir yenice yenikoy yesilyurt guzelkoy havadan cebir
    yarim yedek ismet tatar kesir hassa karatay karacabey sultanhani yakutiye izmirli kahveci silahtar
    bostanlik yemliha dilciler generalemir valiihsanaras kaynar komur idris omurlu
    dikme kabakli hasirci sacli uzunyol gokkent erenkoy esenkoy germir gesi gesifatih turanli sakaltutan
    hosca epce zile kulpak tombak gebelek hilmiye hayriye methiye serefiye satı sati culha kamber ardic
    sosun kepez ilica ciftlik kayseriosb mimarsinanosb sultansaziosb anbarsb karakaya sarikaya kayabasi
    koprubasi subasi yazibasi camikebir camiicedit camiikebir yenicami yenicamii kizilhan akpinar
    karapinar guzelce guzelsu kavakli bahceli kemerli tahtakemer emmiler toklar yaylaci yaylacik
    aydinlikevler erciyesevler ugurevler hasanarpa karamustafapasa musaseyh melikgazi incesu yahyali
    develi talas kocasinan pinarbasi hacilar tatili yeniocak dervisaga kaleköy kalekoy harman
    """.split()
)

# District names that are also everyday words or common place names elsewhere need a cue.
_COMMON_ILCE = frozenset("hacilar develi pinarbasi".split())


# Everyday names Kayseri residents use for registry units (public knowledge; extend as needed).
KAYSERI_ALIASES: dict[str, list[tuple[str, str]]] = {
    "İldem": [("Melikgazi", "İldem Cumhuriyet")],
    "Süksün": [("İncesu", "Süksün Cumhuriyet"), ("İncesu", "Süksün Hürriyet"), ("İncesu", "Süksün Zafer")],
    "Sindelhöyük": [
        ("Develi", "Sindelhöyük Camikebir"),
        ("Develi", "Sindelhöyük Fatih"),
        ("Develi", "Sindelhöyük Yenice"),
    ],
    "Kayapınar": [("Felahiye", "Kayapınar Cumhuriyet"), ("Felahiye", "Kayapınar Fatih Sultan Mehmet")],
    "Büyüktoraman": [("Felahiye", "Büyüktoraman Hürriyet"), ("Felahiye", "Büyüktoraman İstiklal")],
    "Mimar Sinan OSB": [("Melikgazi", "Mimarsinan Osb")],
    "Kayseri Organize Sanayi": [("Melikgazi", "Kayseriosb")],
}


@dataclass
class LocateResult:
    mahalle: str | None = None
    ilce: str | None = None
    confidence: float = 0.0
    ambiguous: bool = False
    candidates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Mention:
    start: int
    end: int  # exclusive token index
    places: list[tuple[int, int]]  # (place index, edit distance)
    cue: int  # _STRONG, _DISTRICT, _WEAK or _NONE
    fuzzy: bool


class _View:
    """Tokens of one text in the ASCII-folded and Turkish-folded views."""

    __slots__ = ("toks", "folded", "text", "_ftoks", "_text_ascii", "_upper")

    def __init__(self, toks: list[str], folded: str, text: str) -> None:
        self.toks = toks
        self.folded = folded
        self.text = text
        self._ftoks: list[str] | None = None
        self._text_ascii: bool | None = None
        self._upper: list[bool] | None = None

    # The Turkish-folded tokens and flags are only needed once a name matched, so build them lazily.
    @property
    def ftoks(self) -> list[str]:
        if self._ftoks is None:
            ftoks = _TOKEN_RE.findall(self.folded)
            # Views are aligned by construction; fall back to the ASCII tokens just in case.
            self._ftoks = ftoks if len(ftoks) == len(self.toks) else self.toks
        return self._ftoks

    @property
    def text_ascii(self) -> bool:
        """The writer used no Turkish letters anywhere."""
        if self._text_ascii is None:
            self._text_ascii = not _TR_LETTERS.search(self.folded)
        return self._text_ascii

    def upper(self, start: int, end: int) -> bool:
        """Were these tokens written in upper case? (Upper case loses the i/ı distinction: "ERKILET".)"""
        if self._upper is None:
            orig = unicodedata.normalize("NFC", self.text) if not self.text.isascii() else self.text
            orig = _SUFFIX_RE.sub("", orig.replace("’", "'"))
            words = _TOKEN_RE.findall(orig)
            self._upper = [w.isupper() for w in words] if len(words) == len(self.toks) else []
        flags = self._upper[start:end]
        return bool(flags) and all(flags)

    def written_as(self, start: int, end: int, fold_names: Any, prefix: bool = False) -> bool:
        """Is the span written like one of the names: proper Turkish, fully ASCII text, or UPPER case?

        With `prefix`, the span may carry a glued case ending after the name ("talasta").
        """
        span = " ".join(self.ftoks[start:end])
        for name in fold_names:
            if prefix:
                span = span[: len(name)]
            if span == name:
                return True
            if self.text_ascii and span == ascii_of_folded(name):
                return True
            if span.replace("ı", "i") == name.replace("ı", "i") and self.upper(start, end):
                return True
        return False


def _separators(asc: str) -> list[str]:
    """Per token: the characters between it and the previous token ("/" in "Kocasinan/Yeni")."""
    seps = []
    prev_end = 0
    for m in _TOKEN_RE.finditer(asc):
        seps.append(asc[prev_end : m.start()])
        prev_end = m.end()
    return seps


_APOS_WORD_RE = re.compile(r"([^\W_]+)'[^\W_]")
_SUFFIX_RE = re.compile(r"(?<=[^\W_])'[^\W_]+")
_TR_LETTERS = re.compile("[çğıöşü]")
# Provinces other than Kayseri and big-city districts that are not Kayseri names (ASCII-folded);
# everyday words like "ordu", "van", "kartal", "konak" are left out.
_OTHER_IL = frozenset(
    """
    adana adiyaman afyon afyonkarahisar agri aksaray amasya ankara antalya ardahan artvin aydin balikesir
    bartin bayburt bilecik bingol bitlis bolu burdur bursa canakkale cankiri corum denizli diyarbakir
    duzce edirne elazig erzincan erzurum eskisehir gaziantep giresun gumushane hakkari hatay igdir
    isparta istanbul izmir kahramanmaras karabuk karaman kars kastamonu kilis kirikkale kirklareli
    kirsehir kocaeli konya kutahya malatya manisa mardin mersin mugla nevsehir nigde osmaniye rize
    sakarya samsun siirt sinop sivas sanliurfa sirnak tekirdag tokat trabzon tunceli usak yalova yozgat
    zonguldak
    atasehir avcilar bagcilar bakirkoy basaksehir bayrampasa besiktas beykoz beylikduzu beyoglu
    buyukcekmece catalca cekmekoy esenler eyupsultan gaziosmanpasa gungoren kadikoy kagithane
    kucukcekmece maltepe pendik sariyer silivri sultanbeyli sultangazi sisli umraniye uskudar
    zeytinburnu arnavutkoy cankaya kecioren yenimahalle etimesgut sincan altindag pursaklar polatli
    karsiyaka bornova bayrakli karabaglar nilufer meram seyhan cukurova yuregir
    """.split()
)

_STRONG, _DISTRICT, _WEAK, _NONE = 4, 3, 2, 1
_BASE_CONF = {_STRONG: 0.95, _DISTRICT: 0.9, _WEAK: 0.85, _NONE: 0.8}


def _dotless(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t.replace("ı", "i") for t in tokens)


def _compact(tokens: list[str]) -> str:
    return "".join(tokens)


def _is_mah_cue(tok: str) -> bool:
    if tok in _MAH_CUES or tok.startswith(_MAH_CUE_PREFIXES) or tok in _KOY_CUES:
        return True
    # Misspelt "mahallesi..." ("mahllesi", "mahallsinde"), but not other words that start with "mah".
    return (
        tok.startswith("mah")
        and 7 <= len(tok) <= 14
        and tok not in _NOT_MAH_CUES
        and Levenshtein.distance(tok[:9], "mahallesi", score_cutoff=2) <= 2
    )


def _is_street_word(tok: str) -> bool:
    return tok in _STREET_WORDS or tok.startswith(_STREET_PREFIXES)


class Locator:
    """Gazetteer-backed mahalle/ilçe extraction. Build once (`default()` is cached) and share."""

    def __init__(
        self, places: list[Place], aliases: Mapping[str, Iterable[tuple[str, str]]] | None = None
    ) -> None:
        """`aliases`: everyday name -> [(ilce, mahalle), ...] it stands for; unknown places are ignored."""
        if not places:
            raise ValueError("gazetteer is empty")
        self.places = places
        self._by_key: dict[str, list[int]] = defaultdict(list)
        self._tokens: list[tuple[str, ...]] = []
        self._fold_tokens: list[tuple[str, ...]] = []
        for i, p in enumerate(places):
            toks = tuple(_TOKEN_RE.findall(ascii_fold(p.mahalle)))
            self._tokens.append(toks)
            self._fold_tokens.append(tuple(_TOKEN_RE.findall(fold(p.mahalle))))
            self._by_key[_compact(list(toks))].append(i)
        index = {(p.ilce, p.mahalle): i for i, p in enumerate(places)}
        self._alias_keys: set[str] = set()
        for alias, targets in (aliases or {}).items():
            key = _compact(_TOKEN_RE.findall(ascii_fold(alias)))
            idxs = [index[t] for t in targets if t in index]
            if key and idxs and key not in self._by_key:
                self._by_key[key] = idxs
                self._alias_keys.add(key)
        self._keys = list(self._by_key)
        self._key_of = [_compact(list(t)) for t in self._tokens]
        self._keys_by_ntok: dict[int, list[str]] = defaultdict(list)
        for key, idxs in self._by_key.items():
            for ntok in {len(self._tokens[i]) for i in idxs}:
                self._keys_by_ntok[ntok].append(key)
        self._prefixes = {k[:n] for k in self._keys for n in range(1, len(k) + 1)}
        self._ilce_by_key: dict[str, str] = {}
        self._ilce_fold: dict[str, str] = {}
        self._places_by_ilce: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(places):
            key = "".join(_TOKEN_RE.findall(ascii_fold(p.ilce)))
            self._ilce_by_key[key] = p.ilce
            self._ilce_fold[key] = "".join(_TOKEN_RE.findall(fold(p.ilce)))
            self._places_by_ilce[p.ilce].append(i)
        self._ilce_keys = list(self._ilce_by_key)
        # Glued case endings: "talasta" -> "talas" (only when the glued form is not a name itself).
        self._ilce_glued: dict[str, str] = {}
        for key in self._ilce_by_key:
            for suf in _GLUED_SUFFIXES:
                if key + suf not in self._ilce_by_key and key + suf not in self._by_key:
                    self._ilce_glued[key + suf] = key
        self._ilce_keyset = frozenset(self._ilce_by_key) | frozenset(self._ilce_glued)
        # The gazetteer's own province(s); any other province or big-city district in a text means
        # the text is probably about somewhere else.
        self._home = frozenset(name_key(p.il) for p in places if p.il) or frozenset({"kayseri"})
        self._foreign = (_OTHER_IL | {"kayseri"}) - self._home - self._ilce_keyset - set(self._by_key)
        # Per name key: may this name be tagged with a weak cue / with no cue at all?
        self._weak_ok: dict[str, bool] = {}
        self._bare_ok: dict[str, bool] = {}
        for key, idxs in self._by_key.items():
            common = (
                key in _COMMON_NAMES
                or key in self._ilce_by_key
                or len(key) <= 4
                or len(idxs) > 1
                or any(places[i].tr_ad_sayisi >= 3 for i in idxs)
                or any(places[i].unit_kind != "mahalle" for i in idxs)
            )
            self._weak_ok[key] = not common
            self._bare_ok[key] = not common and len(key) >= 6 and places[idxs[0]].tr_ad_sayisi <= 2

    # --- construction -------------------------------------------------------------------------------

    @classmethod
    @functools.cache
    def default(cls) -> Locator:
        """The shipped Kayseri gazetteer (loaded once per process)."""
        return cls(load_places(SHIPPED_PATH), aliases=KAYSERI_ALIASES)

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        il: str | None = None,
        aliases: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    ) -> Locator:
        """Load the shipped file, the NVİ Kayseri extract or the national NVİ file filtered to `il`.

        Kayseri's everyday aliases apply when the loaded places are Kayseri's (unless `aliases` is given).
        """
        places = load_places(path, il=il)
        if not places:
            raise ValueError(f"no places for il={il!r} in {path}")
        if aliases is None and all(name_key(p.il) == "kayseri" for p in places):
            aliases = KAYSERI_ALIASES
        return cls(places, aliases=aliases)

    # --- lookups --------------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Distinct mahalle names, sorted (Turkish-insensitive order)."""
        return sorted({p.mahalle for p in self.places}, key=ascii_fold)

    def ilceler(self) -> list[str]:
        return sorted(self._places_by_ilce, key=ascii_fold)

    def entries(self) -> list[dict[str, Any]]:
        return [{"ilce": p.ilce, "mahalle": p.mahalle, "posta_kodu": p.posta_kodu} for p in self.places]

    def normalize_ilce(self, ilce: str | None) -> str | None:
        """Gazetteer spelling of a district name ("KOCASİNAN", "kocasinan ilcesi" -> "Kocasinan")."""
        if not ilce:
            return None
        toks = [t for t in _TOKEN_RE.findall(ascii_fold(ilce)) if t not in _ILCE_CUES and t not in self._home]
        key = _compact(toks)
        if not key:
            return None
        if key in self._ilce_by_key:
            return self._ilce_by_key[key]
        best = process.extractOne(
            key, self._ilce_keys, scorer=Levenshtein.distance, score_cutoff=1 if len(key) < 7 else 2
        )
        return self._ilce_by_key[best[0]] if best else None

    def _candidate(self, i: int, score: float) -> dict[str, Any]:
        p = self.places[i]
        return {"mahalle": p.mahalle, "ilce": p.ilce, "score": round(score, 3)}

    def _fuzzy(
        self, key: str, within: list[int] | None = None, n_tokens: int | None = None
    ) -> list[tuple[int, int]]:
        """Places whose name key is within one edit (two for long keys) of `key`.

        `n_tokens` restricts to names of that many words (used when a shorter exact name is inside).
        """
        # Short words only get a typo allowance inside a known district ("Kuze mah., Yeşilhisar").
        if len(key) < (3 if within is not None else 5):
            return []
        # Next to an exact shorter name only one edit is allowed: "geldi (Fatih mh." is not "Gesi Fatih".
        max_d = 1 if len(key) < 9 or n_tokens is not None else 2
        if n_tokens is not None:
            choices = self._keys_by_ntok.get(n_tokens, [])
        elif within is None:
            choices = self._keys
        else:
            choices = list({self._key_of[i] for i in within})
        out: list[tuple[int, int]] = []
        for cand, dist, _ in process.extract(
            key, choices, scorer=Levenshtein.distance, score_cutoff=max_d, limit=8
        ):
            for i in self._by_key[cand]:
                if (within is None or i in within) and (n_tokens is None or len(self._tokens[i]) == n_tokens):
                    out.append((i, int(dist)))
        if out:
            best = min(d for _, d in out)
            out = [(i, d) for i, d in out if d == best]
        return out

    # --- main entry points ----------------------------------------------------------------------------

    def locate(self, text: str, ilce: str | None = None) -> LocateResult:
        """Mahalle and ilçe mentioned in `text`; `ilce` (if known from the channel) narrows candidates."""
        known_ilce = self.normalize_ilce(ilce) if ilce else None
        if not text or not text.strip():
            return self._ilce_only(known_ilce, 1.0, [])
        folded = fold(text)
        # Drop Turkish case suffixes written after an apostrophe ("Talas'ta", "mahallesi'nde"); the
        # folded and ASCII views stay character-aligned, so their tokens pair up one to one.
        apos_words: set[str] = set()
        if "'" in folded or "’" in folded:
            folded = folded.replace("’", "'")
            # A word with an apostrophe ending is a proper noun in Turkish spelling ("Hacılar'da").
            apos_words = {ascii_of_folded(w) for w in _APOS_WORD_RE.findall(folded)}
            folded = _SUFFIX_RE.sub("", folded)
        asc = ascii_of_folded(folded)
        toks = _TOKEN_RE.findall(asc)
        if not toks:
            return self._ilce_only(known_ilce, 1.0, [])
        n = len(toks)
        has_address_cue = not _ADDRESS_WORDSET.isdisjoint(toks) or _ADDRESS_PREFIX_RE.search(asc) is not None
        if any(h in asc for h in _MAH_CUE_HINTS):
            mah_cue_at = [_is_mah_cue(t) for t in toks]
        else:
            mah_cue_at = [False] * n
        seps = _separators(asc) if ("/" in asc or ":" in asc) else None
        slash_before = [("/" in sep) for sep in seps] if seps else None
        # "Mahalle: Mevlana" is a form label: the cue names the word after it, not before it.
        label_before: set[int] = set()
        if seps and ":" in asc:
            for i in range(n - 1):
                if mah_cue_at[i] and ":" in seps[i + 1]:
                    mah_cue_at[i] = False
                    label_before.add(i + 1)
        view = _View(toks, folded, text)
        # A text that names another province is not about Kayseri unless it says so with a cue.
        home = not self._home.isdisjoint(toks)
        foreign = not self._foreign.isdisjoint(toks) and not home
        has_address_cue = has_address_cue or home

        # District mentions (token index -> ilce name).
        districts: dict[int, str] = {}
        for i, t in enumerate(toks) if not self._ilce_keyset.isdisjoint(toks) else ():
            glued = t not in self._ilce_by_key
            t = self._ilce_glued.get(t, t)
            name = self._ilce_by_key.get(t)
            if name is None:
                continue
            if i + 1 < n and mah_cue_at[i + 1]:
                continue  # "Melikgazi mahallesi" names the mahalle of that name, not the district
            if i + 1 < n and toks[i + 1] in _NAMED_STREET_WORDS:
                continue  # "Hacılar Caddesi" is a street
            cued = (
                (i + 1 < n and toks[i + 1] in _ILCE_CUES)
                or (slash_before is not None and (slash_before[i] or (i + 1 < n and slash_before[i + 1])))
                or has_address_cue
            )
            written_ok = view.written_as(i, i + 1, (self._ilce_fold[t],), prefix=glued)
            proper = t not in _COMMON_ILCE or toks[i] in apos_words
            if cued or (written_ok and proper and not foreign):
                districts[i] = name
            elif written_ok and home:
                districts[i] = name
        # Typo'd district right before "ilçesi" ("Kocasnan ilçesi").
        for i in range(n - 1) if "ilce" in asc else ():
            if i not in districts and toks[i + 1] in ("ilce", "ilcesi", "ilcesinde") and len(toks[i]) >= 5:
                best = process.extractOne(
                    toks[i], self._ilce_keys, scorer=Levenshtein.distance, score_cutoff=1
                )
                if best:
                    districts[i] = self._ilce_by_key[best[0]]

        filter_ilce = {known_ilce} if known_ilce else set(districts.values())
        within = [k for d in filter_ilce for k in self._places_by_ilce.get(d, [])] or None
        mentions = self._find_mentions(
            view, mah_cue_at, districts, has_address_cue and not foreign, foreign, within, label_before
        )
        if not mentions:
            if known_ilce:
                return self._ilce_only(known_ilce, 1.0, [])
            found = sorted(set(districts.values()), key=list(districts.values()).index)
            if len(found) == 1:
                idx = next(i for i, d in districts.items() if d == found[0])
                cued = (idx + 1 < n and toks[idx + 1] in _ILCE_CUES) or has_address_cue
                return self._ilce_only(found[0], 0.5 if foreign else 0.9 if cued else 0.8, [])
            if len(found) > 1:
                cands = [{"mahalle": None, "ilce": d, "score": round(1 / len(found), 3)} for d in found]
                return LocateResult(None, None, 0.4, True, cands)
            return LocateResult()

        results = [self._resolve_mention(m, filter_ilce, known_ilce is not None, toks) for m in mentions]
        for m, (_, r) in zip(mentions, results, strict=True):
            # "Esenyurt İnönü mah.": another place name right before it, and not one of this
            # mahalle's district, suggests an address elsewhere that happens to share the name.
            prev = m.start - 1
            if r.ilce and prev >= 0 and prev not in districts and toks[prev] in self._by_key:
                if r.ilce not in {self.places[i].ilce for i in self._by_key[toks[prev]]}:
                    r.confidence = min(r.confidence, 0.6)
                    for c in r.candidates:
                        c["score"] = min(c["score"], 0.6)
        if foreign:
            # The text names another province: whatever matched is probably a namesake there.
            for _, r in results:
                r.confidence = min(r.confidence, 0.5)
                for c in r.candidates:
                    c["score"] = min(c["score"], 0.5)
        results.sort(key=lambda r: -r[0])
        best_rank, best = results[0]
        distinct = {(r.mahalle, r.ilce) for _, r in results if r.mahalle}
        if len(distinct) > 1 and sum(1 for rank, _ in results if rank >= best_rank - 0.5) > 1:
            # Two different places named with equal weight: report the first, but not confidently.
            seen = {(c["mahalle"], c["ilce"]) for c in best.candidates}
            for _, r in results[1:]:
                for c in r.candidates:
                    if (c["mahalle"], c["ilce"]) not in seen:
                        best.candidates.append(c)
                        seen.add((c["mahalle"], c["ilce"]))
            best.ambiguous = True
            best.confidence = min(best.confidence, 0.6)
        return best

    def _find_mentions(
        self,
        view: _View,
        mah_cue_at: list[bool],
        districts: dict[int, str],
        has_address_cue: bool,
        foreign: bool,
        within: list[int] | None,
        label_before: set[int],
    ) -> list[_Mention]:
        toks = view.toks
        n = len(toks)
        found: list[_Mention] = []
        exact_len_at: dict[int, int] = {}  # end index (exclusive) -> longest exact span ending there
        prefixes = self._prefixes
        for i in [i for i, t in enumerate(toks) if t in prefixes]:
            if mah_cue_at[i]:
                continue
            key = ""
            for j in range(i, min(n, i + _MAX_NAME_TOKENS)):
                key += toks[j]
                if key not in self._prefixes:
                    break
                idxs = self._by_key.get(key)
                if not idxs:
                    continue
                cue = self._cue(i, j + 1, toks, mah_cue_at, districts, has_address_cue, label_before)
                if cue is None:
                    continue
                if cue in (_WEAK, _NONE) and (
                    not self._weak_ok[key]
                    or (cue == _NONE and (foreign or not self._bare_ok[key]))
                    or not view.written_as(i, j + 1, [" ".join(self._fold_tokens[k]) for k in idxs])
                ):
                    continue
                if key in self._ilce_by_key and cue != _STRONG:
                    continue  # a district name is only a mahalle when "mahallesi" follows
                found.append(_Mention(i, j + 1, [(k, 0) for k in idxs], cue, False))
                exact_len_at[j + 1] = max(exact_len_at.get(j + 1, 0), j + 1 - i)
        # Typos, only right before a mahalle cue; a longer near-match beats a shorter exact one
        # ("Kayapınar Cumhuriyt mah." is not plain "Cumhuriyet").
        for c in range(1, n):
            if not mah_cue_at[c] or mah_cue_at[c - 1]:
                continue
            best: _Mention | None = None
            exact_len = exact_len_at.get(c, 0)
            for length in range(exact_len + 1, 5):
                start = c - length
                if start < 0 or mah_cue_at[start]:
                    break
                key = _compact(toks[start:c])
                # Around an exact shorter name, only word-for-word near matches of longer names count,
                # so "İyi günler. Yukarı mah." does not become "Güneyyukarı".
                ntok = length if exact_len else None
                places = self._fuzzy(key, within, ntok) if within else []
                if not places:
                    places = self._fuzzy(key, None, ntok)
                if places and (best is None or places[0][1] <= best.places[0][1]):
                    best = _Mention(start, c, places, _STRONG, True)
            if best is not None:
                found.append(best)
        # Keep the strongest, longest, closest non-overlapping mentions.
        found.sort(key=lambda m: (-m.cue, -(m.end - m.start), min(d for _, d in m.places), m.start))
        chosen: list[_Mention] = []
        used: set[int] = set()
        for m in found:
            span = set(range(m.start, m.end))
            if span & used:
                continue
            chosen.append(m)
            used |= span
        chosen.sort(key=lambda m: m.start)
        return chosen

    def _cue(
        self,
        start: int,
        end: int,
        toks: list[str],
        mah_cue_at: list[bool],
        districts: dict[int, str],
        has_address_cue: bool,
        label_before: set[int],
    ) -> int | None:
        n = len(toks)
        if end < n:
            if mah_cue_at[end]:
                return _STRONG
            if _is_street_word(toks[end]) and toks[end] not in self._by_key:
                return None
        if start in label_before:
            return _STRONG
        if start > 0 and (start - 1) in districts:
            return _DISTRICT
        return _WEAK if has_address_cue else _NONE

    def _resolve_mention(
        self, m: _Mention, filter_ilce: set[str], ilce_given: bool, toks: list[str]
    ) -> tuple[float, LocateResult]:
        base = _BASE_CONF[m.cue]
        places = m.places
        conflict = False
        confirmed = False
        if filter_ilce:
            inside = [(i, d) for i, d in places if self.places[i].ilce in filter_ilce]
            if not inside and m.cue == _STRONG:
                # The exact name is not in that district: maybe a typo of one that is.
                within = [k for d in filter_ilce for k in self._places_by_ilce.get(d, [])]
                inside = self._fuzzy(_compact(toks[m.start : m.end]), within)
            if inside:
                places, confirmed = inside, True
            else:
                conflict = True
        dist = min(d for _, d in places)
        places = [(i, d) for i, d in places if d == dist]
        # A near-miss is only confident when a district in the text (or argument) confirms it:
        # unconfirmed, "zaman mah." could be a typo of Kaman or just the word "zaman".
        if dist == 0:
            conf = base
        elif confirmed:
            conf = 0.87 if dist == 1 else 0.77
        else:
            conf = 0.75 if dist == 1 else 0.6
        rank = m.cue + (0.5 if confirmed else 0.0) - 0.3 * dist
        if conflict and ilce_given:
            known = next(iter(filter_ilce))
            cands = [self._candidate(i, 0.2) for i, _ in places]
            return rank - 1, LocateResult(None, known, 0.5, True, cands)
        if len(places) == 1:
            i = places[0][0]
            p = self.places[i]
            if conflict:
                conf = min(conf, 0.6)
                return rank - 1, LocateResult(p.mahalle, p.ilce, conf, True, [self._candidate(i, conf)])
            if confirmed and dist == 0:
                conf = min(0.99, conf + 0.03)
            return rank, LocateResult(p.mahalle, p.ilce, round(conf, 3), False, [self._candidate(i, conf)])
        # Several places share the name: rank them by population, never answer confidently.
        total = sum(max(self.places[i].population, 1) for i, _ in places)
        scored = sorted(
            ((i, 0.5 * max(self.places[i].population, 1) / total) for i, _ in places), key=lambda x: -x[1]
        )
        top = self.places[scored[0][0]]
        same_ilce = {self.places[i].ilce for i, _ in places}
        if conflict and len(filter_ilce) == 1:
            ilce_out, mahalle_out = next(iter(filter_ilce)), None
        elif len(same_ilce) == 1:  # e.g. "Süksün" covers three mahalle of İncesu
            ilce_out, mahalle_out = next(iter(same_ilce)), None
        else:
            ilce_out, mahalle_out = None, top.mahalle
        conf = round(min(0.5, max(scored[0][1], 0.2)), 3)
        return rank - 1, LocateResult(
            mahalle_out, ilce_out, conf, True, [self._candidate(i, s) for i, s in scored]
        )

    def _ilce_only(self, ilce: str | None, conf: float, cands: list[dict[str, Any]]) -> LocateResult:
        if not ilce:
            return LocateResult()
        return LocateResult(None, ilce, conf, False, cands)

    def resolve(self, mahalle: str, ilce: str | None = None) -> LocateResult:
        """Normalise a known location (from a form or a muhtar) to gazetteer names.

        Accepts "MEVLANA MAH.", "mevlana mahallesi", "Mevlna", "Talas Mevlana", "Mevlana (Talas)",
        "Mevlana Mah. Talas/Kayseri"; a district narrows the search.
        """
        known_ilce = self.normalize_ilce(ilce) if ilce else None
        skip = _ILCE_CUES | self._home
        toks = [
            t for t in _TOKEN_RE.findall(ascii_fold(mahalle or "")) if not _is_mah_cue(t) and t not in skip
        ]
        if len(toks) > 1 and _compact(toks) not in self._by_key:
            # A district written inside the field, before or after the name.
            if toks[0] in self._ilce_by_key:
                known_ilce = known_ilce or self._ilce_by_key[toks[0]]
                toks = toks[1:]
            elif toks[-1] in self._ilce_by_key:
                known_ilce = known_ilce or self._ilce_by_key[toks[-1]]
                toks = toks[:-1]
        key = _compact(toks)
        if not key:
            return self._ilce_only(known_ilce, 1.0 if known_ilce else 0.0, [])
        within = self._places_by_ilce.get(known_ilce, []) if known_ilce else None
        places = [(i, 0) for i in self._by_key.get(key, []) if within is None or i in within]
        if not places:
            places = self._fuzzy(key, within)
        if not places:
            others = [self._candidate(i, 0.3) for i in self._by_key.get(key, [])]
            return LocateResult(None, known_ilce, 0.5 if known_ilce else 0.0, bool(others), others)
        dist = places[0][1]
        conf = 1.0 if dist == 0 else 0.9 if dist == 1 else 0.8
        if len(places) == 1:
            p = self.places[places[0][0]]
            return LocateResult(p.mahalle, p.ilce, conf, False, [self._candidate(places[0][0], conf)])
        cands = [self._candidate(i, 0.5 / len(places)) for i, _ in places]
        return LocateResult(self.places[places[0][0]].mahalle, None, 0.4, True, cands)

    @staticmethod
    def _near_prefix(key: str, name_key: str) -> bool:
        n = len(key)
        return any(
            Levenshtein.distance(key, name_key[:m], score_cutoff=1) <= 1 for m in (n - 1, n, n + 1) if m > 0
        )

    def autocomplete(self, prefix: str, limit: int = 10, ilce: str | None = None) -> list[dict[str, Any]]:
        """Mahalle suggestions for a typed prefix: name starts first, then word starts, then contains,
        then one-typo prefixes.

        Each item: {"mahalle", "ilce", "label" ("Mevlana (Talas)"), "posta_kodu"}.
        """
        toks = [t for t in _TOKEN_RE.findall(ascii_fold(prefix or "")) if not _is_mah_cue(t)]
        key = _compact(toks)
        if not key or limit <= 0:
            return []
        known_ilce = self.normalize_ilce(ilce) if ilce else None
        ranked: list[tuple[int, int, str, int]] = []
        for i, p in enumerate(self.places):
            if known_ilce and p.ilce != known_ilce:
                continue
            name_key = _compact(list(self._tokens[i]))
            if name_key.startswith(key):
                rank = 0
            elif any(t.startswith(toks[0]) for t in self._tokens[i]):
                rank = 1
            elif len(key) >= 3 and key in name_key:
                rank = 2
            elif len(key) >= 4 and self._near_prefix(key, name_key):
                rank = 3  # one typo in what was typed so far ("mevlna")
            else:
                continue
            ranked.append((rank, -p.population, ascii_fold(p.mahalle), i))
        ranked.sort()
        out = []
        for _, _, _, i in ranked[:limit]:
            p = self.places[i]
            out.append(
                {
                    "mahalle": p.mahalle,
                    "ilce": p.ilce,
                    "label": f"{p.mahalle} ({p.ilce})",
                    "posta_kodu": p.posta_kodu,
                }
            )
        return out


def run_locate_cli(
    stdin: IO[str], stdout: IO[str], locator: Locator | None = None, stderr: IO[str] | None = None
) -> int:
    """JSON lines in ({"text": ..., "ilce": optional}), one JSON answer line out per input line.

    A line that is not a JSON object with a string "text" gets an answer line
    {"error": "...", "line": N} (so outputs stay aligned with inputs), a message on stderr, and the
    function returns 2 after processing all lines. Blank lines are skipped. Returns 0 otherwise.
    """
    err = stderr if stderr is not None else sys.stderr
    loc = locator or Locator.default()
    status = 0
    # Read bytes when we can, so one badly encoded line is reported instead of ending the run.
    source = getattr(stdin, "buffer", None) or stdin
    for lineno, raw in enumerate(source, start=1):
        try:
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            if not raw.strip():
                continue
            obj = json.loads(raw)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError('expected an object with a string "text"')
            ilce = obj.get("ilce")
            if ilce is not None and not isinstance(ilce, str):
                raise ValueError('"ilce" must be a string or null')
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            msg = f"line {lineno}: {exc}"
            print(f"locate: {msg}", file=err)
            stdout.write(json.dumps({"error": msg, "line": lineno}, ensure_ascii=False) + "\n")
            status = 2
            continue
        res = loc.locate(obj["text"], ilce)
        stdout.write(json.dumps(res.to_dict(), ensure_ascii=False) + "\n")
    stdout.flush()
    return status

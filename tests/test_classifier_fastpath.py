"""The single-text fast path must give exactly what the plain implementations give.

clean() skips substitutions that cannot change the text, type cues are searched only when one of
their words occurs, and classify() scores one text without batch matrices. Each is compared here
with the straightforward version on crafted edge cases and on a few hundred real complaints read
from ../shared/data/complaints at test time (skipped when that data is absent).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from classifier import Classifier
from classifier import text as textmod
from classifier.dataset import read_labelled_csv
from classifier.features import bigrams, tokenize
from classifier.model import SEED_CORPUS, TYPE_CUES, train_bundle, type_cues
from classifier.text import clean
from classifier.textview import ascii_view

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "complaints"

EDGE_TEXTS = [
    "",
    "   ",
    "çoooook güzel olmuş!!! ama yine de....",
    "AAAAA lambalar yanmıyor???  Neden,,, ;; :: ...",
    "sekmeli\tmetin\t\tve\u00a0\u00a0nbsp   çok boşluk",
    "tek . nokta .. iki ... üç .... dört",
    "111 2222 numaralı abone, ___ ve --- çizgi",
    "Emoji 😡😡 ve ✅ işaret ☀️ burada",
    "Sayın yetkili,\n\n\n\nSokak karanlık.\n\nSaygılarımla\nAli Veli",
    "On Mon, 1 Jan 2024 someone wrote:\n> eski mesaj",
    "Merhaba\r\nçöp\r\ntoplanmıyor\rteşekkürler",
    "www.ornek.com ve https://ornek.com/a?b=c adresine bakın",
    "Teşekkür ederiz, eline emeğine sağlık; fakat su hâlâ yok",
    "Ellerinize emeğinize sağlık, sağolun, Allah razı olsun, minnettarız",
    "sag olun emegi gecenlere",
    "4982 sayılı kanun kapsamında bilgi edinmek istiyorum, nereye başvurmalıyım, hangi belgeler?",
    "Öğrenebilir miyim, ne zaman yapılacak? bilgi almak istiyorum, bilgi verir misiniz",
    "ne zaman başlayacak ne zaman bitecek ne zaman gelecek",
    "Kaçak yapı ve kaçak kat ihbarı, haberiniz olsun, bildirmek istiyorum; kaçak inşaat",
    "önerim şu: park yapılsa iyi olurdu, güzel olur, tavsiyem ve fikrimce öneriler",
    "Talep ediyoruz, rica ederiz, istiyoruz, yapılmasını istiyorum, yapılsın lütfen",
    "Şikayetçiyim, rezalet, bıktık, mağdur olduk, yazıklar olsun, ilgilenmiyorsunuz, ihmal var",
    "fikir: iyi olur mu bilmem",
]


def _reference_clean(text: str) -> str:
    """clean() as it was before the shortcuts: every substitution always applied."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text or "ards" in text or "aygı" in text or "çalışma" in text:
        text = textmod._cut_quotes_and_signature(text)
        text = textmod._MOBILE_FOOTER_RE.sub("", text)
    if "://" in text or "www." in text or "WWW." in text:
        text = textmod._URL_RE.sub(" ", text)
    if not text.isascii():
        text = textmod._EMOJI_RE.sub(" ", text)
    text = re.sub(r"([^\W\d_])\1{2,}", r"\1\1", text)
    text = re.sub(r"([!?,;:])\1+|\.{4,}", lambda m: m.group(1) or "...", text)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    if "\n" in text:
        text = "\n".join(line.strip() for line in text.split("\n"))
        text = textmod._BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()


def _reference_cues(view: str) -> list[str]:
    return [code for code, rx in TYPE_CUES.items() if rx.search(view)]


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    if not SHARED.is_dir():
        pytest.skip("shared complaint data not available")
    out: list[str] = []
    for name in ("ibb_valid.csv", "belediye_train.csv", "ibb_out_of_scope_tweets.csv"):
        path = SHARED / name
        if path.exists():
            rows = read_labelled_csv(path)
            out += [t for _, t in rows[:: max(1, len(rows) // 150)]][:150]
    if not out:
        pytest.skip("shared complaint data not available")
    return out


@pytest.fixture(scope="module")
def clf(tmp_path_factory) -> Classifier:  # noqa: ANN001
    bundle = train_bundle(read_labelled_csv(SEED_CORPUS), source="test")
    return Classifier.load(model_path=bundle.save(tmp_path_factory.mktemp("model") / "seed.joblib"))


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_clean_equals_plain_substitutions_on_edge_cases(text: str) -> None:
    assert clean(text) == _reference_clean(text)


def test_clean_equals_plain_substitutions_on_real_complaints(real_texts: list[str]) -> None:
    assert len(real_texts) >= 300
    for text in real_texts:
        assert clean(text) == _reference_clean(text), text[:80]


# One phrase per alternative of every cue pattern (folded form), so a word missing from a cue's
# word list shows as a cue the shortcut misses.
CUE_EXAMPLES = {
    "tesekkur": ["tesekkurler", "sag olun", "sagolun", "eline saglik", "elinize emeginize saglik",
                 "ellerinize saglik", "allah razi olsun", "emegi gecenler", "minnettarim"],
    "bilgi_edinme": ["bilgi almak", "bilgi edinme", "bilgi verir misiniz", "bilgi istiyorum", "4982",
                     "nereye basvurmaliyim", "hangi belgeler", "ogrenebilir miyim", "ne zaman yapilacak",
                     "ne zaman baslayacak", "ne zaman bitecek", "ne zaman gelecek"],
    "ihbar": ["ihbar ediyorum", "haberiniz olsun", "bildirmek istiyorum", "kacak yapi", "kacak kat",
              "kacak insaat"],
    "gorus_oneri": ["oneri", "onerim", "tavsiye", "fikrim", "iyi olur", "iyi olurdu", "guzel olur"],
    "istek": ["talep ediyoruz", "rica ederim", "istiyoruz", "istiyorum", "yapilmasini", "yapilsin", "lutfen"],
    "sikayet": ["sikayetci", "rezalet", "biktik", "magdur", "yaziklar", "ilgilenmiyorlar", "ihmal"],
}  # fmt: skip


def test_every_cue_alternative_is_found() -> None:
    assert set(CUE_EXAMPLES) == set(TYPE_CUES)
    for code, phrases in CUE_EXAMPLES.items():
        for phrase in phrases:
            view = f"sokak {phrase} bugun"
            assert code in _reference_cues(view), phrase  # the example really is an alternative
            assert type_cues(view) == _reference_cues(view), phrase
    for view in map(ascii_view, EDGE_TEXTS):
        assert type_cues(view) == _reference_cues(view), view


def test_type_cues_equal_plain_search_on_real_complaints(real_texts: list[str]) -> None:
    hits = 0
    for text in real_texts:
        view = ascii_view(text)
        expected = _reference_cues(view)
        hits += bool(expected)
        assert type_cues(view) == expected, view[:80]
        assert type_cues(view, ["istek", "sikayet"]) == [c for c in expected if c in ("istek", "sikayet")]
    assert hits > 0


def test_single_call_equals_batch_code_bit_for_bit(clf: Classifier, real_texts: list[str]) -> None:
    """classify(t) (1-D fast path) == classify_many([t]) (the batch-shaped code on one row)."""
    texts = EDGE_TEXTS + real_texts
    for text in texts:
        assert clf.classify(text, locate=False) == clf.classify_many([text], locate=False)[0], text[:80]
    with_subject = clf.classify(texts[5], subject=" Konu ", locate=False)
    assert with_subject == clf.classify_many([texts[5]], subjects=[" Konu "], locate=False)[0]
    for model in (clf.bundle.topic, clf.bundle.type_model.model):  # type: ignore[union-attr]
        for text in texts:
            toks = tokenize(ascii_view(text))
            one = model.proba_one(toks, list(bigrams(toks)))
            # the batch-shaped single path (one row through the batch probability code)
            row = model.linear.proba_from_scores(model.scorer.scores([toks]))[0]
            assert np.array_equal(one, row), text[:80]
            assert np.array_equal(model.proba_one(toks), one)


def test_classify_rejects_non_text(clf: Classifier) -> None:
    from classifier.errors import InputError

    with pytest.raises(InputError):
        clf.classify(None)  # type: ignore[arg-type]


def test_emoji_pattern_starts_at_the_prefilter_bound() -> None:
    """clean() runs the emoji substitution only when a character >= U+200D occurs."""
    assert not any(textmod._EMOJI_RE.match(chr(c)) for c in range(0x200D))
    assert textmod._EMOJI_RE.match("\u200d") and textmod._MAY_HAVE_EMOJI("\u200d")


def test_tokenize_on_ascii_views_equals_the_unicode_pattern(real_texts: list[str]) -> None:
    unicode_words = re.compile(r"\w+").findall
    views = [ascii_view(t) for t in EDGE_TEXTS + real_texts] + ["a_b 12x ß ı", "".join(map(chr, range(128)))]
    assert any(v.isascii() for v in views) and not all(v.isascii() for v in views)
    for view in views:
        assert tokenize(view) == unicode_words(view), view[:80]

"""Turkish wording for the problems PyYAML and RE2 report in English, so that a supervisor reads every
rule-file error in Turkish. Names, keys and pattern fragments are kept as they are."""

from __future__ import annotations

import re
from typing import Any

import yaml

_YAML = "YAML yazım hatası: "
_QUOTE_HINT = "metin olarak kullanmak için tırnak içine alın"

# (PyYAML's problem text, Turkish); the first match wins. Token names in the English text are dropped.
_YAML_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (r"^mapping values are not allowed here",
         "burada ':' ile değer verilemez; girintiyi kontrol edin (değer ':' içeriyorsa tırnak içine alın)"),
        (r"^could not find expected ':'", "beklenen ':' bulunamadı; anahtarın ardından ':' yazın"),
        (r"^found character '\\t' that cannot start any token",
         "sekme (Tab) karakteri kullanılamaz; girinti için boşluk kullanın"),
        (r"^found character (.*) that cannot start any token", r"bir değer \1 karakteriyle başlayamaz; " + _QUOTE_HINT),
        (r"^expected <block end>, but found",
         "girinti hatalı: bu satır üstündeki satırlarla aynı hizada değil"),
        (r"^expected the node content, but found", "burada bir değer bekleniyordu"),
        (r"^found unexpected end of stream",
         "metin beklenmedik biçimde bitti; kapanmamış bir tırnak ya da parantez olabilir"),
        (r"^found unknown escape character (.*)",
         r"bilinmeyen kaçış karakteri \1; ters eğik çizgiyi '\\\\' diye yazın ya da tek tırnak kullanın"),
        (r"^expected ',' or '\]', but got", "',' ya da ']' bekleniyordu"),
        (r"^expected ',' or '\}', but got", "',' ya da '}' bekleniyordu"),
        (r"^but found another document|^expected a single document",
         "kural dosyası tek bir YAML belgesi olmalı ('---' ile ikinci bir belge başlatılamaz)"),
        (r"^sequence entries are not allowed here",
         "burada '-' ile liste öğesi başlatılamaz; girintiyi kontrol edin"),
        (r"^mapping keys are not allowed here", "burada anahtar yazılamaz; girintiyi kontrol edin"),
        (r"^found unexpected document separator", "beklenmeyen belge ayırıcısı ('---' ya da '...')"),
        (r"^expected a comment or a line break", "burada satır sonu ya da açıklama (#) bekleniyordu"),
        (r"^expected '<document start>', but found", "girinti hatalı: satır beklenmeyen bir yerde başlıyor"),
        (r"^found undefined tag handle|^expected '!'|^expected non-empty name appended to the tag|^expected URI",
         "YAML etiketleri kural dosyalarında kullanılamaz"),
        (r"^found duplicate YAML directive|^found incompatible YAML document",
         "YAML yönergeleri (%YAML, %TAG) kural dosyalarında kullanılamaz"),
        (r"^expected alphabetic or numeric character", "geçersiz çapa ya da takma ad adı"),
        (r"^expected ' ', but found", "işaretten sonra bir boşluk bekleniyordu"),
        (r"^expected escape sequence of (\d+) hexadecimal numbers", r"kaçış dizisi \1 onaltılık rakam ister"),
        (r"indentation indicator|chomping", "çok satırlı metin ('|' ya da '>') başlığı hatalı"),
    )
)  # fmt: skip


def yaml_problem_tr(exc: yaml.MarkedYAMLError) -> str:
    """A PyYAML syntax error as a Turkish sentence (our own limit errors are Turkish already)."""
    english = str(exc.problem or exc.context or "")
    for pattern, text in _YAML_PROBLEMS:
        m = pattern.search(english)
        if m:
            return _YAML + m.expand(text)
    return _YAML + "girintiyi, ':' işaretlerini ve tırnakları kontrol edin"


def construct_problem_tr(node: yaml.Node, exc: Exception) -> str:
    """Why a scalar is not a valid value, in Turkish."""
    problem = getattr(exc, "problem", None)
    if isinstance(problem, str) and problem.endswith(_QUOTE_HINT):  # our own number limit
        return problem
    tag = getattr(node, "tag", "") or ""
    if tag.endswith(":timestamp"):
        return "tarih anlaşılamadı; " + _QUOTE_HINT
    if tag.endswith(":bool"):
        return "true ya da false bekleniyordu"
    if tag.endswith((":int", ":float")):
        return "sayı anlaşılamadı; " + _QUOTE_HINT
    return "değer okunamadı; " + _QUOTE_HINT


_RE2_PROBLEMS = {
    "missing )": "kapanmayan parantez",
    "unexpected )": "açılmamış bir parantez kapanıyor",
    "missing ]": "kapanmayan köşeli parantez",
    "bad repetition operator": "tekrar işareti (*, +, ?, {n}) yanlış yerde",
    "missing argument to repetition operator": "tekrar işaretinden (*, +, ?) önce bir şey olmalı",
    "no argument for repetition operator": "tekrar işaretinden (*, +, ?) önce bir şey olmalı",
    "bad repetition argument": "tekrar sayısı ({n,m}) geçersiz",
    "invalid repetition size": "tekrar sayısı ({n,m}) çok büyük ya da geçersiz",
    "invalid escape sequence": "geçersiz kaçış dizisi",
    "trailing \\": "desen tek başına bir ters eğik çizgiyle (\\) bitiyor",
    "invalid character class range": "köşeli parantez içindeki aralık geçersiz",
    "invalid character class": "köşeli parantez içindeki karakter sınıfı geçersiz",
    "invalid named capture group": "adlandırılmış grup geçersiz",
    "invalid perl operator": "(? ile başlayan yapı desteklenmez",
    "invalid UTF-8": "desen geçersiz UTF-8 içeriyor",
    "pattern too large - compile failed": "desen çok büyük",
    "pattern too large - reverse compile failed": "desen çok büyük",
}


def re2_problem_tr(detail: Any) -> str:
    """RE2's compile error ("missing ): (a") as Turkish, keeping the pattern fragment it points at."""
    text = str(detail)
    head, _, fragment = text.partition(": ")
    turkish = _RE2_PROBLEMS.get(head.strip()) or _RE2_PROBLEMS.get(text.strip())
    if turkish is None:
        return "desen derlenemedi (kural desenleri RE2 ile çalışır)"
    return f"{turkish}: {fragment}" if fragment and head.strip() in _RE2_PROBLEMS else turkish


def template_problem_tr(message: str) -> str:
    """hub.reply_templates' problem (English, which the canned-reply pages map themselves) in Turkish."""
    m = re.match(r"unbalanced '(.)'", message)
    if m:
        tok = m.group(1)
        return f"şablonda eşi olmayan '{tok}'; süslü parantezin kendisi için '{tok}{tok}' yazın"
    m = re.match(r"unknown placeholder '(.*)'$", message)
    if m:
        return f"bilinmeyen yer tutucu: {m.group(1)}"
    m = re.match(r"bad placeholder '(.*)'$", message)
    if m:
        return f"geçersiz yer tutucu: {m.group(1)}"
    return "şablon geçersiz"

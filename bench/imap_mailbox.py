"""A deterministic, varied Turkish mailbox for the IMAP benchmark (bench/imap_intake.py).

``mailbox(n, seed)`` gives the same ``n`` raw e-mails for the same seed: complaint texts from
the project's own seed corpus placed in Kayseri mahalle (weighted by population), written in
UTF-8, windows-1254 (declared and undeclared) or ISO-8859-9, sent quoted-printable, base64 or
8-bit, as plain text, plain+HTML alternatives, HTML only, or with a photo/PDF attached; some
senders write twice, a few mails are auto-replies (ignored) or have no sender (quarantined).

Each ``Mail`` carries the text the hub must store for it exactly (``expected``; None where the
hub derives it, e.g. from HTML), so the benchmark can check every body after the run.
"""

from __future__ import annotations

import base64
import csv
import quopri
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "classifier" / "data"
FIRST = [
    "Ayşe",
    "Fatma",
    "Hülya",
    "Gülşen",
    "Şükrü",
    "İsmail",
    "Çağrı",
    "Ömer",
    "Ümran",
    "Oğuz",
    "Işıl",
    "Ali",
]
LAST = ["Yılmaz", "Öztürk", "Çelik", "Şahin", "Doğan", "Kılıç", "Aydın", "Güneş", "Özdemir", "Kaya"]
OPENERS = [
    "Merhaba, {m} Mahallesi'nde ({i}) oturuyorum.",
    "Sayın yetkili, {i} ilçesi {m} mahallesinden yazıyorum.",
    "İyi günler. {m} mah. {i} / Kayseri.",
    "{m} Mahallesi sakinleri adına yazıyorum.",
    "",  # no place: the locator finds nothing
]
CLOSERS = [
    "Gereğinin yapılmasını saygılarımla arz ederim.",
    "İlginize şimdiden teşekkür ederim.",
    "Lütfen en kısa sürede ilgilenin; çocuklar, yaşlılar mağdur oluyor.",
    "Konuyu üç kez bildirdim, hâlâ çözülmedi!",
    "",
]
CHARSETS = [("utf-8", 0.55), ("windows-1254", 0.30), ("cp1254-undeclared", 0.07), ("iso-8859-9", 0.08)]
ENCODINGS = [("quoted-printable", 0.45), ("base64", 0.35), ("8bit", 0.20)]
SHAPES = [("plain", 0.55), ("alternative", 0.20), ("attachment", 0.15), ("html", 0.06), ("reply", 0.04)]


@dataclass(frozen=True, slots=True)
class Mail:
    raw: bytes
    message_id: str
    charset: str  # as sent; "cp1254-undeclared" has no charset parameter
    shape: str  # plain | alternative | attachment | html | reply | auto_reply | no_sender
    expected: str | None  # the body text the hub must store, exactly


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _corpus() -> list[str]:
    with (DATA / "seed_corpus.csv").open(encoding="utf-8") as fh:
        return [r["text"] for r in csv.DictReader(fh) if r["label"] != "out_of_scope" and len(r["text"]) > 25]


def _places() -> tuple[list[tuple[str, str]], list[float]]:
    with (DATA / "gazetteer_kayseri.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["unit_kind"] == "mahalle"]
    return [(r["ilce"], r["mahalle"]) for r in rows], [float(r["population"] or 1) for r in rows]


def _codec(charset: str) -> str:
    return "cp1254" if charset == "cp1254-undeclared" else charset


def _encode_body(text: str, charset: str, cte: str) -> bytes:
    data = text.encode(_codec(charset))
    if cte == "base64":
        return base64.encodebytes(data.replace(b"\n", b"\r\n")).replace(b"\n", b"\r\n")
    if cte == "quoted-printable":
        data = quopri.encodestring(data)
    return data.replace(b"\n", b"\r\n")


def _part(ctype: str, text: str, charset: str, cte: str) -> bytes:
    param = "" if charset == "cp1254-undeclared" else f'; charset="{charset}"'
    head = f"Content-Type: {ctype}{param}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    return head.encode("ascii") + _encode_body(text, charset, cte)


def _header(value: str, charset: str, rng: random.Random) -> str:
    """RFC 2047 words in the body's charset or in UTF-8, as mail clients do either."""
    if value.isascii():
        return value
    cs = "windows-1254" if charset == "cp1254-undeclared" or rng.random() < 0.3 else charset
    return Header(value, "utf-8" if rng.random() < 0.3 else cs).encode(linesep="\r\n")


def _html(text: str) -> str:
    paras = "".join(f"<p>{p.replace('&', '&amp;').replace('<', '&lt;')}</p>" for p in text.split("\n\n"))
    return f"<html><head><style>p{{margin:0}}</style></head><body>{paras}</body></html>"


def _attachment(rng: random.Random, i: int) -> bytes:
    if rng.random() < 0.7:
        name, ctype = f"fotograf_{i}.jpg", "image/jpeg"
        data = b"\xff\xd8\xff\xe0\x00\x10JFIF" + rng.randbytes(rng.randrange(3_000, 60_000))
    else:
        name, ctype = f"dilekce_{i}.pdf", "application/pdf"
        data = b"%PDF-1.4\n" + rng.randbytes(rng.randrange(5_000, 40_000))
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    head = f'Content-Type: {ctype}; name="{name}"\r\nContent-Transfer-Encoding: base64\r\n'
    head += f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'
    return head.encode("ascii") + b64


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> tuple[str, bytes]:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    body += b"--" + boundary.encode() + b"--\r\n"
    return f'multipart/{subtype}; boundary="{boundary}"', body


def _sentence(text: str) -> str:
    """First letter up, the Turkish way (i -> İ, ı -> I); the rest as written."""
    first = {"i": "İ", "ı": "I"}.get(text[0], text[0].upper())
    return first + text[1:]


def _text(rng: random.Random, corpus: list[str], places: list[tuple[str, str]], weights: list[float]) -> str:
    ilce, mahalle = rng.choices(places, weights)[0]
    lines = [rng.choice(OPENERS).format(m=mahalle, i=ilce), _sentence(rng.choice(corpus)) + "."]
    if rng.random() < 0.35:
        lines.append(_sentence(rng.choice(corpus)) + ", bunu da eklemek isterim.")
    closer = rng.choice(CLOSERS)
    body = " ".join(x for x in lines if x)
    return f"{body}\n\n{closer}" if closer else body


def mailbox(n: int = 5000, seed: int = 15) -> list[Mail]:
    rng = random.Random(seed)
    corpus = _corpus()
    places, weights = _places()
    base = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    out: list[Mail] = []
    for i in range(n):
        charset, cte = _pick(rng, CHARSETS), _pick(rng, ENCODINGS)
        shape = _pick(rng, SHAPES)
        roll = rng.random()
        if roll < 0.005:
            shape = "auto_reply"
        elif roll < 0.01:
            shape = "no_sender"
        person = rng.randrange(max(1, n * 2 // 3))  # about one sender in four writes again
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        text = _text(rng, corpus, places, weights)
        message_id = f"<imapbench-{seed}-{i}@example.org>"
        subject = rng.choice(["Şikâyet", "Talep", "Acil: yardım", "Mahallemizdeki sorun", "Bilgi edinme"])
        extra = ""
        expected: str | None = text
        if shape == "plain" or shape in ("auto_reply", "no_sender"):
            ctype, body = "", _part("text/plain", text, charset, cte)
        elif shape == "alternative":
            ctype, body = _multipart(
                "alternative", f"alt-{i}", [_part("text/plain", text, charset, cte), _part("text/html", _html(text), charset, cte)]
            )  # fmt: skip
        elif shape == "attachment":
            ctype, body = _multipart(
                "mixed", f"mix-{i}", [_part("text/plain", text, charset, cte), _attachment(rng, i)]
            )  # fmt: skip
        elif shape == "html":
            ctype, body, expected = "", _part("text/html", _html(text), charset, cte), None
        else:  # reply: threads by In-Reply-To to a mail earlier in the box, when that one opened a request
            parent = rng.randrange(max(1, i))
            extra = f"In-Reply-To: <imapbench-{seed}-{parent}@example.org>\r\n"
            subject = "Ynt: " + subject
            ctype, body = "", _part("text/plain", text, charset, cte)
        if not ctype:  # a single part: its headers become the message's
            head_end = body.index(b"\r\n\r\n")
            part_head, body = body[:head_end].decode("ascii"), body[head_end + 4 :]
        else:
            part_head = f"Content-Type: {ctype}"
        sender = f"{_header(name, charset, rng)} <vatandas{person}@example.org>"
        if shape == "no_sender":
            sender, expected = _header(name, charset, rng), None
        if shape == "auto_reply":
            extra += "Auto-Submitted: auto-replied\r\n"
            expected = None
        head = (
            f"From: {sender}\r\nTo: talep@kayseri.bel.tr\r\nSubject: {_header(subject, charset, rng)}\r\n"
            f"Date: {format_datetime(base + timedelta(minutes=i))}\r\nMessage-ID: {message_id}\r\n{extra}"
            f"MIME-Version: 1.0\r\n{part_head}\r\n\r\n"
        )
        out.append(Mail(head.encode("ascii") + body, message_id, charset, shape, expected))
    return out


def summary(mails: list[Mail]) -> dict[str, dict[str, int]]:
    """How the mailbox is made up (printed with the benchmark so a reader sees the mix)."""
    out: dict[str, dict[str, int]] = {"charset": {}, "shape": {}}
    for m in mails:
        out["charset"][m.charset] = out["charset"].get(m.charset, 0) + 1
        out["shape"][m.shape] = out["shape"].get(m.shape, 0) + 1
    out["bytes"] = {"total": sum(len(m.raw) for m in mails)}
    return out

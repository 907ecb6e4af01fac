"""Long base64 runs skip the stdlib's line-by-line parser (connectors/email/runs.py): the parsed
message must be the very one the stdlib builds from the original bytes, part by part."""

from __future__ import annotations

import base64
import email
import random
from email.message import Message

import pytest

from connectors.email.mime import parse_message
from connectors.email.runs import fold, unfold

RNG = random.Random(15)
PHOTO = bytes(RNG.randrange(256) for _ in range(60_000))
TEXT = "Sayın yetkili, Gül Sokak'taki çöp konteyneri üç gündür boşaltılmadı. Şikâyetimi iletiyorum.\n" * 80


def b64(data: bytes, eol: bytes = b"\r\n", width: int = 76) -> bytes:
    flat = base64.b64encode(data)
    return eol.join(flat[i : i + width] for i in range(0, len(flat), width)) + eol


def mixed(attachment: bytes, eol: bytes = b"\r\n", *, preamble: bytes = b"", epilogue: bytes = b"") -> bytes:
    parts = [
        b"From: Ay\xc5\x9fe <ayse@example.com>",
        b"Subject: foto",
        b"Message-ID: <runs@example.com>",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="sinir"',
        b"",
        preamble + b"--sinir",
        b'Content-Type: text/plain; charset="utf-8"',
        b"Content-Transfer-Encoding: 8bit",
        b"",
        "Çukur var, fotoğraf ekte.".encode(),
        b"--sinir",
        b'Content-Type: image/jpeg; name="cukur.jpg"',
        b"Content-Transfer-Encoding: base64",
        b'Content-Disposition: attachment; filename="cukur.jpg"',
        b"",
    ]
    return eol.join(parts) + eol + attachment + b"--sinir--" + eol + epilogue


def shape(msg: Message) -> list[tuple]:
    return [
        (
            part.get_content_type(),
            part._payload if isinstance(part._payload, str) else None,  # type: ignore[attr-defined]
            part.preamble,
            part.epilogue,
            [type(d).__name__ for d in part.defects],
            part.items(),
        )
        for part in msg.walk()
    ]


def folded_parse(raw: bytes, min_run: int = 4096) -> tuple[Message, int]:
    data, token, runs = fold(raw, min_run)
    msg = email.message_from_bytes(data)
    unfold(msg, token, runs)
    return msg, len(runs)


CASES = {
    "crlf": mixed(b64(PHOTO)),
    "lf": mixed(b64(PHOTO, b"\n"), b"\n"),
    "blank lines before the boundary": mixed(b64(PHOTO) + b"\r\n\r\n"),
    "no line ending before the boundary": mixed(b64(PHOTO)[:-2]),
    "lone CR inside": mixed(b64(PHOTO[:30_000]) + b"QUJD\rREVG\r\n" + b64(PHOTO[30_000:])),
    "blank line inside": mixed(b64(PHOTO[:30_000]) + b"\r\n" + b64(PHOTO[30_000:])),
    "long lines": mixed(b64(PHOTO, width=2000)),
    "short lines": mixed(b64(PHOTO, width=4)),
    "preamble and epilogue": mixed(
        b64(PHOTO), preamble=b64(PHOTO[:9000]) + b"\r\n", epilogue=b64(PHOTO[:9000])
    ),
    "epilogue without a final line ending": mixed(b64(PHOTO), epilogue=b64(PHOTO[:9000])[:-2]),
    "marker text in the mail": mixed(b64(PHOTO)).replace(b"ekte.", b"talephubrun0123456789abcdefx0 ekte."),
}


def _cp1254_base64_text() -> bytes:
    head = (
        b"From: a@example.com\r\nMessage-ID: <t@example.com>\r\nContent-Type: text/plain; charset=windows-1254\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return head + b64(TEXT.replace("\n", "\r\n").encode("cp1254"))


def _forwarded() -> bytes:
    inner = mixed(b64(PHOTO))
    return (
        b"From: b@example.com\r\nMessage-ID: <f@example.com>\r\nContent-Type: multipart/mixed; boundary=dis\r\n\r\n"
        b"--dis\r\nContent-Type: text/plain\r\n\r\niletiyorum\r\n--dis\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner
        + b"\r\n--dis--\r\n"
    )


def _broken_multipart() -> bytes:
    # No boundary parameter: the stdlib keeps the whole body as one payload (recovered later).
    return mixed(b64(PHOTO)).replace(b'multipart/mixed; boundary="sinir"', b"multipart/mixed")


def _base64_headers_only() -> bytes:
    return b"From: c@example.com\r\nContent-Type: message/rfc822\r\n\r\n" + b64(PHOTO)


CASES |= {
    "windows-1254 text in base64": _cp1254_base64_text(),
    "forwarded mail with a photo": _forwarded(),
    "multipart without a boundary": _broken_multipart(),
    "message part holding base64": _base64_headers_only(),
    "alnum prose lines": b"From: d@example.com\r\n\r\n" + (b"Merhabalarrrrrrrrrrrrrr\r\n" * 600),
}


@pytest.mark.parametrize("name", list(CASES))
def test_folded_parse_is_the_stdlib_parse(name: str) -> None:
    raw = CASES[name]
    expected = email.message_from_bytes(raw)
    got, folded = folded_parse(raw)
    assert shape(got) == shape(expected)
    if name in ("crlf", "lf", "forwarded mail with a photo", "windows-1254 text in base64"):
        assert folded >= 1  # the case really exercises the fold


def test_the_hub_reads_the_same_message_either_way() -> None:
    for raw in CASES.values():
        unfolded = email.message_from_bytes(raw)
        got, _ = folded_parse(raw)
        assert [p.get_payload(decode=True) for p in got.walk()] == [
            p.get_payload(decode=True) for p in unfolded.walk()
        ]
    message = parse_message(CASES["crlf"])
    assert message is not None and message.text == "Çukur var, fotoğraf ekte."
    assert [a.data for a in message.attachments] == [PHOTO]
    text = parse_message(CASES["windows-1254 text in base64"])
    assert text is not None and text.text == TEXT.strip()


def test_random_layouts_parse_the_same() -> None:
    rng = random.Random(1254)
    for _ in range(60):
        blobs = [bytes(rng.randrange(256) for _ in range(rng.choice([10, 3000, 12_000]))) for _ in range(3)]
        eol = rng.choice([b"\r\n", b"\n"])
        body = b"".join(
            b"--b" + eol + b"Content-Transfer-Encoding: base64" + eol + eol + b64(blob, eol, rng.choice([60, 76]))
            + rng.choice([b"", eol, eol + eol])
            for blob in blobs
        )  # fmt: skip
        raw = b"Content-Type: multipart/mixed; boundary=b" + eol + eol + body + b"--b--" + eol
        if rng.random() < 0.3:
            raw = raw[: rng.randrange(len(raw))]  # cut anywhere: a truncated download
        expected = email.message_from_bytes(raw)
        got, _ = folded_parse(raw, min_run=rng.choice([16, 4096]))
        assert shape(got) == shape(expected)

"""Long base64 runs taken out of a raw mail before the stdlib parser reads it, and put back after.

The stdlib's feed parser reads a body line by line in Python: a 2 MB photo is some 27,000
lines and about 50 ms of CPU, more than the rest of the hub spends on the mail. A run of base64
lines holds no MIME boundary (no ``-``), no header (no ``:``) and no blank line, so the parser
treats a one-line marker in its place exactly as it treats the run. ``fold`` swaps each long run
for a marker; ``unfold`` puts the original text back into every parsed payload, so each part
ends up with the very payload string the parser would have built from the original bytes.
"""

from __future__ import annotations

import re
import secrets
from email.message import Message

MIN_RUN = 4096  # shorter runs cost the parser less than finding them
MIN_MESSAGE = 2 * MIN_RUN
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_BODY_START = re.compile(rb"\n\r?\n")  # a blank line: what follows may be a body
_RUN_END = re.compile(rb"\n(?:\r?\n|-)")  # a blank line, or a line that may be a boundary
_MARKER = re.compile(r"talephubrun([0-9a-f]{16})x([0-9]+)")  # one pattern: tokens vary, compiling is slow
_LONE_CR = re.compile(rb"\r(?!\n)")  # a line break to the parser, not to the run finder


def _runs(raw: bytes, min_run: int) -> list[tuple[int, int]]:
    """Spans of runs, found with a few C-speed passes: from just after a blank line, whole lines
    of base64 characters ending in LF or CRLF, up to the line before the next blank line or the
    next line starting with ``-`` (a boundary)."""
    spans: list[tuple[int, int]] = []
    done = 0
    for blank in _BODY_START.finditer(raw):
        start = blank.end()
        if start < done:
            continue
        first_end = raw.find(b"\n", start)
        if first_end < 0:
            break
        first = raw[start:first_end].removesuffix(b"\r")
        if not first or first.translate(None, _B64):
            continue  # not base64 (a text body, a header block)
        stop = _RUN_END.search(raw, start)
        end = raw.rfind(b"\n", start, stop.start() + 1 if stop else len(raw)) + 1
        if end - start < min_run:
            continue
        region = raw[start:end]
        if region.translate(None, _B64 + b"\r\n") or _LONE_CR.search(region):
            continue  # something else in it
        spans.append((start, end))
        done = end
    return spans


def fold(raw: bytes, min_run: int = MIN_RUN) -> tuple[bytes, str, list[str]]:
    """``raw`` with every base64 run of at least ``min_run`` bytes replaced by a marker line;
    returns the folded bytes, the marker's token and the runs (without their last line ending)."""
    if len(raw) < max(MIN_MESSAGE, min_run):
        return raw, "", []
    token = secrets.token_hex(8)
    while token.encode() in raw:  # the marker must not occur in the mail itself
        token = secrets.token_hex(8)
    pieces: list[bytes] = []
    runs: list[str] = []
    last = 0
    for start, end in _runs(raw, min_run):
        eol = 2 if raw[end - 2 : end] == b"\r\n" else 1
        pieces.append(raw[last:start])
        pieces.append(b"talephubrun%sx%d" % (token.encode(), len(runs)))
        runs.append(raw[start : end - eol].decode("ascii"))
        last = end - eol
    if not runs:
        return raw, "", []
    pieces.append(raw[last:])
    return b"".join(pieces), token, runs


def unfold(msg: Message, token: str, runs: list[str]) -> None:
    """Put the runs ``fold`` took out back into every payload, preamble and epilogue of ``msg``."""
    if not runs:
        return

    def back(text: str) -> str:
        if token not in text:
            return text
        return _MARKER.sub(lambda m: runs[int(m.group(2))] if m.group(1) == token else m.group(0), text)

    for part in msg.walk():
        payload = getattr(part, "_payload", None)
        if isinstance(payload, str):
            part._payload = back(payload)  # type: ignore[attr-defined]
        for attr in ("preamble", "epilogue"):
            value = getattr(part, attr, None)
            if isinstance(value, str):
                setattr(part, attr, back(value))

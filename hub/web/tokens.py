"""Signed form tokens: each rendered form carries a server-made submission id.

The token is ``<form_id>.<issued unix time>.<hmac>``. The form id becomes the message's
external id, so submitting the same form twice opens one request. The key lives in
``data_dir/webform.key`` so tokens stay valid across restarts and across hub processes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

TOKEN_MAX_AGE = 24 * 3600  # a citizen may leave the form open for a while


class TokenError(ValueError):
    """The token is missing, damaged, forged or too old."""


@dataclass(frozen=True)
class FormToken:
    form_id: str
    issued: int
    value: str


def load_key(path: Path) -> bytes:
    """Read the signing key, creating it once (0600) if it does not exist yet."""
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    try:
        # link() fails if another process won the race; then its key is the key.
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    return key


class FormSigner:
    def __init__(self, key: bytes, max_age: int = TOKEN_MAX_AGE) -> None:
        self.key = key
        self.max_age = max_age

    def _sig(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def answer_key(self, code: str) -> str:
        """The key in a status link that shows the answers: /takip/{code}?anahtar=...

        Tracking codes are sequential and guessable; this key is not, so only the person who got
        the link (on the form's success page) can read the municipality's answers."""
        return self._sig("answers:" + code)[:16]

    def answer_key_ok(self, code: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.answer_key(code), str(given)[:40])

    def issue(self, now: float | None = None) -> FormToken:
        form_id = secrets.token_urlsafe(16)
        issued = int(now if now is not None else time.time())
        body = f"{form_id}.{issued}"
        return FormToken(form_id, issued, f"{body}.{self._sig(body)}")

    def verify(self, value: str | None, now: float | None = None) -> FormToken:
        if not value or len(value) > 200:
            raise TokenError("missing")
        parts = value.split(".")
        if len(parts) != 3:
            raise TokenError("malformed")
        form_id, issued_s, sig = parts
        if not hmac.compare_digest(sig, self._sig(f"{form_id}.{issued_s}")):
            raise TokenError("bad signature")
        try:
            issued = int(issued_s)
        except ValueError:
            raise TokenError("malformed") from None
        age = (now if now is not None else time.time()) - issued
        if age > self.max_age or age < -300:
            raise TokenError("expired")
        return FormToken(form_id, issued, value)

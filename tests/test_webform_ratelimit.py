"""The form's sliding-window limiter and signed tokens, on a fake clock (no sleeping)."""

from __future__ import annotations

import pytest

from hub.web.ratelimit import SlidingWindowLimiter
from hub.web.tokens import FormSigner, TokenError, load_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_key_and_window_slides() -> None:
    clock = Clock()
    lim = SlidingWindowLimiter(window=3600, clock=clock)
    assert lim.hit("1.2.3.4", 2) is None
    clock.now += 10
    assert lim.hit("1.2.3.4", 2) is None
    wait = lim.hit("1.2.3.4", 2)
    assert wait is not None and 3580 <= wait <= 3600
    assert lim.hit("5.6.7.8", 2) is None, "other addresses have their own allowance"
    clock.now += 3591  # the first hit leaves the window
    assert lim.check("1.2.3.4", 2) is None
    assert lim.hit("1.2.3.4", 2) is None
    assert lim.hit("1.2.3.4", 2) is not None


def test_refused_hits_are_not_counted_and_check_counts_nothing() -> None:
    clock = Clock()
    lim = SlidingWindowLimiter(window=60, clock=clock)
    assert lim.hit("a", 1) is None
    for _ in range(5):
        assert lim.hit("a", 1) is not None
        assert lim.check("a", 1) is not None
    clock.now += 61
    assert lim.check("a", 1) is None
    assert lim.remaining("a", 1) == 1
    assert lim.hit("a", 0) is not None, "a zero limit refuses everything"


def test_many_addresses_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import hub.web.ratelimit as rl

    monkeypatch.setattr(rl, "MAX_KEYS", 100)
    clock = Clock()
    lim = SlidingWindowLimiter(window=60, clock=clock)
    for i in range(1000):
        clock.now += 0.001
        assert lim.hit(f"10.0.{i // 256}.{i % 256}", 5) is None
    assert len(lim._hits) <= 100


def test_tokens_verify_and_refuse_tampering(tmp_path) -> None:  # noqa: ANN001
    key = load_key(tmp_path / "webform.key")
    assert load_key(tmp_path / "webform.key") == key, "the key is created once and reused"
    assert (tmp_path / "webform.key").stat().st_mode & 0o777 == 0o600
    signer = FormSigner(key)
    tok = signer.issue(now=5000)
    assert signer.verify(tok.value, now=5100).form_id == tok.form_id
    assert signer.issue().form_id != tok.form_id
    form_id, issued, sig = tok.value.split(".")
    for bad in (
        "",
        "x",
        f"{form_id}.{issued}",
        f"other.{issued}.{sig}",
        f"{form_id}.{int(issued) + 1}.{sig}",
    ):
        with pytest.raises(TokenError):
            signer.verify(bad, now=5100)
    with pytest.raises(TokenError):
        signer.verify(tok.value, now=5000 + 25 * 3600)
    with pytest.raises(TokenError):
        FormSigner(b"k" * 32).verify(tok.value, now=5100)

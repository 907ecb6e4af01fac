"""A tracking code in an e-mail subject joins the request only for its own citizen or a
department's mailbox; a stranger's e-mail with someone's code opens a request of its own."""

from __future__ import annotations

from connectors.base import RawMessage, Sender, ThreadHints


def _mail(hub, ext: str, sender: str, code: str, text: str):  # noqa: ANN001, ANN202
    return hub.intake.ingest(RawMessage(channel="email", external_id=f"<{ext}@example.com>", text=text,
                                        subject=f"Re: [{code}] Talebiniz", sender=Sender(email=sender),
                                        thread=ThreadHints(tracking_code=code)))  # fmt: skip


def test_code_in_subject_threads_for_the_citizen_and_departments_only(hub) -> None:  # noqa: ANN001
    first = hub.intake.ingest(RawMessage(channel="email", external_id="<c1@example.com>", sender=Sender(email="ayse@example.com"),
                                         text="Talas Mevlana Mahallesi su yok", subject="Su kesintisi"))  # fmt: skip
    code = first.tracking_code
    own = _mail(hub, "c2", "Ayse@Example.com", code, "Hâlâ su yok.")
    assert (own.request_id, own.threaded_by) == (first.request_id, "tracking_code")
    dept = _mail(hub, "d1", "kaski-talep@example.invalid", code, "Ekip yönlendirildi.")
    assert dept.request_id == first.request_id, "a department mailbox answering the forward joins"
    stranger = _mail(hub, "x1", "someone@elsewhere.example", code, "Bu talebi iptal edin.")
    assert stranger.request_id != first.request_id and stranger.created

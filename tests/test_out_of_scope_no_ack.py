"""A message the rules mark ``notify_citizen: false`` (the shipped ``kapsam-disi`` rule: chit-chat,
politics, other institutions' work) gets no automatic "başvurunuz kayda alındı" on any channel:
the auto-reply is the received notice and follows the same switch (found on YouTube, where a
"harika video" comment would have been answered; X and Telegram did the same)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from connectors.base import RawMessage, Sender


def _outbox_kinds(hub, request_id: int) -> list[str]:  # noqa: ANN001
    from hub.models import Outbox

    with hub.db.reader() as s:
        return [o.idempotency_key for o in s.exec(select(Outbox).where(Outbox.request_id == request_id))]


@pytest.mark.parametrize("channel,reply_to", [("telegram", {"chat_id": 42}), ("x", {"tweet_id": "17"})])
def test_no_acknowledgement_for_out_of_scope_chatter(hub, channel: str, reply_to: dict) -> None:  # noqa: ANN001
    res = hub.intake.ingest(RawMessage(channel=channel, external_id=f"{channel}-1", text="harika video, tebrikler 👏",
                                       sender=Sender(name="Can", external_id="u1"), reply_to=reply_to))  # fmt: skip
    from hub.models import Request

    with hub.db.reader() as s:
        req = s.get(Request, res.request_id)
        assert "kapsam-disi" in (req.tags or []), req.routing_trace
    assert not [k for k in _outbox_kinds(hub, res.request_id) if k.startswith(("autoreply:", "notify:"))]


def test_a_real_request_on_the_same_channel_is_still_acknowledged(hub) -> None:  # noqa: ANN001
    res = hub.intake.ingest(RawMessage(channel="telegram", external_id="tg-2",
                                       text="Talas Mevlana Mahallesi ana boru patladı, sokak su içinde kaldı.",
                                       sender=Sender(name="Ayşe", external_id="u2"), reply_to={"chat_id": 43}))  # fmt: skip
    assert f"autoreply:{res.request_id}" in _outbox_kinds(hub, res.request_id)


def test_a_youtube_author_is_one_contact_across_comments(hub) -> None:  # noqa: ANN001
    from hub.models import Request

    ids = [
        hub.intake.ingest(
            RawMessage(
                channel="youtube",
                external_id=f"yt-{i}",
                text=text,
                sender=Sender(name="Can Demir", external_id="UCcan"),
                reply_to={"comment_id": f"yt-{i}"},
            )
        ).request_id  # fmt: skip
        for i, text in enumerate(
            ["Sokağımızda çukur var, Talas Mevlana.", "Çukur hâlâ duruyor, Talas Mevlana."]
        )
    ]
    with hub.db.reader() as s:
        contacts = {s.get(Request, i).contact_id for i in ids}
    assert len(contacts) == 1 and None not in contacts

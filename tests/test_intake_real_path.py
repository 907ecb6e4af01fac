"""Intake on the real path (issue 15): the stored routing trace is compact and rebuilt exactly,
a batch fetches its duplicate candidates in one query with the same result as a query per
message, and a polled fetch goes in as one batch with the same idempotency, quarantine and
checkpoint semantics as one message at a time."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from connectors.base import FetchResult, Location, RawMessage, Sender
from hub.actions.privacy import scrub
from hub.models import OPEN_STATUSES, Checkpoint, Contact, Quarantine, Request
from hub.rules import stored_trace
from tests.conftest import using_postgres

PIPE = "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok."


def _capture_inputs(hub, monkeypatch) -> list[dict]:  # noqa: ANN001
    """The routing inputs intake hands to the rules, in order."""
    seen: list[dict] = []
    real = hub.rules.route_stored
    monkeypatch.setattr(hub.rules, "route_stored", lambda inp: seen.append(dict(inp)) or real(inp))
    return seen


def _detail_trace(hub, rid: int) -> dict:  # noqa: ANN001
    from hub.api.views import request_detail

    with hub.db.reader() as s:
        return request_detail(s, s.get(Request, rid))["routing"]["trace"]


def _stored(hub, rid: int) -> dict:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.get(Request, rid).routing_trace


def test_stored_trace_is_compact_and_the_page_gets_the_exact_full_trace(hub, monkeypatch) -> None:  # noqa: ANN001
    inputs = _capture_inputs(hub, monkeypatch)
    raws = [
        RawMessage(channel="email", external_id="<t1@x>", text=PIPE, subject="Su", sender=Sender(email="a@x.org")),
        RawMessage(channel="api", external_id="t2", text="Sokak köpekleri okul önünde çocuklara saldırıyor",
                   location=Location(mahalle="Çevlik", ilce="Talas"), sender=Sender(phone="05321112233")),
        RawMessage(channel="phone", external_id="t3", text="Otobüs 30 dakikadır gelmiyor, durakta bekliyoruz"),
    ]  # fmt: skip
    ids = [r.request_id for r in hub.intake.ingest_batch(raws)]
    ids.append(
        hub.intake.ingest(
            RawMessage(channel="api", external_id="t4", text="Kapımızın önünde çukur var")
        ).request_id
    )
    assert len(inputs) == 4
    for rid, inp in zip(ids, inputs, strict=True):
        stored = _stored(hub, rid)
        assert stored_trace.is_compact(stored)
        assert len(json.dumps(stored, ensure_ascii=False)) < 1200  # a full one is several KB
        expected = hub.rules.route(inp)["trace"]  # what intake stored before: explain on, due date computed
        assert expected["rules"], "the shipped rules explain every rule tried"
        assert _detail_trace(hub, rid) == json.loads(json.dumps(expected))


def test_trace_of_a_request_routed_by_an_earlier_rules_version(hub, monkeypatch) -> None:  # noqa: ANN001
    from hub import routing_trace

    inputs = _capture_inputs(hub, monkeypatch)
    rid = hub.intake.ingest(RawMessage(channel="api", external_id="v1", text=PIPE)).request_id
    before = json.loads(json.dumps(hub.rules.route(inputs[0])["trace"]))
    first_digest = hub.rules.ruleset.digest
    text = hub.rules.ruleset.source_text.replace(
        "fallback_department:", "# changed\n  fallback_department:", 1
    )
    hub.rules.activate_text(text)
    assert hub.rules.ruleset.digest != first_digest
    routing_trace._compiled.clear()  # as in another hub process: only the stored version text is there
    assert _detail_trace(hub, rid) == before


def test_full_traces_stored_by_older_versions_are_shown_as_they_are(hub) -> None:  # noqa: ANN001
    rid = hub.intake.ingest(RawMessage(channel="api", external_id="old", text=PIPE)).request_id
    legacy = {"ruleset": "abc123abc123", "rules": [{"rule": "su", "line": 3, "matched": True, "condition": {"held": True},
                                                   "actions": [{"action": "department", "value": "kaski"}]}],
              "not_tried": 0, "stopped_by": "su", "fallback": {"applied": False}, "sla": {"days": 3}}  # fmt: skip
    with hub.db.session() as s:
        s.get(Request, rid).routing_trace = legacy
    assert _detail_trace(hub, rid) == legacy


def test_a_trace_that_cannot_be_run_again_still_says_which_rules_matched(hub) -> None:  # noqa: ANN001
    rid = hub.intake.ingest(RawMessage(channel="api", external_id="gone", text=PIPE)).request_id
    stored = _stored(hub, rid)
    with hub.db.session() as s:
        s.get(Request, rid).routing_trace = {**stored, "digest": "f" * 64}  # a version that is not stored
    shown = _detail_trace(hub, rid)
    assert shown["note"] and [r["matched"] for r in shown["rules"]] == [True] * len(stored["matched"])
    assert shown["sla"] == stored["sla"]


def test_erasure_scrubs_the_rebuilt_trace(hub) -> None:  # noqa: ANN001
    from hub.actions.privacy import erase_contact
    from hub.auth import SYSTEM_CLI
    from hub.models import utcnow

    raw = RawMessage(channel="api", external_id="kvkk", text=PIPE + " Numaram 0532 999 88 77",
                     sender=Sender(name="Ayşe", phone="05329998877"))  # fmt: skip
    rid = hub.intake.ingest(raw).request_id
    full = _detail_trace(hub, rid)
    with hub.db.session() as s:
        req = s.get(Request, rid)
        req.status, req.outcome, req.closed_at = "closed", "olumlu", utcnow()  # as test_privacy closes them
        cid = req.contact_id
    with hub.db.session() as s:
        erase_contact(s, SYSTEM_CLI, cid, reason="başvuru 1")
    after = _stored(hub, rid)
    assert not stored_trace.is_compact(after)
    assert after == json.loads(json.dumps(scrub(full)))


# -- duplicates ----------------------------------------------------------------------------------------


def _seed_open_requests(hub) -> None:  # noqa: ANN001
    """Open requests in a few places over three weeks, more than the finder's limit in one."""
    base = datetime.now(UTC) - timedelta(days=20)
    texts = ["ana boru patladı sokak su içinde", "su borusu patlamış yola su akıyor", "sular kesik ne zaman gelecek",
             "parkın ışıkları yanmıyor", "kanalizasyon taştı pis su sokakta"]  # fmt: skip
    raws = []
    for i in range(45):
        mah, ilce = [("Mevlana", "Talas"), ("Esentepe", "Melikgazi"), ("Yeşil", "Kocasinan")][i % 3]
        raws.append(RawMessage(channel="cimer", external_id=f"seed-{i}", text=f"{texts[i % 5]} ({i})",
                               received_at=base + timedelta(hours=11 * i), location=Location(mahalle=mah, ilce=ilce),
                               metadata={"topic_hint": "su-kanalizasyon"}))  # fmt: skip
    hub.intake.ingest_batch(raws)


def test_batch_candidates_are_those_of_a_query_per_message(hub) -> None:  # noqa: ANN001
    from hub.intake.duplicates import DuplicateFinder

    _seed_open_requests(hub)
    finder = DuplicateFinder(window_days=7, limit=10)  # a small limit, so the cut matters
    now = datetime.now(UTC)
    asks = [  # (text, place, received_at): windows that start at different times
        ("boru patladı su akıyor", ("su-kanalizasyon", "Talas", "Mevlana"), now - timedelta(days=d))
        for d in (0, 3, 9, 14)
    ] + [("sular yine kesildi", ("su-kanalizasyon", "Melikgazi", "Esentepe"), now - timedelta(days=2)),
         ("su yok", ("su-kanalizasyon", None, "Mevlana"), now)]  # fmt: skip
    with hub.db.reader() as s:
        batch = finder.prefetch(s, [(place, at) for _, place, at in asks])
        for text, (topic, ilce, mahalle), at in asks:
            loc = {"ilce": ilce, "mahalle": mahalle}
            alone = finder.find(s, text, topic, loc, received_at=at)  # its own query
            assert finder.find(s, text, topic, loc, received_at=at, candidates=batch) == alone
            since = at - timedelta(days=7)
            own = batch.within((topic, ilce, mahalle), since, 10)
            assert own == finder.prefetch(s, [((topic, ilce, mahalle), at)]).within(
                (topic, ilce, mahalle), since, 10
            )
            # and what the definition says: its place's newest open requests since its window start
            every = s.exec(select(Request).where(Request.topic == topic, Request.mahalle == mahalle)).all()
            expect = sorted(
                (r for r in every if r.ilce == ilce and r.ilce is not None and r.status in OPEN_STATUSES
                 and r.received_at >= since),
                key=lambda r: (r.received_at, r.id), reverse=True)[:10]  # fmt: skip
            assert [row[0] for row in own] == [r.id for r in expect]
            assert ilce is None or expect, "the check compares something"
        assert any(
            finder.find(s, t, p[0], {"ilce": p[1], "mahalle": p[2]}, received_at=a) for t, p, a in asks
        )


def test_a_batch_fetches_its_duplicate_candidates_in_one_query(hub) -> None:  # noqa: ANN001
    _seed_open_requests(hub)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if "row_number" in statement.lower() or "cross join lateral" in statement.lower():
            statements.append(statement)

    raws = [RawMessage(channel="cimer", external_id=f"dup-{i}", text=f"boru patladı su akıyor {i}",
                       location=Location(mahalle=["Mevlana", "Esentepe", "Yeşil"][i % 3],
                                         ilce=["Talas", "Melikgazi", "Kocasinan"][i % 3]),
                       metadata={"topic_hint": "su-kanalizasyon"}) for i in range(12)]  # fmt: skip
    event.listen(hub.db.engine, "before_cursor_execute", count)
    try:
        results = hub.intake.ingest_batch(raws)
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    with hub.db.reader() as s:
        found = [s.get(Request, r.request_id).classification.get("duplicates") for r in results]
    assert all(found), "every one of them reports a burst pipe where others did"


# -- polled channels -----------------------------------------------------------------------------------


class FakeSource:
    name = channel = "telegram"

    def __init__(self, batches: list[list[RawMessage]]) -> None:
        self.batches = batches
        self.confirmed: list[str | None] = []

    async def fetch(self, checkpoint: str | None) -> FetchResult:
        n = int(checkpoint or 0)
        msgs = self.batches[n] if n < len(self.batches) else []
        return FetchResult(messages=msgs, checkpoint=str(n + 1))


def _chat(i: int, text: str = "Mahallemizde çöpler toplanmadı, konteyner taştı") -> RawMessage:
    return RawMessage(channel="telegram", external_id=f"chat-{i}", text=f"{text} ({i})",
                      sender=Sender(telegram_id=str(1000 + i % 3), name=f"V{i % 3}"))  # fmt: skip


async def test_a_polled_fetch_goes_in_as_one_batch(hub, monkeypatch) -> None:  # noqa: ANN001
    from hub.connectors_runtime import ConnectorRuntime

    calls: list[int] = []
    real_many, real_classify = hub.intake.classifier.classify_many, hub.intake.classifier.classify

    def many(items):  # noqa: ANN001, ANN202
        calls.append(len(items))
        if any("ZEHİR" in text for text, _, _ in items):
            raise ValueError("the model choked")
        return real_many(items)

    def choke(text, **kw):  # noqa: ANN001, ANN003, ANN202
        if "ZEHİR" in text:
            raise ValueError("the model choked")
        return real_classify(text, **kw)

    monkeypatch.setattr(hub.intake.classifier, "classify_many", many)
    monkeypatch.setattr(hub.intake.classifier, "classify", choke)
    first = [_chat(i) for i in range(6)] + [_chat(2)]  # one message twice in the fetch
    poison = RawMessage(
        channel="telegram", external_id="chat-poison", text="ZEHİR", sender=Sender(telegram_id="9")
    )
    src = FakeSource([first, [*first[:3], poison, _chat(7)]])
    rt = ConnectorRuntime(hub)
    await rt.poll_once(src)
    assert calls == [len(first)]  # one model call for the whole fetch
    await rt.poll_once(src)  # re-delivered messages, a poisonous one and a new one
    with hub.db.reader() as s:
        reqs = s.exec(select(Request).where(Request.channel == "telegram")).all()
        quarantined = s.exec(select(Quarantine).where(Quarantine.channel == "telegram")).all()
        checkpoint = s.get(Checkpoint, "telegram")
        contacts = s.exec(select(Contact)).all()
    assert sorted(r.external_id for r in reqs) == sorted(
        [f"chat-{i}" for i in (0, 1, 2, 3, 4, 5, 7)]
    )  # nothing doubled
    assert [q.external_id for q in quarantined] == ["chat-poison"]  # nothing lost
    assert checkpoint.value == "2"
    assert len(contacts) == 3  # three senders; the poisonous message left nothing behind


@pytest.mark.skipif(not using_postgres(), reason="SQLite serialises writers: no race to lose")
def test_concurrent_batches_of_one_new_citizen_both_go_in(hub) -> None:  # noqa: ANN001
    """Two hub processes (here: threads) take in batches from the same new sender at once: the
    batch that loses the race for the contact takes it in one by one and uses the winner's."""
    from hub.auth import SYSTEM_INTAKE

    holder = hub.db.session()
    session = holder.__enter__()
    from hub.actions.contacts import resolve_contacts

    resolve_contacts(session, SYSTEM_INTAKE, [(Sender(phone="05320000001"), "api")])  # uncommitted
    out: list = []
    t = threading.Thread(target=lambda: out.append(hub.intake.ingest_batch(
        [RawMessage(channel="api", external_id=f"race-{i}", text=PIPE, sender=Sender(phone="05320000001"))
         for i in range(3)])))  # fmt: skip
    t.start()
    t.join(timeout=2)  # blocked on the contact the other transaction is writing
    holder.__exit__(None, None, None)  # commit
    t.join(timeout=60)
    assert out and all(r.created for r in out[0])
    with hub.db.reader() as s:
        assert len(s.exec(select(Contact)).all()) == 1


def test_stored_routing_decides_as_routing_with_the_full_trace(hub) -> None:  # noqa: ANN001
    """route_stored (explain off, compact trace) gives the same decision as route (explain on), and
    the compact trace rebuilds to route's full trace, over a spread of the shipped rules' inputs."""
    import itertools

    from hub import routing_trace

    texts = [
        "Sabahtan beri su yok",
        "Rögar kapağı açık kaldı",
        "Sokakta yangın var duman yükseliyor",
        "Kar küreme yapılmadı yol kapandı",
        "Sahipsiz köpekler saldırıyor",
        "Yaralı kedi var",
        "Teşekkürler",
    ]
    topics = [None, "su-kanalizasyon", "yol-altyapi", "veteriner", "ulasim", "out_of_scope", "diger"]
    places = [(None, None), ("Talas", "Mevlana"), ("Sarız", "Yeni"), ("Melikgazi", "Esentepe")]
    whens = [
        datetime(2026, 3, 7, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
    ]  # Saturday night, Monday morning, a holiday
    combos = itertools.product(
        texts, topics, places, ["api", "cimer", "mbs"], [None, "muhtar"], [0.3, 0.9], whens
    )
    checked = 0
    for n, (text, topic, (ilce, mahalle), channel, kind, conf, when) in enumerate(combos):
        if n % 7:  # a spread, not every combination
            continue
        inp = {"text": text, "subject": None, "channel": channel, "request_type": "sikayet", "topic": topic,
               "topic_confidence": conf, "out_of_scope": topic == "out_of_scope", "ilce": ilce, "mahalle": mahalle,
               "contact_kind": kind, "has_attachments": bool(n % 2), "received_at": when, "is_duplicate": bool(n % 3),
               "tags": [], "tracking_code": f"KAY-2026-{n:06d}", "citizen_name": "Ayşe"}  # fmt: skip
        full, stored = hub.rules.route(inp), hub.rules.route_stored(inp)
        assert {k: v for k, v in stored.items() if k != "trace"} == {
            k: v for k, v in full.items() if k != "trace"
        }
        rebuilt = stored_trace.expand(stored["trace"], text=text, subject=None,
                                      ruleset_for=lambda d: routing_trace._compiled.get(d))  # fmt: skip
        assert rebuilt == full["trace"]
        checked += 1
    assert checked > 100

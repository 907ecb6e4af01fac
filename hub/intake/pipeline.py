"""The intake pipeline: one RawMessage, one transaction.

1. idempotency  - (channel, external_id) seen before? return what it became;
2. threading    - e-mail reply, tracking code, or open chat → existing request;
3. contact      - resolve the citizen across channels;
4. classify     - topic, type, location (through ``ClassifierPort``);
5. route        - department, priority, SLA (through ``RouterPort``);
6. persist      - request, message, events and outbox rows, all or nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import or_, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from connectors.base import RawMessage, Sender
from connectors.tracking import find_code, find_codes
from hub.actions import contacts
from hub.actions import requests as req_actions
from hub.actions.contacts import NewContact
from hub.actions.create import allocate_ids, create_requests
from hub.actions.requests import tracking_code
from hub.attachments import AttachmentStore
from hub.auth import SYSTEM_INTAKE
from hub.db import Database
from hub.intake.duplicates import Candidates, DuplicateFinder, Pending
from hub.intake.ports import ClassifierPort, RouterPort
from hub.intake.sanitize import without_nul
from hub.models import OPEN_STATUSES, Contact, ContactIdentity, Message, Request, Status, utcnow
from hub.observability import metrics
from hub.queries.departments import DepartmentInfo, active_departments

log = logging.getLogger(__name__)

_SEEN_MANY_PG = text(
    "SELECT m.channel, m.external_id, m.id, m.request_id, r.tracking_code"
    " FROM unnest(CAST(:channels AS text[]), CAST(:ext_ids AS text[])) AS w(channel, external_id)"
    " JOIN message m ON m.channel = w.channel AND m.external_id = w.external_id"
    " JOIN request r ON r.id = m.request_id"
)
FOLLOW_UP_DAYS = 7  # how long after an answer a chat message still belongs to that request
BATCH_ATTEMPTS = 3  # a batch that keeps losing races to concurrent writers is taken again this often
_SENDER_FIELDS = tuple(f.name for f in fields(Sender))


def lost_race(exc: Exception) -> bool:
    """A concurrent transaction wrote a row this one also writes: a unique key it took first, or a
    deadlock PostgreSQL broke by cancelling this statement. Either way a second try succeeds."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "40P01"  # deadlock_detected


@dataclass
class IntakeResult:
    request_id: int
    message_id: int | None
    tracking_code: str | None
    created: bool  # a new request was opened
    duplicate_delivery: bool = False  # the same message was delivered before
    threaded_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Intake:
    def __init__(
        self,
        db: Database,
        *,
        classifier: ClassifierPort,
        router: RouterPort,
        attachments: AttachmentStore,
        prefix: str = "KAY",
        il: str | None = None,
        duplicates: DuplicateFinder | None = None,
        base_url: str = "",
    ) -> None:
        self.db = db
        self.classifier = classifier
        self.router = router
        self.attachments = attachments
        self.prefix = prefix
        self.il = il
        self.duplicates = duplicates
        self.base_url = base_url
        # plain values, never ORM rows: a row dies with the session (and rollback) that loaded it
        self._dept_cache: tuple[str | None, dict[str, DepartmentInfo]] | None = None

    # -- entry points ------------------------------------------------------------
    def ingest(self, raw: RawMessage) -> IntakeResult:
        """One message in its own transaction (the API, webhooks)."""
        raw = without_nul(raw)
        pre = None
        if not self._has_thread_hints(raw):
            # Classified before the write transaction, which SQLite holds for the whole database.
            try:
                pre = {id(raw): self.classifier.classify(raw.text, subject=raw.subject,
                                                         known_location=self._known_location(raw))}  # fmt: skip
            except Exception:  # a re-delivery needs no model; a new message meets the error again inside
                pre = None
        for attempt in (1, 2):
            try:
                with self.db.session() as session:
                    return self.ingest_in(session, raw, savepoint=False, pre=pre)
            except IntegrityError:
                # Another transaction stored the same message between our check and insert...
                with self.db.reader() as session:
                    existing = self._seen(session, raw)
                if existing is not None:
                    return existing
                if attempt == 2:
                    raise
                # ...or something this message also creates (the sender's new contact, when the
                # same citizen writes twice at once): a second try finds it and uses it.
        raise AssertionError("unreachable")

    def ingest_batch(self, raws: Iterable[RawMessage]) -> list[IntakeResult]:
        """Ingest many messages in one transaction (imports, polled channels).

        Messages that cannot belong to an existing request (no thread hints) are
        opened together through one bulk write; the rest go one by one.
        """
        raws = [without_nul(r) for r in raws]
        pre = self.prepare_batch(raws)
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            try:
                with self.db.session() as session:
                    return self.ingest_batch_in(session, raws, pre)  # type: ignore[return-value]
            except (IntegrityError, OperationalError) as exc:
                # Another hub process wrote the same new citizen at the same moment, and taking the
                # batch one by one ran into it again (PostgreSQL broke a deadlock). All of this
                # transaction is undone; once the other one committed, a new try finds its rows.
                if attempt == BATCH_ATTEMPTS or not lost_race(exc):
                    raise
                log.info("batch of %d lost a race with a concurrent writer; taking it again", len(raws))
        raise AssertionError("unreachable")

    def prepare_batch(self, raws: list[RawMessage]) -> dict[int, dict[str, Any]]:
        """Classify a batch before taking the write transaction: it is the slow, pure part of
        intake, and one model call for the batch is about twice as fast per text as single calls.
        Re-deliveries (a re-polled mailbox, a re-imported file) and replies need no model."""
        fresh = [r for r in raws if not self._has_thread_hints(r)]
        if len(fresh) > 1:
            with self.db.reader() as session:
                seen = self._seen_many(session, fresh)
            fresh = [r for r in fresh if (r.channel, r.external_id) not in seen]
        return self._preclassify(fresh)

    def ingest_batch_in(
        self, session: Session, raws: list[RawMessage], pre: dict[int, dict[str, Any]] | None = None, *,
        on_error: Callable[[RawMessage, Exception], None] | None = None,
    ) -> list[IntakeResult | None]:  # fmt: skip
        """A batch inside the caller's transaction. ``raws`` are cleaned (``without_nul``) and
        ``pre`` comes from ``prepare_batch`` on the same message objects. New messages are opened
        in one bulk write; if that fails, each goes alone in its own savepoint. With ``on_error``
        a message that still fails is handed to it (its result is None) and the others are kept;
        without, the error propagates."""
        results: list[IntakeResult | None] = [None] * len(raws)
        seen = self._seen_many(session, raws)
        fast: list[int] = []
        claimed: set[tuple[str, str]] = set()
        for i, raw in enumerate(raws):
            key = (raw.channel, raw.external_id)
            if key in seen:
                metrics.intake_duplicate_deliveries.inc(raw.channel)
                results[i] = seen[key]
            elif key not in claimed and not self._has_thread_hints(raw):
                claimed.add(key)
                fast.append(i)
        if len(fast) > 1:
            started = time.perf_counter()
            try:
                with session.begin_nested():
                    opened = self._open(session, [raws[i] for i in fast], pre)
            except (IntegrityError, OperationalError) as exc:
                if not lost_race(exc):
                    raise
                opened = []  # a concurrent writer took some keys: go one by one below
            except Exception:
                if on_error is None:
                    raise
                log.warning("batch intake failed; the %d messages go one by one", len(fast), exc_info=True)
                opened = []
            for i, result in zip(fast, opened, strict=False):
                results[i] = result
                metrics.intake_total.inc(raws[i].channel)
            if opened:
                metrics.intake_latency.observe((time.perf_counter() - started) / len(opened))
        for i, raw in enumerate(raws):
            if results[i] is not None:
                continue
            try:
                results[i] = self.ingest_in(session, raw, pre=pre)
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(raw, exc)
        return results

    def ingest_in(
        self, session: Session, raw: RawMessage, *, savepoint: bool = True, pre: dict[int, dict[str, Any]] | None = None,
    ) -> IntakeResult:  # fmt: skip
        """One message inside the caller's transaction. With ``savepoint`` a
        clash with a concurrent writer is absorbed here; without, it propagates."""
        raw = without_nul(raw)
        started = time.perf_counter()
        existing = self._seen(session, raw)
        if existing is not None:
            metrics.intake_duplicate_deliveries.inc(raw.channel)
            return existing
        for attempt in (1, 2):
            try:
                with session.begin_nested() if savepoint else nullcontext(), session.no_autoflush:
                    parent, threaded_by = self._thread(session, raw)
                    if parent is not None:
                        result = self._append(session, raw, parent, threaded_by)
                    else:
                        result = self._open(session, [raw], pre)[0]
                break
            except (IntegrityError, OperationalError) as exc:
                if not savepoint or not lost_race(exc):
                    raise
                existing = self._seen(session, raw)
                if existing is not None:
                    return existing
                if attempt == 2:
                    raise
                # Something this message also creates (the sender's new contact) was written by a
                # concurrent transaction, which has committed by now: a second try uses it.
        metrics.intake_total.inc(raw.channel)
        metrics.intake_latency.observe(time.perf_counter() - started)
        return result

    def _departments(self, session: Session) -> dict[str, DepartmentInfo]:
        """Departments change only when rules are activated: cache per rules version."""
        version = self.router.version
        cached = self._dept_cache
        if cached is None or cached[0] != version:
            cached = self._dept_cache = (version, active_departments(session))
        return cached[1]

    # -- steps ---------------------------------------------------------------------
    def _seen(self, session: Session, raw: RawMessage) -> IntakeResult | None:
        # Plain columns, no ORM rows: every message of the API path asks this first.
        row = session.execute(
            select(Message.id, Message.request_id, Request.tracking_code)
            .outerjoin(Request, Request.id == Message.request_id)
            .where(Message.channel == raw.channel, Message.external_id == raw.external_id)
            .limit(1)
        ).first()
        if row is None:
            return None
        mid, rid, code = row
        return IntakeResult(rid, mid, code, created=False, duplicate_delivery=True)

    def _seen_many(self, session: Session, raws: list[RawMessage]) -> dict[tuple[str, str], IntakeResult]:
        if len(raws) == 1:
            hit = self._seen(session, raws[0])
            return {(raws[0].channel, raws[0].external_id): hit} if hit else {}
        out: dict[tuple[str, str], IntakeResult] = {}
        if session.get_bind().dialect.name == "postgresql":
            # One statement text for any batch (prepared once); an IN list per channel was a new
            # statement, planned anew, for every batch and channel.
            found = session.execute(_SEEN_MANY_PG, {"channels": [r.channel for r in raws],
                                                    "ext_ids": [r.external_id for r in raws]})  # fmt: skip
            for ch, ext, mid, rid, code in found:
                out[(ch, ext)] = IntakeResult(rid, mid, code, created=False, duplicate_delivery=True)
            return out
        by_channel: dict[str, list[str]] = {}
        for raw in raws:
            by_channel.setdefault(raw.channel, []).append(raw.external_id)
        for channel, ext_ids in by_channel.items():
            rows = session.exec(
                select(Message.channel, Message.external_id, Message.id, Message.request_id, Request.tracking_code)
                .join(Request, Request.id == Message.request_id)
                .where(Message.channel == channel, Message.external_id.in_(ext_ids))
            ).all()
            for ch, ext, mid, rid, code in rows:
                out[(ch, ext)] = IntakeResult(rid, mid, code, created=False, duplicate_delivery=True)
        return out

    def _has_thread_hints(self, raw: RawMessage) -> bool:
        h = raw.thread
        if h.in_reply_to or h.references or h.tracking_code or h.conversation_id:
            return True
        return bool(find_code(raw.subject) or find_code(raw.text[:2000]))

    def _may_follow_up(self, session: Session, raw: RawMessage, req: Request) -> bool:
        """Tracking codes are sequential and guessable, so a code alone must not let
        a stranger write into someone's request: it threads when the sender is the
        request's own contact, or a department's mailbox (an answer to a forward whose
        headers got lost). Anyone else opens a request of their own, which an agent can merge."""
        if raw.channel == "email" and raw.sender.email and self._department_mailbox(session, raw.sender.email):
            return True
        if req.contact_id is None:
            return False
        mine = contacts.identities_for(raw.sender, raw.channel)
        if not mine:
            return False
        from sqlalchemy import tuple_

        hit = session.exec(
            select(ContactIdentity.id).where(
                ContactIdentity.contact_id == req.contact_id,
                tuple_(ContactIdentity.kind, ContactIdentity.value).in_(mine),
            )
        ).first()
        return hit is not None

    def _department_mailbox(self, session: Session, address: str) -> bool:
        from hub.delivery.request_fields import department_emails

        address = address.strip().lower()
        return any(
            address in (m.lower() for m in department_emails(t))
            for dept in self._departments(session).values() for t in dept.targets or [] if isinstance(t, dict)
        )  # fmt: skip

    def _thread(self, session: Session, raw: RawMessage) -> tuple[Request | None, str | None]:
        hints = raw.thread
        ids = [i for i in [hints.in_reply_to, *hints.references] if i]
        if ids:
            msg = session.exec(select(Message).where(Message.email_message_id.in_(ids))).first()
            if msg is not None:
                return session.get(Request, msg.request_id), "email_headers"
        codes = [hints.tracking_code] if hints.tracking_code else []
        codes += find_codes(f"{raw.subject or ''} {raw.text[:2000]}")
        for code in codes:
            if code and code.upper().startswith(self.prefix + "-"):
                req = req_actions.by_code(session, code)
                if req is not None and self._may_follow_up(session, raw, req):
                    return req, "tracking_code"
        if hints.conversation_id:
            # An open request in the same chat takes the follow-up; so does one answered
            # in the last few days ("teşekkürler", "hâlâ düzelmedi"), so it is not a new case.
            recent = utcnow() - timedelta(days=FOLLOW_UP_DAYS)
            req = session.exec(
                select(Request)
                .where(
                    Request.channel == raw.channel,
                    Request.conversation_id == hints.conversation_id,
                    or_(
                        Request.status.in_([s.value for s in OPEN_STATUSES]),
                        (Request.status == Status.answered) & (Request.answered_at >= recent),
                    ),
                )
                .order_by(Request.received_at.desc())
            ).first()
            if req is not None:
                return req, "conversation"
        return None, None

    @staticmethod
    def _sender(raw: RawMessage) -> dict[str, Any]:
        s = raw.sender  # the fields asdict() would give, without its deep copy
        return {k: v for k in _SENDER_FIELDS if (v := getattr(s, k))}

    @staticmethod
    def _email_id(raw: RawMessage) -> str | None:
        if raw.channel != "email":
            return None
        return raw.metadata.get("message_id") or raw.external_id

    def _append(self, session: Session, raw: RawMessage, parent: Request, threaded_by: str | None) -> IntakeResult:
        contacts.resolve_contact(session, SYSTEM_INTAKE, raw.sender, raw.channel)
        msg = req_actions.append_message(
            session, SYSTEM_INTAKE, parent,
            channel=raw.channel, external_id=raw.external_id, text=raw.text, subject=raw.subject,
            sender=self._sender(raw), attachments=[self.attachments.save(a) for a in raw.attachments],
            email_message_id=self._email_id(raw), conversation_id=raw.thread.conversation_id,
            received_at=raw.received_at, meta=raw.metadata, threaded_by=threaded_by,
        )  # fmt: skip
        return IntakeResult(parent.id, msg.id, parent.tracking_code, False, threaded_by=threaded_by)

    @staticmethod
    def _known_location(raw: RawMessage) -> dict[str, Any] | None:
        loc = raw.location
        if loc and (loc.mahalle or loc.ilce):
            return {"mahalle": loc.mahalle, "ilce": loc.ilce}
        if loc and loc.lat is not None and loc.lon is not None:
            return {"lat": loc.lat, "lon": loc.lon}  # the classifier maps it to a mahalle if it can
        return None

    def _preclassify(self, raws: list[RawMessage]) -> dict[int, dict[str, Any]]:
        many = getattr(self.classifier, "classify_many", None)
        if many is None or len(raws) < 2:
            return {}
        found = many([(r.text, r.subject, self._known_location(r)) for r in raws])
        return {id(r): cls for r, cls in zip(raws, found, strict=True)}

    def _classified(
        self, raw: RawMessage, pre: dict[int, dict[str, Any]] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(classification, location) of a new request: from the batch's model call when there
        was one, else from a call of its own."""
        cls = pre.get(id(raw)) if pre else None
        # a copy: a batch that fails is taken again one by one with the same model output
        cls = dict(cls) if cls else self.classifier.classify(
            raw.text, subject=raw.subject, known_location=self._known_location(raw)
        )
        hint = raw.metadata.get("topic_hint")  # a category the sender chose (muhtar portal, Open311)
        if hint and hint != cls.get("topic"):
            cls = {**cls, "model_topic": cls.get("topic"), "topic": hint, "confidence": 1.0, "topic_source": "sender"}
        loc = cls.get("location") or {}
        place_known = not loc.get("ambiguous")
        rl = raw.location
        location = {
            "il": (rl.il if rl else None) or (self.il if loc.get("mahalle") else None),
            "ilce": loc.get("ilce") if place_known else None,
            "mahalle": loc.get("mahalle") if place_known else None,
            "address": rl.address if rl else None,
            "lat": rl.lat if rl else None,
            "lon": rl.lon if rl else None,
            "source": loc.get("source"),
        }
        return cls, location

    def _prepare(
        self, session: Session, raw: RawMessage, contact: Contact | NewContact | None, code: str,
        cls: dict[str, Any], location: dict[str, Any], pending: Sequence[Pending] = (),
        candidates: Candidates | None = None,
    ) -> req_actions.NewRequest:
        """Duplicates and routing for a new request.

        The tracking code is known before routing, so rule auto-replies can quote it."""
        received_at = raw.received_at.astimezone(UTC)
        dups = (
            self.duplicates.find(session, raw.text, cls.get("topic"), location, pending,
                                 received_at=received_at, candidates=candidates)  # fmt: skip
            if self.duplicates
            else []
        )
        if dups:
            cls["duplicates"] = dups
        routing_input = {
            "text": raw.text, "subject": raw.subject, "channel": raw.channel,
            "request_type": raw.request_type or cls.get("type"), "topic": cls.get("topic"),
            "topic_confidence": cls.get("confidence"), "out_of_scope": bool(cls.get("out_of_scope")),
            "ilce": location["ilce"], "mahalle": location["mahalle"],
            "contact_kind": contact.kind if contact else raw.sender.kind,
            "has_attachments": bool(raw.attachments), "received_at": raw.received_at,
            "is_duplicate": bool(dups), "tags": [], "tracking_code": code,
            "citizen_name": contact.name if contact else None,
        }  # fmt: skip
        # The stored trace is the compact one where the router has it (hub.rules.stored_trace).
        decision = getattr(self.router, "route_stored", self.router.route)(routing_input)
        if raw.metadata.get("first_contact"):  # answered on the spot from the knowledge base (hub.actions.knowledge)
            decision = {**decision, "auto_forward": False, "notify_citizen": False, "auto_reply": None}
        if cls.get("needs_review"):
            decision["needs_review"] = True
        due_at, sla = self.router.due(routing_input, decision, raw.received_at)
        return req_actions.NewRequest(
            channel=raw.channel, text=raw.text, external_id=raw.external_id,
            received_at=received_at, subject=raw.subject,
            request_type=routing_input["request_type"], contact=contact, sender=self._sender(raw),
            location=location, classification=cls, decision=decision, due_at=due_at, sla=sla,
            rules_version=self.router.version, reply_to=raw.reply_to,
            conversation_id=raw.thread.conversation_id, email_message_id=self._email_id(raw),
            attachments=[self.attachments.save(a) for a in raw.attachments], message_meta=raw.metadata,
        )  # fmt: skip

    def _open(
        self, session: Session, raws: list[RawMessage], pre: dict[int, dict[str, Any]] | None = None
    ) -> list[IntakeResult]:
        people = contacts.resolve_contacts(session, SYSTEM_INTAKE, [(r.sender, r.channel) for r in raws])
        ids = allocate_ids(session, Request, len(raws))
        codes = [tracking_code(self.prefix, raw.received_at.astimezone(UTC), rid) for raw, rid in zip(raws, ids, strict=True)]
        staged = [self._classified(raw, pre) for raw in raws]
        candidates = None
        if self.duplicates is not None:  # one query for the whole batch's duplicate candidates
            candidates = self.duplicates.prefetch(session, [
                (self.duplicates.place(cls.get("topic"), loc), raw.received_at.astimezone(UTC))
                for raw, (cls, loc) in zip(raws, staged, strict=True)
            ])  # fmt: skip
        news: list[req_actions.NewRequest] = []
        pending: list[Pending] = []  # earlier requests of this batch are duplicate candidates too
        for raw, contact, code, rid, (cls, loc) in zip(raws, people, codes, ids, staged, strict=True):
            new = self._prepare(session, raw, contact, code, cls, loc, pending, candidates)
            news.append(new)
            if self.duplicates is not None and len(raws) > 1:
                pending.append(Pending(rid, raw.text, new.classification.get("topic"), loc.get("ilce"),
                                       loc.get("mahalle"), new.received_at))  # fmt: skip
        created = create_requests(
            session, SYSTEM_INTAKE, news, prefix=self.prefix, base_url=self.base_url, ids=ids,
            departments=self._departments(session),
        )  # fmt: skip
        return [IntakeResult(c.request_id, c.message_id, c.tracking_code, True) for c in created]

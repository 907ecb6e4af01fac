"""Contact resolution and merging: one citizen across channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text, tuple_
from sqlmodel import Session, select

from classifier.text import normalize_phone_tr
from connectors.base import Sender
from hub.actions import events
from hub.actions.bulk import bulk_insert
from hub.actions.errors import ActionError, NotFound
from hub.auth import Actor
from hub.models import Contact, ContactIdentity, Event, Request, utcnow
from hub.queries.contacts import live_contact

# Channels whose sender.external_id is itself a stable identity of the person.
_EXTERNAL_KINDS = {"whatsapp", "facebook", "instagram", "x", "youtube"}
_KNOWN_PG = text(
    "SELECT ci.kind, ci.value, ci.contact_id FROM unnest(CAST(:kinds AS text[]), CAST(:values AS text[]))"
    " AS w(kind, value) JOIN contactidentity ci ON ci.kind = w.kind AND ci.value = w.value"
)


@dataclass(slots=True)
class NewContact:
    """A contact created by intake, inserted with one multi-row statement. It carries what
    the pipeline reads (id, name, kind, phone, e-mail); building ORM objects for thousands of
    new citizens per import cost more than inserting them."""

    name: str | None = None
    kind: str = "citizen"
    id: int | None = None
    phone: str | None = None
    email: str | None = None
    telegram_id: str | None = None
    x_handle: str | None = None
    created_at: datetime | None = None


def identities_for(sender: Sender, channel: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if sender.phone:
        phone = normalize_phone_tr(sender.phone)
        if phone:
            out.append(("phone", phone))
    if sender.email:
        out.append(("email", sender.email.strip().lower()))
    if sender.telegram_id:
        out.append(("telegram", str(sender.telegram_id)))
    if sender.x_handle:
        out.append(("x", sender.x_handle.lstrip("@").lower()))
    if sender.external_id and channel in _EXTERNAL_KINDS:
        out.append((channel + "_id", str(sender.external_id)))
    return out


def resolve_contact(session: Session, actor: Actor, sender: Sender, channel: str) -> Contact | NewContact | None:
    """Find the contact behind any of the sender's identities, or create one.

    Returns None when the sender carries no identity at all (an anonymous form).
    """
    return resolve_contacts(session, actor, [(sender, channel)])[0]


def resolve_contacts(
    session: Session, actor: Actor, senders: list[tuple[Sender, str]]
) -> list[Contact | NewContact | None]:
    """Resolve a batch of senders: one lookup for every identity, one insert for
    the new contacts, one for their identities."""
    idents = [identities_for(sender, channel) for sender, channel in senders]
    wanted = {pair for pairs in idents for pair in pairs}
    known: dict[tuple[str, str], int] = {}
    if wanted and session.get_bind().dialect.name == "postgresql":
        pairs_in = list(wanted)  # arrays: one statement for any batch, prepared once (a tuple IN list is not)
        rows = session.execute(_KNOWN_PG, {"kinds": [k for k, _ in pairs_in], "values": [v for _, v in pairs_in]})
        known = {(k, v): cid for k, v, cid in rows}
    elif wanted:
        rows = session.exec(
            select(ContactIdentity.kind, ContactIdentity.value, ContactIdentity.contact_id).where(
                tuple_(ContactIdentity.kind, ContactIdentity.value).in_(list(wanted))
            )
        ).all()
        known = {(k, v): cid for k, v, cid in rows}
    loaded = {c.id: c for c in session.exec(select(Contact).where(Contact.id.in_(set(known.values()))))} if known else {}
    out: list[Contact | NewContact | None] = []
    fresh: dict[tuple[str, str], NewContact] = {}  # identities of contacts created in this batch
    new_idents: list[tuple[Contact | NewContact, str, str]] = []
    created: list[NewContact] = []
    refill: set[int] = set()
    for (sender, _channel), pairs in zip(senders, idents, strict=True):
        if not pairs and not sender.name:
            out.append(None)
            continue
        contact = next((fresh[p] for p in pairs if p in fresh), None)
        if contact is None:
            cid = next((known[p] for p in pairs if p in known), None)
            contact = live_contact(session, loaded[cid]) if cid is not None and cid in loaded else None
        if contact is None:
            contact = NewContact(name=sender.name, kind=sender.kind or "citizen")
            created.append(contact)
        if _fill(contact, sender, pairs) and isinstance(contact, Contact):
            refill.add(contact.id)  # its earlier requests are found by the new name or number too
        for p in pairs:
            if p not in known and p not in fresh:
                fresh[p] = contact
                new_idents.append((contact, *p))
        out.append(contact)
    if created:
        # Plain multi-row inserts: on the intake's hot path the ORM's unit of work costs
        # more than the database.
        from hub.actions.create import allocate_ids  # create imports the request actions

        now = utcnow()
        for c, cid in zip(created, allocate_ids(session, Contact, len(created)), strict=True):
            c.id, c.created_at = cid, now
        bulk_insert(session, Contact, [
            {"id": c.id, "name": c.name, "phone": c.phone, "email": c.email, "telegram_id": c.telegram_id,
             "x_handle": c.x_handle, "kind": c.kind, "created_at": now}
            for c in created
        ])  # fmt: skip
        bulk_insert(session, Event, [
            {"request_id": None, "actor": actor.id, "kind": "contact.created", "data": {"contact_id": c.id},
             "created_at": now}
            for c in created
        ])  # fmt: skip
    if new_idents:
        # In key order: two batches that share new identities then wait for each other, never deadlock.
        new_idents.sort(key=lambda ident: (ident[1], ident[2]))
        bulk_insert(session, ContactIdentity, [{"contact_id": c.id, "kind": k, "value": v} for c, k, v in new_idents])
    if refill:
        from hub.actions.search_index import refresh_contact

        for cid in refill:
            refresh_contact(session, cid)
    return out


def _fill(contact: Contact | NewContact, sender: Sender, idents: list[tuple[str, str]]) -> bool:
    """Fill what the contact lacks; True when its name, phone or e-mail changed. Only real
    changes are assigned: on a loaded ORM row every assignment is tracked (and costs)."""
    values = dict(idents)
    searched = False
    for attr, value in (("name", sender.name), ("phone", values.get("phone")), ("email", values.get("email")),
                        ("telegram_id", values.get("telegram")), ("x_handle", values.get("x"))):  # fmt: skip
        if value and not getattr(contact, attr):
            setattr(contact, attr, value)
            searched = searched or attr in ("name", "phone", "email")
    if sender.kind and sender.kind != "citizen" and contact.kind != sender.kind:
        contact.kind = sender.kind
    return searched


def merge_contacts(session: Session, actor: Actor, source_id: int, target_id: int) -> Contact:
    """Fold ``source`` into ``target``: identities and requests move, source stays as a pointer."""
    if source_id == target_id:
        raise ActionError("a contact cannot be merged into itself", field="target_id")
    source, target = session.get(Contact, source_id), session.get(Contact, target_id)
    if source is None or target is None:
        raise NotFound("contact not found")
    target = live_contact(session, target)
    for ident in session.exec(select(ContactIdentity).where(ContactIdentity.contact_id == source.id)):
        ident.contact_id = target.id
    for req in session.exec(select(Request).where(Request.contact_id == source.id)):
        req.contact_id = target.id
    for attr in ("name", "phone", "email", "telegram_id", "x_handle"):
        if getattr(target, attr) is None:
            setattr(target, attr, getattr(source, attr))
    source.merged_into_id = target.id
    from hub.actions.search_index import refresh_contact

    refresh_contact(session, target.id)
    events.record(session, actor, "contact.merged", None, source_id=source.id, target_id=target.id)
    return target

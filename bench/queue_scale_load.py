"""Bulk loader of bench/queue_scale.py: a million realistic requests in PostgreSQL, by COPY.

1. **Templates through the real hub.** ``hub.demo.seed`` pushes ``--templates`` requests through
   the real pipeline (classifier, locator, duplicates, shipped rules with their stored trace,
   events, outbox) and moves them along their lifecycle; then about half of those still open
   are answered and closed through the actions layer. These rows are the hub's own, so every
   column (trace, classification, reply address, search text, events' data) looks as it does
   in production.
2. **Replicas by COPY.** The remaining requests copy a template's row and its children
   (events, messages, outbox items, deliveries), with a new id, tracking code and contact, and
   times shifted to a received time spread over three years. Old requests are finished;
   about 85 % of those of the last 45 days are open (about 4 % of the table). The SLA marks
   of open requests are set as the watcher would have set them, and every outbox item is
   done, so the hub starts in a steady state. Each table streams through its own connection's
   ``COPY … FROM STDIN`` with foreign-key triggers off (``session_replication_role``); the
   secondary indexes are dropped before and rebuilt after.

Every value goes through COPY's text format; a template's columns are escaped once.
"""

from __future__ import annotations

import random
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

# the tables copied per request, in the order their ids depend on each other
CHILDREN = ("event", "message", "outbox", "delivery")
OPEN_RECENT_DAYS = 45
OPEN_RECENT_SHARE = 0.85
OPEN_OLD_SHARE = 0.004  # forgotten ones: open and long overdue
SPAN_DAYS = 3 * 365
CONTACTS_PER_REQUEST = 0.25
FIRST = ("Ayşe", "Mehmet", "Fatma", "Ali", "Zeynep", "Mustafa", "Emine", "Hüseyin", "Hatice", "İbrahim", "Işıl",
         "Ömer", "Şule", "Çağrı", "Gülşen", "Ümit", "Elif", "Hasan", "Derya", "Oğuz", "Sevgi", "Kemal")  # fmt: skip
LAST = ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan",
        "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Erdoğan", "Güneş")  # fmt: skip
OPEN = ("new", "triaged", "forwarded", "in_progress", "waiting_citizen", "needs_review")
_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def esc(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    return str(value).translate(_ESC)


def ts(d: datetime | None) -> str:
    return "\\N" if d is None else d.strftime("%Y-%m-%d %H:%M:%S.%f")


def conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# -- step 1: templates ------------------------------------------------------------------------
def seed_templates(url: str, data_dir: Any, rules_file: Any, n: int, rng: random.Random) -> None:
    """``n`` requests through the real pipeline, then about half of the open ones finished."""
    from sqlmodel import select

    from hub import demo
    from hub.actions import requests as ra
    from hub.auth import Actor
    from hub.context import Hub
    from hub.models import Request, User
    from hub.settings import Settings

    st = Settings(data_dir=data_dir, database_url=url, rules_file=rules_file, workers_enabled=False,
                  log_level="WARNING")  # fmt: skip
    hub = Hub(st)
    try:
        demo.seed(hub, n=n)
        with hub.db.session() as session:
            agent = session.exec(select(User).where(User.username == "agent")).one()
            actor = Actor(f"user:{agent.id}", "agent", user_id=agent.id)
            rows = session.exec(
                select(Request).where(Request.status.in_(["triaged", "forwarded", "in_progress"]))
            ).all()
            for req in rows:
                roll = rng.random()
                if roll < 0.35:
                    ra.reply(session, actor, req, "Talebiniz ilgili birimimizce yerinde incelenmiş ve gerekli "
                             "çalışma yapılmıştır.", outcome="olumlu", close=True)  # fmt: skip
                elif roll < 0.45:
                    ra.reply(session, actor, req, "Talebiniz incelenmiş olup konu belediyemizin yetki alanı "
                             "dışında kalmaktadır.", outcome="olumsuz")  # fmt: skip
                elif roll < 0.55:
                    ra.close_request(session, actor, req, outcome="olumlu", reason="yerinde çözüldü")
    finally:
        hub.db.dispose()


# -- step 2: replicas -------------------------------------------------------------------------
def columns(cur: psycopg.Cursor, table: str) -> list[tuple[str, str]]:
    cur.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = 'public' ORDER BY ordinal_position",
        (table,),
    )
    return [(str(a), str(b)) for a, b in cur.fetchall()]


class Table:
    """A table's columns, and its rows of one template as pre-escaped value lists."""

    def __init__(self, cur: psycopg.Cursor, name: str) -> None:
        self.name = name
        self.cols = columns(cur, name)
        self.names = [c for c, _ in self.cols]
        self.pos = {c: i for i, c in enumerate(self.names)}
        self.times = [c for c, t in self.cols if t.startswith("timestamp")]

    def fetch(self, cur: psycopg.Cursor, where: str) -> list[dict[str, Any]]:
        sel = ", ".join(f'"{c}"::text' if t not in ("integer", "bigint") and not t.startswith("timestamp") else f'"{c}"'
                        for c, t in self.cols)  # fmt: skip
        cur.execute(f"SELECT {sel} FROM {self.name} WHERE {where} ORDER BY id")
        out = []
        for row in cur.fetchall():
            rec = dict(zip(self.names, row, strict=True))
            for c in self.times:
                if rec[c] is not None:
                    rec[c] = rec[c].replace(tzinfo=UTC) if rec[c].tzinfo is None else rec[c]
            out.append(rec)
        return out

    def line(self, values: dict[str, str]) -> str:
        return "\t".join(values[c] for c in self.names) + "\n"


class Template:
    def __init__(
        self, req: dict[str, Any], kids: dict[str, list[dict[str, Any]]], tables: dict[str, Table]
    ) -> None:
        self.req = req
        self.kids = kids
        self.received = req["received_at"]
        self.code = req["tracking_code"] or ""
        self.folded_code = self.code.lower()
        # the folded subject and text; the code and the caller are put around them per replica
        self.folded_body = _folded_body(req)
        self.esc = {
            name: [{c: esc(v) for c, v in row.items()} for row in rows] for name, rows in kids.items()
        }
        self.req_esc = {c: esc(v) for c, v in req.items()}
        self.tables = tables


def _folded_body(req: dict[str, Any]) -> str:
    from hub.search_text import fold

    return " ".join(p for p in (fold(req.get("subject")), fold(req.get("text"))) if p)


def load_templates(cur: psycopg.Cursor, tables: dict[str, Table]) -> list[Template]:
    reqs = tables["request"].fetch(cur, "true")
    by_req: dict[int, dict[str, list]] = {r["id"]: {k: [] for k in CHILDREN} for r in reqs}
    for name in ("event", "message", "outbox"):
        for row in tables[name].fetch(cur, "request_id IS NOT NULL"):
            by_req[row["request_id"]][name].append(row)
    outbox_req = {o["id"]: rid for rid, kids in by_req.items() for o in kids["outbox"]}
    for row in tables["delivery"].fetch(cur, "true"):
        if row["outbox_id"] in outbox_req:
            by_req[outbox_req[row["outbox_id"]]]["delivery"].append(row)
    return [Template(r, by_req[r["id"]], tables) for r in reqs]


def steady_state(cur: psycopg.Cursor) -> None:
    """The templates as a running hub would have left them: every outbox item delivered."""
    cur.execute("UPDATE outbox SET status = 'done', attempts = 1, done_at = created_at, "
                "claimed_by = NULL, claimed_until = NULL WHERE status <> 'done'")  # fmt: skip
    cur.execute("UPDATE message SET delivery_status = 'sent' WHERE delivery_status = 'queued'")


def droppable_indexes(cur: psycopg.Cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the secondary indexes that back no constraint."""
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (tables,),
    )
    return [(str(a), str(b)) for a, b in cur.fetchall()]


class Copier:
    """One connection and one open COPY per table, fed in 1 MB chunks."""

    def __init__(self, url: str, stack: ExitStack, tables: dict[str, Table], names: list[str]) -> None:
        self.buf: dict[str, list[str]] = {n: [] for n in names}
        self.size: dict[str, int] = dict.fromkeys(names, 0)
        self.copies: dict[str, Any] = {}
        self.conns: list[psycopg.Connection] = []
        self.rows = dict.fromkeys(names, 0)
        for n in names:
            conn = stack.enter_context(psycopg.connect(conninfo(url)))
            conn.execute(
                "SET session_replication_role = replica"
            )  # no FK triggers: consistent by construction
            self.conns.append(conn)
            cols = ", ".join(f'"{c}"' for c in tables[n].names)
            self.copies[n] = stack.enter_context(conn.cursor().copy(f"COPY {n} ({cols}) FROM STDIN"))

    def add(self, table: str, line: str) -> None:
        self.buf[table].append(line)
        self.size[table] += len(line)
        self.rows[table] += 1
        if self.size[table] > 1 << 20:
            self.flush(table)

    def flush(self, table: str) -> None:
        if self.buf[table]:
            self.copies[table].write("".join(self.buf[table]).encode())
            self.buf[table].clear()
            self.size[table] = 0


def _contact_rows(cp: Copier, tables: dict[str, Table], first_id: int, n: int, rng: random.Random,
                  first_identity: int, taken: set[str]) -> list[tuple[int, str, str | None, str]]:  # fmt: skip
    """``n`` contacts with a phone identity each (none of the ``taken`` numbers); returns
    (id, folded name and e-mail, national phone, phone) per contact."""
    from hub.search_text import fold, phone_key

    out = []
    now = datetime.now(UTC)
    ct, it = tables["contact"], tables["contactidentity"]
    phones = [
        p for p in rng.sample(range(300_000_000, 600_000_000), n + len(taken)) if f"+905{p}" not in taken
    ][:n]
    for k in range(n):
        cid = first_id + k
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        phone = f"+905{phones[k]}"
        email = f"vatandas{cid}@example.com" if k % 4 == 0 else None
        vals = dict.fromkeys(ct.names, "\\N")
        vals.update(
            id=str(cid), name=esc(name), phone=phone, email=esc(email), kind="citizen", created_at=ts(now)
        )
        cp.add("contact", ct.line(vals))
        ivals = dict.fromkeys(it.names, "\\N")
        ivals.update(id=str(first_identity + k), contact_id=str(cid), kind="phone", value=phone)
        cp.add("contactidentity", it.line(ivals))
        folded = " ".join(p for p in (fold(name), fold(email)) if p)
        out.append((cid, folded, phone_key(phone), phone))
    return out


def replicate(url: str, n: int, rng: random.Random, log: Any = print) -> dict[str, Any]:
    """Copy templates up to ``n`` requests in all; returns timings and row counts."""
    from hub.actions.requests import tracking_code

    t0 = time.perf_counter()
    with psycopg.connect(conninfo(url), autocommit=True) as conn, conn.cursor() as cur:
        names = ["request", "contact", "contactidentity", *CHILDREN]
        tables = {name: Table(cur, name) for name in names}
        steady_state(cur)
        templates = load_templates(cur, tables)
        finals = [t for t in templates if t.req["status"] not in OPEN]
        opens = [t for t in templates if t.req["status"] in OPEN]
        max_ids = {}
        for name in names:
            cur.execute(f"SELECT coalesce(max(id), 0) FROM {name}")
            max_ids[name] = int(cur.fetchone()[0])  # type: ignore[index]
        cur.execute("SELECT value FROM contactidentity WHERE kind = 'phone'")
        taken = {str(v) for (v,) in cur.fetchall()}
        indexes = droppable_indexes(cur, names)
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    log(
        f"templates: {len(templates)} ({len(opens)} open, {len(finals)} finished); dropped {len(indexes)} indexes"
    )
    replicas = n - len(templates)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=SPAN_DAYS)
    step = SPAN_DAYS * 86400 / max(1, replicas)
    ids = {k: v + 1 for k, v in max_ids.items()}
    t1 = time.perf_counter()
    with ExitStack() as stack:
        cp = Copier(url, stack, tables, names)
        people = _contact_rows(cp, tables, ids["contact"], max(1, int(n * CONTACTS_PER_REQUEST)), rng,
                               ids["contactidentity"], taken)  # fmt: skip
        rt = tables["request"]
        for k in range(replicas):
            rid = ids["request"]
            ids["request"] += 1
            received = start + timedelta(seconds=k * step + rng.random() * step)
            age_days = (now - received).total_seconds() / 86400
            is_open = rng.random() < (OPEN_RECENT_SHARE if age_days < OPEN_RECENT_DAYS else OPEN_OLD_SHARE)
            tpl = rng.choice(opens if is_open else finals)
            shift = received - tpl.received
            req = tpl.req
            code = tracking_code("KAY", received, rid)
            cid, folded_person, phone_part, _ = people[int(rng.random() ** 1.5 * len(people))]
            vals = dict(tpl.req_esc)
            for c in rt.times:
                if req[c] is not None:
                    vals[c] = ts(req[c] + shift)
            due = req["due_at"] + shift if req["due_at"] is not None else None
            if is_open and due is not None and req["sla_paused_since"] is None:
                warn_at = received + (due - received) * 0.8
                vals["sla_warned_at"] = ts(warn_at) if warn_at < now else "\\N"
                vals["sla_breached_at"] = ts(due) if due < now else "\\N"
            vals.update(id=str(rid), tracking_code=code, contact_id=str(cid), parent_id="\\N",
                        received_at=ts(received))  # fmt: skip
            if req["external_id"] is not None:
                vals["external_id"] = esc(f"{req['external_id']}~{rid}")
            if req["conversation_id"] is not None:
                vals["conversation_id"] = esc(f"{req['conversation_id']}~{rid}")
            if req["erased_at"] is None:
                parts = [code.lower(), tpl.folded_body, folded_person, phone_part]
                vals["search_text"] = esc(" ".join(p for p in parts if p))
            cp.add("request", rt.line(vals))
            _children(cp, tpl, rid, shift, code, ids)
            if k % 100_000 == 0 and k:
                log(f"  {k:,} replicas, {time.perf_counter() - t1:.0f} s")
        for name in names:
            cp.flush(name)
        rows = dict(cp.rows)
    copy_s = time.perf_counter() - t1
    log(f"copied in {copy_s:.0f} s: {rows}")
    t2 = time.perf_counter()
    with psycopg.connect(conninfo(url), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cur.execute(definition)
        index_s = time.perf_counter() - t2
        for name in names:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
            )
        for name in names:
            cur.execute(f"VACUUM ANALYZE {name}")
    log(f"indexes rebuilt in {index_s:.0f} s")
    return {"templates": len(templates), "rows": rows, "copy_s": round(copy_s, 1), "index_s": round(index_s, 1),
            "total_s": round(time.perf_counter() - t0, 1)}  # fmt: skip


def _children(cp: Copier, tpl: Template, rid: int, shift: timedelta, code: str, ids: dict[str, int]) -> None:
    """The template's events, messages, outbox items and deliveries, for request ``rid``."""
    sfx = f"~{rid}"
    message_ids: dict[str, str] = {}
    outbox_ids: dict[str, str] = {}
    for name in ("message", "event", "outbox", "delivery"):
        table = tpl.tables[name]
        for row, escd in zip(tpl.kids[name], tpl.esc[name], strict=True):
            vals = dict(escd)
            new_id = str(ids[name])
            ids[name] += 1
            vals["id"] = new_id
            for c in table.times:
                if row[c] is not None:
                    vals[c] = ts(row[c] + shift)
            if name == "message":
                message_ids[escd["id"]] = new_id
                vals["request_id"] = str(rid)
                vals["external_id"] = escd["external_id"] + sfx
                for c in ("email_message_id", "conversation_id"):
                    if row[c] is not None:
                        vals[c] = escd[c] + sfx
            elif name == "event":
                vals["request_id"] = str(rid)
                if tpl.code and tpl.code in escd["data"]:
                    vals["data"] = escd["data"].replace(tpl.code, code)
            elif name == "outbox":
                outbox_ids[escd["id"]] = new_id
                vals["request_id"] = str(rid)
                vals["idempotency_key"] = escd["idempotency_key"] + sfx
                if row["message_id"] is not None:
                    vals["message_id"] = message_ids.get(escd["message_id"], "\\N")
            else:
                vals["outbox_id"] = outbox_ids[escd["outbox_id"]]
            cp.add(name, table.line(vals))

"""Search benchmark: Turkish-insensitive search over N requests on PostgreSQL.

Creates a fresh database, migrates it (which adds ``request.search_text`` and its pg_trgm
GIN index), bulk-loads N requests with COPY (index dropped during the load and rebuilt
after, as a bulk load would), then times ``hub.queries.requests.list_requests`` (what the
API's ``?q=`` and the queue's search box call) for several kinds of query. Prints one JSON
line per query kind with p50/p95 in milliseconds, and one line for the load.

    python bench/search.py [--n 1000000] [--runs 40] [--pg URL] [--keep]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.auth import Actor  # noqa: E402
from hub.db import Database, migrate  # noqa: E402
from hub.queries.requests import list_requests  # noqa: E402
from hub.search_text import request_search_text  # noqa: E402

FIRST = ["Ayşe", "Mehmet", "Fatma", "Ali", "Zeynep", "Mustafa", "Emine", "Hüseyin", "Hatice", "İbrahim", "Işıl",
         "Ömer", "Şule", "Çağrı", "Gülşen", "Ümit", "Elif", "Hasan", "Derya", "Oğuz"]  # fmt: skip
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan",
        "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat"]  # fmt: skip
MAHALLE = ["Mevlana", "Esentepe", "Yenidoğan", "Erciyesevler", "Hunat", "Gevhernesibe", "Fevzi Çakmak", "Talas",
           "Alpaslan", "Kocasinan", "Battalgazi", "Anbar", "Sahabiye", "İldem", "Beyazşehir", "Mimarsinan"]  # fmt: skip
TEMPLATES = [
    "{m} Mahallesi {s}. sokakta çöp konteyneri {d} gündür boşaltılmadı.",
    "{m} mahallesinde su yok, ana boru patlamış olabilir, {d} saattir bekliyoruz.",
    "İmar durumu belgesi için {m} adresim hakkında bilgi almak istiyorum ({d}).",
    "{m} parkında sokak lambaları yanmıyor, {s}. sokak çok karanlık.",
    "Kayseri Kart bakiyem {d} TL görünmüyor, kartım {m} durağında okutulmadı.",
    "{m} hattı otobüs saatleri değişti mi? {d} numaralı otobüs gelmiyor.",
    "Nikah başvurusu için gerekli belgeleri öğrenmek istiyorum, {m} nikah salonu.",
    "{s}. sokakta kaldırım taşları kırık, yaşlılar düşüyor, {m}.",
    "Sokak köpekleri {m} okul yolunda tehlike oluşturuyor ({d}).",
    "Asfalt çalışması {m} {s}. sokakta yarım kaldı, çukurlar var.",
]
KINDS = {
    "common word (cop)": "cop",
    "Turkish capitals (ÇÖP)": "ÇÖP",
    "two words (imar belgesi)": "imar belgesi",
    "rarer word (nikah salonu)": "nikah salonu",
    "caller name (Işıl Öztürk)": "Işıl Öztürk",
    "phone 0532 form": None,  # filled from the data
    "phone +90 form": None,
    "e-mail": None,
    "tracking code": None,
    "no match": "zzqx hiçbiryerde",
}


def seed(url: str, n: int, rng: random.Random) -> dict:
    """COPY n requests (and one contact per 5 requests); returns sample values to search for."""
    contacts = max(1, n // 5)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False)
    people = []
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        with cur.copy("COPY contact (id, name, phone, email, kind, created_at) FROM STDIN") as cp:
            for i in range(1, contacts + 1):
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                phone = f"+905{rng.randint(300000000, 599999999)}"
                email = f"vatandas{i}@example.com" if i % 3 == 0 else None
                people.append((name, phone, email))
                cp.write_row((i, name, phone, email, "citizen", base))
        cur.execute("DROP INDEX IF EXISTS ix_request_search_trgm")
        cols = ("id, tracking_code, channel, received_at, created_at, updated_at, contact_id, subject, text, "
                "status, priority, classification, co_departments, tags, routing_trace, reply_to, needs_review, "
                "sla_business_days, sla_paused_seconds, search_text")  # fmt: skip
        with cur.copy(f"COPY request ({cols}) FROM STDIN") as cp:
            for i in range(1, n + 1):
                cid = rng.randint(1, contacts)
                name, phone, email = people[cid - 1]
                body = rng.choice(TEMPLATES).format(m=rng.choice(MAHALLE), s=rng.randint(1, 400), d=rng.randint(1, 99))
                at = base + timedelta(seconds=i * 30)
                code = f"KAY-{at.year}-{i:06d}"
                contact = type("C", (), {"name": name, "phone": phone, "email": email})
                st = request_search_text(subject=None, text=body, tracking_code=code, contact=contact)
                cp.write_row((i, code, "phone", at, at, at, cid, None, body, "new", "normal", "{}", "[]", "[]",
                              "{}", "{}", False, False, 0.0, st))  # fmt: skip
        load_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        cur.execute("CREATE INDEX ix_request_search_trgm ON request USING gin (search_text gin_trgm_ops)")
        index_s = time.perf_counter() - t1
        cur.execute("SELECT setval(pg_get_serial_sequence('request', 'id'), %s)", (n,))
        cur.execute("SELECT setval(pg_get_serial_sequence('contact', 'id'), %s)", (contacts,))
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE request")
    conn.execute("VACUUM ANALYZE contact")
    size = conn.execute("SELECT pg_size_pretty(pg_relation_size('ix_request_search_trgm'))").fetchone()[0]
    conn.close()
    # a caller in the middle of the data, searched for by the forms agents type
    name, phone, email = people[contacts // 2]
    national = phone[3:]
    return {
        "load_s": round(load_s, 1), "index_build_s": round(index_s, 1), "index_size": size,
        "phone 0532 form": f"0{national[:3]} {national[3:6]} {national[6:8]} {national[8:]}",
        "phone +90 form": f"+90 {national[:3]} {national[3:]}", "e-mail": email or "vatandas3@example.com",
        "tracking code": f"KAY-2025-{n // 2:06d}".lower(),
    }  # fmt: skip


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--keep", action="store_true", help="keep the database (prints its URL) for EXPLAIN ANALYZE")
    args = ap.parse_args()
    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        migrate(url)
        sample = seed(url, args.n, random.Random(153))
        db = Database(url)
        ctx = type("Ctx", (), {"db": db})()
        actor = Actor(id="user:1", role="supervisor", user_id=1)
        machine = f"{platform.machine()} {platform.python_version()}"
        print(json.dumps({"load": "copy", "n": args.n, **{k: sample[k] for k in ("load_s", "index_build_s", "index_size")},
                          "machine": machine}))  # fmt: skip
        for kind, q in KINDS.items():
            q = q or sample[kind]
            lat, hits = [], 0
            for _ in range(args.runs + 3):
                t = time.perf_counter()
                hits = len(list_requests(ctx, actor, {"q": q, "limit": "50"})["items"])
                lat.append(time.perf_counter() - t)
            lat = lat[3:]  # warm-up
            print(json.dumps({"kind": kind, "q": q, "n": args.n, "hits_on_page": hits, "runs": args.runs,
                              "p50_ms": round(pct(lat, 0.5) * 1000, 2), "p95_ms": round(pct(lat, 0.95) * 1000, 2),
                              "machine": machine}, ensure_ascii=False))  # fmt: skip
        db.dispose()
        if args.keep:
            print(json.dumps({"kept": url}))
    finally:
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()

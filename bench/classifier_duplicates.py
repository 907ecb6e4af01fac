"""Duplicate detection on a synthetic labelled set; prints JSON lines (precision, recall, F1 per threshold).
With ``--hub``: the same set through the hub's intake (single and batched), scored on what it stores.

The set is generated here from phrases written for this project: for each incident (topic,
mahalle, problem) two or three citizens report it in their own words within a few days; hard
negatives are other problems of the same topic in the same mahalle, the same problem in another
mahalle, and the same problem weeks later.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.duplicates import DupItem, find_duplicates  # noqa: E402
from classifier.textview import ascii_fold  # noqa: E402

# (topic, [paraphrases of one problem]); each list is one kind of incident.
INCIDENTS: list[tuple[str, list[str]]] = [
    (
        "aydinlatma",
        [
            "sokak lambaları yanmıyor",
            "sokağımızdaki lambalar bozuk, gece karanlık",
            "direkteki ışıklar yanmıyor sokak zifiri karanlık",
        ],
    ),
    (
        "aydinlatma",
        [
            "parkın ışıkları gece yanmıyor",
            "park aydınlatması çalışmıyor",
            "akşam parkta hiç ışık yok lambalar bozuk",
        ],
    ),
    (
        "su-kanalizasyon",
        [
            "su borusu patladı yola su akıyor",
            "ana boru patlamış sokak su içinde",
            "patlak borudan sular fışkırıyor",
        ],
    ),
    (
        "su-kanalizasyon",
        [
            "kanalizasyon taştı pis su sokakta",
            "lağım taşmış sokağa pis su akıyor",
            "kanalizasyon tıkandı sokak pis koku ve su içinde",
        ],
    ),
    (
        "su-kanalizasyon",
        ["sular kesik ne zaman gelecek", "sabahtan beri su yok kesinti mi var", "sular kesildi hala gelmedi"],
    ),
    (
        "temizlik",
        [
            "çöpler toplanmadı konteyner taşıyor",
            "konteyner dolmuş çöpler yere saçılmış toplanmıyor",
            "günlerdir çöp alınmadı konteyner taşmış",
        ],
    ),
    (
        "temizlik",
        [
            "yol kenarına moloz dökülmüş",
            "birileri sokağa inşaat molozu dökmüş",
            "moloz yığını yolu kapatıyor",
        ],
    ),
    (
        "yol-altyapi",
        [
            "yolda büyük çukur var araçlar zarar görüyor",
            "asfalttaki çukur arabaların lastiğini patlatıyor",
            "yol çöktü derin çukur oluştu",
        ],
    ),
    (
        "yol-altyapi",
        [
            "kar küreme aracı gelmedi yol kapalı",
            "sokağımızın karı temizlenmedi araçlar çıkamıyor",
            "kar yüzünden yol kapandı küreme yapılmadı",
        ],
    ),
    (
        "park-bahce",
        [
            "parktaki salıncak kırık çocuklar yaralanıyor",
            "çocuk parkında salıncaklar kırılmış tehlikeli",
            "salıncağın zinciri kopmuş parkta",
        ],
    ),
    (
        "park-bahce",
        [
            "ağaç devrilmek üzere evin üstüne düşecek",
            "büyük ağaç yana yattı devrilecek",
            "rüzgarda ağaç eğildi düşmek üzere",
        ],
    ),
    (
        "veteriner",
        [
            "sokak köpekleri çocuklara saldırıyor",
            "köpek sürüsü okul önünde çocukları kovalıyor",
            "başıboş köpekler öğrencilere saldırdı",
        ],
    ),
    (
        "veteriner",
        [
            "yolda ölü köpek var kaldırılmadı",
            "cadde kenarında hayvan ölüsü duruyor",
            "ölü bir köpek iki gündür yolda",
        ],
    ),
    (
        "zabita",
        [
            "seyyar satıcılar kaldırımı işgal etti",
            "kaldırımda seyyarlar tezgah açmış yürünmüyor",
            "seyyar tezgahlar yüzünden kaldırımdan geçilmiyor",
        ],
    ),
    (
        "zabita",
        [
            "gece yüksek sesle müzik çalınıyor uyuyamıyoruz",
            "kafeden gece yarısı yüksek müzik sesi geliyor",
            "gece müzik gürültüsü var uyuyamıyoruz",
        ],
    ),
    (
        "imar",
        [
            "komşu izinsiz kat çıkıyor kaçak yapı",
            "yan binaya kaçak kat çıkılıyor",
            "ruhsatsız olarak çatıya kat yapılıyor",
        ],
    ),
]
MAHALLELER = [
    "Mevlana",
    "Fatih",
    "Yıldırım Beyazıt",
    "Kocasinan",
    "Esentepe",
    "Gevhernesibe",
    "Hunat",
    "Sahabiye",
]
ILCE = {"Mevlana": "Talas", "Fatih": "Kocasinan", "Yıldırım Beyazıt": "Melikgazi", "Kocasinan": "Kocasinan",
        "Esentepe": "Melikgazi", "Gevhernesibe": "Melikgazi", "Hunat": "Melikgazi", "Sahabiye": "Melikgazi"}  # fmt: skip
WRAP = ["{p}", "{p}.", "Merhaba, {p}. Lütfen ilgilenin.", "{p}, acil çözüm bekliyoruz", "3 gündür {p}!",
        "{p}. Defalarca aradık.", "Mahallemizde {p}."]  # fmt: skip


def build(seed: int = 11) -> tuple[list[DupItem], set[tuple[str, str]]]:
    rng = random.Random(seed)
    base = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    items: list[DupItem] = []
    dup_pairs: set[tuple[str, str]] = set()
    n = 0
    for rep in range(4):
        for inc_i, (topic, phr) in enumerate(INCIDENTS):
            mah = MAHALLELER[(inc_i + rep * 3) % len(MAHALLELER)]
            start = base + timedelta(days=rep * 30 + rng.randint(0, 5))
            group = []
            for k, p in enumerate(rng.sample(phr, k=rng.choice([2, 3]))):
                text = rng.choice(WRAP).format(p=p)
                if rng.random() < 0.3:
                    text = ascii_fold(text)
                n += 1
                it = DupItem(
                    f"r{n}", text, topic, ILCE[mah], mah, start + timedelta(hours=rng.randint(0, 96) + k)
                )
                group.append(it)
                items.append(it)
            for a in group:
                for b in group:
                    if a.id < b.id:
                        dup_pairs.add((a.id, b.id))
            # hard negatives: same problem, other mahalle; same problem, 5 weeks later
            n += 1
            other = MAHALLELER[(inc_i + rep * 3 + 1) % len(MAHALLELER)]
            items.append(
                DupItem(f"r{n}", rng.choice(phr), topic, ILCE[other], other, start + timedelta(hours=5))
            )
            n += 1
            items.append(DupItem(f"r{n}", rng.choice(phr), topic, ILCE[mah], mah, start + timedelta(days=40)))
    return items, dup_pairs


def through_hub(mode: str, batch: int = 100) -> dict:
    """The same labelled set taken in by the hub's intake (in time order, each with its place and
    topic as a channel would give them): precision and recall of the duplicates it stores."""
    import hashlib
    import tempfile
    import uuid

    from sqlmodel import select

    from connectors.base import Location, RawMessage
    from hub.context import Hub
    from hub.models import Request
    from hub.settings import Settings

    items, truth = build()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dups-"))
    hub = Hub(Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'd.sqlite3'}",
                       classifier_model_dir=tmp / "models", workers_enabled=False))  # fmt: skip
    # Requests stay open, so the finder's window (not closing) decides; dated in the past as imports are.
    items = sorted(items, key=lambda it: it.created_at)
    tag = uuid.uuid4().hex[:6]
    raws = [RawMessage(channel="cimer", external_id=f"{tag}-{it.id}", text=it.text, received_at=it.created_at,
                       location=Location(mahalle=it.mahalle, ilce=it.ilce), metadata={"topic_hint": it.topic})
            for it in items]  # fmt: skip
    t0 = time.perf_counter()
    if mode == "batched":
        results = [
            r for k in range(0, len(raws), batch) for r in hub.intake.ingest_batch(raws[k : k + batch])
        ]
    else:
        results = [hub.intake.ingest(r) for r in raws]
    took = time.perf_counter() - t0
    item_of = {res.request_id: it.id for res, it in zip(results, items, strict=True)}
    found: set[tuple[str, str]] = set()
    with hub.db.reader() as s:
        for req in s.exec(select(Request)).all():
            for d in (req.classification or {}).get("duplicates", []):
                a, b = item_of[req.id], item_of[d["request_id"]]
                found.add(tuple(sorted((a, b), key=lambda x: int(x[1:]))))  # type: ignore[arg-type]
    hub.db.dispose()
    truth_n = {tuple(sorted(p, key=lambda x: int(x[1:]))) for p in truth}
    tp = len(found & truth_n)
    prec = tp / len(found) if found else 0.0
    rec = tp / len(truth_n)
    return {"bench": "duplicates_through_hub", "mode": mode, "items": len(items), "true_pairs": len(truth_n),
            "found_pairs": len(found), "precision": round(prec, 4), "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0, "seconds": round(took, 2),
            "pairs_sha1": hashlib.sha1(repr(sorted(found)).encode()).hexdigest()[:12]}  # fmt: skip


def main() -> None:
    if "--hub" in sys.argv:  # the same set through the hub's intake, one by one and in batches
        for mode in ("single", "batched"):
            print(json.dumps(through_hub(mode)))
        return
    items, truth = build()
    n_pairs = len(truth)
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4):
        found: set[tuple[str, str]] = set()
        t0 = time.process_time()
        for i, new in enumerate(items):
            for cid, _score in find_duplicates(new, items[:i], threshold=threshold):
                found.add(tuple(sorted((cid, new.id), key=lambda s: int(s[1:]))))  # type: ignore[arg-type]
        cpu = time.process_time() - t0
        truth_n = {tuple(sorted(p, key=lambda s: int(s[1:]))) for p in truth}
        tp = len(found & truth_n)
        prec = tp / len(found) if found else 0.0
        rec = tp / n_pairs
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(json.dumps({"bench": "duplicates", "threshold": threshold, "items": len(items), "true_pairs": n_pairs,
                          "found_pairs": len(found), "precision": round(prec, 4), "recall": round(rec, 4),
                          "f1": round(f1, 4), "comparisons_cpu_s": round(cpu, 3)}))  # fmt: skip


if __name__ == "__main__":
    main()

"""Demo data: about 500 realistic requests across all channels and real Kayseri
mahalle, pushed through the real pipeline, then moved along their lifecycle so
a newcomer sees a living queue. Texts are written for this project."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from connectors.base import Location, RawMessage, Sender, ThreadHints
from hub.actions import requests as ra
from hub.auth import SYSTEM_CLI, Actor, hash_key
from hub.intake.pipeline import Intake
from hub.models import ApiKey, Request, User

TEXTS: dict[str, list[str]] = {
    "su": [
        "{mah} mahallesinde sabahtan beri su yok, ne zaman gelecek?",
        "{mah} Mah. {sok} sokakta ana boru patladı, yol su içinde kaldı.",
        "mahallede kanalizasyon taştı, kötü koku var. {mah} mh",
        "Su faturam bu ay iki katı geldi, sayaç kontrol edilsin istiyorum.",
        "{mah} mahallesi rögar kapağı açık, çocuklar düşebilir acil!",
        "suyumuz bulanik akiyor 2 gundur {mah} mahallesi",
    ],
    "yol": [
        "{mah} mahallesi {sok} sokağın asfaltı tamamen bozuldu, çukurlardan geçilmiyor.",
        "Kaldırım taşları yerinden çıkmış, yaşlılar düşüyor. {mah} Mah.",
        "{mah} mahallesinde kilitli parke yol çöktü, araç geçemiyor.",
        "koy yolumuz kış gelmeden greyderlensin, {mah} mahallesi muhtarlığı olarak talep ediyoruz",
        "{mah} mah. yol çalışması yarım bırakıldı, toz toprak içindeyiz.",
    ],
    "temizlik": [
        "{mah} mahallesinde çöpler üç gündür toplanmadı.",
        "cop konteyneri tasiyor, kediler her yere dagitti {mah} mh",
        "{mah} Mah. {sok} sokakta moloz dökülmüş, kaldırılmasını rica ederim.",
        "Pazar yerinden sonra sokaklar yıkanmıyor, {mah} mahallesi.",
    ],
    "park": [
        "{mah} mahallesindeki parkta salıncak kırık, çocuklar yaralanabilir.",
        "Parktaki ağaçlar budanmadı, dallar elektrik tellerine değiyor. {mah} Mah.",
        "{mah} mahallesi parkının çimleri kurudu, sulama yapılmıyor.",
        "fırtınada ağaç devrildi yol kapandı {mah} mahallesi {sok} sokak",
    ],
    "zabita": [
        "{mah} mahallesinde bir iş yeri gece yarısına kadar yüksek sesle müzik çalıyor.",
        "Kaldırımı işgal eden seyyar satıcılar yüzünden yürünemiyor, {mah} Mah.",
        "fırın ekmeği gramajından düşük satıyor, {mah} mahallesi",
        "{mah} Mh. {sok} sokakta ruhsatsız inşaat var, gürültü yapıyorlar.",
    ],
    "ulasim": [
        "{mah} mahallesinden geçen otobüs 40 dakikadır gelmedi.",
        "Tramvay seferleri sabah çok kalabalık, sefer sayısı artırılsın.",
        "{mah} durağına bekleme yeri yapılmasını istiyoruz.",
        "otobus sofor kaba davrandi hat 12 sabah 8 sefer",
    ],
    "veteriner": [
        "{mah} mahallesinde sokak köpekleri çocuklara saldırıyor.",
        "yaralı bir kedi var {mah} mah. yardım edin",
        "Okul önünde başıboş köpek sürüsü var, {mah} mahallesi.",
    ],
    "sosyal": [
        "Yaşlı annem yalnız yaşıyor, evde bakım hizmetinden yararlanmak istiyoruz. {mah} mahallesi",
        "Engelli aracı için başvuru yapmak istiyorum, nasıl yapabilirim?",
        "ihtiyaç sahibi bir aile var, gıda yardımı yapılabilir mi? {mah} mh",
    ],
    "aydinlatma": [
        "{mah} mahallesi {sok} sokakta sokak lambaları bir haftadır yanmıyor.",
        "parktaki aydınlatmalar yanmıyor, akşam çok karanlık {mah} mah",
    ],
    "imar": [
        "{mah} mahallesindeki parselimin imar durumunu öğrenmek istiyorum.",
        "Komşu binada kaçak kat çıkılıyor, {mah} Mah. {sok} sokak.",
    ],
    "tesekkur": [
        "{mah} mahallesindeki yol çalışması için ekiplerinize çok teşekkür ederiz.",
        "Alo 153'e bildirdiğim arıza aynı gün giderildi, teşekkürler.",
    ],
    "bilgi": [
        "Bilgi edinme kanunu kapsamında 2025 yılı asfalt harcamalarını öğrenmek istiyorum.",
        "4982 sayılı kanun gereği belediyenin park bakım ihalesi bilgilerini talep ediyorum.",
    ],
    "kapsam_disi": [
        "merhaba nasılsınız",
        "Başkanımıza selamlar, seçimlerde başarılar",
        "bu hesabı kim yönetiyor acaba",
    ],
}
STREETS = ["Gül", "Lale", "Karanfil", "Çınar", "Atatürk", "İstiklal", "Mimar Sinan", "Yavuz", "Sakarya", "Papatya"]
NAMES = ["Ayşe Yılmaz", "Mehmet Demir", "Fatma Kaya", "Ali Çelik", "Zeynep Şahin", "Mustafa Arslan",
         "Emine Doğan", "Hüseyin Kılıç", "Hatice Aydın", "İbrahim Öztürk", "Elif Koç", "Murat Kurt"]  # fmt: skip
CHANNEL_WEIGHTS = {
    "phone": 30, "webform": 12, "beyaz_masa": 6, "email": 10, "telegram": 6, "whatsapp": 10,
    "x": 5, "facebook": 3, "instagram": 3, "cimer": 8, "mbs": 7,
}  # fmt: skip
DEMO_USERS = [
    ("agent", "Demo Çağrı Merkezi Personeli", "agent", None),
    ("supervisor", "Demo Birim Sorumlusu", "supervisor", None),
    ("kaski", "Demo KASKİ Kullanıcısı", "department", "kaski"),
    ("admin", "Demo Yönetici", "admin", None),
]


def _phone(rng: random.Random) -> str:
    return f"05{rng.choice('0345')}{rng.randint(0, 9)}{rng.randint(1000000, 9999999)}"


def build_messages(n: int, *, seed: int = 153, now: datetime | None = None) -> list[RawMessage]:
    from classifier.locator import Locator

    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    places = [p for p in Locator.default().places if getattr(p, "unit_kind", "mahalle") == "mahalle"]
    central = [p for p in places if p.ilce in ("Melikgazi", "Kocasinan", "Talas")]
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    out = []
    for i in range(n):
        channel = rng.choices(channels, weights)[0]
        topic = rng.choice(list(TEXTS))
        place = rng.choice(central if rng.random() < 0.75 else places)
        text = rng.choice(TEXTS[topic]).format(mah=place.mahalle, sok=rng.choice(STREETS))
        if rng.random() < 0.3 and "{mah}" not in text:
            text += f" ({place.ilce} {place.mahalle} Mah.)"
        age = timedelta(days=rng.random() ** 1.6 * 40, minutes=rng.randint(0, 600))
        name = rng.choice(NAMES)
        phone = _phone(rng)
        sender = Sender(name=name)
        location = None
        reply_to: dict[str, Any] = {}
        thread = ThreadHints()
        rtype = None
        if channel in ("phone", "beyaz_masa", "webform", "whatsapp"):
            sender.phone = phone
            reply_to = {"phone": phone}
        if channel == "email":
            sender.email = f"vatandas{i}@example.com"
            reply_to = {"email": sender.email, "message_id": f"<demo{i}@example.com>"}
        if channel == "telegram":
            sender.telegram_id = str(100000 + i)
            thread.conversation_id = sender.telegram_id
            reply_to = {"chat_id": sender.telegram_id}
        if channel == "x":
            sender.x_handle = f"vatandas{i}"
            reply_to = {"tweet_id": str(10**15 + i)}
        if channel in ("facebook", "instagram", "whatsapp"):
            sender.external_id = str(900000 + i)
        if channel == "mbs":
            sender = Sender(name=f"{place.mahalle} Mahallesi Muhtarı", kind="muhtar", phone=phone)
            location = Location(il="Kayseri", ilce=place.ilce, mahalle=place.mahalle)
            rtype = rng.choice(["istek", "sikayet", "ihbar", "gorus_oneri"])
            reply_to = {"kind": "mbs", "basvuru_no": f"MBS-{2026}-{i:06d}"}
        if channel == "cimer":
            location = Location(il="Kayseri", ilce=place.ilce, mahalle=place.mahalle)
            rtype = "bilgi_edinme" if topic == "bilgi" else rng.choice(["sikayet", "istek"])
            reply_to = {"kind": "cimer", "basvuru_no": f"C2026{i:07d}"}
        if channel == "webform":
            location = Location(il="Kayseri", ilce=place.ilce, mahalle=place.mahalle)
        out.append(RawMessage(
            channel=channel, external_id=f"demo-{seed}-{i}", text=text, received_at=now - age,
            sender=sender, location=location, request_type=rtype, reply_to=reply_to, thread=thread,
            metadata={"demo": True},
        ))  # fmt: skip
    return out


def seed(hub: Any, n: int = 500, *, seed_value: int = 153) -> dict[str, Any]:
    """Seed demo requests and users; returns the logins to print. Safe to run twice."""
    rng = random.Random(seed_value + 1)
    messages = build_messages(n, seed=seed_value)
    # About one in eight has just arrived and waits for an agent to triage it.
    fresh = [m for m in messages if rng.random() < 0.12]
    fresh_ids = {m.external_id for m in fresh}
    rest = [m for m in messages if m.external_id not in fresh_ids]
    for i in range(0, len(rest), 100):
        hub.intake.ingest_batch(rest[i : i + 100])
    untriaged = Intake(
        hub.db, classifier=hub.classifier, router=_Untriaged(hub.rules), attachments=hub.attachments,
        prefix=hub.settings.tracking_prefix, il=hub.settings.il, base_url=hub.settings.base_url,
    )  # fmt: skip
    untriaged.ingest_batch(fresh)
    logins = _users(hub)
    from hub.demo_knowledge import seed_knowledge  # knowledge base entries and canned replies

    seed_knowledge(hub)
    _advance(hub, rng)
    return logins


class _Untriaged:
    """Routes nothing: the request stays ``new`` for an agent, with its deadline set."""

    def __init__(self, rules: Any) -> None:
        self.rules = rules
        self.version = rules.version

    def route(self, inp: dict[str, Any]) -> dict[str, Any]:
        decision = self.rules.route(inp)
        return {**decision, "department": None, "co_departments": [], "needs_review": False, "auto_reply": None}

    def due(self, inp: dict[str, Any], decision: dict[str, Any], received_at: datetime) -> tuple[datetime, dict]:
        return self.rules.due(inp, decision, received_at)


def _users(hub: Any) -> list[dict[str, str]]:
    from hub.actions import users

    out = []
    with hub.db.session() as session:
        for username, display, role, dept in DEMO_USERS:
            user = session.exec(select(User).where(User.username == username)).first()
            password = f"{username}-demo"
            key = f"demo-{username}-key"
            if user is None:
                user = users.create_user(session, SYSTEM_CLI, username=username, display_name=display, role=role,
                                         department=dept, password=password)  # fmt: skip
            if session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first() is None:
                users.create_api_key(session, SYSTEM_CLI, name=f"demo {username}", role=role, department=dept,
                                     key=key, user_id=user.id)  # fmt: skip
            out.append({"username": username, "password": password, "role": role, "api_key": key})
    return out


def _advance(hub: Any, rng: random.Random) -> None:
    """Move seeded requests along: some new, some in progress, answered, closed, merged."""
    with hub.db.session() as session:
        agent = session.exec(select(User).where(User.username == "agent")).first()
        actor = Actor(f"user:{agent.id}", "agent", user_id=agent.id)
        reqs = session.exec(select(Request).where(Request.status.in_(["triaged", "forwarded", "needs_review"]))).all()
        for req in reqs:
            roll = rng.random()
            age_days = (datetime.now(UTC) - req.received_at).days
            if roll < 0.3 and req.status != "needs_review":
                ra.assign(session, actor, req, agent.id)
                ra.update(session, actor, req, {"status": "in_progress"})
            elif roll < 0.55 and age_days > 3:
                outcome = "olumlu" if rng.random() < 0.75 else "olumsuz"
                text = ("Talebiniz ilgili birimimizce yerinde incelenmiş ve gerekli çalışma yapılmıştır."
                        if outcome == "olumlu" else
                        "Talebiniz incelenmiş olup bu konu belediyemizin yetki alanı dışında kalmaktadır.")  # fmt: skip
                ra.reply(session, actor, req, text, outcome=outcome, close=rng.random() < 0.6)
            elif roll < 0.6 and age_days > 1:
                ra.wait_on_citizen(session, actor, req, "Adres tarifini netleştirebilir misiniz?")

"""Demo knowledge base entries and canned replies, written for the demo: plausible answers
an Alo 153 agent might give, not official facts of any municipality. Safe to run twice."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from hub.auth import SYSTEM_CLI
from hub.models_kb import CannedReply, KbEntry

ENTRIES = [
    {"title": "Kayseri Kart bakiye yükleme", "topic": "ulasim", "tags": ["kayseri-kart", "bakiye"],
     "body": "Kayseri Kart'a bakiye; durak ve terminallerdeki dolum makinelerinden, yetkili bayilerden ve "
             "mobil uygulamadan yüklenebilir. Yüklenen bakiye karta ilk okutmada geçer."},
    {"title": "Kayıp ya da çalınan Kayseri Kart", "topic": "ulasim", "tags": ["kayseri-kart", "kayip"],
     "body": "Kişiye özel (indirimli) kartlarda kart kaybı kart merkezine kimlikle bildirilir; kalan bakiye "
             "yeni karta aktarılır. Anonim kartlarda bakiye aktarılamaz."},
    {"title": "Otobüs saatleri ve hat bilgisi", "topic": "ulasim", "tags": ["otobus", "sefer-saatleri"],
     "body": "Hatların güncel sefer saatleri belediyenin ulaşım sayfasında ve mobil uygulamada yer alır. "
             "Bayram ve özel günlerde tarifeler değişebilir; vatandaşa uygulamadaki duyuruları önerin."},
    {"title": "Nikah başvurusu için gerekli belgeler", "topic": "diger", "tags": ["nikah", "evlendirme"],
     "body": "Çiftlerin nüfus cüzdanları, evlenme ehliyetine ilişkin sağlık raporu ve vesikalık fotoğraflar "
             "ile evlendirme memurluğuna başvurulur. Yabancı uyruklu eş için ek belgeler istenir; tarih için "
             "önce salon uygunluğuna bakılır."},
    {"title": "Su arızası bildirimi", "topic": "su-kanalizasyon", "tags": ["su-arizasi", "boru"],
     "body": "Ana boru patlaması ve su kesintileri KASKİ arıza ekibine iletilir; arayandan mahalle, sokak ve "
             "yakındaki bir tarif alınmalı. Planlı kesintiler KASKİ'nin duyuru sayfasında yayımlanır."},
    {"title": "Çöp toplama saatleri", "topic": "temizlik", "tags": ["cop", "konteyner"],
     "body": "Çöpler mahalle programına göre toplanır; taşan konteyner, kırık konteyner ya da uğramayan "
             "araç için talep açılıp temizlik işlerine iletilir."},
]  # fmt: skip

CANNED = [
    {"shortcut": "iletildi", "title": "Birime iletildi",
     "body": "Sayın {ad}, {takip_kodu} numaralı talebiniz incelenmek üzere {birim} birimine iletilmiştir."},
    {"shortcut": "ekip", "title": "Ekip yönlendirildi",
     "body": "Sayın {ad}, {mahalle} mahallesindeki bildiriminiz için ekibimiz yönlendirilmiştir. Takip numaranız: {takip_kodu}."},
    {"shortcut": "ariza", "title": "Su arızası alındı", "topic": "su-kanalizasyon",
     "body": "Sayın {ad}, {mahalle} mahallesindeki su arızası KASKİ arıza ekibine bildirildi ({takip_kodu})."},
    {"shortcut": "tesekkur", "title": "Teşekkür",
     "body": "Sayın {ad}, görüşünüz için teşekkür ederiz. {takip_kodu} numaralı kaydınız ilgili birimlere iletilmiştir."},
]  # fmt: skip


def seed_knowledge(hub: Any) -> None:
    from hub.actions import knowledge

    with hub.db.session() as session:
        titles = set(session.exec(select(KbEntry.title)))
        for e in ENTRIES:
            if e["title"] not in titles:
                knowledge.save_entry(session, SYSTEM_CLI, e)
        shortcuts = set(session.exec(select(CannedReply.shortcut)))
        for c in CANNED:
            if c["shortcut"] not in shortcuts:
                knowledge.save_canned(session, SYSTEM_CLI, c)

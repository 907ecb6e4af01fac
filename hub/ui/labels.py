"""Turkish labels for codes stored in English: statuses, channels, SLA states, events."""

from __future__ import annotations

import re
from typing import Any

STATUS = {
    "new": "Yeni", "triaged": "Sınıflandırıldı", "forwarded": "Birime iletildi", "in_progress": "İşlemde",
    "waiting_citizen": "Vatandaştan bilgi bekleniyor", "answered": "Cevaplandı", "closed": "Kapatıldı",
    "needs_review": "İnceleme gerekli", "duplicate": "Mükerrer (birleştirildi)", "out_of_scope": "Kapsam dışı",
    "rejected": "Reddedildi",
}  # fmt: skip
# Short forms for the dense queue table (the full label is the cell's title).
STATUS_SHORT = {
    **STATUS, "forwarded": "İletildi", "waiting_citizen": "Bilgi bekleniyor", "needs_review": "İncelenecek",
    "duplicate": "Mükerrer",
}  # fmt: skip
CHANNEL = {
    "email": "E-posta", "webform": "Web formu", "telegram": "Telegram", "x": "X (Twitter)", "whatsapp": "WhatsApp",
    "youtube": "YouTube",
    "facebook": "Facebook", "instagram": "Instagram", "phone": "Telefon (153)", "beyaz_masa": "Beyaz Masa",
    "edevlet": "e-Devlet",
    "cimer": "CİMER", "mbs": "MBS (muhtar)", "api": "API", "meta": "WhatsApp / Facebook / Instagram",
    "muhtar": "Muhtar portalı", "open311": "Open311",
    "mektup": "Yazılı cevap (mektup)", "ziyaret": "Saha / başkan ziyareti",
}  # fmt: skip
REQUEST_TYPE = {
    "istek": "İstek", "sikayet": "Şikâyet", "ihbar": "İhbar", "gorus_oneri": "Görüş/öneri",
    "bilgi_edinme": "Bilgi edinme", "tesekkur": "Teşekkür",
}  # fmt: skip
PRIORITY = {"low": "Düşük", "normal": "Normal", "high": "Yüksek", "urgent": "Acil"}
SLA = {"on_time": "Süresinde", "at_risk": "Süre doluyor", "breached": "Süre aşıldı", "paused": "Durduruldu"}
OUTCOME = {"olumlu": "Olumlu", "olumsuz": "Olumsuz", "iade": "İade (başka kurumun işi)"}
DIRECTION = {"in": "Gelen", "out": "Giden", "note": "İç not"}
OUTBOX_KIND = {"forward": "Birime iletim", "reply": "Vatandaşa cevap", "notify": "Bilgilendirme", "push": "Telefon bildirimi"}
# What became of a notice, answer or forward (hub.queries.delivery.delivery_state): the one
# mapping the request page, the thread, the audit trail and the queue use. An item the hub
# did not send is never "delivered".
OUTBOX_STATUS = {
    "delivered": "Gönderildi",
    "skipped": "Gönderilmedi: kanal yapılandırılmamış",
    "not_needed": "Gerekmedi",
    "failed": "Gönderilemedi",
    "pending": "Sırada",
    "retrying": "Yeniden denenecek",
    "sending": "Gönderiliyor",
}
UNREACHED = "Vatandaşa ulaşılamadı"
# Why an item was not sent, from the worker's note.
_SKIP_REASONS: list[tuple[str, str]] = [
    (r"call-back task", "cevap telefonla iletilecek (geri arama)"),
    (r"SMTP is not configured", "e-posta sunucusu (SMTP) tanımlı değil"),
    (r"no SMS gateway configured", "SMS ağ geçidi tanımlı değil"),
    (r"placeholder webhook", "birimin gerçek adresi kurallar dosyasında tanımlı değil"),
    (r"no connector can answer on (\w+)", "{0} kanalı bağlı değil"),
    (r"automatic acknowledgement not sent", "otomatik alındı metni bu kanalda gönderilmez"),
    (r"by hand as a reply on YouTube", "YouTube'da yoruma elle cevap yazılmalı"),
    (r"notice is not posted on YouTube", "YouTube herkese açık: yalnızca alındı ve cevap yazılır"),
    (r"queue-only target", "birim işi hub kuyruğundan izliyor"),
]
USER_STATE = {"active": "Etkin", "inactive": "Devre dışı"}
CONTACT_KIND = {"citizen": "Vatandaş", "muhtar": "Muhtar", "institution": "Kurum"}
# Flash messages of the staff accounts page (/ui/kullanicilar?tamam=…).
USER_DONE = {
    "eklendi": "Kullanıcı eklendi.", "parola": "Parola değişti; kullanıcının açık oturumları kapandı.",
    "etkin": "Hesap etkinleştirildi.", "pasif": "Hesap devre dışı bırakıldı; açık oturumları kapandı.",
    "oturum": "Kullanıcının bütün oturumları kapatıldı.",
    "rol": "Rol ve birim kaydedildi.",
}  # fmt: skip
LOCATION_SOURCE = {"known": "kanal bilgisi", "text": "metinden çıkarıldı", "agent": "personel düzeltti", "geo": "paylaşılan konumdan"}
ROLE = {
    "agent": "Çağrı merkezi",
    "supervisor": "Yönetici",
    "department": "Birim",
    "admin": "Sistem yöneticisi",
    "muhtar": "Muhtar",
}
EVENT = {
    "request.claimed": "Üstlenildi", "request.claim_released": "Üstlenme bırakıldı",
    "request.taken_over": "Devralındı",
    "request.created": "Talep oluşturuldu", "request.routed": "Birime yönlendirildi",
    "request.classified": "Sınıflandırıldı", "request.assigned": "Atandı", "request.status": "Durum değişti",
    "request.replied": "Cevap yazıldı", "request.note": "İç not eklendi", "request.closed": "Kapatıldı",
    "request.merged": "Birleştirildi", "request.updated": "Düzeltildi", "request.escalated": "Üst birime taşındı",
    "request.cluster_joined": "Kümeye eklendi", "request.forwarded": "Birime iletildi",
    "message.received": "Yeni mesaj geldi", "sla.at_risk": "Süre dolmak üzere", "sla.breached": "Süre aşıldı",
    "sla.paused": "Süre durduruldu", "sla.resumed": "Süre yeniden başladı", "outbox.gave_up": "Gönderim başarısız",
    "outbox.requeued": "Gönderim yeniden sıraya alındı", "contact.merged": "Kişi kayıtları birleştirildi",
    "privacy.erased": "Kişisel veriler silindi (KVKK)", "privacy.contact_erased": "Kişinin verileri silindi (KVKK)",
    "privacy.exported": "Kişinin verileri döküldü (KVKK)", "privacy.retention_purge": "Saklama süresi doldu, silindi",
    "auth.login": "Giriş", "auth.login_failed": "Başarısız giriş", "auth.throttled": "Giriş denemeleri bekletildi",
    "user.created": "Kullanıcı eklendi",
    "user.password_changed": "Parola değişti", "user.updated": "Kullanıcı değişti", "user.activated": "Kullanıcı etkinleştirildi",
    "user.deactivated": "Kullanıcı devre dışı", "user.sessions_ended": "Oturumlar kapatıldı",
    "apikey.created": "API anahtarı oluşturuldu", "apikey.revoked": "API anahtarı iptal edildi",
    "rules.activated": "Kurallar etkinleştirildi", "contact.created": "Kişi kaydı oluşturuldu",
    "forward": "Birime iletildi", "reply": "Cevap gönderildi", "notify": "Vatandaş bilgilendirildi",
    "request.returned": "İade edildi (başka kurumun işi)", "request.letter": "Yazılı cevap (mektup) hazırlandı",
    "visit.created": "Ziyaret kaydı açıldı", "visit.request_added": "Ziyarette alınan talep",
    "callback.opened": "Geri arama görevi açıldı", "callback.completed": "Geri arama yapıldı",
    "callback.task": "Geri arama görevi açıldı", "request.sent_back": "Beyaz Masa'ya geri gönderildi (bizim değil)",
    "request.call_added": "Arama bu talebe eklendi",
    "classifier.retrain_started": "Model eğitimi başladı", "classifier.trained": "Model eğitildi (aday)",
    "classifier.retrain_failed": "Model eğitimi başarısız", "classifier.activated": "Model etkinleştirildi",
    "classifier.rolled_back": "Önceki modele dönüldü",
    "export.downloaded": "Cevap dosyası indirildi", "push.session_ended": "Çıkışta bildirim aboneliği silindi",
    "push.subscribed": "Telefonda bildirimler açıldı", "push.unsubscribed": "Telefonda bildirimler kapatıldı",
    "push.preferences": "Bildirim tercihleri kaydedildi",
    "push.subscription_gone": "Bildirim aboneliği sona ermiş, silindi (tarayıcı ya da push servisi)",
    "calllog.counted": "Çağrı kayıt dosyası sayıldı", "filter.saved": "Filtre kaydedildi",
    "quarantine.added": "Okunamayan giriş karantinaya alındı", "quarantine.resolved": "Karantinadaki giriş yeniden işlendi",
    "quarantine.new": "Karantinadaki giriş yeniden işlenemedi", "quarantine.retried": "Karantinadaki giriş yeniden denendi",
    "user.muhtars_imported": "Muhtar listesi içe aktarıldı",
    "kb.created": "Bilgi bankasına kayıt eklendi", "kb.updated": "Bilgi bankası kaydı düzeltildi",
    "canned.created": "Hazır cevap eklendi", "canned.updated": "Hazır cevap düzeltildi",
    "request.first_contact": "İlk temasta çözüldü",
}  # fmt: skip
CALLBACK_OUTCOME = {"reached": "Ulaşıldı", "not_reached": "Ulaşılamadı", "wrong_number": "Yanlış numara"}
# Reasons the actions store in English on status changes and call-backs, for the Turkish page.
_REASONS: list[tuple[str, str]] = [
    (r"^replied$", "cevap yazıldı"),
    (r"^citizen answered$", "vatandaş cevap verdi"),
    (r"^citizen wrote after the answer$", "vatandaş cevaptan sonra yeniden yazdı"),
    (r"^callback pending$", "vatandaş geri aranacak; ulaşılana kadar cevaplanmış sayılmaz"),
    (r"^citizen reached by phone$", "vatandaş telefonla arandı, cevap iletildi"),
    (r"^duplicate of (\S+)$", "{0} talebinin mükerreri"),
    (r"^sent back by the department$", "birim geri gönderdi"),
    (r"^sla_breached$", "süre aşıldı"),
    (r"^\w+ delivery failed$", "gönderim başarısız"),
    (r"no SMS gateway configured", "SMS ağ geçidi tanımlı değil"),
    (r"no phone number to send the answer to", "cevabın gideceği telefon numarası yok"),
    (r"the caller's number is not a mobile number", "arayanın numarası cep telefonu değil"),
    (r"the answer SMS was already used", "cevap SMS'i daha önceki bir cevap için kullanıldı"),
    (r"the answer SMS failed", "cevap SMS'i gönderilemedi"),
]
ACTION = {
    "department": "birim", "co_departments": "ortak birimler", "priority": "öncelik", "raise_priority": "önceliği yükselt",
    "sla": "süre", "tags": "etiketler", "needs_review": "incelemeye al", "auto_reply": "otomatik cevap",
    "notify_citizen": "vatandaşı bilgilendir", "escalate_to": "üst birime taşı",
}  # fmt: skip
FIELD = {
    "status": "durum", "outcome": "sonuç", "text": "metin", "assignee_id": "atanan kişi", "department": "birim",
    "co_departments": "ortak birimler", "into": "birleştirilecek talep", "topic": "konu", "request_type": "talep türü",
    "mahalle": "mahalle", "ilce": "ilçe", "priority": "öncelik", "cursor": "sayfa", "filter_id": "kayıtlı filtre",
    "sort": "sıralama", "body": "form", "username": "kullanıcı adı", "display_name": "ad soyad", "role": "rol",
    "password": "parola", "user_id": "kullanıcı",
}  # fmt: skip


def label(table: dict[str, str], code: Any) -> str:
    if code is None or code == "":
        return "—"
    return table.get(str(code), str(code))


def topic_name(code: Any) -> str:
    """The taxonomy's Turkish name for a topic code ("su-kanalizasyon" → "Su ve Kanalizasyon")."""
    if code is None or code == "":
        return "—"
    from classifier.taxonomy import default_taxonomy

    topic = default_taxonomy().topics.get(str(code))
    return topic.name if topic else str(code)


def skip_reason(note: Any) -> str:
    """The worker's English note on an item it did not send, in Turkish."""
    text = str(note or "")
    for pattern, turkish in _SKIP_REASONS:
        m = re.search(pattern, text)
        if m:
            return turkish.format(*(CHANNEL.get(g, g) for g in m.groups()))
    return text


def delivery_label(state: Any, note: Any = None) -> str:
    """A delivery state in Turkish; a skipped item says why."""
    text = label(OUTBOX_STATUS, state)
    if state == "skipped" and note:
        return f"Gönderilmedi: {skip_reason(note)}"
    return text


def event_label(kind: Any, data: Any = None) -> str:
    """Event kinds, including the worker's outbox.<kind>.<result> family; ``data`` tells a
    real delivery from an item the worker skipped (older rows wrote ``outbox.<kind>.delivered``
    for both; skipped items now write ``outbox.<kind>.skipped``)."""
    text = str(kind or "")
    if text == "callback.completed" and isinstance(data, dict) and data.get("outcome") in CALLBACK_OUTCOME:
        return f"{EVENT[text]}: {CALLBACK_OUTCOME[data['outcome']].lower()}"
    if text in EVENT:
        return EVENT[text]
    parts = text.split(".")
    if len(parts) == 3 and parts[0] == "outbox":
        from hub.queries.delivery import delivery_state

        what = OUTBOX_KIND.get(parts[1], parts[1])
        result = (data or {}).get("result") if isinstance(data, dict) else None
        if parts[2] in ("delivered", "skipped"):
            state = delivery_state("done", result if isinstance(result, dict) else None)
            note = result.get("skipped") if isinstance(result, dict) else None
            said = delivery_label(state, note)
            return f"{what}: {said[:1].lower()}{said[1:]}"
        outcome = {"failed": "gönderilemedi", "retry": "yeniden denenecek"}.get(parts[2], parts[2])
        return f"{what}: {outcome}"
    return text or "—"


# Known refusals from the actions, said in Turkish. Unknown ones get a generic sentence
# by error class; the English detail is kept small beside it for support staff.
_MESSAGES: list[tuple[str, str]] = [
    (r"status cannot go from (\w+) to (\w+)", "Talep «{0}» durumundayken «{1}» durumuna geçirilemez."),
    (r"request is already assigned to someone else", "Bu talep başka bir personele atanmış."),
    # claims (hub.actions.claims)
    (r"request is held by (.+) since (\S+ \S+); take it over first",
     "Bu talep {0} tarafından üstlenilmiş ({1} itibarıyla). İşlem yapmak için önce «Devral» ile devralın."),
    (r"you do not hold this request", "Bu talebi siz üstlenmemişsiniz."),
    (r"unknown filter: (\S+)", "Bilinmeyen süzgeç: {0}"),
    (r"only a signed-in user can claim", "Talebi üstlenmek için oturum açmış olmanız gerekir."),
    (r"unknown department '?([^']*)'?", "Bilinmeyen birim: {0}"),
    (r"reply text is empty", "Cevap metni boş olamaz."),
    (r"outcome must be olumlu or olumsuz", "Sonuç olumlu ya da olumsuz olmalıdır."),
    (r"closing needs an outcome", "Kapatmak için sonuç (olumlu/olumsuz) seçmelisiniz."),
    (r"a request cannot be merged into itself", "Bir talep kendisiyle birleştirilemez."),
    (r"merging would make a cycle", "Bu birleştirme döngü oluşturur."),
    (r"target request not found", "Birleştirilecek talep bulunamadı."),
    (r"user (\d+) not found", "Kullanıcı bulunamadı."),
    (r"request \d+ not found|request not found", "Talep bulunamadı ya da görme yetkiniz yok."),
    (r"nothing to change", "Değiştirilecek bir alan girmediniz."),
    (r"field cannot be changed: (\w+)", "Bu alan değiştirilemez: {0}"),
    (r"priority must be one of", "Öncelik geçersiz."),
    (r"request_type must be one of", "Talep türü geçersiz."),
    (r"cursor is not valid", "Sayfa bağlantısı geçersiz; listeyi baştan açın."),
    (r"saved filter not found", "Kayıtlı filtre bulunamadı."),
    # staff accounts (hub.actions.users)
    (r"password must be at least (\d+) characters", "Parola en az {0} karakter olmalıdır."),
    (r"password is too long", "Parola çok uzun (en çok 500 karakter)."),
    (r"user '([^']*)' already exists", "«{0}» kullanıcı adı zaten kullanılıyor."),
    (r"username: 2-50 characters", "Kullanıcı adı 2-50 karakter olmalı; küçük harf, rakam, nokta, alt çizgi ya da tire içerebilir."),
    (r"unknown role", "Rol geçersiz."),
    (r"a department user needs a department", "Birim kullanıcısı için birim seçmelisiniz."),
    (r"no user \S+", "Kullanıcı bulunamadı."),
    (r"no API key \d+", "API anahtarı bulunamadı."),
    # KVKK erasure (hub.actions.privacy)
    (r"open requests; close them before erasing: (.*)", "Başvuranın açık talepleri var; silmeden önce kapatın: {0}"),
    (r"erasure needs a reason", "Silme için gerekçe yazın (ör. KVKK başvuru numarası)."),
    (r"erasure not confirmed", "Silmeyi onaylamak için kutuyu işaretleyin; bu işlem geri alınamaz."),
    (r"no contact to erase", "Bu talepte silinecek kişi bilgisi yok."),
    (r"sending back needs a reason", "Geri göndermek için gerekçe yazın (ör. hangi birimin işi olduğu)."),
    (r"only a department can send a request back", "Talebi yalnızca birim kullanıcıları geri gönderebilir."),
    (r"a (\w+) request cannot be sent back", "Kapanmış ya da sonuçlanmış talep geri gönderilemez."),
    (r"callback outcome must be", "Görüşme sonucunu seçin: ulaşıldı, ulaşılamadı ya da yanlış numara."),
    (r"this call-back is already done", "Bu geri arama zaten kaydedilmiş."),
    (r"callback \d+ not found", "Geri arama bulunamadı."),
    (r"the last active admin", "Son etkin yönetici devre dışı bırakılamaz ya da rolü değiştirilemez; önce başka bir yönetici ekleyin."),
]


def turkish_error(exc: Exception) -> str:
    from hub.actions.errors import Conflict, NotFound
    from hub.auth import PermissionDenied

    if isinstance(exc, PermissionDenied):
        return "Bu işlem için yetkiniz yok."
    message = getattr(exc, "message", str(exc))
    for pattern, text in _MESSAGES:
        m = re.search(pattern, message)
        if m:  # status codes inside a message are said in Turkish too
            return text.format(*(STATUS.get(g, g) if g else g for g in m.groups()))
    if isinstance(exc, NotFound):
        return "Kayıt bulunamadı."
    if isinstance(exc, Conflict):
        return "Bu işlem talebin şu anki durumuyla çakışıyor."
    field = getattr(exc, "field", None)
    where = f" ({FIELD.get(field, field)})" if field else ""
    return f"İşlem yapılamadı{where}: {message}"


from hub.ui.labels_more import locator_reason  # noqa: E402, F401  (the locator's reasons in Turkish)


def reason_label(text: Any) -> str:
    """A reason stored in English by an action or the worker, in Turkish; an agent's own
    words come back unchanged."""
    raw = str(text or "")
    for pattern, turkish in _REASONS:
        m = re.search(pattern, raw)
        if m:
            return turkish.format(*m.groups())
    return raw

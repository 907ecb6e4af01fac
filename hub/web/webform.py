"""The citizen application form: render, validate, and hand a RawMessage to the intake.

Nothing is stored unless the submission is complete and consented; a filled honeypot
gets a success page and nothing else. Writes go only through ``hub.intake.ingest``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from connectors.base import Attachment, Location, RawMessage, Sender
from hub.db_errors import RETRY_AFTER_SECONDS
from hub.email_address import BadEmail, check_email
from hub.web import pages
from hub.web.tokens import FormToken, TokenError
from hub.web.upload import BodyTooLarge, FormBody, Photo, read_form

log = logging.getLogger(__name__)

REQUEST_TYPES: tuple[tuple[str, str], ...] = (
    ("istek", "İstek"),
    ("sikayet", "Şikâyet"),
    ("ihbar", "İhbar"),
    ("gorus_oneri", "Görüş-Öneri"),
    ("bilgi_edinme", "Bilgi Edinme"),
    ("tesekkur", "Teşekkür"),
)
TYPE_LABELS = dict(REQUEST_TYPES)
KVKK_TEXT_VERSION = "2026-1"
HONEYPOT = "web_sitesi"
MAX_NAME = 120
MAX_ADDRESS = 500
MAX_QUERY = 60
LABEL_RE = re.compile(r"^\s*(.+?)\s*\(\s*([^()]+?)\s*\)\s*$")  # "Mevlana (Talas)"
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}

# Field names in the HTML form (Turkish, as citizens and their browsers' autofill see them).
F_TOKEN, F_TYPE, F_TEXT, F_ILCE, F_MAHALLE = "form_token", "tur", "aciklama", "ilce", "mahalle"
F_PICK_MAHALLE, F_PICK_ILCE, F_ADDRESS = "secilen_mahalle", "secilen_ilce", "adres"
F_NAME, F_PHONE, F_EMAIL, F_CONSENT, F_PHOTO = "ad_soyad", "telefon", "eposta", "kvkk_onay", "foto"
TEXT_FIELDS = (
    F_TYPE,
    F_TEXT,
    F_ILCE,
    F_MAHALLE,
    F_PICK_MAHALLE,
    F_PICK_ILCE,
    F_ADDRESS,
    F_NAME,
    F_PHONE,
    F_EMAIL,
)


@dataclass
class Submission:
    """A validated submission, ready to become a RawMessage."""

    form_id: str
    request_type: str
    text: str
    ilce: str | None
    mahalle: str | None
    address: str | None
    name: str | None
    phone: str | None
    email: str | None
    photo: Attachment | None = None


@dataclass
class Checked:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    submission: Submission | None = None


def attempt_limit(limit: int) -> int:
    """POSTs allowed per hour, stored or not: room for several corrections per submission."""
    return max(30, 3 * limit) if limit > 0 else 0


def locator() -> Any:
    from classifier.locator import Locator

    return Locator.default()


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"


def sniff_image(data: bytes) -> str | None:
    """The image type from the file's first bytes; the browser's claim is not trusted."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _clean(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def check_location(values: dict[str, str], errors: dict[str, str]) -> tuple[str | None, str | None]:
    """(ilce, mahalle) from the picker. A pick from the list is verified against the gazetteer;
    typed text is resolved, and refused with a hint when it is unknown or ambiguous."""
    loc = locator()
    ilce_in = values.get(F_ILCE) or None
    if ilce_in:
        ilce_norm = loc.normalize_ilce(ilce_in)
        if ilce_norm is None:
            errors[F_ILCE] = "Seçtiğiniz ilçe Kayseri ilçeleri arasında bulunamadı."
            return None, None
        ilce_in = ilce_norm
    picked, picked_ilce = values.get(F_PICK_MAHALLE), values.get(F_PICK_ILCE)
    typed = values.get(F_MAHALLE, "")
    if picked and picked_ilce:
        res = loc.resolve(picked, picked_ilce)
        if res.mahalle == picked and res.ilce and not res.ambiguous:
            return res.ilce, res.mahalle
    if not typed:
        return ilce_in, None
    name, ilce = typed, ilce_in
    m = LABEL_RE.match(typed)
    if m and loc.normalize_ilce(m.group(2)):
        name, ilce = m.group(1), loc.normalize_ilce(m.group(2))
    res = loc.resolve(name, ilce)
    if res.mahalle and res.ilce and not res.ambiguous and res.confidence >= 0.8:
        return res.ilce, res.mahalle
    if res.ambiguous and res.candidates:
        where = ", ".join(f"{c.get('mahalle')} ({c.get('ilce')})" for c in res.candidates[:5])
        errors[F_MAHALLE] = (
            f"Bu adla birden fazla mahalle var: {where}. Lütfen listeden seçin ya da ilçeyi belirtin."
        )
    else:
        errors[F_MAHALLE] = "Mahalle bulunamadı. Yazmaya başlayıp listeden seçin ya da bu alanı boş bırakın."
    return None, None


def check(body: FormBody, token: FormToken | None, settings: Any) -> Checked:
    values = {k: _clean(body.fields.get(k)) for k in TEXT_FIELDS}
    values[F_TEXT] = (body.fields.get(F_TEXT) or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    errors: dict[str, str] = {}
    max_chars = settings.max_text_chars
    if values[F_TYPE] not in TYPE_LABELS:
        errors[F_TYPE] = "Lütfen başvuru türünü seçin."
    text = values[F_TEXT]
    if not text:
        errors[F_TEXT] = "Lütfen başvurunuzu açıklayın; bu alan boş bırakılamaz."
    elif len(text) > max_chars or F_TEXT in body.truncated:
        errors[F_TEXT] = f"Açıklama en fazla {max_chars:,} karakter olabilir (şu an {len(text):,}).".replace(
            ",", "."
        )
    if len(values[F_ADDRESS]) > MAX_ADDRESS:
        errors[F_ADDRESS] = f"Adres tarifi en fazla {MAX_ADDRESS} karakter olabilir."
    if len(values[F_NAME]) > MAX_NAME:
        errors[F_NAME] = f"Ad soyad en fazla {MAX_NAME} karakter olabilir."
    phone = None
    if values[F_PHONE]:
        from classifier.pii import normalize_phone_tr

        phone = normalize_phone_tr(values[F_PHONE])
        if phone is None:
            errors[F_PHONE] = "Telefon numarası geçerli görünmüyor. Örnek: 0532 123 45 67"
    email = None
    if values[F_EMAIL]:
        try:
            email = check_email(values[F_EMAIL])
        except BadEmail as exc:
            errors[F_EMAIL] = f"{exc} Örnek: ad.soyad@ornek.com"
    ilce, mahalle = check_location(values, errors)
    photo = _check_photo(body.photo, settings.max_attachment_bytes, errors)
    if body.fields.get(F_CONSENT) not in ("1", "on", "evet"):
        errors[F_CONSENT] = (
            "Başvurunuzu alabilmemiz için KVKK aydınlatma metnini okuyup onay kutusunu işaretlemeniz gerekir. "
            "Onay verilmeden hiçbir bilginiz kaydedilmez."
        )
    out = Checked(values=values, errors=errors)
    if not errors and token is not None:
        out.submission = Submission(
            form_id=token.form_id, request_type=values[F_TYPE], text=text, ilce=ilce, mahalle=mahalle,
            address=values[F_ADDRESS] or None, name=values[F_NAME] or None, phone=phone, email=email, photo=photo,
        )  # fmt: skip
    return out


def _check_photo(photo: Photo | None, limit: int, errors: dict[str, str]) -> Attachment | None:
    if photo is None:
        return None
    if photo.too_large:
        errors[F_PHOTO] = f"Fotoğraf en fazla {_mb(limit)} olabilir. Lütfen daha küçük bir fotoğraf seçin."
        return None
    kind = sniff_image(photo.data)
    if kind is None:
        errors[F_PHOTO] = "Yalnızca JPEG, PNG veya WebP biçiminde fotoğraf yükleyebilirsiniz."
        return None
    ext = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}[kind]
    name = re.sub(r"[^\w.\- ]", "_", photo.filename).strip() or "fotograf"
    if not name.lower().endswith((ext, ".jpeg" if ext == ".jpg" else ext)):
        name += ext
    return Attachment(filename=name[:120], content_type=kind, data=photo.data)


def to_raw(sub: Submission, settings: Any, now: datetime | None = None) -> RawMessage:
    now = now or datetime.now(UTC)
    location = None
    if sub.mahalle or sub.ilce or sub.address:
        location = Location(il=settings.il, ilce=sub.ilce, mahalle=sub.mahalle, address=sub.address)
    reply_to: dict[str, Any] = {}
    if sub.phone:
        reply_to["phone"] = sub.phone
    if sub.email:
        reply_to["email"] = sub.email
    return RawMessage(
        channel="webform",
        external_id=f"webform:{sub.form_id}",
        text=sub.text,
        received_at=now,
        sender=Sender(name=sub.name, phone=sub.phone, email=sub.email),
        attachments=[sub.photo] if sub.photo else [],
        location=location,
        request_type=sub.request_type,
        reply_to=reply_to,
        metadata={
            "form_id": sub.form_id,
            "kvkk_consent": {"given_at": now.isoformat(), "text_version": KVKK_TEXT_VERSION},
        },
    )


# -- pages -----------------------------------------------------------------------------------


def _form_context(request: web.Request, token: FormToken, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, notice: str | None = None) -> dict[str, Any]:  # fmt: skip
    settings = request.app["hub"].settings
    return {
        "page_title": "Başvuru Formu",
        "token": token.value,
        "values": values or {},
        "errors": errors or {},
        "notice": notice,
        "types": REQUEST_TYPES,
        "ilceler": locator().ilceler(),
        "max_chars": settings.max_text_chars,
        "max_photo": _mb(settings.max_attachment_bytes),
        "max_photo_bytes": settings.max_attachment_bytes,
        "honeypot": HONEYPOT,
        "consent_checked": False,
    }


def form_page(request: web.Request, token: FormToken, *, status: int = 200, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None, notice: str | None = None, consent: bool = False) -> web.Response:  # fmt: skip
    ctx = _form_context(request, token, values, errors, notice)
    ctx["consent_checked"] = consent
    return pages.render(request, "form.html", status=status, **ctx)


def _disabled(request: web.Request) -> web.Response:
    return pages.error_page(
        request, 503, "Web formu kapalı",
        "Web üzerinden başvuru şu anda alınmıyor. Lütfen Alo 153 veya diğer kanallarımızı kullanın.",
    )  # fmt: skip


async def show_form(request: web.Request) -> web.Response:
    hub = request.app["hub"]
    if not hub.settings.webform_enabled:
        return _disabled(request)
    await asyncio.to_thread(locator)  # the gazetteer loads once; keep it off the event loop
    return form_page(request, pages.state(hub).signer.issue())


def _origin_ok(request: web.Request) -> bool:
    """Refuse posts that a browser made from another site's page (cheap CSRF check)."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True
    host = urlsplit(origin).netloc.lower()
    allowed = {request.host.lower()}
    public = request.app["hub"].settings.public_url
    if public:
        allowed.add(urlsplit(public).netloc.lower())
    return host in allowed


async def submit(request: web.Request) -> web.Response:
    hub = request.app["hub"]
    settings = hub.settings
    if not settings.webform_enabled:
        return _disabled(request)
    st = pages.state(hub)
    if not _origin_ok(request):
        return pages.error_page(
            request, 403, "Başvuru kabul edilmedi",
            "Bu başvuru başka bir siteden gönderilmiş görünüyor. Lütfen formu belediyemizin sitesinden doldurun.",
        )  # fmt: skip
    ip = pages.client_key(request)
    limit = settings.webform_rate_per_hour
    wait = await st.attempt_limiter.ahit(ip, attempt_limit(limit)) or await st.form_limiter.acheck(ip, limit)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        return pages.error_page(
            request, 429, "Çok fazla başvuru",
            f"Bu bağlantıdan kısa sürede çok sayıda başvuru gönderildi. Lütfen yaklaşık {minutes} dakika sonra "
            "tekrar deneyin ya da Alo 153'ü arayın.",
            headers={"Retry-After": str(int(wait) + 1)},
        )  # fmt: skip
    try:
        body = await read_form(request, settings.max_attachment_bytes)
    except BodyTooLarge:
        return pages.error_page(
            request, 413, "Başvuru çok büyük",
            f"Gönderdiğiniz bilgiler izin verilen boyutu aşıyor. Fotoğraf en fazla {_mb(settings.max_attachment_bytes)} "
            "olabilir. Lütfen geri dönüp daha küçük bir fotoğraf seçin.",
        )  # fmt: skip
    except ValueError:
        # Broken multipart framing or a wrong content type: nothing usable arrived.
        return pages.error_page(
            request, 400, "Başvuru okunamadı",
            "Gönderilen form okunamadı. Lütfen formu yeniden açıp tekrar gönderin.",
        )  # fmt: skip
    await asyncio.to_thread(locator)
    if body.fields.get(HONEYPOT, "").strip():
        # Bots fill every field. Pretend all went well and store nothing.
        log.info("webform: honeypot filled, submission dropped")
        await st.form_limiter.ahit(ip, limit)
        return pages.render(
            request, "success.html", page_title="Başvurunuz alındı", code=None, appended=False, photo=False
        )
    try:
        token: FormToken | None = st.signer.verify(body.fields.get(F_TOKEN))
    except TokenError:
        token = None
    checked = check(body, token, settings)
    consent = body.fields.get(F_CONSENT) in ("1", "on", "evet")
    if token is None and not checked.errors:
        return form_page(
            request, st.signer.issue(), status=400, values=checked.values, consent=consent,
            notice="Formun süresi dolmuş ya da form bozulmuş. Bilgileriniz aşağıda duruyor; "
            "lütfen kontrol edip yeniden gönderin.",
        )  # fmt: skip
    if checked.submission is None:
        keep = token or st.signer.issue()
        photo_note = " Fotoğraf seçtiyseniz lütfen yeniden seçin." if body.photo is not None else ""
        return form_page(
            request, keep, status=422, values=checked.values, errors=checked.errors, consent=consent,
            notice="Başvurunuz henüz gönderilmedi. Lütfen işaretli alanları düzeltin." + photo_note,
        )  # fmt: skip
    raw = to_raw(checked.submission, settings)
    try:
        result = await hub.db.run(hub.intake.ingest, raw)
    except Exception as exc:
        pages.log_failure(log, f"webform: intake failed for form {checked.submission.form_id}", exc)
        resp = form_page(
            request, token or st.signer.issue(), status=503, values=checked.values, consent=consent,
            notice="Başvurunuz şu anda kaydedilemedi. Bilgileriniz aşağıda duruyor; lütfen biraz sonra "
            "tekrar gönderin ya da Alo 153'ü arayın.",
        )  # fmt: skip
        # sending the same form again is safe: its form id is the idempotency key
        resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return resp
    if not result.duplicate_delivery:
        await st.form_limiter.ahit(ip, limit)
    log.info(
        "webform: form %s -> %s (created=%s)",
        checked.submission.form_id,
        result.tracking_code,
        result.created,
    )
    return pages.render(
        request, "success.html", page_title="Başvurunuz alındı", code=result.tracking_code,
        status_path=pages.private_status_path(hub, result.tracking_code) if result.tracking_code else None,
        appended=bool(result.threaded_by) and not result.created,
        photo=bool(checked.submission.photo),
    )  # fmt: skip


async def mahalle_suggestions(request: web.Request) -> web.Response:
    q = (request.query.get("q") or "").strip()[:MAX_QUERY]
    ilce = (request.query.get("ilce") or "").strip()[:40] or None
    try:
        limit = min(20, max(1, int(request.query.get("limit", "10"))))
    except ValueError:
        limit = 10
    if len(q) < 2:
        items: list[dict[str, Any]] = []
    else:
        loc = await asyncio.to_thread(locator)
        items = loc.autocomplete(q, limit=limit, ilce=ilce)
    resp = web.json_response({"query": q, "items": items})
    resp.headers["Cache-Control"] = "public, max-age=3600"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp

"""The public status page: /takip/{code}.

Tracking codes are sequential, so anyone can guess one. The page therefore shows only what
is safe for a stranger to see: no name, phone, e-mail, address or citizen text. The answers'
texts are shown only with the link's key (``?anahtar=``, see FormSigner.answer_key), which the
citizen gets on the form's success page; even then they pass through PII masking plus removal
of the contact's own details. Citizens who wrote by phone, e-mail or chat get the answer there.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlmodel import select

from connectors.tracking import normalize_code
from hub.models import Contact, Department, Message, Request
from hub.web import pages
from hub.web.webform import TYPE_LABELS

log = logging.getLogger(__name__)

STATUS_RATE_PER_HOUR = 300  # plenty for a citizen; slows down walking through the numbers

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "new": ("Alındı", "Başvurunuz kayda alındı ve incelenmeyi bekliyor."),
    "triaged": ("İnceleniyor", "Başvurunuz inceleniyor ve ilgili birim belirleniyor."),
    "needs_review": ("İnceleniyor", "Başvurunuz bir personelimiz tarafından inceleniyor."),
    "forwarded": ("İlgili birime iletildi", "Başvurunuz çözüm için ilgili birime iletildi."),
    "in_progress": ("Çalışılıyor", "İlgili birim başvurunuz üzerinde çalışıyor."),
    "waiting_citizen": (
        "Sizden bilgi bekleniyor",
        "Başvurunuzu sonuçlandırmak için sizden ek bilgi bekleniyor.",
    ),
    "answered": ("Cevaplandı", "Başvurunuz cevaplandı. Cevabı aşağıda görebilirsiniz."),
    "closed": ("Kapatıldı", "Başvurunuz sonuçlandırıldı ve kapatıldı."),
    "duplicate": ("Birleştirildi", "Başvurunuz aynı konudaki başka bir başvuruyla birlikte ele alınıyor."),
    "out_of_scope": ("Görev alanı dışında", "Başvurunuzun konusu belediyemizin görev alanı dışında kalıyor."),
    "rejected": ("Sonuçlandırıldı", "Başvurunuz işleme alınamadı."),
}
# The steps drawn as a progress line; other statuses map onto the nearest step.
STEPS = ("Alındı", "İnceleniyor", "Birime iletildi", "Çalışılıyor", "Cevaplandı", "Kapatıldı")
STEP_OF = {
    "new": 0, "triaged": 1, "needs_review": 1, "forwarded": 2, "in_progress": 3, "waiting_citizen": 3,
    "answered": 4, "closed": 5, "duplicate": 5, "out_of_scope": 5, "rejected": 5,
}  # fmt: skip


@dataclass
class StatusView:
    code: str
    received: str
    type_label: str | None
    topic: str | None
    mahalle: str | None
    ilce: str | None
    status: str
    status_label: str
    status_help: str
    step: int
    department: str | None
    due: str | None
    overdue: bool
    closed: str | None
    outcome: str | None
    parent_code: str | None
    answers: list[dict[str, str]] = field(default_factory=list)
    answers_hidden: int = 0  # answers that exist but need the link's key to be read
    greeting_name: str | None = None  # only on the private link: the citizen's own name


def _topic_name(hub: Any, code: str | None) -> str | None:
    if not code:
        return None
    tax = getattr(getattr(hub.classifier, "model", None), "taxonomy", None)
    if tax is None:
        try:
            from classifier.taxonomy import default_taxonomy

            tax = default_taxonomy()
        except Exception:
            return None
    name = tax.topic_name(code)
    return name if name != code or code in tax.topics else None


def scrub(text: str, contact: Contact | None) -> str:
    """Answer text for strangers: masked PII, and the contact's own name/phone/e-mail removed."""
    from classifier.text import mask_pii

    out = text
    if contact is not None:
        for value in (contact.email, contact.phone, contact.name):
            if value and len(value.strip()) >= 3:
                out = re.sub(re.escape(value.strip()), "***", out, flags=re.IGNORECASE)
        if contact.phone and contact.phone.startswith("+90"):
            national = contact.phone[3:]
            spaced = r"\D{0,2}".join(re.escape(ch) for ch in national)
            out = re.sub(r"(?:\+?90|0)?\D{0,2}" + spaced, "***", out)
        if contact.name:
            # "Sayın Ayşe Hanım": each part of the name on its own as well.
            for part in contact.name.split():
                if len(part) >= 3:
                    out = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", "***", out, flags=re.IGNORECASE)
    return mask_pii(out)


def load_view(hub: Any, code: str, *, with_answers: bool) -> StatusView | None:
    """``with_answers``: the link's key was right, so the answers' texts are shown (scrubbed);
    otherwise only how many there are."""
    tz = hub.settings.timezone
    with hub.db.reader() as session:
        req = session.exec(select(Request).where(Request.tracking_code == code)).first()
        if req is None:
            return None
        contact = session.get(Contact, req.contact_id) if req.contact_id else None
        dept = session.get(Department, req.department) if req.department else None
        parent = session.get(Request, req.parent_id) if req.parent_id else None
        outs = session.exec(
            select(Message)
            .where(Message.request_id == req.id, Message.direction == "out")
            .order_by(Message.created_at, Message.id)
        ).all()
        answered = [m for m in outs if (m.body or "").strip()]
        label, help_text = STATUS_LABELS.get(req.status, ("İşlemde", "Başvurunuz işlem görüyor."))
        final = req.status in ("answered", "closed", "duplicate", "out_of_scope", "rejected")
        from hub.models import utcnow

        return StatusView(
            code=req.tracking_code or code,
            received=pages.turkish_datetime(req.received_at, tz),
            type_label=TYPE_LABELS.get(req.request_type or ""),
            topic=_topic_name(hub, req.topic),
            mahalle=req.mahalle,
            ilce=req.ilce,
            status=req.status,
            status_label=label,
            status_help=help_text,
            step=STEP_OF.get(req.status, 1),
            department=dept.name if dept else None,
            due=pages.turkish_datetime(req.due_at, tz, with_time=False) if req.due_at and not final else None,
            overdue=bool(req.due_at and not final and req.due_at < utcnow()),
            closed=pages.turkish_datetime(req.closed_at, tz) if req.closed_at else None,
            outcome={"olumlu": "Olumlu", "olumsuz": "Olumsuz"}.get(req.outcome or ""),
            parent_code=parent.tracking_code if parent is not None and req.status == "duplicate" else None,
            answers=[
                {"date": pages.turkish_datetime(m.created_at, tz), "text": scrub(m.body, contact)}
                for m in answered
            ]
            if with_answers
            else [],
            answers_hidden=0 if with_answers else len(answered),
            greeting_name=(contact.name or None) if with_answers and contact and contact.erased_at is None else None,
        )


async def _limited(request: web.Request) -> web.Response | None:
    st = pages.state(request.app["hub"])
    wait = await st.status_limiter.ahit(pages.client_key(request), STATUS_RATE_PER_HOUR)
    if wait is None:
        return None
    return pages.error_page(
        request, 429, "Çok fazla sorgu",
        f"Bu bağlantıdan kısa sürede çok sayıda sorgu yapıldı. Lütfen {max(1, round(wait / 60))} dakika sonra "
        "tekrar deneyin.",
        headers={"Retry-After": str(int(wait) + 1)},
    )  # fmt: skip


def lookup_page(
    request: web.Request, *, status: int = 200, value: str = "", error: str | None = None
) -> web.Response:
    return pages.render(
        request, "lookup.html", status=status, page_title="Başvuru Takibi", value=value, error=error
    )


async def lookup(request: web.Request) -> web.Response:
    """/takip and /takip?kod=...: a small form, or a redirect to the code's page."""
    raw = request.query.get("kod")
    if raw is None:
        return lookup_page(request)
    code = normalize_code(raw[:40])
    if code is None:
        return lookup_page(
            request, status=400, value=raw[:40],
            error="Takip numarası KAY-2026-000123 biçiminde olmalıdır. Lütfen kontrol edip yeniden yazın.",
        )  # fmt: skip
    raise web.HTTPSeeOther(f"/takip/{code}")


async def status(request: web.Request) -> web.Response:
    limited = await _limited(request)
    if limited is not None:
        return limited
    hub = request.app["hub"]
    raw = request.match_info.get("code", "")
    code = normalize_code(raw[:40])
    keyed = bool(code) and pages.state(hub).signer.answer_key_ok(code, request.query.get("anahtar"))
    view = await hub.db.run(load_view, hub, code, with_answers=keyed) if code else None
    if view is None:
        return pages.render(
            request, "not_found.html", status=404, page_title="Başvuru bulunamadı", value=raw[:40],
        )  # fmt: skip
    return pages.render(request, "status.html", page_title=f"Başvuru {view.code}", v=view, steps=STEPS)

"""Upload of an exported list (CİMER, MBS, e-Devlet) from the staff UI: /ui/ice-aktar.

The same import run and intake as the drop folders (hub/file_imports.py). The file is read as
a streamed multipart body with the import size limit, so the CSRF token is checked here and not
by ``staff_page`` (which reads the whole body as a small form).

The page also lists the answer files written for upload back into those systems (the
"Cevap dosyaları" section) and serves them at /ui/ice-aktar/cevap/<name> (hub/answer_files.py);
each download is recorded in the audit log (hub.actions.answer_files).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging

from aiohttp import web

from connectors.imports import MappingError
from hub import answer_files
from hub.actions import answer_files as answer_actions
from hub.db_errors import database_unavailable
from hub.file_imports import KINDS, UploadOutcome, import_upload
from hub.ui import labels
from hub.ui.render import actor_of, csrf_token, error_page, render, staff_page
from hub.web.upload import BodyTooLarge, read_form

log = logging.getLogger(__name__)
URL = "/ui/ice-aktar"
FILE_FIELD = "dosya"


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bayt"
    kb = n / 1024
    text = f"{kb:.1f} KB" if kb < 1024 else f"{kb / 1024:.1f} MB"
    return text.replace(".", ",")  # Turkish decimal comma


async def _page(
    request: web.Request, *, status: int = 200, kind: str = "", outcome: UploadOutcome | None = None,
    filename: str | None = None, error: str | None = None,
) -> web.Response:  # fmt: skip
    hub = request.app["hub"]
    kinds = [(k, labels.label(labels.CHANNEL, k)) for k in KINDS]
    # The answer folder may be a network share: listed off the event loop.
    files = await asyncio.to_thread(answer_files.list_files, hub.settings)
    answers = [(k, name, *files[k]) for k, name in kinds]
    return render(request, "imports.html", status=status, page_title="Liste yükle", kinds=kinds, kind=kind,
                  outcome=outcome, filename=filename, error=error, max_size=_mb(hub.settings.import_max_bytes),
                  answers=answers, size_of=_size)  # fmt: skip


async def form(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    if not actor.can("request.create"):
        return error_page(request, 403, "Yetkiniz yok", "Liste yükleme yetkiniz yok.")
    kind = request.query.get("kaynak", "")
    return await _page(request, kind=kind if kind in KINDS else "")


async def download(request: web.Request) -> web.StreamResponse:
    """GET /ui/ice-aktar/cevap/<name>: one answer file, as an attachment. Anything that is not
    one of the answer files in the answer folder is "not found", whatever the name tries."""
    actor = actor_of(request)
    if not answer_actions.may_download(actor):
        return error_page(request, 403, "Yetkiniz yok", "Cevap dosyalarını indirme yetkiniz yok.")
    hub = request.app["hub"]
    name = request.match_info["name"]

    def load() -> tuple[answer_files.AnswerFile, bytes] | None:
        found = answer_files.describe(hub.settings, name)
        if found is None:
            return None
        try:
            return found, found.path.read_bytes()  # one file per day, replaced atomically by ExportSender
        except OSError:
            return None

    loaded = await asyncio.to_thread(load)
    if loaded is None:
        return error_page(request, 404, "Dosya bulunamadı",
                          "Böyle bir cevap dosyası yok. Cevap dosyalarını «Liste yükle» sayfasından indirin.")  # fmt: skip
    found, data = loaded

    def record() -> None:
        with hub.db.session() as session:
            answer_actions.record_download(session, actor, kind=found.kind, filename=found.name, size=len(data),
                                           sha256=hashlib.sha256(data).hexdigest(), answers=found.answers)  # fmt: skip

    await hub.db.run(record)  # recorded before the bytes leave: no audit entry, no download
    log.info("answer file %s downloaded by %s", found.name, actor.id)
    return web.Response(
        body=data,
        headers={
            "Content-Type": found.content_type,
            "Content-Disposition": f'attachment; filename="{found.name}"',  # the pattern allows only [a-z0-9_.-]
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


async def upload(request: web.Request) -> web.StreamResponse:
    if request.get("ui_session") is None:
        raise web.HTTPSeeOther("/ui/giris?sonra=" + URL)
    actor = actor_of(request)
    if actor.role == "muhtar" or not actor.can("request.create"):
        return error_page(request, 403, "Yetkiniz yok", "Liste yükleme yetkiniz yok.")
    hub = request.app["hub"]
    limit = hub.settings.import_max_bytes
    try:
        body = await read_form(request, limit, photo_field=FILE_FIELD)
    except (BodyTooLarge, ValueError):
        return await _page(
            request,
            status=413,
            error=f"Dosya çok büyük; en fazla {_mb(limit)} yüklenebilir. Dosyayı bölerek yükleyin.",
        )
    if not hmac.compare_digest(body.fields.get("csrf", ""), csrf_token(request)):
        return error_page(
            request,
            403,
            "Form geçersiz",
            "Form süresi dolmuş ya da geçersiz. Sayfayı yenileyip tekrar deneyin.",
        )
    kind = body.fields.get("kaynak", "")
    file = body.photo
    if kind not in KINDS:
        return await _page(request, status=422, error="Listenin geldiği sistemi seçin.")
    if file is None or file.too_large or not file.data:
        why = (
            f"Dosya çok büyük; en fazla {_mb(limit)} yüklenebilir."
            if file and file.too_large
            else "Bir dosya seçin."
        )
        return await _page(request, status=413 if file and file.too_large else 422, kind=kind, error=why)
    try:
        outcome = await hub.db.run(
            import_upload, hub, actor, file.data, filename=file.filename or "yukleme", kind=kind
        )
    except MappingError as exc:
        log.error("import mapping for %s is invalid: %s", kind, exc)
        return await _page(request, status=500, kind=kind,
                     error="Bu sistemin sütun eşleme dosyası okunamadı; sistem yöneticisine bildirin.")  # fmt: skip
    except Exception as exc:
        if database_unavailable(exc):
            return error_page(
                request, 503, "Veritabanına ulaşılamıyor", "Birkaç saniye sonra tekrar deneyin."
            )
        log.exception("%s upload failed", kind)
        return error_page(
            request, 500, "Beklenmeyen bir hata oluştu", "Liste içe aktarılamadı; hata kaydedildi."
        )
    return await _page(
        request, status=422 if outcome.refused else 200, kind=kind, outcome=outcome, filename=file.filename
    )


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get(URL)(staff_page(form))
    routes.post(URL)(upload)  # its own checks: the body is a streamed file
    routes.get(URL + "/cevap/{name}")(staff_page(download))

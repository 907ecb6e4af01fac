"""Supervisor pages for the routing rules: the YAML view, check → backtest → activate, and versions.

Activation is offered only for a text that passed the check and the backtest: the backtest result carries
a review token (the text's digest and the digest of the rules active during the backtest, signed with the
UI key for this user), and activation refuses a text whose token is missing, forged, made for another
text or older than the active rules. Activation also needs a comment, which is stored with the version.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.actions.errors import NotFound
from hub.api.errors import path_id
from hub.auth import Actor, require
from hub.models import RulesVersion
from hub.rules import RulesError, RuleSet
from hub.rules.text import normalize_newlines
from hub.ui.render import actor_of, render
from hub.ui.session import ui_state

DEFAULT_DAYS = 90
MAX_DAYS = 3660
BACKTEST_LIMIT = 20_000  # newest requests replayed; a 90-day window of a metropolitan city fits
MAX_COMMENT = 2000

NOT_BACKTESTED = (
    "Bu metin geçmiş taleplere karşı denenmeden etkinleştirilemez. Önce «Geçmişe karşı dene» düğmesine "
    "basın, sonucu inceleyin, sonra açıklama yazarak etkinleştirin."
)
STALE_BACKTEST = (
    "Siz denedikten sonra etkin kurallar değişti (başka biri etkinleştirmiş olabilir). "
    "Sonucu güncellemek için metni yeniden deneyin."
)
NO_COMMENT = "Etkinleştirmek için neyi neden değiştirdiğinizi «Açıklama» kutusuna yazın."
LONG_COMMENT = f"Açıklama en çok {MAX_COMMENT} karakter olabilir."
BAD_DAYS = f"Gün sayısı 1 ile {MAX_DAYS} arasında bir tam sayı olmalı."
INVALID = "Kurallar geçersiz; önceki sürüm etkin kalmaya devam ediyor."


def _versions(hub: Any) -> list[dict]:
    with hub.db.reader() as session:
        rows = session.exec(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(50))
        return [{"id": r.id, "digest": r.digest, "author": r.author, "active": r.active,
                 "created_at": r.created_at, "diff": r.diff, "comment": r.comment} for r in rows]  # fmt: skip


def issue_items(exc: RulesError) -> list[dict]:
    """Rule problems for the page: position (the page links it to the line), Turkish message, hint."""
    return [{"line": e.line, "column": e.column, "message": e.message, "suggestion": e.suggestion,
             "path": e.path} for e in exc.errors]  # fmt: skip


# -- review token ---------------------------------------------------------------------------------------
def _sign(hub: Any, actor: Actor, digest: str, active: str) -> str:
    body = f"rules-backtest:{actor.id}:{digest}:{active}".encode()
    return hmac.new(ui_state(hub).key, body, hashlib.sha256).hexdigest()[:32]


def review_token(hub: Any, actor: Actor, digest: str, active: str) -> str:
    """What the backtest page hands to the activation form: this text, tried against these rules."""
    return f"{digest}:{active}:{_sign(hub, actor, digest, active)}"


def token_problem(hub: Any, actor: Actor, token: str, text: str) -> str | None:
    """Why text may not be activated with token (Turkish), or None when it was backtested as it is."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != digest:
        return NOT_BACKTESTED
    if not hmac.compare_digest(parts[2], _sign(hub, actor, parts[0], parts[1])):
        return NOT_BACKTESTED
    if parts[1] != hub.rules.ruleset.digest:
        return STALE_BACKTEST
    return None


# -- pages ----------------------------------------------------------------------------------------------
async def rules_page(
    request: web.Request, *, status: int = 200, text: str | None = None, check: dict | None = None,
    backtest: dict | None = None, review: dict | None = None, error: str | None = None,
    flash: str | None = None, days: Any = DEFAULT_DAYS, comment: str = "",
) -> web.Response:  # fmt: skip
    actor = actor_of(request)
    require(actor, "rules.read")
    hub = request.app["hub"]
    st = hub.rules.status()
    versions = await hub.db.run(_versions, hub)
    return render(
        request, "rules.html", status=status, page_title="Yönlendirme kuralları", st=st, versions=versions,
        text=st["source"] if text is None else text, check=check, backtest=backtest, review=review,
        error=error, flash=flash or {"1": "Kurallar etkinleştirildi."}.get(request.query.get("tamam", "")),
        can_edit=actor.can("rules.edit"), can_check=actor.can("rules.check"), days=days, comment=comment,
        error_lines=sorted({e["line"] for e in (check or {}).get("errors", []) if e.get("line")}),
    )  # fmt: skip


def _days(raw: Any) -> tuple[int, str | None]:
    if raw is None or str(raw).strip() == "":
        return DEFAULT_DAYS, None
    try:
        n = int(str(raw).strip())
    except ValueError:
        return DEFAULT_DAYS, BAD_DAYS
    return (n, None) if 1 <= n <= MAX_DAYS else (DEFAULT_DAYS, BAD_DAYS)


async def _parse(text: str) -> RuleSet:
    from hub.routing import parse_candidate

    return await parse_candidate(text, source="kural metni")


async def _review(
    request: web.Request, text: str, candidate: RuleSet, days: int, *, status: int = 200,
    error: str | None = None, flash: str | None = None, comment: str = "",
) -> web.Response:  # fmt: skip
    """Check and backtest shown together; for editors, the activation form carrying exactly this text."""
    from hub.rules_backtest import run_backtest

    actor = actor_of(request)
    hub = request.app["hub"]
    report = await hub.db.run(run_backtest, hub, candidate, since_days=days, limit=BACKTEST_LIMIT)
    result = report.to_dict()
    result["days"] = days
    result["limited"] = report.total >= BACKTEST_LIMIT
    review = None
    if actor.can("rules.edit"):
        token = review_token(hub, actor, candidate.digest, report.current_digest)
        review = {"text": text, "token": token, "unchanged": candidate.digest == report.current_digest}
    return await rules_page(
        request, status=status, text=text, check={"ok": True, "summary": candidate.summary()},
        backtest=result, review=review, days=days, error=error, flash=flash, comment=comment,
    )  # fmt: skip


async def rules_submit(request: web.Request) -> web.StreamResponse:
    """POST /ui/kurallar: islem=kontrol (check), dene (check and backtest) or etkinlestir (activate)."""
    actor = actor_of(request)
    require(actor, "rules.check")
    form = await request.post()
    # The loader refuses texts above its size limit, with a message. Browsers send CRLF: normalised here
    # too so that the text shown, its digest and the activated text agree.
    text = normalize_newlines(str(form.get("metin", "")))
    op = str(form.get("islem", "kontrol"))
    if op == "etkinlestir":
        return await _activate(request, actor, form, text)
    days, days_error = _days(form.get("gun"))
    if days_error:
        return await rules_page(request, status=422, text=text, error=days_error, days=form.get("gun", ""))
    try:
        candidate = await _parse(text)
    except RulesError as exc:
        return await rules_page(request, status=422, text=text, check={"ok": False, "errors": issue_items(exc)},
                                days=days)  # fmt: skip
    if op == "dene":
        return await _review(request, text, candidate, days)
    return await rules_page(request, text=text, check={"ok": True, "summary": candidate.summary()}, days=days)


async def _activate(request: web.Request, actor: Actor, form: Any, text: str) -> web.StreamResponse:
    from hub.routing import off_loop

    require(actor, "rules.edit")
    hub = request.app["hub"]
    comment = str(form.get("aciklama", "")).strip()
    days, _ = _days(form.get("gun"))
    problem = token_problem(hub, actor, str(form.get("deneme", "")), text)
    if problem is None and (not comment or len(comment) > MAX_COMMENT):
        # Tried as it is, only the comment is missing: show the same review again with the message.
        try:
            candidate = await _parse(text)
        except RulesError as exc:
            return await rules_page(request, status=422, text=text, error=INVALID,
                                    check={"ok": False, "errors": issue_items(exc)})  # fmt: skip
        return await _review(request, text, candidate, days, status=422,
                             error=NO_COMMENT if not comment else LONG_COMMENT, comment=comment[:MAX_COMMENT])  # fmt: skip
    if problem is not None:
        return await rules_page(request, status=422, text=text, error=problem, days=days)
    try:
        await off_loop(hub.rules.activate_text, text, actor=actor, source="ui", comment=comment)
    except RulesError as exc:
        return await rules_page(request, status=422, text=text, check={"ok": False, "errors": issue_items(exc)},
                                error=INVALID, days=days)  # fmt: skip
    raise web.HTTPSeeOther("/ui/kurallar?tamam=1")


async def rules_restore(request: web.Request) -> web.StreamResponse:
    """POST /ui/kurallar/surum/{id}: an older version goes through the same check and backtest; it is
    activated from the review, with a comment, like any other text."""
    actor = actor_of(request)
    require(actor, "rules.edit")
    hub = request.app["hub"]
    vid = path_id(request, "rules version not found")

    def load() -> str:
        with hub.db.reader() as session:
            row = session.get(RulesVersion, vid)
            if row is None:
                raise NotFound("rules version not found")
            return normalize_newlines(row.text)

    text = await hub.db.run(load)
    try:
        candidate = await _parse(text)
    except RulesError as exc:
        return await rules_page(request, status=422, text=text, check={"ok": False, "errors": issue_items(exc)},
                                error="Bu sürüm artık doğrulanamıyor; etkin sürüm değişmedi.")  # fmt: skip
    note = f"{vid} numaralı sürüm denendi. Sonucu inceleyin; geri yüklemek için açıklama yazıp etkinleştirin."
    return await _review(request, text, candidate, DEFAULT_DAYS, flash=note)

"""Route table of the staff UI; the Hub mounts ``routes`` and installs the session hook."""

from __future__ import annotations

from aiohttp import web

from hub.ui import (
    admin_pages,
    answer_forms,
    callbacks_page,
    claim_page,
    detail,
    imports_page,
    knowledge_pages,
    login,
    merge_page,
    model_page,
    new_request,
    phone_app,
    queue,
    rule_builder,
    rules_pages,
    send_back_page,
    users_page,
    visits,
)
from hub.ui import muhtar as muhtar_portal
from hub.ui.dashboards_page import add_routes as add_dashboard_routes
from hub.ui.render import STATIC, STATIC_PREFIX, error_page, staff_page
from hub.ui.reports_pages import add_routes as add_report_routes
from hub.ui.session import session_actor_hook


async def _to_queue(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/ui/")


async def _detail(request: web.Request) -> web.StreamResponse:
    return await detail.show(request)


async def _rules(request: web.Request) -> web.StreamResponse:
    return await rules_pages.rules_page(request)


async def _quarantine(request: web.Request) -> web.StreamResponse:
    return await admin_pages.quarantine_page(request)


async def _users(request: web.Request) -> web.StreamResponse:
    return await users_page.users_page(request)


async def _not_found(request: web.Request) -> web.StreamResponse:
    return error_page(request, 404, "Sayfa bulunamadı", "Aradığınız sayfa yok. Menüden devam edebilirsiniz.")


routes = web.RouteTableDef()
routes.get("/ui/giris")(login.login_form)
routes.post("/ui/giris")(login.login_submit)
routes.post("/ui/cikis")(login.logout)
routes.get("/ui")(_to_queue)
routes.get("/ui/")(staff_page(queue.queue))
routes.post("/ui/filtreler")(staff_page(queue.save_filter))
routes.get("/ui/canli")(staff_page(queue.stream))
routes.post("/ui/toplu")(staff_page(queue.bulk))
routes.get("/ui/yeni")(staff_page(new_request.form))
routes.post("/ui/yeni")(staff_page(new_request.submit))
routes.get("/ui/talep/{id}")(staff_page(_detail))
routes.get("/ui/talep/{id}/ek/{sha}")(staff_page(detail.attachment))
routes.post("/ui/talep/{id}/iade")(staff_page(answer_forms.return_submit))  # before the generic {action}
routes.post("/ui/talep/{id}/nabiz")(staff_page(claim_page.heartbeat))
routes.post("/ui/talep/{id}/ayril")(staff_page(claim_page.leave))
routes.post("/ui/talep/{id}/mektup")(staff_page(answer_forms.letter_submit))
routes.post("/ui/talep/{id}/bizim-degil")(staff_page(send_back_page.submit))  # before the generic {action}
routes.post("/ui/talep/{id}/birlestir")(staff_page(merge_page.submit))  # asks which one survives
routes.post("/ui/talep/{id}/{action}")(staff_page(detail.act))
routes.get("/ui/kurallar")(staff_page(_rules))
routes.post("/ui/kurallar")(staff_page(rules_pages.rules_submit))
routes.post("/ui/kurallar/surum/{id}")(staff_page(rules_pages.rules_restore))
routes.get(rule_builder.URL)(staff_page(rule_builder.page))  # the form-based rule builder
routes.post(rule_builder.URL)(staff_page(rule_builder.submit))
routes.get("/ui/kanallar")(staff_page(admin_pages.channels_page))
imports_page.add_routes(routes)  # upload of CİMER / MBS / e-Devlet lists (/ui/ice-aktar)
routes.get("/ui/karantina")(staff_page(_quarantine))
routes.post("/ui/karantina/{id}/yeniden")(staff_page(admin_pages.quarantine_retry))
add_report_routes(routes, staff_page)  # reports: page, CSV, XLSX (/ui/raporlar/<rapor>[.csv|.xlsx])
routes.get("/ui/kullanicilar")(staff_page(_users))
routes.get("/ui/denetim")(staff_page(admin_pages.audit_page))
routes.post("/ui/kullanicilar")(staff_page(users_page.add_user))
routes.post("/ui/kullanicilar/{id}/{islem}")(staff_page(users_page.change_user))
muhtar_portal.add_routes(routes)  # the muhtar portal (/ui/muhtar/, /muhtar)
knowledge_pages.add_routes(routes)  # knowledge base and canned replies (/ui/bilgi, /ui/hazir-cevaplar)
model_page.add_routes(routes)  # the classifier model page (/ui/model)
add_dashboard_routes(routes)  # dashboards with charts (/ui/panolar) and the chart library (/static/vendor)
routes.get("/ui/geri-arama")(staff_page(callbacks_page.page))
routes.post("/ui/geri-arama/{id}")(staff_page(callbacks_page.complete))
routes.get("/ui/ziyaretler")(staff_page(visits.list_page))
routes.post("/ui/ziyaretler")(staff_page(visits.create))
routes.get("/ui/ziyaret/{id}")(staff_page(visits.show))
routes.post("/ui/ziyaret/{id}/talep")(staff_page(visits.add_request))
routes.get("/ui/ziyaret/{id}/rapor.{fmt}")(staff_page(visits.export))
phone_app.add_routes(routes)  # the phone app for departments and field staff (/ui/uygulama/)
routes.get("/ui/{tail:.*}")(_not_found)  # last: a Turkish page for mistyped addresses
routes.static(STATIC_PREFIX, STATIC, append_version=False)


def install(hub: object) -> web.RouteTableDef:
    """Mount point for Hub.extra_routes: enables cookie sessions on /ui pages."""
    hub.web_session_actor = session_actor_hook(hub)  # type: ignore[attr-defined]
    return routes

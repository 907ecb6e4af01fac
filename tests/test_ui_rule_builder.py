"""The rule builder's pages over the hub's real HTTP server, as a browser without JavaScript uses them."""

from __future__ import annotations

import html
import re

from aiohttp.test_utils import TestClient

from hub.rules import edit
from tests.test_ui import csrf_of, login

URL = "/ui/kurallar/duzenleyici"


def draft_of(page: str) -> str:
    m = re.search(r'<input type="hidden" name="metin" value="([^"]*)"', page)
    assert m, "the page carries the draft"
    return html.unescape(m.group(1))


async def post(ui: TestClient, page: str, **data: str) -> tuple[int, str]:
    r = await ui.post(URL, data={"csrf": csrf_of(page), "metin": draft_of(page), **data})
    return r.status, await r.text()


async def test_supervisor_lists_reorders_disables_and_deletes_in_a_draft(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    r = await ui.get(URL)
    page = await r.text()
    assert r.status == 200
    active = hub.rules.status()["source"]
    assert draft_of(page) == active
    ids = [e.id for e in edit.list_rules(active)]
    assert all(f"<code>{i}</code>" in page for i in ids)
    assert "Taslak etkin kurallarla aynı." in page

    status, page = await post(ui, page, islem=f"asagi:{ids[0]}")
    assert status == 200 and f"«{ids[0]}» bir alta taşındı." in page
    assert [e.id for e in edit.list_rules(draft_of(page))][:2] == [ids[1], ids[0]]
    status, page = await post(ui, page, islem=f"kapat:{ids[3]}")
    assert status == 200 and "<strong>Devre dışı</strong>" in page
    status, page = await post(ui, page, islem=f"sil:{ids[-1]}")
    draft = draft_of(page)
    assert [e.id for e in edit.list_rules(draft)] == [ids[1], ids[0], *ids[2:-1]]
    assert next(e for e in edit.list_rules(draft) if e.id == ids[3]).enabled is False
    assert hub.rules.status()["source"] == active  # nothing is active before review and activation

    # a text posted without an operation (e.g. from the YAML view) opens in the builder as the draft
    status, again = await post(ui, page)
    assert status == 200 and draft_of(again) == draft_of(page)
    status, page = await post(ui, page, islem="sifirla")
    assert draft_of(page) == active


async def test_a_rule_is_added_through_the_form_without_javascript(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    page = await (await ui.get(URL)).text()
    status, form = await post(ui, page, islem="yeni")
    assert status == 200 and "<h1>Yeni kural</h1>" in form
    assert 'name="k_0-0_alan" value="text"' in form  # starts with one "text contains" row
    base = {"csrf": csrf_of(form), "metin": draft_of(form), "eski_id": "", "konum": "0", "etkin": "1",
            "kimlik": "", "aciklama_kural": "Asansör <arızaları>", "sonra": "dur", "birim": "fen-isleri",
            "k_0_tur": "ve", "k_0-0_tur": "kosul", "k_0-0_alan": "text", "k_0-0_islec": "biri",
            "k_0-0_deger": "asansör"}  # fmt: skip
    # a second row through the server: the page re-renders with an empty channel row
    r = await ui.post(URL, data={**base, "islem": "ekle:0", "yeni_0": "channel"})
    form = await r.text()
    assert 'name="k_0-1_alan" value="channel"' in form and 'value="asansör"' in form
    # saving with the channel row left empty is refused in Turkish, and nothing is lost
    r = await ui.post(URL, data={**base, "k_0-1_tur": "kosul", "k_0-1_alan": "channel", "islem": "kaydet"})
    assert r.status == 422
    assert "en az bir değer seçin" in await r.text()
    r = await ui.post(URL, data={**base, "k_0-1_tur": "kosul", "k_0-1_alan": "channel", "k_0-1_islec": "biri",
                                 "k_0-1_deger": "phone", "islem": "kaydet"})  # fmt: skip
    page = await r.text()
    assert r.status == 200, page
    assert "taslağa eklendi" in page
    assert "Asansör &lt;arızaları&gt;" in page and "Asansör <arızaları>" not in page
    draft = draft_of(page)
    first = edit.list_rules(draft)[0]
    assert first.id == "asansor-arizalari"
    assert first.data == {
        "id": "asansor-arizalari",
        "description": "Asansör <arızaları>",
        "when": {"text_contains_any": ["asansör"], "channel": "phone"},
        "then": {"department": "fen-isleri"},
    }
    # the draft goes to the rules page for the check and the backtest
    r = await ui.post("/ui/kurallar", data={"csrf": csrf_of(page), "metin": draft, "islem": "dene"})
    review = await r.text()
    assert r.status == 200 and 'id="deneme-sonucu"' in review


async def test_edit_keeps_the_rule_and_an_invalid_change_is_refused(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    page = await (await ui.get(URL)).text()
    entries = edit.list_rules(draft_of(page))
    target = next(e for e in entries if e.then.get("department") and not e.cont)
    status, form = await post(ui, page, islem=f"duzenle:{target.id}")
    assert status == 200 and f"Kuralı düzenle: {target.id}" in form
    # the form posts back what it shows: saving it unchanged leaves the draft byte for byte
    fields = _form_fields(form)
    r = await ui.post(URL, data=[*fields, ("islem", "kaydet")])
    assert r.status == 200, await r.text()
    assert draft_of(await r.text()) == draft_of(page)
    # an unknown department cannot reach the draft
    changed = [(k, "yok-boyle" if k == "birim" else v) for k, v in fields]
    r = await ui.post(URL, data=[*changed, ("islem", "kaydet")])
    assert r.status == 422
    assert "yok-boyle" in await r.text()


async def test_a_broken_or_hostile_draft_never_breaks_the_page(ui) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    page = await (await ui.get(URL)).text()
    for metin, islem in [("rules: [", "yukari:yangin"), ("a: &x [1]\nb: *x\n", "duzenle:yangin"),
                         ("rules: 5\n", "kaydet"), ("x" * 900_000, "yeni")]:  # fmt: skip
        r = await ui.post(URL, data={"csrf": csrf_of(page), "metin": metin, "islem": islem, "kimlik": "a"})
        body = await r.text()
        assert r.status == 422, (islem, body[:300])
        assert "okunamadı" in body or "yok" in body


async def test_only_rule_checkers_reach_the_builder(ui) -> None:  # noqa: ANN001
    await login(ui, "kaski")
    r = await ui.get(URL)
    assert r.status == 403 and "yetkiniz yok" in (await r.text()).lower()


def _form_fields(form: str) -> list[tuple[str, str]]:
    """What a browser would post from the rule form as rendered (inputs, selected options, checked boxes)."""
    body = form.split('id="kural-formu"', 1)[1].split("</form>", 1)[0]
    body = re.sub(r"<template.*?</template>", "", body, flags=re.S)
    out: list[tuple[str, str]] = []
    for m in re.finditer(r"<input([^>]*)>", body):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m[1]))
        if "name" not in attrs or attrs.get("type") in ("submit",):
            continue
        if attrs.get("type") in ("checkbox", "radio") and " checked" not in m[1]:
            continue
        out.append((attrs["name"], html.unescape(attrs.get("value", ""))))
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, flags=re.S):
        for opt in re.finditer(r'<option value="([^"]*)"([^>]*)>', m[2]):
            if "selected" in opt[2]:
                out.append((m[1], html.unescape(opt[1])))
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, flags=re.S):
        out.append((m[1], html.unescape(m[2])))
    return out

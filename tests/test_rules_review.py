"""Rules page: check → backtest → activate. Activation needs a backtest of exactly that text and a
comment; the backtest names the departments requests would move between, with links to examples;
browser (CRLF) edits store LF texts whose diff shows only the changed line; messages are Turkish."""

from __future__ import annotations

import html as htmllib
import re

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.models import Event, RulesVersion
from tests.test_ui import API, create, csrf_of, login

FIRE = "Evin önünde yangın var, duman yükseliyor, lütfen yardım edin."


def crlf(text: str) -> str:
    """What a browser submits for a textarea."""
    return text.replace("\n", "\r\n")


def fire_to_zabita(source: str) -> str:
    """The shipped rules with one line changed: fire reports would go to Zabıta instead of İtfaiye."""
    before = "      department: itfaiye\n      raise_priority: urgent\n      sla: {days: 1}\n"
    assert source.count(before) == 1
    return source.replace(before, before.replace("itfaiye", "zabita"))


async def post(ui: TestClient, data: dict, path: str = "/ui/kurallar") -> tuple[int, str]:
    page = await (await ui.get("/ui/kurallar")).text()
    r = await ui.post(path, data={"csrf": csrf_of(page), **data})
    return r.status, await r.text()


def hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no hidden {name}"
    return htmllib.unescape(m.group(1))


def versions(hub) -> list[RulesVersion]:  # noqa: ANN001
    with hub.db.reader() as s:
        return list(s.exec(select(RulesVersion).order_by(RulesVersion.id)))


def changed_lines(diff: str) -> list[str]:
    return [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


async def test_activation_needs_a_backtest_of_that_text_and_a_comment(ui, hub) -> None:  # noqa: ANN001
    fire = await create(ui, {"text": FIRE, "channel": "phone", "contact": {"name": "Ayşe Yılmaz"}})
    assert fire["department"] == "itfaiye"
    await login(ui, "supervisor")
    source = hub.rules.status()["source"]
    edited = fire_to_zabita(source)
    before = hub.rules.version
    count = len(versions(hub))

    # Straight to activation: refused, nothing changes.
    status, html = await post(
        ui, {"metin": crlf(edited), "islem": "etkinlestir", "aciklama": "Yangın zabıtaya"}
    )
    assert status == 422 and "denenmeden etkinleştirilemez" in html
    assert hub.rules.version == before and len(versions(hub)) == count

    # The backtest: moves named by department, with the request as an example link.
    status, html = await post(ui, {"metin": crlf(edited), "islem": "dene", "gun": "30"})
    assert status == 200, html[-2000:]
    assert "Son 30 günde gelen" in html and "Kurallar geçerli" in html
    moves = re.search(
        r'<table class="small-table" id="birim-degisiklikleri">(.*?)</table>', html, re.S
    ).group(1)
    assert "İtfaiye Daire Başkanlığı" in moves and "Zabıta Daire Başkanlığı" in moves
    assert f'<a href="/ui/talep/{fire["id"]}">{fire["tracking_code"]}</a>' in moves
    token = hidden(html, "deneme")
    tried = re.search(
        r'<textarea name="metin" id="denenen-metin" hidden>\n(.*?)</textarea>', html, re.S
    ).group(1)
    assert htmllib.unescape(tried) == edited  # LF, exactly the text that was tried

    # Tried, but no comment: refused with the review shown again.
    status, html = await post(
        ui, {"metin": crlf(edited), "islem": "etkinlestir", "deneme": token, "aciklama": "  "}
    )
    assert status == 422 and "«Açıklama» kutusuna yazın" in html and 'id="etkinlestir"' in html
    assert hub.rules.version == before
    # Another text under this text's token: refused.
    other = edited.replace("review_threshold: 0.55", "review_threshold: 0.6")
    status, html = await post(ui, {"metin": other, "islem": "etkinlestir", "deneme": token, "aciklama": "x"})
    assert status == 422 and "denenmeden etkinleştirilemez" in html and hub.rules.version == before
    # A forged signature: refused.
    forged = token.rsplit(":", 1)[0] + ":" + "0" * 32
    status, html = await post(
        ui, {"metin": edited, "islem": "etkinlestir", "deneme": forged, "aciklama": "x"}
    )
    assert status == 422 and "denenmeden etkinleştirilemez" in html and hub.rules.version == before

    # Tried and explained: activated; the comment is stored, shown and audited; the diff is one line.
    status, html = await post(ui, {"metin": crlf(edited), "islem": "etkinlestir", "deneme": token,
                                   "aciklama": "Yangın ihbarları deneme için Zabıtaya"})  # fmt: skip
    assert status == 200 and "Kurallar etkinleştirildi." in html
    assert hub.rules.version != before and "\r" not in hub.rules.status()["source"]
    row = versions(hub)[-1]
    assert row.active and row.comment == "Yangın ihbarları deneme için Zabıtaya" and "\r" not in row.text
    assert changed_lines(row.diff) == ["-      department: itfaiye", "+      department: zabita"]
    assert '<td class="version-comment">Yangın ihbarları deneme için Zabıtaya</td>' in html
    with hub.db.reader() as s:
        ev = s.exec(select(Event).where(Event.kind == "rules.activated").order_by(Event.id.desc())).first()
    assert ev.data["comment"] == "Yangın ihbarları deneme için Zabıtaya" and ev.data["digest"] == row.digest
    assert hub.rules.route({"text": FIRE, "channel": "phone"})["department"] == "zabita"

    # A token is for the rules that were active when it was made: once they change, try again.
    status, html = await post(ui, {"metin": source, "islem": "dene"})
    old_token = hidden(html, "deneme")
    r = await ui.put("/api/v1/rules", json={"text": edited.replace("priority: normal\n", "priority: low\n", 1)},
                     headers=API)  # fmt: skip
    assert r.status == 200, await r.text()
    status, html = await post(
        ui, {"metin": source, "islem": "etkinlestir", "deneme": old_token, "aciklama": "geri"}
    )
    assert status == 422 and "yeniden deneyin" in html


async def test_builder_posts_get_the_review_and_agents_cannot_activate(ui, hub) -> None:  # noqa: ANN001
    """The rule builder posts metin + islem=dene; the answer is the same review page."""
    await login(ui, "supervisor")
    source = hub.rules.status()["source"]
    status, html = await post(ui, {"metin": source, "islem": "dene"})  # no day field: 90 days
    assert status == 200 and "Son 90 günde gelen" in html and "Hiçbir talebin birimi değişmiyor." in html
    assert 'name="deneme"' in html and 'id="aciklama"' in html and "Bu metin etkin kurallarla aynı." in html
    status, html = await post(ui, {"metin": source, "islem": "dene", "gun": "0"})
    assert status == 422 and "Gün sayısı 1 ile 3660 arasında" in html
    await ui.post("/ui/cikis", data={"csrf": csrf_of(html)})
    await login(ui, "agent")  # may read the rules, not try or activate them
    page = await (await ui.get("/ui/kurallar")).text()
    assert 'id="etkinlestir"' not in page and 'value="dene"' not in page
    status, _ = await post(ui, {"metin": source, "islem": "etkinlestir", "aciklama": "x"})
    assert status == 403


async def test_restoring_a_version_goes_through_the_review(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    first = versions(hub)[-1]
    edited = fire_to_zabita(first.text)
    r = await ui.put("/api/v1/rules", json={"text": edited}, headers=API)  # no comment: still accepted
    assert r.status == 200
    assert versions(hub)[-1].comment is None
    status, html = await post(ui, {}, path=f"/ui/kurallar/surum/{first.id}")
    assert status == 200 and f"{first.id} numaralı sürüm denendi" in html
    assert "Zabıta Daire Başkanlığı" in html or "Hiçbir talebin birimi değişmiyor." in html
    token = hidden(html, "deneme")
    assert hub.rules.ruleset.digest != first.digest  # nothing restored yet
    status, html = await post(ui, {"metin": first.text, "islem": "etkinlestir", "deneme": token,
                                   "aciklama": "Eski sürüme dönüş"})  # fmt: skip
    assert status == 200 and hub.rules.ruleset.digest == first.digest
    assert versions(hub)[-1].comment == "Eski sürüme dönüş"


async def test_api_takes_an_optional_comment(ui, hub) -> None:  # noqa: ANN001
    source = hub.rules.status()["source"]
    edited = fire_to_zabita(source)
    r = await ui.put("/api/v1/rules", json={"text": crlf(edited), "comment": "API ile"}, headers=API)
    assert r.status == 200, await r.text()
    items = (await (await ui.get("/api/v1/rules/versions", headers=API)).json())["items"]
    assert items[0]["comment"] == "API ile" and changed_lines(items[0]["diff"]) == [
        "-      department: itfaiye", "+      department: zabita"]  # fmt: skip
    old = items[1]["id"]
    r = await ui.post(f"/api/v1/rules/versions/{old}/activate", headers=API)  # no body, as before
    assert r.status == 200, await r.text()
    r = await ui.post(
        f"/api/v1/rules/versions/{items[0]['id']}/activate", json={"comment": "tekrar"}, headers=API
    )
    assert r.status == 200, await r.text()
    r = await ui.post(f"/api/v1/rules/versions/{old}/activate", json={"yorum": "x"}, headers=API)
    assert r.status == 422
    items = (await (await ui.get("/api/v1/rules/versions", headers=API)).json())["items"]
    assert [i["comment"] for i in items[:2]] == ["tekrar", None]
    # The API's rule problems are the same Turkish messages the page shows.
    r = await ui.post("/api/v1/rules/check", json={"text": source.replace("department: kaski\n", "department: KASKI_X\n", 1)},
                      headers=API)  # fmt: skip
    body = await r.json()
    assert r.status == 422 and body["errors"][0]["problem"] == "bilinmeyen birim: KASKI_X"


async def test_messages_are_turkish_with_their_line(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    source = hub.rules.status()["source"]
    status, html = await post(ui, {"metin": crlf(source), "islem": "kontrol"})
    assert status == 200
    summary = re.search(r"<h2>Kurallar geçerli</h2><pre>(.*?)</details>", html, re.S).group(1)
    n_rules = len(hub.rules.ruleset.rules)
    assert f"14 birim, 1 mahalle grubu, 7 süre politikası, {n_rules} kural (0 kapalı)" in summary
    assert "kural metni: geçerli" in summary and "varsayılan birim: beyaz-masa" in summary
    assert "kurallar (sırayla)" in summary

    lines = source.split("\n")
    target = next(i for i, ln in enumerate(lines) if ln == "      department: kaski") + 1
    broken = source.replace("      department: kaski\n", "      department: KASKI_X\n", 1)
    broken = broken.replace("    when: {topic: zabita}", "    whenn: {topic: zabita}")
    status, html = await post(ui, {"metin": broken, "islem": "kontrol"})
    assert status == 422 and "Kurallarda hata var" in html
    errors = re.search(r'<ul class="rule-errors" id="kural-hatalari">(.*?)</ul>', html, re.S).group(1)
    assert (
        f'data-line="{target}" data-column="19">satır {target}, sütun 19</a>: bilinmeyen birim: KASKI_X'
        in errors
    )
    assert "kural içinde bilinmeyen anahtar: whenn (öneri: <code>when</code>)" in errors
    for english in ("unknown", "did you mean", "missing", "must be", "departments,"):
        assert english not in errors, english
    status, html = await post(ui, {"metin": "rules: [\n", "islem": "kontrol"})
    assert status == 422 and "YAML yazım hatası" in html and "satır 2" in html


def test_every_path_stores_lf_and_one_line_diffs(settings_factory, tmp_path) -> None:  # noqa: ANN001
    """The file watcher (a file saved by a Windows editor) and a CR-only text give the same LF text and
    digest as the LF file; the stored diff is the one changed line."""
    import os

    from hub.context import Hub
    from hub.rules import RuleSet
    from tests.conftest import ROOT

    source = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    lf = RuleSet.from_yaml_text(source)
    for variant in (crlf(source), source.replace("\n", "\r")):
        rs = RuleSet.from_yaml_text(variant)
        assert rs.digest == lf.digest and rs.source_text == source
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(source.encode("utf-8"))
    hub = Hub(settings_factory(rules_file=rules))
    try:
        rules.write_bytes(crlf(fire_to_zabita(source)).encode("utf-8"))
        os.utime(rules, (1, 1))
        assert hub.rules.reload_file() is True
        row = versions(hub)[-1]
        assert "\r" not in row.text and row.author == "file:rules.yaml"
        assert changed_lines(row.diff) == ["-      department: itfaiye", "+      department: zabita"]
    finally:
        hub.db.dispose()

"""The model page (/ui/model) through the hub's own HTTP server: who sees it, the metrics it
shows, retrain in the background, activating (a failed candidate refused in Turkish), rolling
back, CSRF, and a supervisor's note escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from classifier.training import train_candidate
from hub.actions import model as model_actions
from hub.learning import registry
from tests.model_support import CHECK, POISON, base_registry, model_hub
from tests.test_ui import csrf_of, login


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return base_registry(tmp_path_factory.mktemp("model-page-base"))


@pytest.fixture
def mhub(settings_factory, base: Path, tmp_path: Path):  # noqa: ANN001, ANN201
    h = model_hub(settings_factory, base, tmp_path)
    yield h
    h.db.dispose()


@pytest_asyncio.fixture
async def ui(mhub):  # noqa: ANN001, ANN201
    from hub.demo import _users

    _users(mhub)
    client = TestClient(TestServer(mhub.app(), host="127.0.0.1"))
    await client.start_server()
    yield client
    await model_actions.wait_for_training(mhub)
    await client.close()


async def post(ui: TestClient, action: str, data: dict[str, str] | None = None) -> Any:
    page = await (await ui.get("/ui/model")).text()
    return await ui.post(action, data={"csrf": csrf_of(page), **(data or {})}, allow_redirects=False)


async def test_only_supervisors_and_admins_see_the_model_page(ui) -> None:  # noqa: ANN001
    for user in ("agent", "kaski"):
        await login(ui, user)
        assert 'href="/ui/model"' not in await (await ui.get("/ui/")).text()
        r = await ui.get("/ui/model")
        assert r.status == 403 and "Yetkiniz yok" in await r.text()
        await ui.post("/ui/cikis", data={"csrf": csrf_of(await (await ui.get("/ui/")).text())})
    await login(ui, "agent")
    page = await (await ui.get("/ui/")).text()
    r = await ui.post("/ui/model/egit", data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert r.status == 403, "an agent cannot start a training either"
    await ui.post("/ui/cikis", data={"csrf": csrf_of(page)})
    await login(ui, "admin")
    assert 'href="/ui/model"' in await (await ui.get("/ui/")).text()
    assert (await ui.get("/ui/model")).status == 200


async def test_supervisor_retrains_activates_and_rolls_back(ui, mhub) -> None:  # noqa: ANN001
    reg = registry(mhub)
    first = reg.active_version()
    await login(ui, "supervisor")
    page = await (await ui.get("/ui/model")).text()
    assert 'href="/ui/model" aria-current="page"' in page
    info = reg.info(first)
    f1 = "%" + f"{info['metrics']['macro_f1'] * 100:.1f}".replace(".", ",")
    assert f'<code id="etkin-surum">{first}</code>' in page and f'<dd id="etkin-f1">{f1}</dd>' in page
    assert '<strong id="bekleyen">0</strong>' in page and "Aday yok" in page
    assert "Konulara göre F1" not in page and "Aydınlatma" in page, "the active model's own per-class F1"

    r = await post(ui, "/ui/model/egit")
    assert r.status == 303 and r.headers["Location"] == "/ui/model?tamam=egitim"
    await model_actions.wait_for_training(mhub)
    page = await (await ui.get("/ui/model?tamam=egitim")).text()
    candidate = next(v for v in reg.versions() if v != first)
    assert f'<tr data-surum="{candidate}">' in page and "Geçti: etkin model aynı" in page
    assert "Konulara göre F1" in page and "Kapsama göre kesinlik" in page and "Son eğitim" in page
    assert reg.active_version() == first, "a training never activates from the page"

    r = await post(ui, "/ui/model/etkinlestir", {"surum": candidate, "not": "<script>alert(1)</script>"})
    assert r.status == 303 and r.headers["Location"] == "/ui/model?tamam=etkin"
    assert reg.active_version() == candidate and mhub.classifier.version == candidate
    page = await (await ui.get("/ui/model?tamam=etkin")).text()
    assert f'<code id="etkin-surum">{candidate}</code>' in page and "etkinleştirildi" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    r = await post(ui, "/ui/model/geri-al")
    assert r.status == 303 and reg.active_version() == first and mhub.classifier.version == first
    page = await (await ui.get("/ui/model?tamam=geri")).text()
    assert "Önceki modele dönüldü" in page and f'<code id="etkin-surum">{first}</code>' in page


async def test_a_failed_candidate_is_refused_in_turkish(ui, mhub) -> None:  # noqa: ANN001
    reg = registry(mhub)
    first = reg.active_version()
    bad = train_candidate(mhub.settings.classifier_training_csv, POISON, reg.root, holdout=CHECK)
    assert not bad.passed
    await login(ui, "supervisor")
    page = await (await ui.get("/ui/model")).text()
    assert "Geçemedi" in page
    assert f'name="surum" value="{bad.new_version}"' not in page, "no button for it"
    r = await post(ui, "/ui/model/etkinlestir", {"surum": bad.new_version})
    assert r.status == 409 and "değerlendirme eşiğini geçemedi" in await r.text()
    r = await post(ui, "/ui/model/etkinlestir", {"surum": "../../etc/passwd"})
    assert r.status == 404 and "bulunamadı" in await r.text()
    r = await post(ui, "/ui/model/geri-al")
    assert r.status == 409 and "önceki bir model yok" in await r.text()
    r = await ui.post("/ui/model/etkinlestir", data={"surum": bad.new_version}, allow_redirects=False)
    assert r.status == 403, "no CSRF token, no change"
    assert reg.active_version() == first


async def test_page_shows_a_running_training_and_refuses_a_second(ui, mhub) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    held = registry(mhub).training_lock()
    assert held.acquire()
    try:
        r = await ui.get("/ui/model")
        page = await r.text()
        assert 'id="egitim-suruyor"' in page and "disabled" in page and r.headers["Refresh"]
        r = await post(ui, "/ui/model/egit")
        assert r.status == 409 and "zaten sürüyor" in await r.text()
    finally:
        held.release()
    r = await ui.get("/ui/model")
    assert "Refresh" not in r.headers and 'id="egitim-suruyor"' not in await r.text()

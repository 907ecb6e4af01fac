"""Staff forms with a NUL character: a Turkish 400 naming the box, never a 500 (PostgreSQL cannot
store NUL in text), and nothing written."""

from __future__ import annotations

from sqlmodel import select

from hub.models import Message
from tests.test_ui import SU, create, login, post_form


async def test_a_nul_in_a_staff_form_is_a_400_naming_the_box(ui, hub) -> None:  # noqa: ANN001
    made = await create(ui, SU)
    url = f"/ui/talep/{made['id']}"
    await login(ui, "agent")
    status, html = await post_form(ui, url, f"{url}/cevapla", {"metin": "Ekibimiz\x00 yarın gelecek."})
    assert status == 400 and "«metin»" in html and "NUL" in html and "Traceback" not in html
    with hub.db.reader() as s:
        assert not s.exec(select(Message).where(Message.request_id == made["id"], Message.direction == "out")).all()
    status, html = await post_form(ui, "/ui/yeni", "/ui/yeni", {"kanal": "phone", "metin": "Su\x00 yok"})
    assert status == 400 and "«metin»" in html
    status, _ = await post_form(ui, url, f"{url}/cevapla", {"metin": "Ekibimiz yarın gelecek."})
    assert status == 200

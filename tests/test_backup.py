"""`run_hub.py backup`: a consistent copy of a hub that keeps taking requests, which a
fresh hub opens as its own data directory."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

from sqlmodel import func, select

from connectors.base import Attachment, RawMessage, Sender
from hub.models import Request
from tests.conftest import using_postgres


def _ingest(hub, i: int, photo: bytes | None = None) -> int:  # noqa: ANN001
    raw = RawMessage(channel="phone", external_id=f"b{i}", text=f"Talas Mevlana Mahallesi su yok {i}",
                     sender=Sender(name="Ayşe", phone="0532 123 45 67"),
                     attachments=[Attachment("foto.jpg", "image/jpeg", photo)] if photo else [])  # fmt: skip
    return hub.intake.ingest(raw).request_id


def test_backup_of_a_busy_hub_opens_as_a_hub(hub, run, tmp_path: Path) -> None:  # noqa: ANN001
    from hub.context import Hub
    from hub.settings import Settings

    for i in range(20):
        _ingest(hub, i, photo=b"\xff\xd8\xff yedek" if i == 0 else None)
    stop = threading.Event()

    def keep_writing() -> None:
        i = 100
        while not stop.is_set():
            _ingest(hub, i)
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        code, out, err = run("backup", str(tmp_path / "yedek"))
    finally:
        stop.set()
        writer.join()
    assert code == 0, err
    res = json.loads(out)
    copy = Path(res["path"])
    assert copy.parent == tmp_path / "yedek" and copy.name.startswith("talep-hub-")
    assert [p.name for p in (copy / "attachments").rglob("*") if p.is_file()], "attachments are copied"
    if using_postgres():
        assert res["database"].startswith("postgresql") and res["integrity"] is None
        return
    assert res["database"] == "sqlite" and res["integrity"] == "ok"
    assert stat.S_IMODE((copy / "hub.sqlite3").stat().st_mode) == 0o600
    restored = Hub(Settings(data_dir=copy, database_url=None, classifier_model_dir=hub.settings.classifier_model_dir))
    try:
        with restored.db.reader() as s:
            n = s.exec(select(func.count()).select_from(Request)).one()
            first = s.get(Request, 1)
        assert n >= 20 and first is not None and first.text.endswith(" 0")
    finally:
        restored.db.dispose()


def test_backup_inside_the_data_dir_is_refused(hub, run) -> None:  # noqa: ANN001
    code, out, err = run("backup", str(hub.settings.data_dir / "yedek"))
    assert code == 2 and "outside HUB_DATA_DIR" in err and "Traceback" not in err

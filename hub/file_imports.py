"""List imports (CİMER, MBS, e-Devlet) on the hub's side: which column mapping each kind uses,
and one import run into intake shared by the staff UI upload and ``run_hub.py import``.

The drop folders (hub/channels.py) read the same mapping; connectors/imports/ does the reading.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import Quarantined, RawMessage
from connectors.imports import IMPORT_KINDS, ImportRejected, ImportRun, Mapping, load_mapping
from hub.actions import quarantine as qa
from hub.auth import SYSTEM_INTAKE, Actor
from hub.intake.quarantine import raw_to_bytes
from hub.intake.sanitize import without_nul
from hub.settings import Settings

log = logging.getLogger(__name__)
KINDS = IMPORT_KINDS  # cimer, mbs, edevlet: each has a drop folder, an upload and an answer file


def export_dir(st: Settings) -> Path:
    """Where ExportSender writes the answer files (hub/channels.py), and where /ui/ice-aktar lists them."""
    return st.export_dir or st.data_dir / "export"


def mapping_dir(st: Settings) -> Path:
    return st.import_mapping_dir or st.data_dir / "import_mappings"


def mapping_for(st: Settings, kind: str) -> Mapping | None:
    """The municipality's own mapping ``<mapping dir>/<kind>.yaml`` if there is one, else None
    (the documented default). A broken file raises ``MappingError``: it is never silently ignored."""
    path = mapping_dir(st) / f"{kind}.yaml"
    return load_mapping(path) if path.is_file() else None


@dataclass(slots=True)
class UploadOutcome:
    report: str  # the Turkish row-by-row report, or why the file was refused
    created: int = 0  # new requests
    seen: int = 0  # başvurular imported before (same başvuru no)
    rejected_rows: int = 0
    refused: bool = False  # the whole file was refused
    quarantine_id: int | None = None


def import_upload(hub: Any, actor: Actor, data: bytes, *, filename: str, kind: str) -> UploadOutcome:
    """Import an uploaded list: good rows become requests, bad rows are reported by row number,
    and a file that cannot be read at all is quarantined with its bytes. Blocking: run it in
    a worker thread."""
    st = hub.settings
    try:
        mapping = mapping_for(st, kind)
        run = ImportRun(data, kind=kind, filename=filename, mapping=mapping, max_bytes=st.import_max_bytes)  # type: ignore[arg-type]
    except ImportRejected as exc:
        keep = len(data) <= st.import_max_bytes
        meta = {"filename": filename, "sha256": hashlib.sha256(data).hexdigest(), "source": "upload"}
        with hub.db.session() as session:
            row = qa.add(
                session,
                actor,
                Quarantined(channel=kind, raw=data if keep else b"", error=str(exc), metadata=meta),
            )
            qid = row.id
        log.warning("%s upload %s refused; quarantined as %s", kind, filename, qid)
        return UploadOutcome(report=f"Dosya reddedildi: {exc}", refused=True, quarantine_id=qid)
    out = UploadOutcome(report="")
    with run:
        for batch in run.batches():
            for result in _ingest(hub, batch):
                out.created += bool(result and result.created)
                out.seen += bool(result and result.duplicate_delivery)
    out.report = run.result.format()
    out.rejected_rows = run.result.rejected_count
    log.info("%s upload %s: %d new requests, %d seen before", kind, filename, out.created, out.seen)
    return out


def _ingest(hub: Any, batch: list[RawMessage]) -> list[Any]:
    """One batch in one transaction, as the drop folder stores a fetch: a row the pipeline
    chokes on is quarantined and the others are kept."""
    intake = hub.intake
    batch = [without_nul(r) for r in batch]
    pre = intake.prepare_batch(batch)
    with hub.db.session() as session:

        def quarantine(raw: RawMessage, exc: Exception) -> None:
            log.error("intake failed for a %s row; quarantined", raw.channel, exc_info=exc)
            qa.add(session, SYSTEM_INTAKE, Quarantined(
                channel=raw.channel, raw=raw_to_bytes(raw), error=f"intake failed: {type(exc).__name__}: {exc}",
                external_id=raw.external_id, metadata={"kind": "raw_message"},
            ))  # fmt: skip

        return intake.ingest_batch_in(session, batch, pre, on_error=quarantine)

"""Attachment bytes on disk, addressed by content hash; rows keep metadata only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.base import Attachment

ALLOWED_TYPES = (
    "image/", "application/pdf", "text/plain", "application/msword",
    "application/vnd.openxmlformats-officedocument", "application/vnd.ms-excel", "video/", "audio/",
)  # fmt: skip


class AttachmentStore:
    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def save(self, att: Attachment) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "filename": att.filename, "content_type": att.content_type, "size": att.size,
        }  # fmt: skip
        if (att.size or 0) > self.max_bytes:
            meta["rejected"] = f"larger than {self.max_bytes} bytes"
            return meta
        if not att.content_type.startswith(ALLOWED_TYPES):
            meta["rejected"] = f"type {att.content_type} not accepted"
            return meta
        if not att.data:
            meta["rejected"] = "empty"
            return meta
        digest = att.sha256
        path = self.root / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(att.data)
            tmp.replace(path)
        meta["sha256"] = digest
        return meta

    def path(self, sha256: str) -> Path | None:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        p = self.root / sha256[:2] / sha256
        return p if p.is_file() else None

    def delete(self, sha256: str) -> bool:
        """Remove one stored file (after a KVKK erasure); False when it was not there."""
        p = self.path(sha256)
        if p is None:
            return False
        p.unlink(missing_ok=True)
        return True

"""Polled IMAP source: new mail in one folder becomes ``RawMessage`` objects.

imapclient is blocking, so the session is used from worker threads. One session is kept
across polls and IDLE waits and opened again when it breaks. Each ``fetch`` reads one chunk
of new UIDs with one FETCH of their bodies, so a backlog costs a few round trips per chunk,
not per message.

The checkpoint is ``"UIDVALIDITY:last_uid"``; it is the acknowledgement. The hub stores it in
the transaction that stores the chunk, so it moves only when the chunk is committed: a crash
before the commit reads the chunk again and the intake's (channel, external_id) key keeps it
from being stored twice. Messages are read with BODY.PEEK and the folder is opened read-only,
so the mailbox keeps its unread marks for the people who also look at it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from imapclient import IMAPClient

from connectors.base import ConnectorError, FetchResult, Quarantined, RawMessage
from connectors.email.imap_session import ImapSession
from connectors.email.mime import DEFAULT_MAX_ATTACHMENT_BYTES, MailParseError, parse_with_reason

log = logging.getLogger(__name__)

CHANNEL = "email"
_IDLE_SLICE = 5.0  # seconds per idle_check, so a cancelled wait ends promptly


@dataclass(slots=True)
class ImapConfig:
    host: str
    username: str
    password: str = field(repr=False)
    port: int = 993
    ssl: bool = True
    starttls: bool = False
    verify_tls: bool = True
    ca_file: str | None = None  # a private CA to trust (municipal servers often use one)
    folder: str = "INBOX"
    poll_interval: float = 60.0
    use_idle: bool = True
    max_batch: int = 200  # messages per fetch: one FETCH of bodies, one intake batch, one commit
    timeout: float = 30.0
    # Messages above this are not downloaded: quarantined with their headers, left on the server.
    max_message_bytes: int = 64 * 1024 * 1024
    # One fetch stops adding messages once this much was downloaded (at least one is always read).
    max_batch_bytes: int = 32 * 1024 * 1024
    own_domains: frozenset[str] = frozenset()
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    allowed_types: frozenset[str] | None = None
    name: str = "email"


def parse_checkpoint(checkpoint: str | None) -> tuple[int, int] | None:
    """``(uidvalidity, last_uid)`` from a stored checkpoint, or None if absent or malformed."""
    if not checkpoint:
        return None
    try:
        validity, last = checkpoint.split(":", 1)
        parsed = int(validity), int(last)
    except ValueError:
        log.warning("ignoring malformed IMAP checkpoint %r; reading the folder from the start", checkpoint)
        return None
    if parsed[0] < 0 or parsed[1] < 0:
        return None
    return parsed


class ImapSource:
    """``PolledSource`` for one IMAP folder, over one kept session.

    The session is opened on first use and kept across polls and IDLE waits; a session the
    server or the network dropped is opened again (once within a poll). A poll reads one
    chunk: SEARCH for new UIDs, one FETCH of their sizes and one FETCH of all their bodies.
    """

    channel = CHANNEL

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.name = config.name
        # Highest UID handed out by ``fetch``; lets ``wait_for_new`` return at once if mail already waits.
        self._seen: tuple[int, int] | None = None
        self._session = ImapSession(config)
        self._stop_idle: threading.Event | None = None

    async def close(self) -> None:
        """Log out of the kept session (the hub calls this at shutdown)."""
        if self._stop_idle is not None:
            self._stop_idle.set()  # an IDLE wait ends within one slice and frees the session
        await asyncio.to_thread(self._session.close, _IDLE_SLICE + 1)

    # -- fetch ------------------------------------------------------------------------------

    async def fetch(self, checkpoint: str | None) -> FetchResult:
        return await asyncio.to_thread(self._fetch_sync, checkpoint)

    def _fetch_sync(self, checkpoint: str | None) -> FetchResult:
        result, self._seen = self._session.run(lambda c: self._read(c, checkpoint), "fetch")
        return result

    def _read(self, client: IMAPClient, checkpoint: str | None) -> tuple[FetchResult, tuple[int, int]]:
        cfg = self.config
        # EXAMINE on every poll: fresh UIDVALIDITY and UIDNEXT, read-only so nothing is marked read.
        selected = client.select_folder(cfg.folder, readonly=True)
        validity = int(selected[b"UIDVALIDITY"])
        stored = parse_checkpoint(checkpoint)
        last_uid = 0
        if stored is not None:
            if stored[0] == validity:
                last_uid = stored[1]
            else:
                # The folder was recreated; UIDs mean something else now. Read it all again:
                # the intake's (channel, external_id) key drops what it already has.
                log.warning(
                    "IMAP UIDVALIDITY of %s changed (%s -> %s); re-reading the folder",
                    cfg.folder,
                    stored[0],
                    validity,
                )
        # "N:*" always matches the highest UID even when it is below N, hence the filter.
        uids = sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)
        batch = uids[: max(1, cfg.max_batch)]
        messages: list[RawMessage] = []
        quarantined: list[Quarantined] = []
        if batch:
            batch = self._read_chunk(client, batch, validity, messages, quarantined)
        new_last = batch[-1] if batch else last_uid
        seen = new_last
        uidnext = int(selected.get(b"UIDNEXT", 0) or 0)
        if len(batch) == len(uids) and uidnext:
            # Everything below UIDNEXT was looked at; UIDs expunged before we read them must not
            # make ``wait_for_new`` report mail that is not there (a busy loop).
            seen = max(seen, uidnext - 1)
        result = FetchResult(
            messages=messages,
            checkpoint=f"{validity}:{new_last}",
            quarantined=quarantined,
            backlog=len(uids) - len(batch),
        )
        return result, (validity, seen)

    def _read_chunk(
        self,
        client: IMAPClient,
        batch: list[int],
        validity: int,
        messages: list[RawMessage],
        quarantined: list[Quarantined],
    ) -> list[int]:
        """Read one chunk with one FETCH of sizes and one FETCH of every body that fits; returns
        the UIDs it covered (the byte budget may end the chunk early; the rest waits)."""
        cfg = self.config
        sizes = client.fetch(batch, ["RFC822.SIZE", "INTERNALDATE"])
        wanted: list[int] = []
        too_big: list[int] = []
        downloaded = 0
        for i, uid in enumerate(batch):
            if i and downloaded >= cfg.max_batch_bytes:
                batch = batch[:i]  # memory stays bounded
                break
            if uid not in sizes:
                log.info("IMAP UID %s in %s vanished before it was read (expunged)", uid, cfg.folder)
                continue
            size = int(sizes[uid].get(b"RFC822.SIZE", 0) or 0)
            downloaded += size
            (too_big if size > cfg.max_message_bytes else wanted).append(uid)
        bodies = client.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
        heads = client.fetch(too_big, ["BODY.PEEK[HEADER]"]) if too_big else {}
        for uid in batch:
            if uid in sizes:
                raw = (bodies.pop(uid, None) or {}).get(b"BODY[]") if uid in wanted else None
                header = (heads.get(uid) or {}).get(b"BODY[HEADER]", b"") if uid in too_big else b""
                self._take(uid, validity, sizes[uid], raw, header, messages, quarantined)
        return batch

    def _take(
        self,
        uid: int,
        validity: int,
        info: dict[bytes, Any],
        raw: bytes | None,
        header: bytes,
        messages: list[RawMessage],
        quarantined: list[Quarantined],
    ) -> None:
        """One fetched message: parsed into ``messages``, quarantined, or skipped (ignored mail)."""
        cfg = self.config
        where = {"folder": cfg.folder, "imap_uid": uid, "imap_uidvalidity": validity}
        external_id = f"imap:{validity}:{uid}"
        size = int(info.get(b"RFC822.SIZE", 0) or 0)
        if size > cfg.max_message_bytes:
            quarantined.append(
                Quarantined(
                    channel=CHANNEL,
                    raw=header,
                    error=f"message too large to download ({size} bytes); left on the server",
                    external_id=external_id,
                    metadata={**where, "size": size},
                )
            )
            return
        if raw is None:
            log.warning(
                "IMAP server returned no body for UID %s in %s; it will not be retried", uid, cfg.folder
            )
            quarantined.append(
                Quarantined(
                    channel=CHANNEL,
                    raw=b"",
                    error="server returned no message body",
                    external_id=external_id,
                    metadata=where,
                )
            )
            return
        try:
            message, reason = parse_with_reason(
                raw,
                own_domains=cfg.own_domains,
                max_attachment_bytes=cfg.max_attachment_bytes,
                allowed_types=cfg.allowed_types or None,
            )
        except MailParseError as exc:
            log.info("quarantining IMAP UID %s: %s", uid, exc)
            quarantined.append(Quarantined(CHANNEL, raw, str(exc), external_id=external_id, metadata=where))
            return
        except Exception as exc:  # noqa: BLE001 - never lose a message to a parser bug
            log.exception("parser crashed on IMAP UID %s; quarantining it", uid)
            quarantined.append(
                Quarantined(
                    CHANNEL,
                    raw,
                    f"parser error: {type(exc).__name__}",
                    external_id=external_id,
                    metadata=where,
                )
            )
            return
        if message is None:
            log.info("ignoring IMAP UID %s in %s: %s", uid, cfg.folder, reason)
            return
        internal = info.get(b"INTERNALDATE")
        if isinstance(internal, datetime):
            # The server's arrival time beats the sender's Date header, which clients get wrong.
            message.received_at = (internal if internal.tzinfo else internal.replace(tzinfo=UTC)).astimezone(
                UTC
            )
        message.metadata.update(where)
        messages.append(message)

    # -- waiting ----------------------------------------------------------------------------

    async def wait_for_new(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for new mail; True if the server signalled some.

        Uses IMAP IDLE on the kept session when enabled and offered by the server; otherwise
        sleeps ``min(timeout, poll_interval)`` and returns False (the caller just fetches).
        """
        cfg = self.config
        if not cfg.use_idle or self._session.supports_idle is False:
            await asyncio.sleep(min(timeout, cfg.poll_interval))
            return False
        stop = self._stop_idle = threading.Event()
        try:
            return await asyncio.to_thread(self._idle_sync, timeout, stop)
        except asyncio.CancelledError:
            stop.set()
            raise
        except ConnectorError as exc:
            log.warning("IMAP IDLE unavailable (%s); polling instead", exc)
            await asyncio.sleep(min(timeout, cfg.poll_interval))
            return False

    def _idle_sync(self, timeout: float, stop: threading.Event) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        return self._session.run(lambda c: self._idle(c, deadline, stop), "IDLE")

    def _idle(self, client: IMAPClient, deadline: float, stop: threading.Event) -> bool:
        cfg = self.config
        if not self._session.supports_idle:
            remaining = deadline - time.monotonic()
            stop.wait(max(0.0, min(remaining, cfg.poll_interval)))
            return False
        selected = client.select_folder(cfg.folder, readonly=True)
        validity = int(selected[b"UIDVALIDITY"])
        uidnext = int(selected.get(b"UIDNEXT", 0) or 0)
        if self._seen is not None and uidnext and (self._seen[0] != validity or uidnext - 1 > self._seen[1]):
            return True  # mail arrived between the last fetch and now
        client.idle()
        try:
            while not stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                responses = client.idle_check(timeout=min(_IDLE_SLICE, remaining))
                if any(len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return True
            return False
        finally:
            client.idle_done()  # an error here drops the session (``ImapSession.run``)

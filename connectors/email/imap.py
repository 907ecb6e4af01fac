"""Polled IMAP source: new mail in one folder becomes ``RawMessage`` objects.

imapclient is blocking, so every session runs in a worker thread. Each ``fetch``
opens a short session (robust against dropped connections and server restarts);
``wait_for_new`` holds an IDLE session so the runner wakes as soon as mail lands.

The checkpoint is ``"UIDVALIDITY:last_uid"``. Messages are read with BODY.PEEK so
the mailbox keeps its unread marks for the people who also look at it.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from connectors.base import ConnectorError, FetchResult, Quarantined, RawMessage
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
    max_batch: int = 50
    timeout: float = 30.0
    # Messages above this are not downloaded: quarantined with their headers, left on the server.
    max_message_bytes: int = 64 * 1024 * 1024
    # One fetch stops adding messages once this much was downloaded (at least one is always read).
    max_batch_bytes: int = 100 * 1024 * 1024
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


def _error_text(exc: BaseException, cfg: ImapConfig) -> str:
    """An error message safe to log: the password never appears."""
    text = f"{type(exc).__name__}: {exc}"
    if cfg.password:
        text = text.replace(cfg.password, "***")
    return text


class ImapSource:
    """``PolledSource`` for one IMAP folder."""

    channel = CHANNEL

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.name = config.name
        # Highest UID handed out by ``fetch``; lets ``wait_for_new`` return at once if mail already waits.
        self._seen: tuple[int, int] | None = None
        self._supports_idle: bool | None = None

    # -- connection -------------------------------------------------------------------------

    def _connect(self) -> IMAPClient:
        cfg = self.config
        context = ssl.create_default_context(cafile=cfg.ca_file)
        if not cfg.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            client = IMAPClient(
                cfg.host,
                port=cfg.port,
                ssl=cfg.ssl,
                ssl_context=context if cfg.ssl else None,
                timeout=cfg.timeout,
            )
        except (OSError, IMAPClientError) as exc:
            raise ConnectorError(
                f"IMAP connect to {cfg.host}:{cfg.port} failed: {_error_text(exc, cfg)}"
            ) from exc
        try:
            if cfg.starttls and not cfg.ssl:
                client.starttls(context)
            client.login(cfg.username, cfg.password)
        except LoginError as exc:
            _quiet_logout(client)
            raise ConnectorError(f"IMAP login for {cfg.username!r} refused", retry_after=300) from exc
        except (OSError, IMAPClientError) as exc:
            _quiet_logout(client)
            raise ConnectorError(f"IMAP session setup failed: {_error_text(exc, cfg)}") from exc
        self._supports_idle = client.has_capability("IDLE")
        return client

    # -- fetch ------------------------------------------------------------------------------

    async def fetch(self, checkpoint: str | None) -> FetchResult:
        result = await asyncio.to_thread(self._fetch_sync, checkpoint)
        return result

    def _fetch_sync(self, checkpoint: str | None) -> FetchResult:
        cfg = self.config
        client = self._connect()
        try:
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
                sizes = client.fetch(batch, ["RFC822.SIZE", "INTERNALDATE"])
                downloaded = 0
                for i, uid in enumerate(batch):
                    if i and downloaded >= cfg.max_batch_bytes:
                        batch = batch[:i]  # the rest waits for the next fetch; memory stays bounded
                        break
                    if uid not in sizes:
                        log.info("IMAP UID %s in %s vanished before it was read (expunged)", uid, cfg.folder)
                        continue
                    downloaded += int(sizes[uid].get(b"RFC822.SIZE", 0) or 0)
                    self._fetch_one(client, uid, validity, sizes[uid], messages, quarantined)
            new_last = batch[-1] if batch else last_uid
            seen = new_last
            uidnext = int(selected.get(b"UIDNEXT", 0) or 0)
            if len(batch) == len(uids) and uidnext:
                # Everything below UIDNEXT was looked at; UIDs expunged before we read them must not
                # make ``wait_for_new`` report mail that is not there (a busy loop).
                seen = max(seen, uidnext - 1)
            self._seen = (validity, seen)
            return FetchResult(
                messages=messages,
                checkpoint=f"{validity}:{new_last}",
                quarantined=quarantined,
                backlog=len(uids) - len(batch),
            )
        except ConnectorError:
            raise
        except (OSError, IMAPClientError) as exc:
            raise ConnectorError(f"IMAP fetch failed: {_error_text(exc, cfg)}") from exc
        finally:
            _quiet_logout(client)

    def _fetch_one(
        self,
        client: IMAPClient,
        uid: int,
        validity: int,
        info: dict[bytes, Any],
        messages: list[RawMessage],
        quarantined: list[Quarantined],
    ) -> None:
        cfg = self.config
        where = {"folder": cfg.folder, "imap_uid": uid, "imap_uidvalidity": validity}
        size = int(info.get(b"RFC822.SIZE", 0) or 0)
        if size > cfg.max_message_bytes:
            header = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {}).get(b"BODY[HEADER]", b"")
            quarantined.append(
                Quarantined(
                    channel=CHANNEL,
                    raw=header,
                    error=f"message too large to download ({size} bytes); left on the server",
                    external_id=f"imap:{validity}:{uid}",
                    metadata={**where, "size": size},
                )
            )
            return
        data = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
        raw = data.get(b"BODY[]")
        if raw is None:
            log.warning(
                "IMAP server returned no body for UID %s in %s; it will not be retried", uid, cfg.folder
            )
            quarantined.append(
                Quarantined(
                    channel=CHANNEL,
                    raw=b"",
                    error="server returned no message body",
                    external_id=f"imap:{validity}:{uid}",
                    metadata=where,
                )
            )
            return
        try:
            message, reason = parse_with_reason(
                raw,
                own_domains=set(cfg.own_domains),
                max_attachment_bytes=cfg.max_attachment_bytes,
                allowed_types=set(cfg.allowed_types) if cfg.allowed_types else None,
            )
        except MailParseError as exc:
            log.info("quarantining IMAP UID %s: %s", uid, exc)
            quarantined.append(
                Quarantined(CHANNEL, raw, str(exc), external_id=f"imap:{validity}:{uid}", metadata=where)
            )
            return
        except Exception as exc:  # noqa: BLE001 - never lose a message to a parser bug
            log.exception("parser crashed on IMAP UID %s; quarantining it", uid)
            quarantined.append(
                Quarantined(
                    CHANNEL,
                    raw,
                    f"parser error: {type(exc).__name__}",
                    external_id=f"imap:{validity}:{uid}",
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

        Uses IMAP IDLE when enabled and offered by the server; otherwise sleeps
        ``min(timeout, poll_interval)`` and returns False (the caller just fetches).
        """
        cfg = self.config
        if not cfg.use_idle or self._supports_idle is False:
            await asyncio.sleep(min(timeout, cfg.poll_interval))
            return False
        stop = threading.Event()
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
        cfg = self.config
        deadline = time.monotonic() + max(0.0, timeout)
        client = self._connect()
        try:
            if not self._supports_idle:
                remaining = deadline - time.monotonic()
                stop.wait(max(0.0, min(remaining, cfg.poll_interval)))
                return False
            selected = client.select_folder(cfg.folder, readonly=True)
            validity = int(selected[b"UIDVALIDITY"])
            uidnext = int(selected.get(b"UIDNEXT", 0) or 0)
            if (
                self._seen is not None
                and uidnext
                and (self._seen[0] != validity or uidnext - 1 > self._seen[1])
            ):
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
                try:
                    client.idle_done()
                except (OSError, IMAPClientError):
                    pass
        except (OSError, IMAPClientError) as exc:
            raise ConnectorError(f"IMAP IDLE failed: {_error_text(exc, cfg)}") from exc
        finally:
            _quiet_logout(client)


def _quiet_logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the session is being dropped anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass

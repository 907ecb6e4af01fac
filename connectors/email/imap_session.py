"""The IMAP session an ``ImapSource`` keeps: opened on first use, kept across polls and IDLE
waits, opened again when the server or the network dropped it. The TLS context is built once,
and only when TLS is used (loading the system CA store takes a noticeable time)."""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from connectors.base import ConnectorError

if TYPE_CHECKING:  # imap.py imports this module
    from connectors.email.imap import ImapConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


def error_text(exc: BaseException, password: str) -> str:
    """An error message safe to log: the password never appears."""
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(password, "***") if password else text


class ImapSession:
    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.supports_idle: bool | None = None  # known once connected
        self._client: IMAPClient | None = None
        self._tls: ssl.SSLContext | None = None
        self._lock = threading.Lock()  # one command stream: fetch, IDLE and close take turns

    def _tls_context(self) -> ssl.SSLContext | None:
        cfg = self.config
        if not (cfg.ssl or cfg.starttls):
            return None
        if self._tls is None:
            context = ssl.create_default_context(cafile=cfg.ca_file)
            if not cfg.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._tls = context
        return self._tls

    def _connect(self) -> IMAPClient:
        cfg = self.config
        context = self._tls_context()
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
                f"IMAP connect to {cfg.host}:{cfg.port} failed: {error_text(exc, cfg.password)}"
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
            raise ConnectorError(f"IMAP session setup failed: {error_text(exc, cfg.password)}") from exc
        self.supports_idle = client.has_capability("IDLE")
        return client

    def run(self, work: Callable[[IMAPClient], T], what: str) -> T:
        """Run ``work`` on the kept session, under the lock (blocking: call from a worker thread).

        A kept session may have gone stale (server restart, idle timeout, an administrator's
        kick): on a connection or protocol error it is dropped and ``work`` runs once more on a
        fresh session. Any other failure drops it too (it may be mid-command); the next call
        connects again."""
        with self._lock:
            for attempt in (1, 2):
                reused = self._client is not None
                if self._client is None:
                    self._client = self._connect()
                try:
                    return work(self._client)
                except ConnectorError:
                    self._drop()
                    raise
                except (OSError, IMAPClientError) as exc:
                    self._drop()
                    if reused and attempt == 1:
                        log.info("IMAP session to %s dropped (%s); opening a new one", self.config.host,
                                 type(exc).__name__)  # fmt: skip
                        continue
                    raise ConnectorError(
                        f"IMAP {what} failed: {error_text(exc, self.config.password)}"
                    ) from exc
                except BaseException:
                    self._drop()
                    raise
        raise AssertionError("unreachable")

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _quiet_logout(client)

    def close(self, timeout: float) -> None:
        """Log out (blocking). If the session is still busy after ``timeout`` seconds (an IDLE
        wait finishing its slice), the connection is cut instead."""
        if self._lock.acquire(timeout=timeout):
            try:
                self._drop()
            finally:
                self._lock.release()
        elif self._client is not None:
            try:
                self._client.shutdown()
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass


def _quiet_logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the session is being dropped anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass

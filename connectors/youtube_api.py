"""HTTP side of the YouTube connector: Data API v3 calls, error mapping, quota, OAuth.

Reading uses the API key (``key=`` query parameter); writing a reply comment needs an
OAuth access token, obtained from a refresh token at Google's token endpoint and cached
until shortly before it expires. Neither the key nor a token is ever logged: error
messages name the endpoint path, never the URL with its query.

Quota: Google answers 403 with reason ``quotaExceeded`` (or ``dailyLimitExceeded``)
once the project's daily units are spent. The units reset at midnight Pacific time,
so the client refuses further calls until then and raises a ``ConnectorError`` whose
``retry_after`` is the time left; the runtime's poll loop and the outbox both honour it.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp

from connectors.base import ConnectorError, PermanentSendError

log = logging.getLogger(__name__)

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
# Rate (not daily) limits: slow down, try again in a minute.
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
TOKEN_MARGIN = 60.0  # refresh the access token this long before Google says it expires

try:
    from zoneinfo import ZoneInfo

    PACIFIC: Any = ZoneInfo("America/Los_Angeles")
except Exception:  # no tz database: UTC-8 resets no earlier than the real (PDT) midnight
    PACIFIC = timezone(timedelta(hours=-8))


def next_quota_reset(now: datetime | None = None) -> datetime:
    """The next midnight in Pacific time (when YouTube's daily quota resets), as UTC."""
    now = (now or datetime.now(UTC)).astimezone(PACIFIC)
    tomorrow = (now + timedelta(days=1)).date()
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


class QuotaExceeded(ConnectorError):
    """The daily quota is spent; ``until`` is when it resets."""

    def __init__(self, until: datetime) -> None:
        local = until.astimezone(timezone(timedelta(hours=3)))  # Türkiye, for the health page
        super().__init__(
            f"YouTube API daily quota exhausted; paused until {until:%Y-%m-%d %H:%M} UTC "
            f"({local:%d.%m %H:%M} Türkiye saati)",
            retry_after=max(1.0, (until - datetime.now(UTC)).total_seconds()),
        )
        self.until = until


class NotFound(ConnectorError):
    """404: the video or comment is gone (deleted, made private)."""


class CommentsDisabled(ConnectorError):
    """403 ``commentsDisabled``: the video takes no comments; nothing to read."""


def _reason(body: Any) -> tuple[str, str]:
    """(first error reason, message) of a Google API error body."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return "", ""
    errors = err.get("errors") or []
    reason = errors[0].get("reason", "") if errors and isinstance(errors[0], dict) else ""
    return str(reason or err.get("status") or ""), str(err.get("message") or "")[:200]


class YouTubeApi:
    """One aiohttp session against the Data API (or a fake of it)."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        token_url: str = "https://oauth2.googleapis.com/token",
        timeout: float = 20.0,
    ) -> None:
        self.api_key = api_key
        self.api_base = api_base.rstrip("/")
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.token_url = token_url
        self.can_write = bool(client_id and client_secret and refresh_token)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_expires = 0.0
        self.quota_until: datetime | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _check_quota(self) -> None:
        if self.quota_until is not None:
            if datetime.now(UTC) < self.quota_until:
                raise QuotaExceeded(self.quota_until)
            self.quota_until = None

    # -- reading ------------------------------------------------------------------------
    async def get(self, resource: str, **params: Any) -> dict[str, Any]:
        """GET ``resource`` (e.g. "commentThreads") with the API key; errors are ConnectorErrors."""
        self._check_quota()
        query = {k: str(v) for k, v in params.items() if v is not None}
        query["key"] = self.api_key
        try:
            async with self._http().get(f"{self.api_base}/{resource}", params=query) as resp:
                body = await _json(resp)
                if resp.status == 200 and isinstance(body, dict):
                    return body
                raise self._error(resp.status, body, resource, write=False)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectorError(f"YouTube unreachable ({resource}): {type(exc).__name__}") from exc

    # -- writing ------------------------------------------------------------------------
    async def insert_reply(self, parent_id: str, text: str) -> dict[str, Any]:
        """comments.insert: a reply under the top-level comment ``parent_id``."""
        self._check_quota()
        body = {"snippet": {"parentId": parent_id, "textOriginal": text}}
        for attempt in (1, 2):  # a 401 with a cached token: refresh once and try again
            token = await self._access_token(force=attempt == 2)
            try:
                async with self._http().post(
                    f"{self.api_base}/comments", params={"part": "snippet"}, json=body,
                    headers={"Authorization": f"Bearer {token}"},
                ) as resp:  # fmt: skip
                    answer = await _json(resp)
                    if resp.status in (200, 201) and isinstance(answer, dict):
                        return answer
                    if resp.status == 401 and attempt == 1:
                        self._token = None
                        continue
                    raise self._error(resp.status, answer, "comments", write=True)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise ConnectorError(f"YouTube unreachable (comments): {type(exc).__name__}") from exc
        raise ConnectorError("YouTube refused the OAuth token twice")  # not reached

    async def _access_token(self, *, force: bool = False) -> str:
        if not self.can_write:
            raise PermanentSendError(
                "YouTube replies are not configured (OAuth client id/secret, refresh token)"
            )
        if self._token and not force and time.monotonic() < self._token_expires:
            return self._token
        form = {
            "grant_type": "refresh_token", "client_id": self.client_id or "",
            "client_secret": self.client_secret or "", "refresh_token": self.refresh_token or "",
        }  # fmt: skip
        try:
            async with self._http().post(self.token_url, data=form) as resp:
                body = await _json(resp)
                token = body.get("access_token") if isinstance(body, dict) else None
                if resp.status == 200 and token:
                    self._token = str(token)
                    expires = float(body.get("expires_in") or 3600)
                    self._token_expires = time.monotonic() + max(0.0, expires - TOKEN_MARGIN)
                    return self._token
                error = body.get("error") if isinstance(body, dict) else None
                if resp.status in (400, 401) and error in (
                    "invalid_grant",
                    "invalid_client",
                    "unauthorized_client",
                ):
                    # A revoked or wrong refresh token: no retry can help until someone re-authorises.
                    raise PermanentSendError(f"Google refused the YouTube OAuth credentials ({error})")
                raise ConnectorError(f"Google token endpoint answered {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectorError(f"Google token endpoint unreachable: {type(exc).__name__}") from exc

    # -- errors -------------------------------------------------------------------------
    def _error(self, status: int, body: Any, resource: str, *, write: bool) -> ConnectorError:
        reason, message = _reason(body)
        if status == 403 and reason in QUOTA_REASONS:
            self.quota_until = next_quota_reset()
            log.warning("YouTube quota exhausted; no calls until %s", self.quota_until.isoformat())
            return QuotaExceeded(self.quota_until)
        if status == 429 or reason in RATE_REASONS:
            return ConnectorError(f"YouTube rate limit ({resource}, {reason or status})", retry_after=60.0)
        if status == 403 and reason == "commentsDisabled" and not write:
            return CommentsDisabled(f"YouTube {resource}: comments are disabled")
        if status == 404:
            return NotFound(f"YouTube {resource}: not found ({reason or 'notFound'})")
        detail = f"YouTube {resource} answered {status} {reason}".strip() + (
            f": {message}" if message else ""
        )
        if write and status in (400, 403):
            return PermanentSendError(detail)  # e.g. comments disabled, text refused: a retry cannot help
        return ConnectorError(detail)


async def _json(resp: aiohttp.ClientResponse) -> Any:
    try:
        return await resp.json(content_type=None)
    except ValueError:
        return None

"""X (Twitter) channel, API v2 through tweepy: mentions + a recent search, and replies.

Optional by design: without a bearer token (and a user id or a search query)
``XSource.from_settings`` returns ``None`` and says why in the log; replies also
need the four OAuth 1.0a user keys.

tweepy's ``Client`` hardcodes ``https://api.twitter.com``. We hand it a
``requests.Session`` subclass that rewrites that prefix to ``api_base`` (used by
the tests' fake server) and always applies a timeout, which tweepy does not.
tweepy's async client needs the extra ``async-lru`` package, so the sync client
runs in a worker thread instead.

Checkpoint: JSON ``{"mentions": {...}, "search": {...}}`` with, per stream,
``since_id`` and, while a large backlog is being paged through, ``next_token``
and ``newest_id``: pagination resumes on the next fetch, so nothing between the
old ``since_id`` and the newest tweet is skipped.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy

from connectors.base import (
    ConnectorError,
    FetchResult,
    Location,
    OutboundMessage,
    PermanentSendError,
    Quarantined,
    RawMessage,
    Sender,
    SendResult,
    ThreadHints,
)

log = logging.getLogger(__name__)

# tweepy and oauthlib log request headers (bearer token, OAuth signatures) at DEBUG.
for _noisy in ("tweepy", "oauthlib", "requests_oauthlib"):
    if logging.getLogger(_noisy).level == logging.NOTSET:
        logging.getLogger(_noisy).setLevel(logging.INFO)

CHANNEL = "x"
X_HOST = "https://api.twitter.com"
TWEET_LIMIT = 280

_TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "geo",
    "referenced_tweets",
    "lang",
    "in_reply_to_user_id",
    "attachments",
]
_EXPANSIONS = ["author_id", "geo.place_id", "attachments.media_keys"]
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_URL = re.compile(r"https?://\S+")


class _XHttpSession(requests.Session):
    """Points tweepy at another host and never lets a request hang."""

    def __init__(self, api_base: str | None, timeout: float) -> None:
        super().__init__()
        self._base = api_base.rstrip("/") if api_base else None
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if self._base and isinstance(url, str) and url.startswith(X_HOST):
            url = self._base + url[len(X_HOST) :]
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


class XSource:
    """Polled source (mentions + recent search) and reply sink for one X account."""

    name = "x"
    channel = CHANNEL

    def __init__(
        self,
        bearer_token: str | None,
        *,
        user_id: str | None = None,
        search_query: str | None = None,
        api_base: str | None = None,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
        access_token: str | None = None,
        access_token_secret: str | None = None,
        page_size: int = 100,
        max_pages: int = 5,
        timeout: float = 20.0,
    ) -> None:
        self.user_id = (user_id or "").strip() or None
        self.search_query = (search_query or "").strip() or None
        self.page_size = max(10, min(100, page_size))
        self.max_pages = max(1, max_pages)
        bearer = (bearer_token or "").strip() or None
        user_keys = [consumer_key, consumer_secret, access_token, access_token_secret]
        self.can_reply = all(k and k.strip() for k in user_keys)
        self.disabled_reason: str | None = None
        if bearer is None:
            self.disabled_reason = "no X bearer token configured"
        elif not (self.user_id or self.search_query):
            self.disabled_reason = "neither an X user id (for mentions) nor a search query is configured"
        self.enabled = self.disabled_reason is None
        # Separate clients (and sessions) for reading and writing: each is used from one thread at a time.
        self._reader = tweepy.Client(bearer_token=bearer, return_type=dict)
        self._reader.session = _XHttpSession(api_base, timeout)
        self._writer = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            return_type=dict,
        )
        self._writer.session = _XHttpSession(api_base, timeout)
        self._read_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._warned_disabled = False

    @classmethod
    def from_settings(cls, **settings: Any) -> XSource | None:
        """Build from plain settings strings; ``None`` (with the reason logged) when it cannot fetch.

        Accepted keys: bearer_token, user_id, search_query, api_base, consumer_key,
        consumer_secret, access_token, access_token_secret, page_size, max_pages.
        """
        known = {
            "user_id",
            "search_query",
            "api_base",
            "consumer_key",
            "consumer_secret",
            "access_token",
            "access_token_secret",
        }
        kwargs: dict[str, Any] = {k: (settings.get(k) or None) for k in known}
        for key in ("page_size", "max_pages"):
            if settings.get(key) not in (None, ""):
                kwargs[key] = int(settings[key])
        source = cls(settings.get("bearer_token"), **kwargs)
        if not source.enabled:
            log.info("X channel disabled: %s", source.disabled_reason)
            source.close_sync()
            return None
        if not source.can_reply:
            log.info("X replies disabled: OAuth 1.0a user keys are not all configured")
        return source

    def close_sync(self) -> None:
        self._reader.session.close()
        self._writer.session.close()

    async def close(self) -> None:
        self.close_sync()

    # -- intake ----------------------------------------------------------------

    async def fetch(self, checkpoint: str | None) -> FetchResult:
        if not self.enabled:
            if not self._warned_disabled:
                log.warning("X fetch skipped: %s", self.disabled_reason)
                self._warned_disabled = True
            return FetchResult(messages=[], checkpoint=checkpoint)
        state = _load_checkpoint(checkpoint)
        messages: dict[str, RawMessage] = {}
        quarantined: list[Quarantined] = []
        behind = False
        streams: list[tuple[str, Any]] = []
        if self.user_id:
            streams.append(("mentions", self._mentions_page))
        if self.search_query:
            streams.append(("search", self._search_page))
        for stream, call in streams:
            new_state, pages = await self._read_stream(call, state.get(stream, {}))
            state[stream] = new_state
            behind = behind or "next_token" in new_state
            for page in pages:
                for msg in self._page_messages(page, stream, quarantined):
                    # A tweet can be both a mention and a search hit: keep the first.
                    messages.setdefault(msg.external_id, msg)
        ordered = sorted(messages.values(), key=lambda m: int(m.external_id))
        return FetchResult(
            messages=ordered,
            checkpoint=json.dumps(state, sort_keys=True),
            quarantined=quarantined,
            backlog=None if behind else 0,
        )

    def _common_params(self) -> dict[str, Any]:
        return {
            "max_results": self.page_size,
            "tweet_fields": _TWEET_FIELDS,
            "expansions": _EXPANSIONS,
            "user_fields": ["username", "name"],
            "place_fields": ["full_name", "country_code", "geo"],
            "media_fields": ["type", "url", "preview_image_url"],
        }

    def _mentions_page(self, **params: Any) -> dict[str, Any]:
        return self._reader.get_users_mentions(self.user_id, **self._common_params(), **params)

    def _search_page(self, **params: Any) -> dict[str, Any]:
        return self._reader.search_recent_tweets(self.search_query, **self._common_params(), **params)

    async def _read_stream(
        self, call: Any, st: dict[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Read one stream from where its state says; return the new state and the pages.

        Lower bound: ``since_id`` once we have seen a tweet, else ``start_time`` (when
        we first looked), so tweets posted before the first hit are not skipped. The
        very first call has neither and takes only the latest page, not days of history.
        """
        since = st.get("since_id")
        start_time = None if since else st.get("start_time")
        first_run = not since and not start_time
        token = st.get("next_token")
        newest = st.get("newest_id")
        pages: list[dict[str, Any]] = []
        looked_at = _x_time(datetime.now(UTC) - timedelta(seconds=1))
        for _ in range(self.max_pages):
            params: dict[str, Any] = {}
            if since:
                params["since_id"] = since
            elif start_time:
                params["start_time"] = _clamp_start(start_time)
            if token:
                params["pagination_token"] = token
            page = await self._call(self._read_lock, call, **params)
            pages.append(page)
            meta = page.get("meta") or {}
            newest = _max_id(newest, meta.get("newest_id"))
            token = meta.get("next_token")
            if not token or first_run:
                token = None
                break
        bound: dict[str, Any] = {"since_id": since} if since else {"start_time": start_time or looked_at}
        if token:
            return {**bound, "next_token": token, "newest_id": newest}, pages
        latest = _max_id(newest, since)
        return ({"since_id": latest} if latest else bound), pages

    def _page_messages(
        self, page: dict[str, Any], stream: str, quarantined: list[Quarantined]
    ) -> list[RawMessage]:
        includes = page.get("includes") or {}
        users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
        places = {p.get("id"): p for p in includes.get("places") or [] if isinstance(p, dict)}
        media = {m.get("media_key"): m for m in includes.get("media") or [] if isinstance(m, dict)}
        out: list[RawMessage] = []
        for tweet in page.get("data") or []:
            try:
                msg = self._tweet_to_raw(tweet, stream, users, places, media)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                quarantined.append(
                    Quarantined(
                        channel=CHANNEL,
                        raw=json.dumps(tweet, ensure_ascii=False).encode(),
                        error=f"unparseable tweet: {type(exc).__name__}: {exc}"[:200],
                        external_id=str(tweet.get("id"))
                        if isinstance(tweet, dict) and tweet.get("id")
                        else None,
                        metadata={"stream": stream},
                    )
                )
                continue
            if msg is not None:
                out.append(msg)
        return out

    def _tweet_to_raw(
        self,
        tweet: dict[str, Any],
        stream: str,
        users: dict[str, Any],
        places: dict[str, Any],
        media: dict[str, Any],
    ) -> RawMessage | None:
        tweet_id = str(tweet["id"])
        if not tweet_id.isdigit():
            raise ValueError("tweet id is not numeric")
        raw_text = html.unescape(str(tweet["text"]))
        author_id = str(tweet["author_id"])
        if self.user_id and author_id == self.user_id:
            return None  # our own tweets (e.g. replies) match the search too
        refs = tweet.get("referenced_tweets") or []
        if any(r.get("type") == "retweeted" for r in refs):
            return None  # a retweet repeats someone else's tweet
        # "@kayseribld @x Su yok" -> "Su yok"; the handles are addressing, not content.
        text = _LEADING_MENTIONS.sub("", raw_text).strip() or raw_text
        author = users.get(author_id) or {}
        metadata: dict[str, Any] = {"stream": stream, "raw_text": raw_text}
        if tweet.get("lang"):
            metadata["lang"] = tweet["lang"]
        if tweet.get("in_reply_to_user_id"):
            metadata["in_reply_to_user_id"] = str(tweet["in_reply_to_user_id"])
        keys = (tweet.get("attachments") or {}).get("media_keys") or []
        urls = [media[k].get("url") or media[k].get("preview_image_url") for k in keys if k in media]
        if urls:
            metadata["media_urls"] = [u for u in urls if u]
        location = _tweet_location(tweet.get("geo") or {}, places)
        return RawMessage(
            channel=CHANNEL,
            external_id=tweet_id,
            text=text,
            received_at=_parse_time(tweet.get("created_at")),
            sender=Sender(name=author.get("name"), x_handle=author.get("username"), external_id=author_id),
            thread=ThreadHints(conversation_id=str(tweet.get("conversation_id") or tweet_id)),
            location=location,
            reply_to={"tweet_id": tweet_id, "author_id": author_id, "username": author.get("username")},
            metadata=metadata,
        )

    # -- replies ---------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> SendResult:
        tweet_id = message.reply_to.get("tweet_id")
        if not tweet_id:
            raise PermanentSendError("X reply needs reply_to['tweet_id']")
        if not self.can_reply:
            raise PermanentSendError("X replies are not configured (OAuth 1.0a user keys missing)")
        text = fit_tweet(message.text, message.tracking_code)
        resp = await self._call(
            self._write_lock, self._writer.create_tweet, text=text, in_reply_to_tweet_id=str(tweet_id)
        )
        new_id = (resp.get("data") or {}).get("id")
        return SendResult(external_id=str(new_id) if new_id else None)

    async def _call(self, lock: asyncio.Lock, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run a blocking tweepy call in a thread and translate its errors."""
        async with lock:
            try:
                result = await asyncio.to_thread(fn, *args, **kwargs)
            except tweepy.TooManyRequests as exc:
                reset = getattr(exc, "reset_time", None)
                retry_after = max(1.0, reset - time.time()) if reset else None
                raise ConnectorError("X rate limit reached", retry_after=retry_after) from exc
            except tweepy.TwitterServerError as exc:
                raise ConnectorError(f"X server error {exc.response.status_code}") from exc
            except tweepy.Unauthorized as exc:
                raise ConnectorError("X rejected the credentials (401)") from exc
            except (tweepy.BadRequest, tweepy.Forbidden, tweepy.NotFound) as exc:
                detail = "; ".join(exc.api_messages)[:200] if exc.api_messages else ""
                raise PermanentSendError(
                    f"X refused the request ({exc.response.status_code}) {detail}"
                ) from exc
            except tweepy.HTTPException as exc:
                raise ConnectorError(f"X request failed ({exc.response.status_code})") from exc
            except (requests.RequestException, ValueError) as exc:
                raise ConnectorError(f"X unreachable: {type(exc).__name__}") from exc
        if not isinstance(result, dict):
            raise ConnectorError("X returned an unexpected response")
        return result


def tweet_weight(text: str) -> int:
    """Length as X counts it: URLs are 23, Latin (incl. Turkish) 1, most other scripts/emoji 2."""
    weight = 0
    rest = _URL.sub(lambda _m: "\0", text)
    weight += 23 * rest.count("\0")
    for ch in rest.replace("\0", ""):
        cp = ord(ch)
        light = cp <= 0x10FF or 0x2000 <= cp <= 0x200D or 0x2010 <= cp <= 0x201F or 0x2032 <= cp <= 0x2037
        weight += 1 if light else 2
    return weight


def fit_tweet(text: str, tracking_code: str | None = None, limit: int = TWEET_LIMIT) -> str:
    """Trim to one tweet at a word boundary, keeping the tracking code visible."""
    text = " ".join(text.split())
    if tweet_weight(text) <= limit:
        return text
    suffix = ""
    if tracking_code and tracking_code in text:
        suffix = f" Takip: {tracking_code}"
        text = text.replace(tracking_code, "").strip()
    budget = limit - tweet_weight(suffix) - tweet_weight("…")  # X counts the ellipsis as 2
    words = text.split(" ")
    kept: list[str] = []
    for word in words:
        candidate = " ".join([*kept, word])
        if tweet_weight(candidate) > budget:
            break
        kept.append(word)
    body = " ".join(kept)
    if not body:  # one enormous word: cut by characters
        body = text
        while body and tweet_weight(body) > budget:
            body = body[:-1]
    return body.rstrip(" ,.;:") + "…" + suffix


def _load_checkpoint(checkpoint: str | None) -> dict[str, dict[str, Any]]:
    if not checkpoint:
        return {}
    try:
        data = json.loads(checkpoint)
    except ValueError:
        data = checkpoint
    if isinstance(data, (str, int)) and str(data).isdigit():
        # A bare since_id (older format): applies to every stream.
        return {"mentions": {"since_id": str(data)}, "search": {"since_id": str(data)}}
    if not isinstance(data, dict):
        log.warning("Ignoring malformed X checkpoint")
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def _max_id(a: str | None, b: str | None) -> str | None:
    ids = [x for x in (a, b) if x]
    return max(ids, key=int) if ids else None


def _x_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clamp_start(value: str) -> str:
    """Recent search only reaches back 7 days; asking for more is a 400."""
    floor = datetime.now(UTC) - timedelta(days=7) + timedelta(minutes=5)
    return max(_parse_time(value), floor).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def _tweet_location(geo: dict[str, Any], places: dict[str, Any]) -> Location | None:
    coords = (geo.get("coordinates") or {}).get("coordinates")
    place = places.get(geo.get("place_id")) if geo.get("place_id") else None
    if not coords and not place:
        return None
    loc = Location()
    if coords and len(coords) == 2:
        loc.lon, loc.lat = float(coords[0]), float(coords[1])  # GeoJSON order
    if place:
        loc.address = place.get("full_name") or place.get("name")
    return loc

"""Fake X API v2: mentions timeline, recent search and posting replies.

Tweets are kept newest-last in ``tweets``; endpoints answer newest-first like X,
honour ``since_id``, ``max_results`` and ``pagination_token``, and send the
``x-rate-limit-*`` headers. Set ``rate_limited = True`` to get 429s.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fakes._server import LoopbackServer


class FakeX(LoopbackServer):
    def __init__(
        self, bearer_token: str = "fake-bearer", *, account_id: str = "100", handle: str = "kayseribld"
    ):
        super().__init__()
        self.bearer_token = bearer_token
        self.account_id = account_id
        self.users: dict[str, dict[str, str]] = {
            account_id: {"id": account_id, "username": handle, "name": "Belediye"}
        }
        self.tweets: list[dict[str, Any]] = []
        self.posted: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.places: dict[str, dict[str, Any]] = {}
        self.rate_limited = False
        self.reset_in = 90  # seconds until the window resets, for 429s
        self.post_status: int | None = None  # force an error status on POST /2/tweets
        self._ids = itertools.count(1_860_000_000_000_000_001)
        self.app = web.Application()
        self.app.router.add_get("/2/users/{id}/mentions", self._mentions)
        self.app.router.add_get("/2/tweets/search/recent", self._search)
        self.app.router.add_post("/2/tweets", self._post)

    # -- helpers for tests ---------------------------------------------------

    def add_user(self, user_id: str, username: str, name: str) -> None:
        self.users[user_id] = {"id": user_id, "username": username, "name": name}

    def add_tweet(self, author_id: str, text: str, **extra: Any) -> dict[str, Any]:
        tweet_id = str(next(self._ids))
        tweet = {
            "id": tweet_id,
            "text": text,
            "author_id": author_id,
            "conversation_id": extra.pop("conversation_id", tweet_id),
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": "tr",
            **extra,
        }
        self.tweets.append(tweet)
        return tweet

    # -- HTTP ------------------------------------------------------------------

    def _headers(self, remaining: int) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(time.time()) + self.reset_in),
        }

    def _guard(self, request: web.Request, *, user_auth: bool = False) -> web.Response | None:
        self.requests.append((request.path, dict(request.query)))
        auth = request.headers.get("Authorization", "")
        ok = auth.startswith("OAuth ") if user_auth else auth == f"Bearer {self.bearer_token}"
        if not ok:
            body = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            return web.json_response(body, status=401)
        if self.rate_limited:
            body = {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            }
            return web.json_response(body, status=429, headers=self._headers(0))
        return None

    def _page(self, request: web.Request, matching: list[dict[str, Any]]) -> web.Response:
        q = request.query
        since = int(q["since_id"]) if q.get("since_id") else 0
        start_time = q.get("start_time", "").replace("Z", ".000Z")
        newest_first = [
            t for t in reversed(matching) if int(t["id"]) > since and t["created_at"] >= start_time
        ]
        start = int(q.get("pagination_token") or 0)
        size = int(q.get("max_results") or 10)
        page = newest_first[start : start + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0]["id"]
            meta["oldest_id"] = page[-1]["id"]
        if start + size < len(newest_first):
            meta["next_token"] = str(start + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            authors = {t["author_id"] for t in page}
            body["includes"] = {"users": [self.users[a] for a in sorted(authors) if a in self.users]}
            place_ids = {t.get("geo", {}).get("place_id") for t in page} - {None}
            if place_ids:
                body["includes"]["places"] = [self.places[p] for p in place_ids if p in self.places]
        return web.json_response(body, headers=self._headers(449))

    async def _mentions(self, request: web.Request) -> web.Response:
        if (denied := self._guard(request)) is not None:
            return denied
        handle = self.users.get(request.match_info["id"], {}).get("username", "\0")
        matching = [t for t in self.tweets if f"@{handle}".lower() in t["text"].lower()]
        return self._page(request, matching)

    async def _search(self, request: web.Request) -> web.Response:
        if (denied := self._guard(request)) is not None:
            return denied
        # Plain words of the query must all appear; operators (-is:retweet, lang:tr) are ignored.
        words = [
            w.lower()
            for w in request.query.get("query", "").split()
            if ":" not in w and not w.startswith("-")
        ]
        matching = [t for t in self.tweets if all(w in t["text"].lower() for w in words)]
        return self._page(request, matching)

    async def _post(self, request: web.Request) -> web.Response:
        if (denied := self._guard(request, user_auth=True)) is not None:
            return denied
        if self.post_status is not None:
            body = {
                "title": "Forbidden",
                "detail": "You are not allowed to reply",
                "type": "about:blank",
                "status": self.post_status,
            }
            return web.json_response(body, status=self.post_status)
        payload = await request.json()
        tweet_id = str(next(self._ids))
        self.posted.append({"id": tweet_id, **payload})
        return web.json_response({"data": {"id": tweet_id, "text": payload.get("text", "")}}, status=201)

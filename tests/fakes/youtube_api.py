"""Fake YouTube Data API v3 (the parts the connector uses) and Google's OAuth token endpoint.

* ``GET /youtube/v3/channels``, ``/playlistItems``, ``/commentThreads`` need ``key``;
  commentThreads answers newest first by the top comment's time, pages with opaque
  ``pageToken``s, and includes each thread's replies.
* ``POST /youtube/v3/comments?part=snippet`` needs ``Authorization: Bearer <token>``
  issued by ``POST /token`` (grant_type=refresh_token); replying under a deleted
  comment is a 404.
* ``quota_exceeded = True`` makes every API call a 403 ``quotaExceeded``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.fakes._server import LoopbackServer


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _google_error(status: int, reason: str, message: str) -> web.Response:
    body = {"error": {"code": status, "message": message,
                      "errors": [{"message": message, "domain": "youtube.quota", "reason": reason}]}}  # fmt: skip
    return web.json_response(body, status=status)


class FakeYouTube(LoopbackServer):
    def __init__(
        self,
        *,
        api_key: str = "yt-key",
        channel_id: str = "UCbelediye",
        client_id: str = "cid",
        client_secret: str = "csecret",
        refresh_token: str = "refresh-1",
    ) -> None:
        super().__init__()
        self.api_key, self.channel_id = api_key, channel_id
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.videos: list[dict[str, str]] = []  # newest first, like the uploads playlist
        self.threads: dict[str, list[dict[str, Any]]] = {}  # video id -> threads
        self.comments: dict[str, dict[str, Any]] = {}  # comment id -> comment (top-level and replies)
        self.posted: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.token_requests: list[dict[str, str]] = []
        self.tokens: set[str] = set()
        self.quota_exceeded = False
        self.expire_tokens = False  # the next POST /comments answers 401 once, as for an expired token
        self.clock = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
        self._ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_get("/youtube/v3/channels", self._channels)
        self.app.router.add_get("/youtube/v3/playlistItems", self._playlist)
        self.app.router.add_get("/youtube/v3/commentThreads", self._threads)
        self.app.router.add_post("/youtube/v3/comments", self._insert)
        self.app.router.add_post("/token", self._token)

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/youtube/v3"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    # -- helpers for tests ------------------------------------------------------------
    def tick(self) -> datetime:
        """Each new comment or edit is one second later than the one before."""
        self.clock += timedelta(seconds=1)
        return self.clock

    def add_video(self, title: str) -> str:
        vid = f"vid{next(self._ids):04d}"
        self.videos.insert(0, {"id": vid, "title": title})
        self.threads[vid] = []
        return vid

    def _comment(self, text: str, author: str, author_id: str, **extra: Any) -> dict[str, Any]:
        now = _ts(self.tick())
        cid = extra.pop("cid", None) or f"Ugz{next(self._ids):06d}"
        snippet = {
            "authorDisplayName": author, "authorChannelId": {"value": author_id},
            "authorChannelUrl": f"http://www.youtube.com/channel/{author_id}",
            "textOriginal": text, "textDisplay": text, "publishedAt": now, "updatedAt": now, **extra,
        }  # fmt: skip
        comment = {"kind": "youtube#comment", "id": cid, "snippet": snippet}
        self.comments[cid] = comment
        return comment

    def add_comment(
        self, video_id: str, text: str, author: str = "Ayşe Yılmaz", author_id: str = "UCayse"
    ) -> str:
        comment = self._comment(text, author, author_id, videoId=video_id)
        thread = {"kind": "youtube#commentThread", "id": comment["id"],
                  "snippet": {"videoId": video_id, "topLevelComment": comment, "totalReplyCount": 0},
                  "replies": {"comments": []}}  # fmt: skip
        self.threads[video_id].insert(0, thread)
        return comment["id"]

    def add_reply(self, parent_id: str, text: str, author: str, author_id: str) -> str:
        thread = self._thread_of(parent_id)
        reply = self._comment(
            text, author, author_id, parentId=parent_id, cid=f"{parent_id}.r{next(self._ids)}"
        )
        thread["replies"]["comments"].append(reply)
        thread["snippet"]["totalReplyCount"] += 1
        return reply["id"]

    def edit(self, comment_id: str, text: str) -> None:
        snippet = self.comments[comment_id]["snippet"]
        snippet["textOriginal"] = snippet["textDisplay"] = text
        snippet["updatedAt"] = _ts(self.tick())

    def delete(self, comment_id: str) -> None:
        """The author deletes a top-level comment: its thread disappears."""
        self.comments.pop(comment_id, None)
        for threads in self.threads.values():
            threads[:] = [t for t in threads if t["id"] != comment_id]

    def _thread_of(self, comment_id: str) -> dict[str, Any]:
        for threads in self.threads.values():
            for t in threads:
                if t["id"] == comment_id:
                    return t
        raise KeyError(comment_id)

    # -- HTTP -----------------------------------------------------------------------------
    def _guard(self, request: web.Request) -> web.Response | None:
        self.requests.append((request.path, dict(request.query)))
        if request.query.get("key") != self.api_key and request.method == "GET":
            return _google_error(400, "keyInvalid", "API key not valid. Please pass a valid API key.")
        if self.quota_exceeded:
            return _google_error(
                403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota."
            )
        return None

    async def _channels(self, request: web.Request) -> web.Response:
        if (denied := self._guard(request)) is not None:
            return denied
        items = []
        if request.query.get("id") == self.channel_id:
            items = [
                {
                    "id": self.channel_id,
                    "contentDetails": {"relatedPlaylists": {"uploads": "UU" + self.channel_id[2:]}},
                }
            ]
        return web.json_response({"kind": "youtube#channelListResponse", "items": items})

    async def _playlist(self, request: web.Request) -> web.Response:
        if (denied := self._guard(request)) is not None:
            return denied
        if request.query.get("playlistId") != "UU" + self.channel_id[2:]:
            return _google_error(404, "playlistNotFound", "The playlist could not be found.")
        size = int(request.query.get("maxResults") or 5)
        items = [{"snippet": {"title": v["title"], "resourceId": {"kind": "youtube#video", "videoId": v["id"]}}}
                 for v in self.videos[:size]]  # fmt: skip
        return web.json_response({"kind": "youtube#playlistItemListResponse", "items": items})

    async def _threads(self, request: web.Request) -> web.Response:
        if (denied := self._guard(request)) is not None:
            return denied
        q = request.query
        assert q.get("part") == "snippet,replies" and q.get("order") == "time"
        vid = q.get("videoId", "")
        if vid not in self.threads:
            return _google_error(
                404, "videoNotFound", "The video identified by the videoId parameter could not be found."
            )
        threads = sorted(self.threads[vid], key=lambda t: t["snippet"]["topLevelComment"]["snippet"]["publishedAt"],
                         reverse=True)  # fmt: skip
        start = int((q.get("pageToken") or "p0")[1:])
        size = int(q.get("maxResults") or 20)
        body: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "items": threads[start : start + size],
        }
        if start + size < len(threads):
            body["nextPageToken"] = f"p{start + size}"
        return web.json_response(body)

    async def _insert(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query)))
        if self.quota_exceeded:
            return _google_error(403, "quotaExceeded", "quota")
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens or self.expire_tokens:
            self.expire_tokens = False
            return _google_error(401, "authError", "Invalid Credentials")
        payload = await request.json()
        snippet = payload.get("snippet") or {}
        parent = snippet.get("parentId")
        if parent not in self.comments:
            return _google_error(404, "commentNotFound", "The comment could not be found.")
        reply_id = self.add_reply(parent, snippet.get("textOriginal", ""), "Belediye", self.channel_id)
        self.posted.append({"id": reply_id, "parentId": parent, "text": snippet.get("textOriginal", "")})
        return web.json_response(self.comments[reply_id])

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append(form)
        ok = (form.get("grant_type") == "refresh_token" and form.get("client_id") == self.client_id
              and form.get("client_secret") == self.client_secret and form.get("refresh_token") == self.refresh_token)  # fmt: skip
        if not ok:
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Bad Request"}, status=400
            )
        token = f"ya29.fake-{next(self._ids)}"
        self.tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

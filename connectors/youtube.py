"""YouTube channel: comments on the municipality's videos (Data API v3), and reply comments.

Polled. Each fetch lists the newest videos of the channel's uploads playlist
(``channels.list`` contentDetails once, then ``playlistItems.list``) and reads each
video's comment threads newest first (``commentThreads.list``, part=snippet,replies,
order=time), page by page until it reaches what an earlier fetch already saw.

* Each new comment (top-level or reply) is one ``RawMessage``: external_id is the
  comment id; the video's id, title and a link to the comment are in the metadata.
  The channel's own comments (our replies) are skipped.
* An edit (``updatedAt`` later than ``publishedAt``) of a comment an earlier fetch saw
  comes again as a follow-up with the external_id ``<comment id>@<updatedAt>`` and the
  same conversation id, so the intake adds it to that request's thread (while it is
  open or recently answered) instead of opening a second request.
* A deleted comment simply no longer appears; a reply to it fails with 404, which
  ``send`` reports as a permanent failure saying the comment was deleted.
* A deleted or private video, or one with comments turned off, is skipped.

Checkpoint (JSON): ``uploads`` (the uploads playlist id) and per video ``mark`` (the
newest time seen), ``ids`` (the comments seen at exactly that second) and, while a
large backlog is paged through over several fetches, ``resume`` (page token and the
newest time seen so far). A video not seen before starts ``backfill_hours`` back.

Replies need OAuth (``comments.insert``); without it the source only reads and the hub
asks the agent to answer by hand on YouTube.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from connectors.base import (
    ConnectorError,
    FetchResult,
    OutboundMessage,
    PermanentSendError,
    Quarantined,
    RawMessage,
    Sender,
    SendResult,
    ThreadHints,
)
from connectors.youtube_api import CommentsDisabled, NotFound, QuotaExceeded, YouTubeApi

log = logging.getLogger(__name__)

CHANNEL = "youtube"
DEFAULT_API_BASE = "https://www.googleapis.com/youtube/v3"
COMMENT_LIMIT = 10_000  # characters YouTube accepts in one comment
EDIT_MARK = "[Düzenlendi] "  # shown in the thread before an edited comment's new text


def comment_url(video_id: str, comment_id: str | None = None) -> str:
    """A link that opens the video with the comment highlighted."""
    url = f"https://www.youtube.com/watch?v={quote(video_id, safe='')}"
    return f"{url}&lc={quote(comment_id, safe='')}" if comment_id else url


def _time(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Watermark:
    """The newest time seen in a video and the comment ids seen at exactly that second."""

    at: datetime
    ids: set[str] = field(default_factory=set)

    def is_new(self, stamp: datetime, cid: str) -> bool:
        return stamp > self.at or (stamp == self.at and cid not in self.ids)

    def see(self, stamp: datetime, cid: str) -> None:
        if stamp > self.at:
            self.at, self.ids = stamp, {cid}
        elif stamp == self.at:
            self.ids.add(cid)

    def dump(self) -> dict[str, Any]:
        return {"mark": _iso(self.at), "ids": sorted(self.ids)}


@dataclass
class _Video:
    id: str
    title: str


class YouTubeSource:
    """Polled source (comments on the channel's videos) and, with OAuth, reply sink."""

    name = "youtube"
    channel = CHANNEL

    def __init__(
        self,
        api_key: str,
        channel_id: str,
        *,
        api_base: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        token_url: str = "https://oauth2.googleapis.com/token",
        max_videos: int = 15,
        page_size: int = 100,
        max_pages: int = 5,
        backfill_hours: float = 24.0,
        timeout: float = 20.0,
    ) -> None:
        self.channel_id = channel_id.strip()
        self.api = YouTubeApi(
            api_key.strip(), api_base=api_base or DEFAULT_API_BASE, client_id=client_id,
            client_secret=client_secret, refresh_token=refresh_token, token_url=token_url, timeout=timeout,
        )  # fmt: skip
        self.max_videos = max(1, min(50, max_videos))
        self.page_size = max(1, min(100, page_size))
        self.max_pages = max(1, max_pages)
        self.backfill = timedelta(hours=max(0.0, backfill_hours))

    @property
    def can_reply(self) -> bool:
        return self.api.can_write

    async def close(self) -> None:
        await self.api.close()

    # -- intake ------------------------------------------------------------------------
    async def fetch(self, checkpoint: str | None) -> FetchResult:
        state = _load(checkpoint)
        uploads = state.get("uploads") or await self._uploads_playlist()
        videos = await self._videos(uploads)
        old = state.get("videos") or {}
        new_state: dict[str, Any] = {}
        messages: list[RawMessage] = []
        quarantined: list[Quarantined] = []
        behind = False
        for i, video in enumerate(videos):
            try:
                vstate, found, more = await self._read_video(video, old.get(video.id), quarantined)
            except (NotFound, CommentsDisabled) as exc:
                log.info("YouTube video %s skipped: %s", video.id, exc)
                continue
            except QuotaExceeded:
                if not messages:
                    raise
                # Keep what was read (its units are spent); the rest waits for the reset.
                for rest in videos[i:]:
                    if rest.id in old:
                        new_state[rest.id] = old[rest.id]
                behind = True
                break
            new_state[video.id] = vstate
            messages.extend(found)
            behind = behind or more
        messages.sort(key=lambda m: (m.received_at, m.external_id))
        checkpoint_out = json.dumps({"uploads": uploads, "videos": new_state}, sort_keys=True)
        return FetchResult(messages, checkpoint_out, quarantined, backlog=None if behind else 0)

    async def _uploads_playlist(self) -> str:
        body = await self.api.get("channels", part="contentDetails", id=self.channel_id)
        for item in body.get("items") or []:
            playlist = ((item.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
            if playlist:
                return str(playlist)
        raise ConnectorError(f"YouTube channel {self.channel_id} not found (check HUB_YOUTUBE_CHANNEL_ID)")

    async def _videos(self, uploads: str) -> list[_Video]:
        try:
            body = await self.api.get(
                "playlistItems", part="snippet", playlistId=uploads, maxResults=self.max_videos
            )
        except NotFound as exc:
            raise ConnectorError("YouTube uploads playlist not found (check HUB_YOUTUBE_CHANNEL_ID)") from exc
        out: list[_Video] = []
        for item in body.get("items") or []:
            snippet = item.get("snippet") or {}
            vid = (snippet.get("resourceId") or {}).get("videoId")
            if vid and not any(v.id == vid for v in out):
                out.append(_Video(str(vid), str(snippet.get("title") or "")))
        return out[: self.max_videos]

    async def _read_video(
        self, video: _Video, st: dict[str, Any] | None, quarantined: list[Quarantined]
    ) -> tuple[dict[str, Any], list[RawMessage], bool]:
        """Read one video's new comments. Returns (its new state, messages, more waiting)."""
        st = st if isinstance(st, dict) else {}
        mark = _Watermark(
            _time(st.get("mark")) or datetime.now(UTC).replace(microsecond=0) - self.backfill,
            {str(i) for i in st.get("ids") or []},
        )
        resume = st.get("resume") if isinstance(st.get("resume"), dict) else None
        token = resume.get("token") if resume else None
        newest = _Watermark(_time(resume.get("newest")) or mark.at, set(resume.get("ids") or [])) if resume else (
            _Watermark(mark.at, set(mark.ids))
        )  # fmt: skip
        found: list[RawMessage] = []
        for _ in range(self.max_pages):
            body = await self.api.get(
                "commentThreads", part="snippet,replies", videoId=video.id, order="time",
                maxResults=self.page_size, pageToken=token, textFormat="plainText",
            )  # fmt: skip
            oldest_top: datetime | None = None
            for thread in body.get("items") or []:
                try:
                    top_time = self._thread_messages(video, thread, mark, newest, found)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    quarantined.append(_bad(thread, video, exc))
                    continue
                oldest_top = top_time if oldest_top is None else min(oldest_top, top_time)
            token = body.get("nextPageToken")
            if not token or (oldest_top is not None and oldest_top < mark.at):
                token = None  # the rest of the threads are older than what we saw
                break
        if token:  # more pages than one fetch reads: resume there next time, keep the old mark
            return {**mark.dump(), "resume": {"token": token, "newest": _iso(newest.at),
                                              "ids": sorted(newest.ids)}}, found, True  # fmt: skip
        return newest.dump(), found, False

    def _thread_messages(
        self,
        video: _Video,
        thread: dict[str, Any],
        mark: _Watermark,
        newest: _Watermark,
        out: list[RawMessage],
    ) -> datetime:
        """Append the thread's new comments and edits to ``out``; return the top comment's time."""
        snippet = thread["snippet"]
        top = snippet["topLevelComment"]
        thread_id = str(thread.get("id") or top["id"])
        comments = [(top, None)] + [
            (r, str(top["id"])) for r in (thread.get("replies") or {}).get("comments") or []
        ]
        top_time: datetime | None = None
        for comment, parent in comments:
            cs = comment["snippet"]
            cid = str(comment["id"])
            published = _time(cs.get("publishedAt"))
            if published is None:
                raise ValueError("comment without publishedAt")
            updated = _time(cs.get("updatedAt")) or published
            if parent is None:
                top_time = published
            stamp = max(published, updated)
            own = ((cs.get("authorChannelId") or {}).get("value") or "") == self.channel_id
            if not own:
                if mark.is_new(published, cid):
                    out.append(
                        self._message(video, thread_id, comment, parent, published, updated, edit=False)
                    )
                elif updated > published and mark.is_new(updated, cid):
                    out.append(
                        self._message(video, thread_id, comment, parent, published, updated, edit=True)
                    )
            newest.see(stamp, cid)
        assert top_time is not None
        return top_time

    def _message(
        self,
        video: _Video,
        thread_id: str,
        comment: dict[str, Any],
        parent: str | None,
        published: datetime,
        updated: datetime,
        *,
        edit: bool,
    ) -> RawMessage:
        cs = comment["snippet"]
        cid = str(comment["id"])
        text = str(cs.get("textOriginal") or cs.get("textDisplay") or "").strip()
        author_id = (cs.get("authorChannelId") or {}).get("value")
        author = str(cs.get("authorDisplayName") or "").strip() or None
        top_id = parent or cid
        metadata: dict[str, Any] = {
            "video_id": video.id, "video_title": video.title, "url": comment_url(video.id, cid),
            "comment_id": cid, "thread_id": thread_id, "published_at": _iso(published),
            "updated_at": _iso(updated), "kind": "edit" if edit else ("reply" if parent else "comment"),
        }  # fmt: skip
        if cs.get("authorChannelUrl"):
            metadata["author_channel_url"] = str(cs["authorChannelUrl"])
        if parent:
            metadata["parent_id"] = parent
        if edit:
            metadata["edit_of"] = cid
        return RawMessage(
            channel=CHANNEL,
            external_id=f"{cid}@{_iso(updated)}" if edit else cid,
            text=(EDIT_MARK + text) if edit else text,
            received_at=updated if edit else published,
            # No subject: the video's title is not the citizen's words and would sway the classifier
            # (a "harika video" under a road-works video is no road complaint). It is in the metadata.
            # Public comments carry no contact data: a display name and the author's channel id only.
            sender=Sender(name=author, external_id=str(author_id) if author_id else None),
            # One conversation per thread and author: their replies and edits join their request.
            thread=ThreadHints(conversation_id=f"{thread_id}:{author_id or author or ''}"),
            reply_to={"comment_id": top_id, "video_id": video.id, "url": comment_url(video.id, cid)},
            metadata=metadata,
        )

    # -- replies -----------------------------------------------------------------------
    async def send(self, message: OutboundMessage) -> SendResult:
        parent = message.reply_to.get("comment_id")
        if not parent:
            raise PermanentSendError("YouTube reply needs reply_to['comment_id']")
        text = fit_comment(message.text)
        try:
            body = await self.api.insert_reply(str(parent), text)
        except NotFound as exc:
            raise PermanentSendError(
                "the YouTube comment no longer exists (deleted by its author or removed); answer not posted"
            ) from exc
        new_id = body.get("id")
        return SendResult(external_id=str(new_id) if new_id else None)


def fit_comment(text: str, limit: int = COMMENT_LIMIT) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut[-40:] else cut
    return cut.rstrip(" ,.;:") + "…"


def _load(checkpoint: str | None) -> dict[str, Any]:
    if not checkpoint:
        return {}
    try:
        data = json.loads(checkpoint)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("Ignoring malformed YouTube checkpoint")
        return {}
    return data


def _bad(thread: Any, video: _Video, exc: Exception) -> Quarantined:
    tid = thread.get("id") if isinstance(thread, dict) else None
    return Quarantined(
        channel=CHANNEL,
        raw=json.dumps(thread, ensure_ascii=False, default=str).encode(),
        error=f"unparseable comment thread: {type(exc).__name__}: {exc}"[:200],
        external_id=str(tid) if tid else None,
        metadata={"video_id": video.id},
    )

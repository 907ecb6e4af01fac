"""Which connectors run, built from settings. One builder per channel; a channel
without its settings stays off and says why in /api/v1/connectors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from hub.connectors_runtime import ConnectorRuntime, _secret
from hub.settings import Settings

log = logging.getLogger(__name__)


def build_email(rt: ConnectorRuntime, st: Settings) -> None:
    from connectors.email import ImapConfig, ImapSource, SmtpSender
    from hub.delivery import smtp_config

    smtp = smtp_config(st)  # the same relay settings the forwards and notices use
    if smtp is not None:
        rt.add_sender("email", SmtpSender(smtp))
    if not st.imap_host:
        rt.disabled["email"] = "HUB_IMAP_HOST is not set"
        return
    rt.add_polled(ImapSource(ImapConfig(
        host=st.imap_host, username=st.imap_username or "", password=_secret(st.imap_password) or "",
        port=st.imap_port, ssl=st.imap_ssl, starttls=st.imap_starttls, folder=st.imap_folder,
        poll_interval=st.imap_poll_seconds, use_idle=st.imap_idle, own_domains=frozenset({st.mail_domain}),
        max_attachment_bytes=st.max_attachment_bytes,
    )), st.imap_poll_seconds)  # fmt: skip


def build_telegram(rt: ConnectorRuntime, st: Settings) -> None:
    token = _secret(st.telegram_token)
    if not (token or "").strip():
        # Checked before the import: aiogram takes seconds of CPU to import, which every
        # start (and every restart after a crash) of a hub without Telegram would pay.
        rt.disabled["telegram"] = "HUB_TELEGRAM_TOKEN is not set"
        return
    from connectors.telegram import TelegramSource

    src = TelegramSource.from_settings(token=token, api_base=st.telegram_api_base)
    if src is None:
        rt.disabled["telegram"] = "HUB_TELEGRAM_TOKEN is not set"
        return
    rt.add_polled(src, 1.0)  # fetch itself long-polls
    rt.add_sender("telegram", src)


def build_x(rt: ConnectorRuntime, st: Settings) -> None:
    from connectors.x import XSource

    src = XSource.from_settings(
        bearer_token=_secret(st.x_bearer_token), user_id=st.x_user_id, search_query=st.x_search_query,
        api_base=st.x_api_base, consumer_key=_secret(st.x_consumer_key),
        consumer_secret=_secret(st.x_consumer_secret), access_token=_secret(st.x_access_token),
        access_token_secret=_secret(st.x_access_token_secret),
    )  # fmt: skip
    if src is None or not getattr(src, "enabled", True):
        rt.disabled["x"] = getattr(src, "disabled_reason", None) or "HUB_X_BEARER_TOKEN is not set"
        return
    rt.add_polled(src, st.x_poll_seconds)
    if getattr(src, "can_reply", True):
        rt.add_sender("x", src)


def build_meta(rt: ConnectorRuntime, st: Settings) -> None:
    if not st.meta_app_secret or not st.meta_verify_token:
        rt.disabled["meta"] = "HUB_META_APP_SECRET and HUB_META_VERIFY_TOKEN are not set"
        return
    from connectors.meta import MetaWebhookSource

    src = MetaWebhookSource(
        app_secret=_secret(st.meta_app_secret), verify_token=_secret(st.meta_verify_token),
        graph_base=st.meta_graph_base, graph_version=st.meta_graph_version,
        whatsapp_phone_number_id=st.whatsapp_phone_number_id, whatsapp_token=_secret(st.whatsapp_token),
        page_token=_secret(st.facebook_page_token), instagram_token=_secret(st.instagram_token),
        whatsapp_template_name=st.whatsapp_template_name,
        whatsapp_template_language=st.whatsapp_template_language, human_agent_tag=st.meta_human_agent_tag,
    )  # fmt: skip
    rt.webhooks.append(src)
    for channel in ("whatsapp", "facebook", "instagram"):
        rt.add_sender(channel, src)


def build_files(rt: ConnectorRuntime, st: Settings) -> None:
    """CİMER / MBS / e-Devlet drops, answer exports, and the Alo 153 call log: need no credentials."""
    from connectors.imports import CallLogFolderSource, ExportSender
    from connectors.imports.folder import ImportFolderSource
    from hub.file_imports import KINDS, export_dir, mapping_for

    answers_dir = export_dir(st)
    import_dir = st.import_dir or st.data_dir / "import"
    calllog_dir = st.calllog_dir or st.data_dir / "calllog"
    for d in (answers_dir, import_dir, calllog_dir):
        d.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:  # cimer, mbs, edevlet
        rt.add_sender(kind, ExportSender(answers_dir, channel=kind, fmt="xlsx"))
        sub = import_dir / kind
        sub.mkdir(exist_ok=True)
        # The municipality's mapping file is read on every poll: a broken one fails this folder's
        # polls (shown in channel health) and leaves its files in place, not the other folders.
        mapping = functools.partial(mapping_for, st, kind)
        src = ImportFolderSource(sub, kind=kind, max_bytes=st.import_max_bytes, mapping=mapping)
        rt.add_polled(src, st.file_poll_seconds)
    from hub.actions.calls import record_stats

    rt.add_polled(CallLogFolderSource(
        calllog_dir, done_dir=calllog_dir / "islendi", error_dir=calllog_dir / "hatali",
        on_stats=lambda stats: record_stats(rt.hub.db, stats), max_bytes=st.import_max_bytes,
    ), st.file_poll_seconds)  # fmt: skip


def build_youtube(rt: ConnectorRuntime, st: Settings) -> None:
    key, channel_id = _secret(st.youtube_api_key), (st.youtube_channel_id or "").strip()
    if not (key or "").strip() or not channel_id:
        rt.disabled["youtube"] = "HUB_YOUTUBE_API_KEY and HUB_YOUTUBE_CHANNEL_ID are not set"
        return
    from connectors.youtube import YouTubeSource

    src = YouTubeSource(
        key, channel_id, api_base=st.youtube_api_base, client_id=st.youtube_client_id,
        client_secret=_secret(st.youtube_client_secret), refresh_token=_secret(st.youtube_refresh_token),
        token_url=st.youtube_token_url, max_videos=st.youtube_max_videos,
    )  # fmt: skip
    rt.add_polled(src, st.youtube_poll_seconds)
    # Without OAuth there is no sender: answers are recorded as "to be posted by hand" (hub.workers.transports).
    if src.can_reply:
        rt.add_sender("youtube", src)


BUILDERS: list[Callable[[ConnectorRuntime, Settings], Any]] = [
    build_email, build_telegram, build_x, build_meta, build_youtube, build_files,
]  # fmt: skip

"""One settings object for the whole hub.

Read from environment variables (prefix ``HUB_``) and an optional ``hub.toml``
(path in ``HUB_CONFIG``, default ``./hub.toml``). Every key is documented in the
README; keep the two in step.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _toml_path() -> Path:
    return Path(os.environ.get("HUB_CONFIG", "hub.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore", env_nested_delimiter="__")

    # --- core -------------------------------------------------------------------
    data_dir: Path = Field(Path("hub-data"), description="Where the SQLite file, attachments and exports live.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; unset means SQLite in data_dir.")
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = Field(None, description="Base URL used in links sent to citizens and departments.")
    municipality_name: str = "Kayseri Büyükşehir Belediyesi"
    tracking_prefix: str = Field("KAY", description="Prefix of tracking codes, e.g. KAY-2026-000123.")
    il: str = "Kayseri"
    timezone: str = "Europe/Istanbul"
    rules_file: Path = Path("routing_rules.yaml")
    rules_watch_seconds: float = 2.0
    log_level: str = "INFO"
    demo: bool = False
    anonymous_role: str | None = Field(
        None, description="Role granted to unauthenticated loopback callers. --demo sets 'supervisor'."
    )
    bootstrap_admin_key: SecretStr | None = Field(None, description="If set, an admin API key with this value exists.")

    # --- answers by letter (hub/letters.py) -----------------------------------------
    letter_address: str = Field("", description="Postal address printed under the letterhead of answer letters.")
    letter_logo_path: Path | None = Field(None, description="Optional PNG/JPEG logo at the top of answer letters.")
    letter_signer_name: str = Field("", description="Default signer of answer letters (the form can change it).")
    letter_signer_title: str = Field("", description="Default signer's title, e.g. 'Beyaz Masa Şube Müdürü'.")
    letter_sayi_prefix: str = Field("", description="Prefix of the letters' Sayı line, e.g. 'E-38393483-105'.")
    letter_font_dir: Path = Field(
        Path("/usr/share/fonts/truetype/dejavu"),
        description="Folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf (Debian fonts-dejavu-core).",
    )

    # --- limits -----------------------------------------------------------------
    max_body_bytes: int = 1_048_576
    max_text_chars: int = 20_000
    max_attachment_bytes: int = 10 * 1024 * 1024

    # --- workers ----------------------------------------------------------------
    workers_enabled: bool = True
    worker_batch: int = 20
    worker_poll_seconds: float = 1.0
    worker_lease_seconds: float = 120.0
    outbox_max_attempts: int = 8
    outbox_base_delay_seconds: float = 5.0
    sla_check_seconds: float = 60.0
    # Singleton jobs (SLA watcher, retention purge, polled connectors) run in one process;
    # the others retry taking them this often, which bounds a takeover after a crash.
    leader_check_seconds: float = Field(
        2.0, gt=0, description="How often a standing-by process tries to take over a singleton job."
    )
    # KVKK: finished requests older than this lose their personal data (texts, contact
    # details, attachments); counts and report fields stay. Unset: nothing is erased
    # automatically; the municipality's retention policy decides the number.
    retention_days: int | None = Field(
        None, ge=1, description="Erase personal data of requests finished this many days ago (KVKK retention)."
    )
    retention_check_seconds: float = Field(3600.0, description="How often the retention purge runs.")

    # --- live workspace (hub/live.py, hub/actions/claims.py) ------------------------
    claim_lease_seconds: float = Field(
        300.0, gt=0, description="How long an Üstlen holds a request; the open page renews it."
    )
    claim_heartbeat_seconds: float = Field(
        30.0, gt=0, description="How often an open request page renews its claim and says it is open."
    )
    live_poll_seconds: float = Field(
        5.0, gt=0, description="Live queue: also look for new events this often (beside LISTEN/NOTIFY)."
    )

    # --- classifier ------------------------------------------------------------
    classifier_enabled: bool = True
    classifier_model_dir: Path | None = Field(None, description="Model registry; default data_dir/models.")
    classifier_training_csv: Path | None = Field(
        None, description="Labelled CSV (label,text) that retraining starts from; default the shipped seed corpus."
    )
    mahalle_centroids_file: Path | None = Field(
        None, description="CSV ilce,mahalle,lat,lon: shared locations (Telegram, WhatsApp) are tagged with the nearest mahalle."
    )
    mahalle_centroid_max_km: float = Field(2.0, description="A shared location farther than this from every centroid stays untagged.")
    duplicate_window_days: int = 7

    # --- outbound e-mail (department forwarding, e-mail replies) -------------------
    smtp_host: str | None = Field(None, description="SMTP server; unset disables e-mail sending.")
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # Unset: upgrade to STARTTLS whenever the server offers it (citizen data should not cross
    # the network in clear when it need not); true: require it; false: never.
    smtp_starttls: bool | None = Field(
        None, description="STARTTLS: unset = when the server offers it, true = required, false = never."
    )
    smtp_tls: bool = False
    smtp_from: str = "talep@example.invalid"
    smtp_reply_to: str | None = Field(None, description="The intake mailbox answers should thread back to.")
    mail_domain: str = Field("talep.example.invalid", description="Domain of the hub's own Message-IDs.")

    # --- e-mail intake (IMAP) -----------------------------------------------------
    imap_host: str | None = Field(None, description="IMAP server; unset disables the e-mail connector.")
    imap_port: int = 993
    imap_ssl: bool = True
    imap_starttls: bool = False
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_poll_seconds: float = 60.0
    imap_idle: bool = True

    # --- SMS gateway (generic HTTP) -----------------------------------------------
    sms_url: str | None = Field(None, description="Gateway URL; unset means no SMS notifications.")
    sms_method: str = "POST"
    sms_content_type: str = "application/json"
    sms_body_template: str = '{"to": "{{ phone }}", "text": "{{ text }}", "from": "{{ sender_id }}"}'
    sms_username: str | None = None
    sms_password: SecretStr | None = None
    sms_sender_id: str | None = None
    sms_success_regex: str | None = None

    # --- Telegram -----------------------------------------------------------------
    telegram_token: SecretStr | None = None
    telegram_api_base: str | None = Field(None, description="Bot API server; default api.telegram.org.")

    # --- X (optional, paid API) ---------------------------------------------------
    x_bearer_token: SecretStr | None = None
    x_user_id: str | None = None
    x_search_query: str | None = None
    x_api_base: str | None = None
    x_consumer_key: SecretStr | None = None
    x_consumer_secret: SecretStr | None = None
    x_access_token: SecretStr | None = None
    x_access_token_secret: SecretStr | None = None
    x_poll_seconds: float = 120.0

    # --- YouTube: comments on the municipality's channel (Data API v3) --------------
    youtube_api_key: SecretStr | None = Field(None, description="YouTube Data API v3 key (reading comments).")
    youtube_channel_id: str | None = Field(None, description="The municipality's channel id, UC...")
    youtube_poll_seconds: float = 300.0
    youtube_api_base: str = "https://www.googleapis.com/youtube/v3"
    # Reply comments need OAuth (a refresh token of the channel's owner); unset: agents answer by hand.
    youtube_client_id: str | None = None
    youtube_client_secret: SecretStr | None = None
    youtube_refresh_token: SecretStr | None = None
    youtube_token_url: str = "https://oauth2.googleapis.com/token"
    youtube_max_videos: int = Field(25, description="How many of the newest videos are polled for comments.")

    # --- Meta: WhatsApp Cloud API, Messenger, Instagram ----------------------------
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None
    meta_graph_base: str = "https://graph.facebook.com"
    meta_graph_version: str = "v21.0"
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None
    facebook_page_token: SecretStr | None = None
    instagram_token: SecretStr | None = None
    # WhatsApp allows free-form answers only within 24 h of the citizen's last message;
    # later answers go out as this approved template ({{1}} tracking code, {{2}} answer).
    # Unset: such late answers fail and show as undelivered on the request.
    whatsapp_template_name: str | None = Field(
        None, description="Approved WhatsApp template for answers after the 24-hour window, e.g. talep_cevap."
    )
    whatsapp_template_language: str = Field("tr", description="Language code of that template.")
    # Messenger/Instagram answers 24 h - 7 days late carry the HUMAN_AGENT message tag
    # (the Meta app needs the Human Agent permission). Off: such answers fail.
    meta_human_agent_tag: bool = Field(
        False, description="Send Messenger/Instagram answers 24 h-7 days late with the HUMAN_AGENT tag."
    )

    # --- file drops: CİMER, MBS, call-centre logs ---------------------------------
    import_dir: Path | None = Field(None, description="Folder watched for CİMER/MBS/e-Devlet files; default data_dir/import.")
    calllog_dir: Path | None = Field(None, description="Folder watched for call-centre logs; default data_dir/calllog.")
    export_dir: Path | None = Field(None, description="Where answers for CİMER/MBS upload are written; default data_dir/export.")
    import_mapping_dir: Path | None = Field(
        None, description="Folder of column mappings (cimer.yaml, mbs.yaml, edevlet.yaml) that replace the defaults; "
        "default data_dir/import_mappings."
    )  # fmt: skip
    file_poll_seconds: float = 10.0
    import_max_bytes: int = Field(
        100 * 1024 * 1024,
        ge=1,
        description="Largest CİMER/MBS/call-log file accepted (bytes); larger files are refused before reading.",
    )

    # --- web form -----------------------------------------------------------------
    webform_enabled: bool = True
    webform_rate_per_hour: int = 10

    # --- staff web UI -------------------------------------------------------------
    ui_secret: SecretStr | None = Field(
        None, description="Key signing UI session cookies; default: generated once into data_dir/ui_secret."
    )
    # --- phone app: Web Push (hub/delivery/webpush.py) ------------------------------
    vapid_private_key: SecretStr | None = Field(
        None, description="VAPID private key (PEM or base64url); default: generated once into data_dir/vapid_private.pem."
    )
    vapid_subject: str | None = Field(
        None, description="VAPID contact (mailto: or https:) sent to push services; default mailto:bildirim@<mail_domain>."
    )

    # --- behind a proxy, and who may read /metrics ----------------------------------
    # Forwarded / X-Forwarded-For / X-Forwarded-Proto are believed only from these peers.
    # Loopback by default: a proxy on the same machine (what the hub trusted before this
    # setting existed); "" trusts nobody. Comma-separated addresses or CIDR networks.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        ["127.0.0.1", "::1"], description="Proxies whose forwarded headers are believed, e.g. 10.0.0.5,10.1.0.0/16."
    )
    hsts_seconds: int = Field(
        31_536_000, ge=0, description="Strict-Transport-Security max-age on HTTPS responses; 0 sends none."
    )
    metrics_token: SecretStr | None = Field(
        None, description="If set, /metrics needs 'Authorization: Bearer <token>'."
    )
    metrics_loopback_only: bool = Field(False, description="Serve /metrics only to loopback clients.")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [v for v in value.replace(" ", ",").split(",") if v]
        if isinstance(value, list):
            from hub.forwarded import parse_networks

            parse_networks(str(v) for v in value)  # a typo fails at start, naming the entry
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _toml_path()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

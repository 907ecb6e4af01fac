"""Who an ``actor`` string is, for pages: "user:2" → the person's name (also for accounts
deactivated since), "apikey:3" → the key's name, system actors → what they are."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from hub.models import ApiKey, User

SYSTEM_NAMES = {
    "system:intake": "Sistem (karşılama)", "system:worker": "Sistem (gönderim)",
    "system:sla": "Sistem (süre takibi)", "system:cli": "Sistem (komut satırı)",
    "system:retention": "Sistem (saklama süresi)", "anonymous": "Anonim",
}  # fmt: skip


def actor_names(session: Session) -> dict[str, str]:
    users = session.exec(select(User.id, User.display_name)).all()
    keys = session.exec(select(ApiKey.id, ApiKey.name)).all()
    return names_of(users, keys)


def names_of(users: Iterable[tuple[int, str]], keys: Iterable[tuple[int, str]]) -> dict[str, str]:
    """The names of these accounts (id, display name) and API keys (id, name), and the system actors."""
    return {
        **SYSTEM_NAMES,
        **{f"apikey:{kid}": f"API anahtarı «{name}»" for kid, name in keys},
        **{f"user:{uid}": name for uid, name in users},
    }


def key_ids(actors: Iterable[str | None]) -> set[int]:
    """The API keys among these actor strings ("apikey:3" → 3): a page names only those."""
    return {int(a[7:]) for a in actors if a and a.startswith("apikey:") and a[7:].isascii() and a[7:].isdigit()}

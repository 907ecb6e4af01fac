"""The API key cache of a hub process is bounded, through the hub's real HTTP server.

Before: ``hub.key_cache`` was a plain dict. Wrong keys are cached too, and spread over many
addresses they all get past the API key throttle (each address sends only a few), so every
different wrong key stayed in memory until the process restarted. Now the cache holds at most
``max_keys`` entries, the least recently used going first, so a key in use stays."""

from __future__ import annotations

from hub.api import key_cache
from hub.auth import hash_key
from tests.conftest import ADMIN_KEY

PATH = "/api/v1/departments"


async def call(client, key: str, ip: str) -> int:  # noqa: ANN001
    r = await client.get(PATH, headers={"Authorization": f"Bearer {key}", "X-Forwarded-For": ip})
    return r.status


async def test_a_flood_of_different_wrong_keys_cannot_grow_the_key_cache(client, hub) -> None:  # noqa: ANN001
    assert hub.key_cache.max_keys == key_cache.MAX_KEYS
    hub.key_cache.max_keys = 16  # the real bound, made small enough to pass here
    sizes = []
    for i in range(5 * 16):
        assert await call(client, f"th_flood-{i}", f"203.0.113.{i}") == 401  # one wrong key per address
        if i % 8 == 0:  # meanwhile an integration goes on working with its key
            assert await call(client, ADMIN_KEY, "192.0.2.10") == 200
        sizes.append(len(hub.key_cache))
    assert max(sizes) == 16, "full, and no fuller"
    assert hash_key(ADMIN_KEY) in hub.key_cache, "the key in use stayed; the oldest wrong keys went"
    assert hash_key("th_flood-0") not in hub.key_cache and hash_key("th_flood-79") in hub.key_cache

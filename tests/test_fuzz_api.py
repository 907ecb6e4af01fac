"""Schemathesis against the hub's own OpenAPI document (issue 10, fuzzing).

The real hub serves /api/v1/openapi.json on loopback (SQLite); the schemathesis CLI runs
every check (not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, response_headers_conformance, positive_data_acceptance,
negative_data_rejection, ignored_auth, unsupported_method, allow_header_conformance, ...)
against all operations: zero 5xx and zero schema violations. Bounded by default (25
examples per operation, a fixed seed); HUB_FUZZ_LONG=1 runs 500 per operation with a
random seed. tests/fuzz/schemathesis.toml holds the key and the few operations that also
refuse well-formed input the schema cannot describe (unknown department, missing row).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import using_postgres

CONFIG = Path(__file__).parent / "fuzz" / "schemathesis.toml"
FUZZ_KEY = "fuzz-admin-key-0123456789"
# A key id no generated path id is likely to hit: DELETE /api-keys/{id} must not revoke the fuzzer's own key.
FUZZ_KEY_ID = 987_654_321
LONG = os.environ.get("HUB_FUZZ_LONG") == "1"

pytestmark = pytest.mark.skipif(using_postgres(), reason="bounded fuzz run is on SQLite (the SQLite pass runs it)")


def _schemathesis() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if not exe.exists():
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    return [str(exe)]


def _add_fuzz_key(hub) -> None:  # noqa: ANN001
    from hub.auth import hash_key
    from hub.models import ApiKey

    with hub.db.session() as s:
        s.add(ApiKey(id=FUZZ_KEY_ID, name="schemathesis", key_hash=hash_key(FUZZ_KEY), role="admin"))


async def test_schemathesis_finds_no_server_errors_and_no_schema_violations(client, hub, tmp_path, monkeypatch) -> None:  # noqa: ANN001, E501
    _add_fuzz_key(hub)
    # The fuzzer sends wrong keys on purpose (ignored_auth): with the per-address throttle on, its
    # own later calls would all wait (429) and their logic go untested. The throttle has its tests.
    from hub.api import key_throttle

    monkeypatch.setattr(key_throttle, "FAILED_KEYS", 1_000_000)
    url = str(client.make_url("/api/v1/openapi.json"))
    examples = "500" if LONG else "25"
    seed = os.environ.get("HUB_FUZZ_SEED") or (str(int(time.time())) if LONG else "1")
    cmd = [
        *_schemathesis(), "--config-file", str(CONFIG), "run", url, "--checks", "all",
        "--max-examples", examples, "--seed", seed, "--request-timeout", "20", "--no-color",
        "--report", "junit", "--report-dir", str(tmp_path / "report"),
    ]  # fmt: skip
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=tmp_path, env={**os.environ, "HUB_FUZZ_KEY": FUZZ_KEY},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()  # the hub keeps serving on this event loop meanwhile
    text = out.decode(errors="replace")
    elapsed = time.monotonic() - started
    summary = re.search(r"(\d+) generated, .*", text)
    print(f"\nschemathesis ({examples} examples/operation, seed {seed}, {elapsed:.0f} s): "
          f"{summary.group(0) if summary else text[-300:]}")  # fmt: skip
    ops = re.search(r"Tested: (\d+)", text)
    assert ops and int(ops.group(1)) >= 40, text[-2000:]
    failures = text[text.find("FAILURES") :] if "FAILURES" in text else text[-4000:]
    assert proc.returncode == 0, f"schemathesis found problems (seed {seed}):\n{failures[:12000]}"

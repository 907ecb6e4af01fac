"""Debian's chromium for the Playwright tests (scripts/ensure-chromium.sh installs it);
Playwright never downloads a browser of its own here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SHOTS = Path(os.environ.get("HUB_SCREENSHOT_DIR", "/tmp"))

# Skipped on a developer's machine without chromium; in CI (CI=true) a missing browser is a
# failure, never a silent skip (scripts/test.sh installs it).
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="chromium is not installed: run scripts/ensure-chromium.sh (needs apt)",
)

"""Separate what a citizen newly wrote in a reply from the quoted earlier mail below it."""

from __future__ import annotations

import re

# Attribution lines mail clients put above the quoted message (English and Turkish clients).
_ATTRIBUTION = re.compile(
    r"^(?:on\s.{4,300}\swrote:"
    r"|.{4,300}\starihinde\s.{0,300}yazdı:"
    r"|.{4,300}\starihinde\s.{0,300}yazdi:"
    r"|-{2,}\s*(?:original message|özgün ileti|orijinal ileti|orijinal mesaj|özgün mesaj)\s*-{2,})\s*$",
    re.IGNORECASE,
)


def new_text_of_reply(text: str) -> str:
    """The text above the quoted part of a reply; the whole text when no quote is recognised."""
    lines = text.splitlines()
    cut = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        # Gmail wraps long attributions over two lines.
        joined = f"{stripped} {lines[i + 1].strip()}" if i + 1 < len(lines) else stripped
        if _ATTRIBUTION.match(stripped) or (not stripped.startswith(">") and _ATTRIBUTION.match(joined)):
            cut = i
            break
    kept = lines if cut is None else lines[:cut]
    # A bottom block of "> ..." lines is quoted even without an attribution line.
    while kept and (kept[-1].lstrip().startswith(">") or not kept[-1].strip()):
        kept.pop()
    return "\n".join(kept).strip()

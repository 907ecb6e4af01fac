"""Wording for answers posted in public (YouTube reply comments).

A public comment is read by everyone: the hub never asks for, and tells the citizen not to
post, a T.C. kimlik no, a phone number or a home address there. Every text the hub posts
on YouTube ends with a note pointing to the web form and Alo 153 for anything personal.
"""

from __future__ import annotations

import re

PRIVACY_NOTE = (
    "Lütfen T.C. kimlik numaranızı, telefon numaranızı veya açık adresinizi yorumlarda paylaşmayınız. "
    "Kişisel bilgi gerektiren konularda {form_url} adresindeki başvuru formunu kullanabilir "
    "ya da Alo 153'ü arayabilirsiniz."
)
# An answer asking for private data in public: flagged to the agent before it is posted.
_ASKS_PRIVATE = re.compile(
    r"t\.?\s*c\.?\s*kimlik|kimlik\s*(no|numara)|telefon\s*numara|cep\s*telefon|numaranızı\s*(yaz|ilet|pay|bırak)",
    re.IGNORECASE,
)


def privacy_note(form_url: str) -> str:
    return PRIVACY_NOTE.format(form_url=form_url)


def public_comment(text: str, *, form_url: str) -> str:
    """``text`` as posted on YouTube: the privacy note is appended once."""
    note = privacy_note(form_url)
    text = text.strip()
    return text if note in text else f"{text}\n\n{note}"


def asks_for_private_data(text: str) -> bool:
    """True when a text seems to ask for a T.C. kimlik no or a phone number (not fit for a public reply)."""
    return bool(_ASKS_PRIVATE.search(text or ""))

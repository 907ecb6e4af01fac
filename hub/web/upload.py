"""Reading the form body: multipart (with a photo) or urlencoded, with hard size caps.

aiohttp's ``client_max_size`` guards ``request.post()`` only, and the hub sets it for JSON
bodies, far below a photo. So multipart is streamed here with our own limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

FIELD_BYTES = 128 * 1024  # a text field: 20,000 Turkish characters fit with room to spare
FIELDS_TOTAL_BYTES = 512 * 1024
MAX_FIELDS = 40
CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The whole body exceeds what any valid submission can be."""


@dataclass
class Photo:
    filename: str
    data: bytes = b""
    too_large: bool = False  # bytes beyond the limit were read and dropped


@dataclass
class FormBody:
    fields: dict[str, str] = field(default_factory=dict)
    photo: Photo | None = None
    truncated: set[str] = field(default_factory=set)  # text fields cut at FIELD_BYTES


def body_cap(photo_limit: int) -> int:
    return photo_limit + FIELDS_TOTAL_BYTES + 64 * 1024


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\x00", "")


async def read_form(request: web.Request, photo_limit: int, photo_field: str = "foto") -> FormBody:
    cap = body_cap(photo_limit)
    if request.content_length is not None and request.content_length > cap:
        raise BodyTooLarge
    if request.content_type == "multipart/form-data":
        return await _read_multipart(request, photo_limit, photo_field, cap)
    # urlencoded (no photo possible): aiohttp applies client_max_size here.
    try:
        post = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge from None
    body = FormBody()
    for key in list(post.keys())[:MAX_FIELDS]:
        value = post.get(key)
        if isinstance(value, str):
            body.fields[key] = value.replace("\x00", "")
    return body


async def _read_multipart(request: web.Request, photo_limit: int, photo_field: str, cap: int) -> FormBody:
    body = FormBody()
    total = 0
    count = 0
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise BodyTooLarge  # nested multipart: no browser sends this to a plain form
        count += 1
        if count > MAX_FIELDS:
            raise BodyTooLarge
        name = part.name or ""
        if part.filename is not None:
            limit = photo_limit if name == photo_field else 0
            data, dropped, size = await _read_part(part, limit, cap - total, keep_partial=False)
            total += size
            if name == photo_field and (data or dropped):
                filename = os.path.basename(part.filename.replace("\\", "/"))[:120]
                body.photo = Photo(filename=filename, data=data, too_large=dropped)
            continue
        data, dropped, size = await _read_part(part, FIELD_BYTES, cap - total, keep_partial=True)
        total += size
        if dropped:
            body.truncated.add(name)
        body.fields[name] = _text(data)
    return body


async def _read_part(
    part: BodyPartReader, limit: int, budget: int, *, keep_partial: bool
) -> tuple[bytes, bool, int]:
    """Read up to ``limit`` bytes and consume the rest. Returns (data, dropped, size).

    A cut text field keeps its first ``limit`` bytes; a cut file keeps nothing. More than
    ``budget`` bytes in all raises BodyTooLarge.
    """
    buf = bytearray()
    size = 0
    dropped = False
    while True:
        chunk = await part.read_chunk(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > budget:
            raise BodyTooLarge
        if dropped:
            continue
        room = limit - len(buf)
        if len(chunk) > room:
            dropped = True
            if keep_partial:
                buf.extend(chunk[:room])
            else:
                buf.clear()
            continue
        buf.extend(chunk)
    return bytes(buf), dropped, size

"""Photo uploads: checked by content, stored under a random name, never by the client's path.

The type is decided from the file's first bytes (JPEG, PNG or WebP), not from the name or
the declared Content-Type, and the declared type must agree; files over the size limit
are refused before anything is written.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import sqlalchemy as sa

from geo.errors import LianchuangError, NotFound
from layers.storage import db
from layers.storage.models import attachments
from layers.tracking.accounts import User

#: Largest photo accepted, in bytes (``LIANCHUANG_MAX_UPLOAD_MB`` overrides it).
MAX_BYTES = int(float(os.environ.get("LIANCHUANG_MAX_UPLOAD_MB", "8")) * 1024 * 1024)
_SIGNATURES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


class UploadRefused(LianchuangError):
    """A file that is not an accepted photo, or too large."""

    status = 415


class UploadTooLarge(UploadRefused):
    status = 413


def uploads_dir() -> Path:
    return Path(os.environ.get("LIANCHUANG_UPLOADS", db.home() / "uploads"))


def sniff_type(head: bytes) -> str | None:
    """The image type of a file from its first bytes, or ``None``."""
    for content_type, signatures in _SIGNATURES.items():
        if head.startswith(signatures):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def save_photo(engine: sa.Engine, data: bytes, *, declared_type: str | None,
               original_name: str | None, user: User | None) -> dict:
    """Check and store one photo; return its record (``id``, ``content_type``, ``size``)."""
    if len(data) > MAX_BYTES:
        raise UploadTooLarge(f"the photo is {len(data) / 1e6:.1f} MB; the limit is "
                             f"{MAX_BYTES / 1e6:.0f} MB: send a smaller or compressed one")
    if not data:
        raise UploadRefused("the upload is empty: attach a JPEG, PNG or WebP photo")
    content_type = sniff_type(data[:16])
    if content_type is None:
        raise UploadRefused("only JPEG, PNG and WebP photos are accepted; this file is not one")
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", content_type):
        raise UploadRefused(f"the file is {content_type} but was sent as {declared}")
    photo_id = secrets.token_hex(16)
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{photo_id}{_SUFFIX[content_type]}"
    path.write_bytes(data)
    record = {"id": photo_id, "content_type": content_type, "size": len(data),
              "sha256": hashlib.sha256(data).hexdigest(),
              "original_name": Path(original_name or "").name[:200] or None,
              "uploaded_by": user.id if user else None}
    try:
        with engine.begin() as conn:
            conn.execute(attachments.insert().values(**record))
    except Exception:
        path.unlink(missing_ok=True)  # no file without its record
        raise
    return {k: record[k] for k in ("id", "content_type", "size")}


def photo_path(engine: sa.Engine, photo_id: str) -> tuple[Path, str]:
    """Where photo *photo_id* is stored, and its type; :class:`NotFound` if unknown."""
    with engine.connect() as conn:
        content_type = conn.scalar(sa.select(attachments.c.content_type)
                                   .where(attachments.c.id == photo_id))
    if content_type is None:
        raise NotFound(f"no photo {photo_id!r}")
    return uploads_dir() / f"{photo_id}{_SUFFIX[content_type]}", content_type

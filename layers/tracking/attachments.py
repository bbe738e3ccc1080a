"""Photo uploads: checked by content, decoded and re-encoded, stored under a random name.

The type is decided from the file's first bytes (JPEG, PNG or WebP), not from the name or
the declared Content-Type, and the declared type must agree.  Every photo is then decoded
with Pillow and written anew: whatever else the file carried (an HTML page after the image,
a script in a comment) is gone, it is turned upright by its EXIF orientation, and with
``strip_location`` its GPS position is dropped.  A thumbnail (:data:`THUMBNAIL_PX` on the long
side, JPEG) is kept beside it for timelines.  Files over the size limit are refused before
anything is decoded or written.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from PIL import ExifTags, Image, ImageOps

from geo.errors import LianchuangError, NotFound
from layers.storage import db
from layers.storage.models import attachments
from layers.tracking.accounts import User

#: Largest photo accepted, in bytes (``LIANCHUANG_MAX_UPLOAD_MB`` overrides it).
MAX_BYTES = int(float(os.environ.get("LIANCHUANG_MAX_UPLOAD_MB", "8")) * 1024 * 1024)
_SIGNATURES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_ENCODING = {"JPEG": {"quality": 90}, "PNG": {"optimize": True}, "WEBP": {"quality": 90}}
_THUMB_SUFFIX = ".thumb.jpg"
#: Long side of a thumbnail, in pixels.
THUMBNAIL_PX = 320
#: A photo of more pixels is refused (a phone camera makes 12-50 million).
Image.MAX_IMAGE_PIXELS = 80_000_000


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
               original_name: str | None, user: User | None,
               strip_location: bool = False) -> dict:
    """Check, re-encode and store one photo; return its record (``id``, ``content_type``,
    ``size``)."""
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
    clean, thumbnail = _reencode(data, content_type, strip_location=strip_location)
    photo_id = secrets.token_hex(16)
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{photo_id}{_SUFFIX[content_type]}"
    thumb = folder / f"{photo_id}{_THUMB_SUFFIX}"
    path.write_bytes(clean)
    thumb.write_bytes(thumbnail)
    record = {"id": photo_id, "content_type": content_type, "size": len(clean),
              "sha256": hashlib.sha256(clean).hexdigest(),
              "original_name": Path(original_name or "").name[:200] or None,
              "uploaded_by": user.id if user else None}
    try:
        with engine.begin() as conn:
            conn.execute(attachments.insert().values(**record))
    except Exception:
        path.unlink(missing_ok=True)  # no file without its record
        thumb.unlink(missing_ok=True)
        raise
    return {k: record[k] for k in ("id", "content_type", "size")}


def _reencode(data: bytes, content_type: str, *, strip_location: bool) -> tuple[bytes, bytes]:
    """The photo decoded and written anew (upright, metadata but EXIF dropped, GPS too when
    asked), and its JPEG thumbnail."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            exif = image.getexif()
            upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise UploadRefused(f"the photo has more than {Image.MAX_IMAGE_PIXELS:,} pixels; "
                            "send a smaller one") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise UploadRefused(f"the {content_type} file cannot be read as an image ({exc}); "
                            "send the photo as the camera saved it") from None
    exif.pop(ExifTags.Base.Orientation, None)  # exif_transpose turned it upright
    if strip_location:
        exif.pop(ExifTags.Base.GPSInfo, None)
    out = io.BytesIO()
    fmt = _PILLOW_FORMAT[content_type]
    if fmt == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    kept = {"exif": exif.tobytes()} if len(exif) else {}
    upright.save(out, format=fmt, **kept, **_ENCODING[fmt])
    thumb = upright.convert("RGB")
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    small = io.BytesIO()
    thumb.save(small, format="JPEG", quality=80)
    return out.getvalue(), small.getvalue()


def photo_path(engine: sa.Engine, photo_id: str, *, thumbnail: bool = False
               ) -> tuple[Path, str]:
    """Where photo *photo_id* (or its thumbnail) is stored, and its type; :class:`NotFound`
    if unknown."""
    with engine.connect() as conn:
        content_type = conn.scalar(sa.select(attachments.c.content_type)
                                   .where(attachments.c.id == photo_id))
    if content_type is None:
        raise NotFound(f"no photo {photo_id!r}")
    if thumbnail:
        return uploads_dir() / f"{photo_id}{_THUMB_SUFFIX}", "image/jpeg"
    return uploads_dir() / f"{photo_id}{_SUFFIX[content_type]}", content_type

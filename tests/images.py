"""Small real images, made with Pillow, for the upload tests."""

from __future__ import annotations

import io

from PIL import ExifTags, Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (4, 3), *,
                orientation: int | None = None, gps: bool = False) -> bytes:
    """A *size* image (red left half, blue right) as *fmt*, with the EXIF asked for."""
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N",
                                       ExifTags.GPS.GPSLatitude: (32.0, 59.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format=fmt, **({"exif": exif.tobytes()} if len(exif) else {}))
    return out.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")

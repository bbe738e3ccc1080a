"""Every uploaded photo is decoded and written anew: what rides along is dropped, it is
turned upright, its GPS goes when asked, and a thumbnail is kept beside it."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from layers.tracking.attachments import UploadRefused, photo_path, save_photo
from tests.images import PNG, image_bytes

pytest_plugins = ["tests.factories"]


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    return tmp_path


def _save(engine, data: bytes, content_type: str = "image/png", **options) -> dict:
    return save_photo(engine, data, declared_type=content_type, original_name="p",
                      user=None, **options)


def _stored(engine, saved: dict, thumbnail: bool = False) -> Image.Image:
    path, _ = photo_path(engine, saved["id"], thumbnail=thumbnail)
    return Image.open(io.BytesIO(path.read_bytes()))


def test_an_html_page_riding_behind_a_png_is_not_stored(clean_db, uploads):
    polyglot = PNG + b"<html><script>alert(document.cookie)</script></html>"

    saved = _save(clean_db, polyglot)

    path, content_type = photo_path(clean_db, saved["id"])
    assert content_type == "image/png" and b"<script" not in path.read_bytes()
    assert _stored(clean_db, saved).size == (4, 3)


def test_png_magic_bytes_before_html_are_refused(clean_db, uploads):
    with pytest.raises(UploadRefused, match="cannot be read as an image"):
        _save(clean_db, b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>")
    assert list(uploads.iterdir()) == []


def test_a_photo_is_turned_upright_by_its_exif_orientation(clean_db, uploads):
    sideways = image_bytes("JPEG", (40, 30), orientation=6)  # 6: rotate 90° to view

    saved = _save(clean_db, sideways, "image/jpeg")

    upright = _stored(clean_db, saved)
    assert upright.size == (30, 40)
    assert ExifTags.Base.Orientation not in upright.getexif()


@pytest.mark.parametrize("strip, kept", [(False, True), (True, False)])
def test_the_gps_position_is_kept_unless_asked_to_strip_it(clean_db, uploads, strip, kept):
    saved = _save(clean_db, image_bytes("JPEG", gps=True), "image/jpeg", strip_location=strip)

    assert (ExifTags.Base.GPSInfo in _stored(clean_db, saved).getexif()) is kept


def test_a_thumbnail_of_at_most_320_pixels_is_kept(clean_db, uploads):
    saved = _save(clean_db, image_bytes("PNG", (1000, 800)))

    assert _stored(clean_db, saved, thumbnail=True).size == (320, 256)


def test_an_image_of_too_many_pixels_is_refused(clean_db, uploads, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)

    with pytest.raises(UploadRefused, match="more than"):
        _save(clean_db, image_bytes("PNG", (100, 100)))


def test_the_project_history_shows_the_evidence_photo_and_its_thumbnail(client, city, clean_db,
                                                                       uploads):
    from layers.tracking.accounts import create_user, issue_token
    with clean_db.begin() as conn:
        create_user(conn, "li", "李督查", "inspector")
        auth = {"Authorization": f"Bearer {issue_token(conn, 'li')}"}
    photo = client.post("/api/photos", headers=auth, data={
        "photo": (io.BytesIO(image_bytes("PNG", (1000, 800))), "现场.png", "image/png")})
    project = city["DL-001"]
    client.patch(f"/api/projects/{project}", json={"note": "现场照片", "photo_id":
                                                   photo.get_json()["id"]},
                 headers={**auth, "If-Match": '"1"'})

    event = client.get(f"/api/projects/{project}").get_json()["history"][0]

    assert event["photo_id"] == photo.get_json()["id"]
    thumb = client.get(event["photo"]["thumbnail"])
    full = client.get(event["photo"]["href"])
    assert thumb.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.data)).size == (320, 256)
    assert Image.open(io.BytesIO(full.data)).size == (1000, 800)

"""Zip archives the county receives (a Shapefile or GeoPackage inside, often in a nested
folder, often with GBK file names), unpacked safely for the importer.

Names are decoded as the archiver wrote them: UTF-8 when the archive says so, else GBK (what
Chinese Windows writes) and, failing that, CP437 (the zip standard's default).  Members that
would land outside the target folder, symbolic links and archives that unpack to more than
:data:`MAX_UNPACKED_BYTES` are refused: a file from outside is not trusted.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from layers.errors import ImportRefused

#: The most an archive may unpack to (a zip bomb is refused before anything is written).
MAX_UNPACKED_BYTES = 4 * 1024**3
#: The most members an archive may hold.
MAX_MEMBERS = 10_000
_UTF8_FLAG = 0x800


def unpack(archive: Path) -> Path:
    """Unpack *archive* into a new temporary folder (removed at exit) and return it."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            _check_size(archive, members)
            target = Path(tempfile.mkdtemp(prefix="lianchuang-zip-"))
            atexit.register(shutil.rmtree, target, ignore_errors=True)
            for member in members:
                _extract(zipped, member, target, archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise ImportRefused(f"{archive.name}: not a readable zip archive ({exc})") from None
    return target


def member_name(member: zipfile.ZipInfo) -> str:
    """The member's name as its archiver meant it (see the module docstring)."""
    if member.flag_bits & _UTF8_FLAG:
        return member.filename
    raw = member.filename.encode("cp437")
    for codec in ("utf-8", "gbk"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return member.filename


def _check_size(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise ImportRefused(f"{archive.name} holds {len(members)} files, more than "
                            f"{MAX_MEMBERS}; unpack it and import the layer files")
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise ImportRefused(f"{archive.name} unpacks to {total / 1024**3:.1f} GiB, more than "
                            f"{MAX_UNPACKED_BYTES / 1024**3:.0f} GiB; import its files one by one")


def _extract(zipped: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path,
             archive: Path) -> None:
    name = PurePosixPath(member_name(member).replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts:
        raise ImportRefused(f"{archive.name}: member {str(name)!r} would unpack outside the "
                            "archive's folder; the archive is refused")
    if member.is_dir() or not name.parts:
        return
    if (member.external_attr >> 16) & 0o170000 == 0o120000:  # a symbolic link
        raise ImportRefused(f"{archive.name}: member {str(name)!r} is a symbolic link; "
                            "the archive is refused")
    path = target.joinpath(*name.parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipped.open(member) as source, open(path, "wb") as out:
        shutil.copyfileobj(source, out)

"""Photo intake: validate untrusted uploads and re-encode them as metadata-free JPEGs.

Pure (no Flask, no database) so it can be unit-tested and run from any worker.
Re-encoding strips EXIF/GPS/comments: inspection photos leave the site, where
they are taken must not. HEIC/HEIF (iPhones, many Android galleries) is read
through pillow-heif and stored as JPEG like everything else.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

import pillow_heif
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# The HEIF opener applies the file's rotation itself and reads only the primary image:
# no thumbnails, no depth maps. One decoder thread: the server bounds concurrency itself.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False,
                                 decode_threads=1)
# MPO (what many phones write for "JPEG") has no opener of its own: the JPEG one
# returns it, so it is allowed but not passed to open().
_OPENERS = ("JPEG", "PNG", "WEBP", "HEIF")
ALLOWED_FORMATS = (*_OPENERS, "MPO")
JPEG_QUALITY = 82
# What Pillow raises on truncated or malformed data (zlib/struct leak through some plugins).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


class PhotoRejected(ValueError):
    """An upload we refuse; `reason` is a stable code the UI maps to a message:
    'not_image', 'too_large', 'too_many_pixels' or 'corrupt'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes  # progressive JPEG, longest edge <= long_edge
    thumb: bytes  # JPEG, longest edge <= thumb_edge
    width: int  # of `image`
    height: int
    taken_at: datetime | None  # naive camera-local time from EXIF, if any


def decode_pixels(data: bytes, *, max_bytes: int, max_pixels: int, long_edge: int = 1600) -> int:
    """How many pixels decoding `data` will cost (JPEG: at its reduced draft scale), read
    from the header alone, so a request's photos can be budgeted before any is decoded.
    Raises PhotoRejected as process_photo would for a file too large or too big."""
    if len(data) > max_bytes:
        raise PhotoRejected("too_large")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            im = _draft(_open(data, max_pixels), long_edge)
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected("too_many_pixels") from None
        except _DECODE_ERRORS:
            raise PhotoRejected("corrupt") from None
        return im.width * im.height


def process_photo(data: bytes, *, max_bytes: int, max_pixels: int,
                  long_edge: int = 1600, thumb_edge: int = 320) -> ProcessedPhoto:
    """Validate `data` cheaply before decoding anything, then orient, downscale and
    re-encode it (photo and thumbnail) without metadata. Raises PhotoRejected."""
    if len(data) > max_bytes:
        raise PhotoRejected("too_large")
    # Scoped filters: bomb warnings become errors we map to a reason, and Pillow's
    # other chatter (e.g. "Corrupt EXIF data") never reaches the caller.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = _draft(_open(data, max_pixels), long_edge)
            im.load()
            taken_at = _taken_at(im)  # before exif_transpose rewrites the EXIF
            im = ImageOps.exif_transpose(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected("too_many_pixels") from None
        except PhotoRejected:
            raise
        except _DECODE_ERRORS:
            raise PhotoRejected("corrupt") from None

        im = _to_rgb(im)
        im.info.clear()  # JPEG save copies some keys (e.g. 'comment') from info
        im.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
        thumb = im.copy()
        thumb.thumbnail((thumb_edge, thumb_edge), Image.Resampling.LANCZOS)
        return ProcessedPhoto(image=_jpeg(im, progressive=True), thumb=_jpeg(thumb),
                              width=im.width, height=im.height, taken_at=taken_at)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Identify the format and read only the header; refuse before any pixel is decoded."""
    try:
        im = Image.open(BytesIO(data), formats=_OPENERS)
    except UnidentifiedImageError:
        raise PhotoRejected("not_image") from None
    if im.format not in ALLOWED_FORMATS:  # belt and braces: formats= is the real filter
        raise PhotoRejected("not_image")
    if im.width * im.height > max_pixels:
        raise PhotoRejected("too_many_pixels")
    return im


def _draft(im: Image.Image, long_edge: int) -> Image.Image:
    """JPEG: decode at the smallest 1/2, 1/4 or 1/8 scale still at least the target size.
    The target keeps the aspect ratio: a square box would stop a 4:3 frame at full scale."""
    w, h = im.size
    if max(w, h) > long_edge:
        scale = long_edge / max(w, h)
        im.draft(None, (max(1, int(w * scale)), max(1, int(h * scale))))
    return im


def _taken_at(im: Image.Image) -> datetime | None:
    """DateTimeOriginal, else DateTime; metadata is best-effort so any junk means None."""
    try:
        exif = im.getexif()
        raw = (exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal)
               or exif.get(ExifTags.Base.DateTime))
        if isinstance(raw, bytes):
            raw = raw.decode("ascii")
        return datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S") if raw else None
    except Exception:  # malformed EXIF must not reject an otherwise good photo
        return None


def _to_rgb(im: Image.Image) -> Image.Image:
    """JPEG has no alpha: flatten transparency onto white rather than black."""
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        im = im.convert("RGBA")
        flat = Image.new("RGB", im.size, "white")
        flat.paste(im, mask=im.getchannel("A"))
        return flat
    return im.convert("RGB")


def _jpeg(im: Image.Image, *, progressive: bool = False) -> bytes:
    """Encode without exif=/icc_profile=, so nothing from the source survives."""
    buf = BytesIO()
    im.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=progressive)
    return buf.getvalue()

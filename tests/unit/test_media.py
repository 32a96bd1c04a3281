"""process_photo against real images built in memory: no fixture files, no app."""

from __future__ import annotations

import struct
import time
import zlib
from datetime import datetime
from io import BytesIO
from unittest import mock

import pytest
from PIL import ExifTags, Image

from inspect_app.media import PhotoRejected, ProcessedPhoto, process_photo

LIMITS = {"max_bytes": 20_000_000, "max_pixels": 40_000_000}


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def reopen(data: bytes) -> Image.Image:
    im = Image.open(BytesIO(data))
    im.load()
    return im


def rejected(data: bytes, **limits) -> str:
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, **{**LIMITS, **limits})
    return info.value.reason


def phone_jpeg() -> bytes:
    """400x200, red left half / blue right half, stored sideways (orientation 6) with GPS."""
    im = Image.new("RGB", (400, 200), "blue")
    im.paste("red", (0, 0, 200, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:20 09:15:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (27.0, 30.0, 12.5)
    return encode(im, "JPEG", exif=exif, comment=b"owner: inspector 7")


def test_phone_jpeg_is_rotated_and_stripped():
    data = phone_jpeg()
    assert reopen(data).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input really has GPS

    photo = process_photo(data, **LIMITS)

    assert isinstance(photo, ProcessedPhoto)
    assert (photo.width, photo.height) == (200, 400)
    out = reopen(photo.image)
    assert out.format == "JPEG" and out.mode == "RGB" and out.size == (200, 400)
    assert out.info.get("progressive")
    assert len(out.getexif()) == 0
    assert not out.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "comment", "icc_profile"} & out.info.keys()
    # Orientation 6 = rotate 90 deg clockwise: the stored left (red) half ends up on top.
    top, bottom = out.getpixel((100, 50)), out.getpixel((100, 350))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_taken_at_from_datetime_original():
    assert process_photo(phone_jpeg(), **LIMITS).taken_at == datetime(2026, 11, 20, 9, 15)


def test_taken_at_falls_back_to_datetime_and_tolerates_junk():
    exif = Image.Exif()
    exif[ExifTags.Base.DateTime] = "2025:01:02 03:04:05"
    im = Image.new("RGB", (10, 10))
    taken_at = process_photo(encode(im, "JPEG", exif=exif), **LIMITS).taken_at
    assert taken_at == datetime(2025, 1, 2, 3, 4, 5)

    exif[ExifTags.Base.DateTime] = "0000:00:00 00:00:00"  # what some cameras write when unset
    assert process_photo(encode(im, "JPEG", exif=exif), **LIMITS).taken_at is None
    assert process_photo(encode(im, "JPEG"), **LIMITS).taken_at is None


@pytest.mark.parametrize("size", [(4000, 3000), (3300, 3300)])  # 3300: JPEG draft decodes at 1/2
def test_large_photo_is_bounded(size):
    photo = process_photo(encode(Image.new("RGB", size, "gray"), "JPEG"), **LIMITS)

    expected = (1600, 1600 * size[1] // size[0])
    assert (photo.width, photo.height) == expected == reopen(photo.image).size
    assert max(reopen(photo.thumb).size) == 320


def test_small_photo_is_not_upscaled():
    photo = process_photo(encode(Image.new("RGB", (120, 80)), "PNG"), **LIMITS)
    assert (photo.width, photo.height) == (120, 80)
    assert reopen(photo.thumb).size == (120, 80)


def test_png_alpha_is_flattened_onto_white():
    im = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    im.paste((0, 128, 0, 255), (0, 0, 32, 64))

    out = reopen(process_photo(encode(im, "PNG"), **LIMITS).image)

    assert out.format == "JPEG" and out.mode == "RGB"
    assert min(out.getpixel((56, 32))) > 245  # was transparent
    assert out.getpixel((8, 32))[1] > 100 > out.getpixel((8, 32))[0]


@pytest.mark.parametrize("fmt", ["WEBP", "MPO"])
def test_other_allowed_formats(fmt):
    im = Image.new("RGB", (50, 40), "orange")
    photo = process_photo(encode(im, fmt), **LIMITS)
    assert reopen(photo.image).format == "JPEG" and (photo.width, photo.height) == (50, 40)


@pytest.mark.parametrize("data", [
    b"inspection notes, not a photo\n" * 10,
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    encode(Image.new("P", (10, 10)), "GIF"),
    encode(Image.new("RGB", (10, 10)), "BMP"),
    encode(Image.new("RGB", (10, 10)), "TIFF"),
    b"",
], ids=["text", "svg", "pdf", "gif", "bmp", "tiff", "empty"])
def test_non_images_are_refused(data):
    assert rejected(data) == "not_image"


def test_too_large_is_refused_before_opening():
    data = phone_jpeg()
    with mock.patch.object(Image, "open", side_effect=AssertionError("decoded")):
        assert rejected(data, max_bytes=len(data) - 1) == "too_large"
    assert process_photo(data, **{**LIMITS, "max_bytes": len(data)}).width == 200


def bomb_png(width: int, height: int) -> bytes:
    """A real 1-bit all-black PNG of the given size, streamed so it's built in ~no memory."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    z = zlib.compressobj(1)  # fastest level; still ~1000:1 on zeros
    idat = b"".join(z.compress(row * 1000) for _ in range(height // 1000)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [  # multiples of 1000: bomb_png writes rows in blocks
    30_000,  # 900 MP: beyond Pillow's own DecompressionBombError threshold
    10_000,  # 100 MP: Pillow only warns; the warning must not leak or be ignored
    7_000,   # 49 MP: Pillow is fine with it, our max_pixels is not
])
def test_decompression_bomb_is_refused_from_the_header(side):
    data = bomb_png(side, side)
    assert len(data) < 1_000_000  # a small upload that would decode to side*side pixels

    start = time.perf_counter()
    assert rejected(data, max_pixels=40_000_000) == "too_many_pixels"
    assert time.perf_counter() - start < 0.5


def test_max_pixels_is_checked_on_the_header():
    data = encode(Image.new("RGB", (300, 200)), "JPEG")
    assert rejected(data, max_pixels=300 * 200 - 1) == "too_many_pixels"
    assert process_photo(data, **{**LIMITS, "max_pixels": 300 * 200}).width == 300


def test_truncated_jpeg_is_refused():
    noisy = Image.effect_noise((800, 600), 64).convert("RGB")
    data = encode(noisy, "JPEG", quality=90)
    assert rejected(data[: len(data) // 2]) in {"corrupt", "not_image"}


def test_truncated_png_is_refused():
    data = encode(Image.effect_noise((300, 300), 64), "PNG")
    assert rejected(data[: len(data) // 2]) in {"corrupt", "not_image"}


def test_reason_is_kept_on_the_exception():
    err = PhotoRejected("corrupt")
    assert err.reason == "corrupt" and isinstance(err, ValueError)


def test_heic_is_decoded_and_stored_as_a_stripped_jpeg():
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:29 16:40:00"
    data = encode(Image.new("RGB", (1200, 900), (30, 160, 60)), "HEIF", exif=exif, quality=60)
    assert data[4:12] == b"ftypheic"
    photo = process_photo(data, **LIMITS)
    out = reopen(photo.image)
    assert out.format == "JPEG" and out.size == (1200, 900) and len(out.getexif()) == 0
    assert photo.taken_at == datetime(2026, 11, 29, 16, 40)
    assert abs(out.getpixel((600, 450))[1] - 160) < 12


def test_heic_over_the_pixel_cap_is_refused_from_its_header():
    data = encode(Image.new("RGB", (1000, 800)), "HEIF", quality=10)
    assert rejected(data, max_pixels=500_000) == "too_many_pixels"


def test_decode_cost_counts_a_jpeg_at_its_draft_scale():
    from inspect_app.media import decode_pixels

    jpeg = encode(Image.new("RGB", (4000, 3000)), "JPEG")
    png = encode(Image.new("RGB", (1200, 900)), "PNG")
    assert decode_pixels(jpeg, **LIMITS, long_edge=1600) == 2000 * 1500  # 1/2 scale, >= 1600x1200
    assert decode_pixels(jpeg, **LIMITS, long_edge=400) == 500 * 375  # 1/8
    assert decode_pixels(png, **LIMITS) == 1200 * 900  # PNG has no reduced decode
    with pytest.raises(PhotoRejected):
        decode_pixels(b"not an image at all", **LIMITS)

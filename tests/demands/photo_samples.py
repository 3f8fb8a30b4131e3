"""Real images made with Pillow for the photo tests (and the browser tests' upload files)."""

import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

GPS_IFD = ExifTags.IFD.GPSInfo  # 0x8825


def jpeg(
    width=320, height=240, color=(200, 60, 40), *, gps=False, orientation=None, halves=None, quality=90
) -> bytes:
    """A JPEG; `gps` adds a GPS position (宜春, 27.81 N 114.40 E) and camera fields to its EXIF;
    `halves` paints the left and right halves in two colours (to see rotation)."""
    img = Image.new("RGB", (width, height), color)
    if halves:
        left, right = halves
        img.paste(left, (0, 0, width // 2, height))
        img.paste(right, (width // 2, 0, width, height))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Model X"  # Model
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd[1] = "N"
        gps_ifd[2] = (27.0, 48.0, 40.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (114.0, 24.0, 0.0)
    if orientation:
        exif[0x0112] = orientation
    buffer = BytesIO()
    img.save(buffer, "JPEG", quality=quality, exif=exif.tobytes() if (gps or orientation) else b"")
    return buffer.getvalue()


def png(width=200, height=150, color=(20, 120, 200, 255), mode="RGBA") -> bytes:
    img = Image.new(mode, (width, height), color)
    buffer = BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def noisy_jpeg(width=1200, height=900) -> bytes:
    """A JPEG that does not compress well (random pixels): big on disk."""
    import os

    img = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = BytesIO()
    img.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A tiny PNG whose header claims width × height pixels: decoding it would need gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    data = zlib.compress(row * 16, 9)  # a few rows only: the rest is "missing"
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def real_png_bomb(side=5000) -> bytes:
    """A real, complete 1-bit PNG of side × side pixels that compresses to a few kilobytes."""
    img = Image.new("1", (side, side), 0)
    buffer = BytesIO()
    img.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def has_gps(data: bytes) -> bool:
    img = Image.open(BytesIO(data))
    return bool(img.getexif().get_ifd(GPS_IFD))

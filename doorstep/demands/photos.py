"""Photos of demands: proven to be images, kept private, shown only as clean public copies.

Each upload is decoded with Pillow before anything is stored: a file that is not an image, whose
name claims another format, that is too big on disk or in pixels (decompression bombs: the pixel
count is read from the header and checked *before* decoding) is refused with a Chinese message.
Three files are written through Django's storage API under random names:

* the original, exactly as sent (evidence; EXIF included) — staff in scope and the reporter only;
* the public copy: turned upright by its EXIF orientation, re-encoded as JPEG with no metadata at
  all (no GPS position, camera or time), at most `DOORSTEP_PHOTO_PUBLIC_SIDE` px — shown to
  everyone once published, and the one staff redact (black boxes over faces and licence plates);
* a thumbnail made from the public copy.

Limits (settings): DOORSTEP_PHOTO_MAX_BYTES (10 MB), DOORSTEP_PHOTO_MAX_PIXELS (64 MP),
DOORSTEP_PHOTO_MAX_SIDE (12000 px), DOORSTEP_PHOTO_PUBLIC_SIDE (1600), DOORSTEP_PHOTO_THUMB_SIDE (320).
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from doorstep.territory.selectors import scope_for

from .models import Photo

log = logging.getLogger("doorstep.demands.photos")

MAX_PER_STAGE = 9
# What a file name may claim, and which decoded formats make the claim true.
EXTENSIONS = {
    "jpg": {"JPEG", "MPO"},
    "jpeg": {"JPEG", "MPO"},
    "jpe": {"JPEG", "MPO"},
    "jfif": {"JPEG", "MPO"},
    "png": {"PNG"},
    "webp": {"WEBP"},
}
FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
FORMAT_NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
VARIANTS = ("public", "thumb", "original")
STAFF_KINDS = frozenset(
    {
        "grid_worker",
        "community_staff",
        "subdistrict_staff",
        "department_liaison",
        "property_staff",
        "leader",
        "admin",
    }
)
_EXIF_ORIENTATION = 0x0112


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _setting("DOORSTEP_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def max_pixels() -> int:
    return _setting("DOORSTEP_PHOTO_MAX_PIXELS", 64_000_000)


def max_side() -> int:
    return _setting("DOORSTEP_PHOTO_MAX_SIDE", 12_000)


def public_side() -> int:
    return _setting("DOORSTEP_PHOTO_PUBLIC_SIDE", 1600)


def thumb_side() -> int:
    return _setting("DOORSTEP_PHOTO_THUMB_SIDE", 320)


@dataclass(frozen=True)
class ImageInfo:
    """An upload proven to be an image, with its public copy and thumbnail already made."""

    name: str
    format: str  # as Pillow decoded it: JPEG, MPO, PNG, WEBP
    width: int  # the original's size when upright (EXIF orientation applied)
    height: int
    size: int  # bytes
    original: bytes = field(repr=False)
    public: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)

    @property
    def extension(self) -> str:
        return FORMATS[self.format]


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _read(uploaded) -> tuple[str, bytes]:
    if isinstance(uploaded, (bytes, bytearray)):
        return "", bytes(uploaded)
    name = str(getattr(uploaded, "name", "") or "")
    size = getattr(uploaded, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise _too_big(size, limit)
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise _too_big(len(data), limit)
    return name.rsplit("/", 1)[-1], data


def _too_big(size: int, limit: int) -> ValidationError:
    return _refuse(
        _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
        % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"},
        "size",
    )


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on white (transparent PNGs would otherwise turn black in a JPEG)."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB") if img.mode != "RGB" else img


def _jpeg(img: Image.Image, side: int, quality: int) -> bytes:
    """Shrunk to `side`, as a JPEG with no EXIF, XMP or ICC data (nothing from the original's
    metadata is passed to the encoder)."""
    copy = img.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    copy.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def accept_image(uploaded) -> ImageInfo:
    """Prove `uploaded` is a photo we accept and make its public copy and thumbnail.

    Raises ValidationError (Chinese message) for: an empty or oversize file, an unsupported
    type, a name whose extension lies about the content, anything Pillow cannot decode (text,
    truncated data), too many pixels or too long a side.
    """
    name, data = _read(uploaded)
    if not data:
        raise _refuse(_("The file is empty."), "empty")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and extension not in EXTENSIONS:
        raise _refuse(
            _("“.%(ext)s” files are not accepted: send a JPEG, PNG or WebP photo.") % {"ext": extension},
            "type",
        )
    try:
        img = Image.open(BytesIO(data))  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refuse(_("This file is not an image."), "not_image") from None
    with img:
        fmt = img.format or ""
        if fmt not in FORMATS:
            raise _refuse(
                _("%(format)s images are not accepted: send a JPEG, PNG or WebP photo.")
                % {"format": fmt or "?"},
                "type",
            )
        if extension and fmt not in EXTENSIONS[extension]:
            raise _refuse(
                _("The file is named .%(ext)s but is really a %(format)s image.")
                % {"ext": extension, "format": FORMAT_NAMES[fmt]},
                "extension",
            )
        width, height = img.size
        if width < 1 or height < 1:
            raise _refuse(_("This file is not an image."), "not_image")
        if width * height > max_pixels():
            raise _bomb()
        if max(width, height) > max_side():
            raise _refuse(
                _("The photo is %(width)d × %(height)d pixels; a side may have at most %(max)d.")
                % {"width": width, "height": height, "max": max_side()},
                "dimensions",
            )
        try:
            orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
        except Exception:  # broken EXIF block: the picture itself may still be fine
            orientation = 1
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        try:
            if fmt in ("JPEG", "MPO"):
                img.draft("RGB", (public_side(), public_side()))  # decode at 1/2…1/8 scale: less memory
            img.load()  # decodes every byte: truncated or corrupt data fails here
            upright = ImageOps.exif_transpose(img) if orientation != 1 else img
            picture = _flatten(upright)
            public = _jpeg(picture, public_side(), 85)
            thumbnail = _jpeg(picture, thumb_side(), 75)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb() from None
        except (OSError, ValueError, SyntaxError, EOFError, ZeroDivisionError):
            raise _refuse(_("The image is damaged and cannot be read."), "damaged") from None
    return ImageInfo(
        name=name,
        format=fmt,
        width=width,
        height=height,
        size=len(data),
        original=data,
        public=public,
        thumbnail=thumbnail,
    )


def _bomb() -> ValidationError:
    return _refuse(
        _("The image has too many pixels (at most %(max)s million).") % {"max": f"{max_pixels() / 1e6:g}"},
        "pixels",
    )


# --- storing -------------------------------------------------------------------------------------


def _storage():
    return Photo._meta.get_field("original").storage


def _name(folder: str, extension: str) -> str:
    return f"demands/{folder}/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}.{extension}"


def _write(folder: str, extension: str, data: bytes, written: list[str]) -> str:
    name = _storage().save(_name(folder, extension), ContentFile(data))
    written.append(name)
    return name


def delete_files(names) -> None:
    """Remove stored files (after a failed transaction, or old copies after a redaction)."""
    storage = _storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:  # a file we cannot delete must not hide the error that brought us here
            log.warning("could not delete photo file %s", name, exc_info=True)


def store_photos(demand, infos, *, stage: str = "report", written: list[str]) -> list[Photo]:
    """Write accepted photos and their rows (inside the caller's transaction). Every file name
    written is appended to `written` so that the caller can remove them if it rolls back."""
    if not infos:
        return []
    last = demand.photos.aggregate(last=Max("position"))["last"] if demand.pk else None
    start = 0 if last is None else last + 1
    rows = []
    for offset, info in enumerate(infos):
        rows.append(
            Photo(
                demand=demand,
                token=secrets.token_hex(16),
                original=_write("private", info.extension, info.original, written),
                public=_write("public", "jpg", info.public, written),
                thumbnail=_write("thumbs", "jpg", info.thumbnail, written),
                width=info.width,
                height=info.height,
                position=start + offset,
                stage=stage,
            )
        )
    return Photo.objects.bulk_create(rows)


def save_photos(demand, files, stage: str = "report", by=None) -> list[Photo]:
    """Check and save photos for a demand (also the handler's evidence photos, stage "evidence").

    All are checked before any is written; at most 9 per stage. On any failure nothing is kept:
    no rows (one transaction) and no files.
    """
    files = list(files or ())
    problems = []
    infos = []
    for n, upload in enumerate(files, start=1):
        try:
            infos.append(upload if isinstance(upload, ImageInfo) else accept_image(upload))
        except ValidationError as exc:
            problems.extend(_("Photo %(n)d: %(problem)s") % {"n": n, "problem": m} for m in exc.messages)
    have = demand.photos.filter(stage=stage).count() if demand.pk else 0
    if have + len(files) > MAX_PER_STAGE:
        problems.insert(
            0,
            _("At most %(max)d photos; %(count)d were sent.")
            % {"max": MAX_PER_STAGE, "count": have + len(files)},
        )
    if problems:
        raise ValidationError(problems)
    written: list[str] = []
    try:
        with transaction.atomic():
            return store_photos(demand, infos, stage=stage, written=written)
    except BaseException:
        delete_files(written)
        raise


# --- who may see what ----------------------------------------------------------------------------


def is_staff_for(user, photo: Photo) -> bool:
    """Staff whose scope covers the demand's place (superusers and city-wide roles: everywhere)."""
    if user is None or not user.is_authenticated:
        return False
    scope = scope_for(user)
    if scope.everything:
        return True
    return bool(scope.role_kinds & STAFF_KINDS) and scope.covers_region(photo.demand.region_id)


def is_reporter(user, photo: Photo) -> bool:
    demand = photo.demand
    if user is None or not user.is_authenticated:
        return False
    if demand.reporter_user_id == user.pk:
        return True
    return bool(demand.reporter_id and getattr(demand.reporter, "user_id", None) == user.pk)


def can_view(user, photo: Photo, variant: str) -> bool:
    """The public copy and thumbnail: everyone once published, before that staff in scope and the
    reporter. The original: only staff in scope and the reporter."""
    if variant not in VARIANTS:
        return False
    if variant != "original" and photo.is_public:
        return True
    return is_staff_for(user, photo) or is_reporter(user, photo)


def photo_url(photo: Photo, variant: str = "thumb") -> str:
    """The address of a photo file ("public", "thumb" or "original"), served after a check."""
    return reverse("demands:report_photo", args=[photo.token, variant])


# --- redact and publish --------------------------------------------------------------------------


def _check_staff(user, photo: Photo) -> None:
    if not is_staff_for(user, photo):
        raise PermissionDenied(_("Only staff in charge of this place can change its photos."))


def _boxes(boxes, width: int, height: int) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) in the upright original's pixels, clipped to the picture."""
    try:
        boxes = [tuple(float(v) for v in box) for box in boxes]
    except (TypeError, ValueError):
        raise ValidationError(_("Each box needs four numbers: left, top, right, bottom.")) from None
    if not boxes:
        raise ValidationError(_("Mark at least one area to black out."))
    if len(boxes) > 100:
        raise ValidationError(_("At most 100 areas per photo."))
    clipped = []
    for box in boxes:
        if len(box) != 4 or not all(math.isfinite(v) for v in box):
            raise ValidationError(_("Each box needs four numbers: left, top, right, bottom."))
        left, right = sorted((box[0], box[2]))
        top, bottom = sorted((box[1], box[3]))
        left, top = max(0.0, left), max(0.0, top)
        right, bottom = min(float(width), right), min(float(height), bottom)
        if right - left < 1 or bottom - top < 1:
            raise ValidationError(_("A box lies outside the photo or is empty."))
        clipped.append((left, top, right, bottom))
    return clipped


def _public_image(photo: Photo) -> Image.Image:
    """The current public copy (remade from the original if it is missing)."""
    storage = _storage()
    if photo.public and storage.exists(photo.public.name):
        with storage.open(photo.public.name, "rb") as handle:
            img = Image.open(BytesIO(handle.read()))
            img.load()
        return img.convert("RGB")
    with storage.open(photo.original.name, "rb") as handle:
        info = accept_image(ContentFile(handle.read(), name=photo.original.name))
    return Image.open(BytesIO(info.public)).convert("RGB")


def redact(photo: Photo, boxes, by) -> Photo:
    """Black out `boxes` (left, top, right, bottom in the upright original's pixels, i.e. within
    photo.width × photo.height) on a new public copy and thumbnail under new names; the old copy
    is deleted once the change commits. Boxes add up: earlier redactions stay. The original is
    untouched and stays private."""
    _check_staff(by, photo)
    written: list[str] = []
    try:
        with transaction.atomic():
            current = Photo.objects.select_for_update().select_related("demand").get(pk=photo.pk)
            clipped = _boxes(boxes, current.width or 1, current.height or 1)
            img = _public_image(current)
            sx = img.width / (current.width or img.width)
            sy = img.height / (current.height or img.height)
            draw = ImageDraw.Draw(img)
            for left, top, right, bottom in clipped:
                draw.rectangle(
                    (
                        math.floor(left * sx),
                        math.floor(top * sy),
                        math.ceil(right * sx) - 1,
                        math.ceil(bottom * sy) - 1,
                    ),
                    fill=(0, 0, 0),
                )
            public = _write("public", "jpg", _jpeg(img, public_side(), 85), written)
            thumbnail = _write("thumbs", "jpg", _jpeg(img, thumb_side(), 75), written)
            old = [current.public.name, current.thumbnail.name]
            Photo.objects.filter(pk=current.pk).update(
                public=public, thumbnail=thumbnail, redacted=True, updated_at=timezone.now()
            )
            transaction.on_commit(lambda: delete_files(old))
    except BaseException:
        delete_files(written)
        raise
    photo.refresh_from_db()
    return photo


def publish(photo: Photo, by) -> Photo:
    """Show the public copy (and thumbnail) to everyone, e.g. on the public map."""
    _check_staff(by, photo)
    Photo.objects.filter(pk=photo.pk).update(is_public=True, updated_at=timezone.now())
    photo.refresh_from_db()
    return photo


def withdraw(photo: Photo, by) -> Photo:
    """Stop showing a photo publicly."""
    _check_staff(by, photo)
    Photo.objects.filter(pk=photo.pk).update(is_public=False, updated_at=timezone.now())
    photo.refresh_from_db()
    return photo

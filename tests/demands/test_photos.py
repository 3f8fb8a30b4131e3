"""Photos: proven to be images, EXIF (GPS) never in the public copy, redaction, who sees what."""

from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from doorstep.demands import photos
from doorstep.demands.models import Demand, Photo
from tests import factories
from tests.demands import photo_samples as samples


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def make_demand(region, user=None, number="20251008-9001") -> Demand:
    return Demand.objects.create(
        number=number,
        channel=Demand.Channel.PHONE,
        text="路灯不亮",
        region=region,
        reporter_user=user,
        received_at=timezone.now(),
        lng=114.38,
        lat=27.80,
    )


# --- accept_image ------------------------------------------------------------------------------

REFUSED = [
    # (name, data, code, words in the Chinese message)
    ("text file named .jpg", ("note.jpg", b"this is not a picture at all\n" * 20), "not_image", "不是图片"),
    ("PNG renamed .jpg", ("photo.jpg", samples.png()), "extension", "PNG"),
    ("JPEG named .png", ("photo.png", samples.jpeg()), "extension", "JPEG"),
    ("empty file", ("photo.jpg", b""), "empty", "空"),
    ("GIF", ("anim.gif", b"GIF89a" + b"\x00" * 40), "type", ".gif"),
    ("HEIC name", ("IMG_0001.heic", b"\x00\x00\x00\x18ftypheic"), "type", ".heic"),
    ("BMP content, no extension", ("blob", b"BM" + b"\x00" * 60), "not_image", "不是图片"),
    ("truncated JPEG", ("cut.jpg", samples.jpeg(800, 600)[:3000]), "damaged", "损坏"),
    ("decompression bomb header", ("bomb.png", samples.png_bomb()), "pixels", "像素"),
]


@pytest.mark.parametrize(("label", "file", "code", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_files_say_why(label, file, code, words):
    name, data = file
    with pytest.raises(ValidationError) as info:
        photos.accept_image(samples.upload(data, name))
    assert info.value.code == code
    assert words in " ".join(info.value.messages)


def test_a_real_bomb_is_refused_before_it_is_decoded(settings):
    settings.DOORSTEP_PHOTO_MAX_PIXELS = 10_000_000
    data = samples.real_png_bomb(5000)  # 25 million pixels in a few kB
    assert len(data) < 100_000
    with pytest.raises(ValidationError) as info:
        photos.accept_image(samples.upload(data, "bomb.png"))
    assert info.value.code == "pixels"
    assert "1000 万" in info.value.messages[0] or "10" in info.value.messages[0]


def test_oversize_file_is_refused(settings):
    settings.DOORSTEP_PHOTO_MAX_BYTES = 200_000
    data = samples.noisy_jpeg()
    assert len(data) > 200_000
    with pytest.raises(ValidationError) as info:
        photos.accept_image(samples.upload(data))
    assert info.value.code == "size"
    assert "MB" in info.value.messages[0]


def test_too_long_a_side_is_refused(settings):
    settings.DOORSTEP_PHOTO_MAX_SIDE = 1000
    with pytest.raises(ValidationError) as info:
        photos.accept_image(samples.upload(samples.jpeg(1200, 20)))
    assert info.value.code == "dimensions"
    assert "1200 × 20" in info.value.messages[0]


def test_gps_tagged_jpeg_public_copy_and_thumbnail_have_no_exif():
    data = samples.jpeg(1200, 900, gps=True)
    assert samples.has_gps(data)
    info = photos.accept_image(samples.upload(data, "IMG_2025.JPG"))
    assert info.original == data  # the private original is the evidence, as sent
    for copy in (info.public, info.thumbnail):
        img = Image.open(BytesIO(copy))
        assert img.format == "JPEG"
        assert not img.getexif()
        assert not samples.has_gps(copy)
        assert b"Exif" not in copy and b"PhoneMaker" not in copy and b"http://ns.adobe.com/xap" not in copy
    assert Image.open(BytesIO(info.public)).size == (1200, 900)
    assert max(Image.open(BytesIO(info.thumbnail)).size) == 320


def test_exif_orientation_is_applied_to_the_copies():
    # Stored 200 wide × 100 high, left red / right blue; orientation 6 = turn 90° clockwise.
    data = samples.jpeg(200, 100, orientation=6, halves=((255, 0, 0), (0, 0, 255)))
    info = photos.accept_image(samples.upload(data))
    assert (info.width, info.height) == (100, 200)
    upright = Image.open(BytesIO(info.public)).convert("RGB")
    assert upright.size == (100, 200)
    top, bottom = upright.getpixel((50, 30)), upright.getpixel((50, 170))
    assert top[0] > 200 and top[2] < 60  # red on top
    assert bottom[2] > 200 and bottom[0] < 60  # blue below


def test_big_photos_are_shrunk_for_the_public_copy():
    info = photos.accept_image(samples.upload(samples.jpeg(4000, 3000)))
    assert (info.width, info.height) == (4000, 3000)
    assert Image.open(BytesIO(info.public)).size == (1600, 1200)


def test_transparent_png_becomes_a_white_backed_jpeg():
    info = photos.accept_image(samples.upload(samples.png(color=(0, 0, 0, 0)), "shot.png", "image/png"))
    assert info.format == "PNG" and info.extension == "png"
    assert Image.open(BytesIO(info.public)).convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_webp_and_extensionless_jpeg_are_accepted():
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(buffer, "WEBP")
    assert photos.accept_image(samples.upload(buffer.getvalue(), "a.webp", "image/webp")).format == "WEBP"
    assert photos.accept_image(samples.upload(samples.jpeg(), "blob")).format == "JPEG"


# --- save_photos --------------------------------------------------------------------------------


def test_save_photos_writes_three_files_under_random_names(city, media):
    demand = make_demand(city.compound_a)
    saved = photos.save_photos(demand, [samples.upload(samples.jpeg(gps=True), "家门口.jpg")])
    assert len(saved) == 1
    p = saved[0]
    assert len(p.token) == 32 and p.position == 0 and p.stage == "report"
    names = [p.original.name, p.public.name, p.thumbnail.name]
    assert p.original.name.startswith("demands/private/") and p.original.name.endswith(".jpg")
    assert p.public.name.startswith("demands/public/") and p.thumbnail.name.startswith("demands/thumbs/")
    assert all("家门口" not in n and p.token not in n for n in names)  # nothing to guess from
    assert len(stored_files(media)) == 3
    assert not samples.has_gps(p.public.read())


def test_save_photos_counts_per_stage_and_saves_nothing_when_one_is_bad(city, media):
    demand = make_demand(city.compound_a)
    photos.save_photos(demand, [samples.upload(samples.jpeg()) for _ in range(8)])
    before = (Photo.objects.count(), len(stored_files(media)))
    with pytest.raises(ValidationError) as info:
        photos.save_photos(demand, [samples.upload(samples.jpeg()), samples.upload(samples.jpeg())])
    assert "最多 9 张" in " ".join(info.value.messages)
    with pytest.raises(ValidationError) as info:
        photos.save_photos(demand, [samples.upload(samples.jpeg()), samples.upload(b"not an image", "x.jpg")])
    assert "第 2 张照片" in " ".join(info.value.messages)
    assert (Photo.objects.count(), len(stored_files(media))) == before
    # evidence photos are counted separately, and numbered after the report's photos
    extra = photos.save_photos(demand, [samples.upload(samples.jpeg())], stage="evidence")
    assert extra[0].position == 8


def test_files_written_before_a_failure_are_removed(city, media, monkeypatch):
    """The disk fills up while the second photo is written: no rows, no files left behind."""
    demand = make_demand(city.compound_a)
    storage = Photo._meta.get_field("original").storage
    real_save = storage.save
    calls = {"n": 0}

    def save(name, content, max_length=None):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        return real_save(name, content, max_length=max_length)

    monkeypatch.setattr(storage, "save", save)
    with pytest.raises(OSError):
        photos.save_photos(demand, [samples.upload(samples.jpeg()), samples.upload(samples.jpeg())])
    assert Photo.objects.count() == 0
    assert stored_files(media) == []


def test_deleting_a_demand_removes_its_photo_files(city, media, django_capture_on_commit_callbacks):
    demand = make_demand(city.compound_a)
    photos.save_photos(demand, [samples.upload(samples.jpeg())])
    assert len(stored_files(media)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        demand.delete()
    assert stored_files(media) == []


# --- redact and publish -------------------------------------------------------------------------


def test_redact_blacks_out_boxes_on_a_new_public_copy(city, media, django_capture_on_commit_callbacks):
    staff = factories.role("community_staff", city.community_a)
    demand = make_demand(city.compound_a)
    (photo,) = photos.save_photos(demand, [samples.upload(samples.jpeg(3200, 2400, color=(255, 255, 255)))])
    old_public, original = photo.public.name, photo.original.read()
    # the left half of the upright original (3200 × 2400), i.e. the left half of the 1600 px copy
    with django_capture_on_commit_callbacks(execute=True):
        photos.redact(photo, [(0, 0, 1600, 2400)], staff)
    photo.refresh_from_db()
    assert photo.redacted and photo.public.name != old_public
    assert not (media / old_public).exists()
    img = Image.open(photo.public.open("rb")).convert("RGB")
    assert img.size == (1600, 1200)
    assert max(img.getpixel((100, 600))) < 30  # black inside the box
    assert min(img.getpixel((1500, 600))) > 220  # white outside
    thumb = Image.open(photo.thumbnail.open("rb")).convert("RGB")
    assert max(thumb.getpixel((20, 100))) < 40
    assert photo.original.open("rb").read() == original  # the original is untouched
    # a second redaction keeps the first one
    photos.redact(photo, [(2400, 0, 3200, 600)], staff)
    photo.refresh_from_db()
    img = Image.open(photo.public.open("rb")).convert("RGB")
    assert max(img.getpixel((100, 600))) < 30 and max(img.getpixel((1500, 100))) < 30


@pytest.mark.parametrize(
    ("boxes", "words"),
    [
        ([], "至少"),
        ([(5000, 5000, 6000, 6000)], "照片外"),
        ([(0, 0, 10)], "四个数"),
        ([("a", 0, 10, 10)], "四个数"),
    ],
)
def test_bad_boxes_are_refused(city, boxes, words):
    staff = factories.role("community_staff", city.community_a)
    (photo,) = photos.save_photos(make_demand(city.compound_a), [samples.upload(samples.jpeg())])
    with pytest.raises(ValidationError) as info:
        photos.redact(photo, boxes, staff)
    assert words in " ".join(info.value.messages)


def test_only_staff_in_scope_redact_or_publish(city):
    outsider = factories.role("community_staff", city.community_b)
    resident = factories.user()
    (photo,) = photos.save_photos(make_demand(city.compound_a, resident), [samples.upload(samples.jpeg())])
    for user in (outsider, resident):
        with pytest.raises(PermissionDenied):
            photos.redact(photo, [(0, 0, 10, 10)], user)
        with pytest.raises(PermissionDenied):
            photos.publish(photo, user)
    photo.refresh_from_db()
    assert not photo.redacted and not photo.is_public


# --- serving ------------------------------------------------------------------------------------


def test_who_may_see_which_file(client, city):
    resident = factories.user()
    staff = factories.role("grid_worker", city.community_a)
    outsider = factories.role("community_staff", city.community_b)
    other_resident = factories.user()
    (photo,) = photos.save_photos(
        make_demand(city.compound_a, resident), [samples.upload(samples.jpeg(gps=True))]
    )

    def status(user, variant):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client.get(photos.photo_url(photo, variant)).status_code

    table = {
        # user: (public, thumb, original) before publishing
        None: (404, 404, 404),
        resident: (200, 200, 200),
        staff: (200, 200, 200),
        outsider: (404, 404, 404),
        other_resident: (404, 404, 404),
    }
    for user, expected in table.items():
        assert tuple(status(user, v) for v in ("public", "thumb", "original")) == expected, user
    photos.publish(photo, staff)
    published = {None: (200, 200, 404), outsider: (200, 200, 404), resident: (200, 200, 200)}
    for user, expected in published.items():
        assert tuple(status(user, v) for v in ("public", "thumb", "original")) == expected, user
    assert status(None, "secret") == 404


def test_served_public_copy_is_clean_and_revalidated(client, city):
    staff = factories.role("community_staff", city.community_a)
    (photo,) = photos.save_photos(make_demand(city.compound_a), [samples.upload(samples.jpeg(gps=True))])
    photos.publish(photo, staff)
    response = client.get(photos.photo_url(photo, "public"))
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, no-cache"
    assert not samples.has_gps(body)
    again = client.get(photos.photo_url(photo, "public"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    photos.redact(photo, [(0, 0, 50, 50)], staff)  # a new file: the old ETag no longer matches
    assert (
        client.get(photos.photo_url(photo, "public"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200
    )
    client.force_login(staff)
    original = client.get(photos.photo_url(photo, "original"))
    assert original["Cache-Control"] == "private, no-cache"
    assert samples.has_gps(b"".join(original.streaming_content))  # staff see the evidence as sent

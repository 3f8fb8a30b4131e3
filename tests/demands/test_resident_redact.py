"""The staff redaction page: black boxes over faces and licence plates on the public copy,
then publish. The original is never changed and never public; only staff in scope get in."""

import json
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from doorstep.demands import photos
from doorstep.demands.models import Category, Demand, Photo
from tests import factories


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def photo(city, media):
    """A 800 × 600 white photo of a report in 都市春天小区."""
    major = Category.objects.create(code="R01", name="市容环境")
    minor = Category.objects.create(code="R0101", name="暴露垃圾", parent=major)
    d = Demand.objects.create(
        number="X00000001",
        channel=Demand.Channel.PHONE,
        text="门口有车乱停",
        lng=114.3801,
        lat=27.8001,
        region=city.compound_a,
        category=minor,
        triage=Demand.Triage.PENDING,
        received_at=timezone.now(),
    )
    buffer = BytesIO()
    Image.new("RGB", (800, 600), (255, 255, 255)).save(buffer, "JPEG", quality=95)
    upload = SimpleUploadedFile("plate.jpg", buffer.getvalue(), content_type="image/jpeg")
    return photos.save_photos(d, [upload])[0]


@pytest.fixture
def staff(city):
    return factories.role("community_staff", city.community_a, "desk")


def read(field) -> Image.Image:
    with field.storage.open(field.name, "rb") as f:
        return Image.open(BytesIO(f.read())).convert("RGB")


def test_boxes_black_out_the_public_copy_and_leave_the_original(client, staff, photo):
    original = photo.original.read()
    client.force_login(staff)
    url = reverse("demands:public_redact", args=[photo.token])
    page = client.get(url).content.decode()
    assert "遮挡人脸和车牌" in page and reverse("demands:report_photo", args=[photo.token, "public"]) in page
    # A box over the middle of the 800 × 600 photo, as the page sends it: [x, y, w, h].
    response = client.post(url, {"boxes": json.dumps([[300, 200, 200, 100]]), "then": "save"}, follow=True)
    assert "已保存，请检查照片后再公开" in response.content.decode()
    photo.refresh_from_db()
    assert photo.redacted and not photo.is_public
    public = read(photo.public)
    sx, sy = public.width / 800, public.height / 600
    assert sum(public.getpixel((int(400 * sx), int(250 * sy)))) < 60  # inside the box: black
    assert sum(public.getpixel((int(100 * sx), int(100 * sy)))) > 700  # outside: still white
    assert (
        sum(
            read(photo.thumbnail).getpixel(
                (read(photo.thumbnail).width // 2, read(photo.thumbnail).height * 5 // 12)
            )
        )
        < 60
    )
    with photo.original.storage.open(photo.original.name, "rb") as f:
        assert f.read() == original
    # Nothing public yet; then publish without further boxes.
    assert client.get(reverse("demands:report_photo", args=[photo.token, "public"])).status_code == 200
    client.logout()
    assert client.get(reverse("demands:report_photo", args=[photo.token, "public"])).status_code in (403, 404)
    client.force_login(staff)
    client.post(url, {"boxes": "[]", "then": "publish"})
    photo.refresh_from_db()
    assert photo.is_public
    client.logout()
    assert client.get(reverse("demands:report_photo", args=[photo.token, "public"])).status_code == 200
    assert client.get(reverse("demands:report_photo", args=[photo.token, "original"])).status_code in (
        403,
        404,
    )


def test_saving_without_boxes_says_so(client, staff, photo):
    client.force_login(staff)
    response = client.post(
        reverse("demands:public_redact", args=[photo.token]), {"boxes": "[]", "then": "save"}, follow=True
    )
    assert '<li class="error">' in response.content.decode()
    photo.refresh_from_db()
    assert not photo.redacted and not photo.is_public


@pytest.mark.parametrize("boxes", ["not json", '{"a": 1}', "[[1, 2, 3]]", '[["a", 1, 2, 3]]'])
def test_unreadable_boxes_are_refused(client, staff, photo, boxes):
    client.force_login(staff)
    response = client.post(reverse("demands:public_redact", args=[photo.token]), {"boxes": boxes})
    assert response.status_code == 400
    photo.refresh_from_db()
    assert not photo.redacted


@pytest.mark.parametrize("who", ["outsider", "resident", "department"])
def test_only_staff_in_scope_get_in(client, city, photo, who):
    user = {
        "outsider": lambda: factories.role("community_staff", city.community_b),
        "resident": lambda: factories.user(),
        "department": lambda: factories.role("property_staff", city.community_a),
    }[who]()
    client.force_login(user)
    url = reverse("demands:public_redact", args=[photo.token])
    assert client.get(url).status_code == 404
    assert client.post(url, {"boxes": "[[1, 1, 50, 50]]", "then": "publish"}).status_code == 404
    assert client.post(reverse("demands:public_publish", args=[photo.token])).status_code == 404
    photo.refresh_from_db()
    assert not photo.redacted and not photo.is_public


def test_anonymous_visitors_are_sent_to_log_in(client, photo):
    response = client.get(reverse("demands:public_redact", args=[photo.token]))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_queue_lists_unpublished_photos_in_scope(
    client, city, staff, photo, django_assert_max_num_queries
):
    other = Demand.objects.create(
        number="X00000002",
        channel=Demand.Channel.PHONE,
        text="别处",
        region=city.compound_b,
        triage=Demand.Triage.PENDING,
        received_at=timezone.now(),
    )
    elsewhere = Photo.objects.create(demand=other, token="f" * 32, original="x.jpg")
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        body = client.get(reverse("demands:public_redact_queue")).content.decode()
    assert photo.token in body and elsewhere.token not in body
    photos.publish(photo, staff)
    assert photo.token not in client.get(reverse("demands:public_redact_queue")).content.decode()
    client.force_login(factories.user())
    assert client.get(reverse("demands:public_redact_queue")).status_code == 404

"""The admin shows riders, check-ins, the points ledger and teams read only, scoped to the area."""

import pytest
from django.urls import reverse

from doorstep.core.models import User
from doorstep.resources import points
from doorstep.resources.models import PointEntry, Rider
from tests import factories
from tests.resources.factories import place, rider

pytestmark = pytest.mark.django_db


def test_admin_reads_own_area_only_and_changes_nothing(client, city):
    r_a = rider(place(name="宜阳驿站"), phone="13900000001", name="宜阳骑手")
    r_b = rider(place(name="锦阳驿站", lng=114.50, lat=27.85), phone="13900000002", name="锦阳骑手")
    admin = factories.role("admin", city.city)
    entry = points.earn(admin, r_a.person, region=r_a.region, points=5, reason="劝导")
    user = factories.role("community_staff", city.community_a, username="yy-admin")
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=user.pk))
    page = client.get(reverse("admin:resources_rider_changelist")).content.decode()
    assert "宜*" in page and "锦*" not in page
    assert client.get(reverse("admin:resources_rider_change", args=[r_a.pk])).status_code == 200
    assert client.get(reverse("admin:resources_rider_change", args=[r_b.pk])).status_code in (302, 403, 404)
    client.post(reverse("admin:resources_rider_change", args=[r_a.pk]), {"team": "改名"})
    assert Rider.objects.get(pk=r_a.pk).team == "旗行者先锋一队"
    assert (
        client.post(
            reverse("admin:resources_pointentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert PointEntry.objects.filter(pk=entry.pk).exists()
    assert client.get(reverse("admin:resources_pointentry_changelist")).status_code == 200
    assert client.get(reverse("admin:resources_checkin_changelist")).status_code == 200
    assert client.get(reverse("admin:resources_volunteerteam_changelist")).status_code == 200

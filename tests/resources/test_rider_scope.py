"""Every staff kind inside county A, against the riders, check-ins and ledger of community B
(county B): nothing of B is shown, and every write attempt leaves B's rows as they were."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from doorstep.resources import credentials, points
from doorstep.resources.models import CheckIn, PointEntry, Rider, RiderEvent
from tests import factories
from tests.resources.factories import place, rider

pytestmark = pytest.mark.django_db

ROLE_AT = {
    "grid_worker": "community_a",
    "community_staff": "community_a",
    "subdistrict_staff": "subdistrict_a",
    "department_liaison": "county_a",
    "property_staff": "compound_a",
    "committee_member": "compound_a",
    "leader": "county_a",
    "admin": "county_a",
}


@pytest.fixture
def world(city):
    station_a = place(name="宜阳红色驿站")
    station_b = place(name="锦阳红色驿站", lng=114.50, lat=27.85)
    rider_b = rider(station_b, phone="13900000009", name="锦阳骑手")
    entry_b = points.earn(
        factories.role("admin", city.county_b),
        rider_b.person,
        region=station_b.region,
        points=7,
        reason="锦阳劝导",
    )
    return station_a, station_b, rider_b, entry_b


def _snapshot(rider_b):
    return (
        model_to_dict(Rider.objects.get(pk=rider_b.pk)),
        CheckIn.objects.count(),
        list(PointEntry.objects.order_by("pk").values_list("pk", "points")),
        RiderEvent.objects.count(),
    )


@pytest.mark.parametrize("kind", list(ROLE_AT))
def test_nothing_of_another_community(client, city, world, kind):
    station_a, station_b, rider_b, entry_b = world
    user = factories.role(kind, getattr(city, ROLE_AT[kind]))
    client.force_login(user)
    before = _snapshot(rider_b)
    assert client.get(reverse("resources:staff_rider", args=[rider_b.pk])).status_code == 404
    for action in ("revoke", "reissue", "credit"):
        url = reverse("resources:staff_rider_action", args=[rider_b.pk, action])
        assert client.post(url, {"demand": 1}).status_code == 404
    r = client.post(
        reverse("resources:checkin"), {"station": station_b.pk, "code": credentials.make_code(rider_b)}
    )
    assert r.status_code in (400, 403)
    for page in ("resources:staff_riders", "resources:staff_points", "resources:checkin"):
        body = client.get(reverse(page))
        assert body.status_code in (200, 403)
        text = body.content.decode()
        assert "锦阳劝导" not in text and "139****0009" not in text and "锦阳红色驿站" not in text
    url = reverse("resources:staff_points")
    assert client.post(url, {"action": "reverse", "entry": entry_b.pk, "reason": "x"}).status_code in (
        403,
        404,
    )
    assert client.post(
        url, {"action": "earn", "rider": rider_b.pk, "points": 5, "reason": "x"}
    ).status_code in (
        403,
        404,
    )
    assert _snapshot(rider_b) == before

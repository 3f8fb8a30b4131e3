"""The updates feed (FixMyStreet's servicerequestupdates): public steps in a window, oldest
first, paged, in a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.demands.models import Case
from tests.demands import factories as df

from .helpers import as_json, as_xml, error_json, url

pytestmark = pytest.mark.django_db


def updates(client, **params):
    params.setdefault("jurisdiction_id", "360902")
    return as_json(client.get(url("servicerequestupdates.json", **params)), "updates")


def test_public_steps_only_in_the_window(client, place):
    now = timezone.now()
    case = df.case(place.compound_a, status=Case.Status.CLOSED)
    df.event(case, "accept", at=now - timedelta(days=2), to_status="accepted")
    df.event(case, "remind", at=now - timedelta(days=1))  # not a step the public sees
    df.event(case, "dispatch", at=now - timedelta(hours=3), public=False, note="内部")
    df.event(case, "verify", at=now - timedelta(hours=1), to_status="closed", note="已修好，张三")
    df.event(case, "accept", at=now - timedelta(days=95))  # older than the default window
    rows = updates(client)
    assert [(r["status"], r["description"]) for r in rows] == [
        ("open", "已立案"),
        ("closed", "结果核查通过，已结案"),
    ]
    assert [r["service_request_id"] for r in rows] == [case.demand.number] * 2
    assert "张三" not in str(rows)
    since = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [r["status"] for r in updates(client, start_date=since)] == ["closed"]
    root = as_xml(client.get(url("servicerequestupdates.xml", jurisdiction_id="360902")))
    assert [c.tag for c in root.find("request_update")] == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    ]
    bad = url(
        "servicerequestupdates.json", jurisdiction_id="360902", start_date="2026-01-01", end_date="2026-12-01"
    )
    assert error_json(client.get(bad), 400)


def test_feed_pages_and_reads_in_constant_queries(client, place, django_assert_num_queries):
    now = timezone.now()

    def more(n):
        for i in range(n):
            case = df.case(place.compound_a)
            df.event(case, "accept", at=now - timedelta(minutes=60 - i))
            df.event(case, "dispatch", at=now - timedelta(minutes=59 - i))

    more(2)
    with django_assert_num_queries(3):  # region, subtree, events with their demands
        assert len(updates(client)) == 4
    more(10)
    with django_assert_num_queries(3):
        rows = updates(client)
    assert len(rows) == 24
    assert [r["update_id"] for r in updates(client, page="2", page_size="10")] == [
        r["update_id"] for r in rows[10:20]
    ]

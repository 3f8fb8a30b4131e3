"""Shared set-up of the intake tests: a small city with a furnished compound, its users, and
shortcuts for a resident's phone report and a staff entry."""

from pathlib import Path
from types import SimpleNamespace

from doorstep.demands import intake, suggest
from doorstep.demands.models import Case, Category, Demand, DemandCounter, Follow, IntakeKey, Photo
from doorstep.territory import locate
from doorstep.territory.models import PersonTag
from tests import factories

C = Demand.Channel
INSIDE_A = (114.3801, 27.8001)  # inside 都市春天小区 (compound_a) of the small city
INSIDE_B = (114.5001, 27.8501)  # inside 新城国际小区 (compound_b)
OUTSIDE = (100.0, 30.0)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build_place(city) -> SimpleNamespace:
    """The small city with a furnished compound A (grid, people) and its users."""
    furnished = factories.furnished_compound(city.compound_a)
    resident_user = factories.user("resident")
    furnished.resident.user = resident_user
    furnished.resident.save()
    rider_user = factories.user("rider")
    rider = factories.person("刘骑手", phone="13907958888", user=rider_user)
    rider.tags.add(PersonTag.objects.get_or_create(slug="rider", defaults={"name": "外卖骑手"})[0])
    # A territory (and, after a flush, categories) made for this test: the process-wide
    # location index and suggestion state re-read them now, before any thread uses them.
    locate.invalidate()
    locate.locate(*INSIDE_A)
    suggest.invalidate()
    return SimpleNamespace(
        city=city,
        furnished=furnished,
        grid=furnished.grid,
        resident=resident_user,
        person=furnished.resident,
        rider=rider_user,
        rider_person=rider,
        grid_worker=factories.role("grid_worker", city.community_a, username="gridworker"),
        desk=factories.role("community_staff", city.community_a, username="yiyang"),
        outsider=factories.role("community_staff", city.community_b, username="jinyang"),
        lamp=Category.objects.get(code="0607"),  # 小区路灯
        garbage=Category.objects.get(code="0102"),  # 暴露垃圾
    )


def snapshot(media: Path) -> tuple:
    """Row counts of everything intake writes, the numbers handed out, and the files stored."""
    files = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
    return (
        Demand.objects.count(),
        Photo.objects.count(),
        Case.objects.count(),
        IntakeKey.objects.count(),
        Follow.objects.count(),
        sum(DemandCounter.objects.values_list("last", flat=True)),
        len(files),
    )


def phone_report(place, **extra):
    kwargs = {
        "channel": C.PHONE,
        "text": "小区3栋门口的路灯坏了一个星期，晚上很黑",
        "by": place.resident,
        "lng": INSIDE_A[0],
        "lat": INSIDE_A[1],
        "category": place.lamp,
    }
    kwargs.update(extra)
    return intake.submit_demand(**kwargs)


def staff_report(place, **extra):
    kwargs = {
        "channel": C.VISIT,
        "text": "入户走访时居民反映楼道灯不亮",
        "by": place.grid_worker,
        "lng": INSIDE_A[0],
        "lat": INSIDE_A[1],
        "category": place.lamp,
    }
    kwargs.update(extra)
    return intake.submit_demand(**kwargs)

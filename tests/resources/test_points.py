"""The points ledger: append-only, corrected by reversing entries, balances and rankings summed
from it, every write within the keeper's area."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.resources import points
from doorstep.resources.models import LedgerIsAppendOnly, PointEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(city):
    return factories.role("community_staff", city.community_a)


@pytest.fixture
def member(city):
    return factories.person("陈志愿", home_region=city.compound_a)


def _earn(keeper, person, region, pts, hours=0, team="", on=date(2025, 6, 1), reason="交通劝导"):
    return points.earn(
        keeper, person, region=region, points=pts, hours=hours, team=team, reason=reason, on=on
    )


def test_entries_cannot_be_changed_or_deleted(keeper, member, city):
    entry = _earn(keeper, member, city.compound_a, 10, "2.5")
    entry.points = 1000
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        PointEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(LedgerIsAppendOnly):
        PointEntry.objects.all().delete()
    with pytest.raises(LedgerIsAppendOnly):
        PointEntry.objects.bulk_update([entry], ["points"])
    assert PointEntry.objects.get().points == 10


def test_reversal_negates_and_balances(keeper, member, city):
    a = _earn(keeper, member, city.compound_a, 10, "2.5")
    _earn(keeper, member, city.compound_a, 5, "1")
    points.redeem(keeper, member, region=city.compound_a, points=4, partner="春天超市")
    assert points.balance(member) == points.Balance(points=11, hours=Decimal("3.5"), earned=15)
    fix = points.reverse(keeper, a, reason="重复录入")
    assert (fix.points, fix.hours, fix.kind, fix.reverses_id) == (-10, Decimal("-2.5"), "earn", a.pk)
    assert points.balance(member) == points.Balance(points=1, hours=Decimal("1"), earned=5)
    assert PointEntry.objects.count() == 4  # nothing was removed
    with pytest.raises(ValidationError) as exc:
        points.reverse(keeper, a, reason="再来一次")
    assert "已冲正" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        points.reverse(keeper, fix, reason="反冲")
    assert "不能再次冲正" in exc.value.messages[0]
    assert PointEntry.objects.count() == 4


def test_redeeming_more_than_the_balance_is_refused(keeper, member, city):
    _earn(keeper, member, city.compound_a, 3)
    with pytest.raises(ValidationError) as exc:
        points.redeem(keeper, member, region=city.compound_a, points=4, partner="春天超市")
    assert exc.value.message_dict["points"] == ["积分不足：当前余额为 3 分。"]
    assert PointEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("pts", "hours", "reason", "field", "message"),
    [
        ("abc", 0, "x", "points", "积分请填写整数。"),
        (-5, 0, "x", "points", "积分应在 0 到 100000 之间。"),
        (0, "1.234", "x", "hours", "时长应在 0 到 1000 小时之间，最多两位小数。"),
        (0, "一小时", "x", "hours", "时长请填写数字，例如 1.5。"),
        (0, 0, "x", "points", "请填写要记入的积分或时长。"),
        (1, 0, "  ", "reason", "请填写事由。"),
    ],
)
def test_bad_input_is_refused_in_chinese(keeper, member, city, pts, hours, reason, field, message):
    with pytest.raises(ValidationError) as exc:
        points.earn(keeper, member, region=city.compound_a, points=pts, hours=hours, reason=reason)
    assert exc.value.message_dict[field] == [message]
    assert not PointEntry.objects.exists()


def test_keepers_of_another_area_change_nothing(keeper, member, city):
    entry = _earn(keeper, member, city.compound_a, 10)
    outsider = factories.role("community_staff", city.community_b)
    grid_worker = factories.role("grid_worker", city.community_a)
    for who in (outsider, grid_worker):
        with pytest.raises(PermissionDenied):
            _earn(who, member, city.compound_a, 10)
        with pytest.raises(PermissionDenied):
            points.reverse(who, entry, reason="x")
        with pytest.raises(PermissionDenied):
            points.redeem(who, member, region=city.compound_a, points=1, partner="店")
    assert PointEntry.objects.count() == 1
    assert list(points.entries_visible(outsider)) == []
    assert list(points.entries_visible(grid_worker)) == [entry]  # grid workers read


def test_source_key_earns_once(keeper, member, city):
    a = points.earn(
        None,
        member,
        region=city.compound_a,
        points=1,
        reason="签到",
        source_key="checkin:1",
        check_scope=False,
    )
    b = points.earn(
        None,
        member,
        region=city.compound_a,
        points=1,
        reason="签到",
        source_key="checkin:1",
        check_scope=False,
    )
    assert a.pk == b.pk and points.balance(member).points == 1


@pytest.fixture
def ledger(city):
    admin = factories.role("admin", city.city)
    people = [factories.person(f"志愿者{i}") for i in range(6)]
    p = people
    rows = [
        # person, region, points, hours, team, on
        (p[0], city.compound_a, 30, "6", "红马甲一队", date(2025, 6, 3)),
        (p[1], city.compound_a, 20, "4", "红马甲一队", date(2025, 6, 10)),
        (p[2], city.community_a, 25, "5", "旗行者先锋", date(2025, 6, 20)),
        (p[3], city.compound_b, 50, "10", "锦阳先锋", date(2025, 6, 5)),  # other county
        (p[4], city.compound_a, 40, "8", "", date(2025, 5, 31)),  # May
        (p[5], city.compound_a, 20, "2", "旗行者先锋", date(2025, 6, 15)),
    ]
    entries = [_earn(admin, *row[:2], row[2], row[3], team=row[4], on=row[5]) for row in rows]
    points.reverse(admin, entries[1], reason="重复")  # p1's 20 reversed: net 0, not ranked
    points.redeem(
        admin, p[0], region=city.compound_a, points=25, partner="春天超市"
    )  # spending: not a rank change
    return people


def test_member_ranking_for_a_subtree_and_period(city, ledger, django_assert_num_queries):
    with django_assert_num_queries(2):  # the subtree, the ranking
        ranks = points.member_ranking(city.county_a, date(2025, 6, 1), date(2025, 6, 30))
    assert [(r.rank, r.name, r.points, r.hours) for r in ranks] == [
        (1, "志愿者0", 30, Decimal("6")),
        (2, "志愿者2", 25, Decimal("5")),
        (3, "志愿者5", 20, Decimal("2")),
    ]
    city_ranks = points.member_ranking(city.city, date(2025, 5, 1), date(2025, 6, 30), limit=2)
    assert [r.name for r in city_ranks] == ["志愿者3", "志愿者4"]


def test_team_ranking_for_a_subtree_and_period(city, ledger, django_assert_num_queries):
    with django_assert_num_queries(2):
        ranks = points.team_ranking(city.county_a, date(2025, 6, 1), date(2025, 6, 30))
    assert [(r.rank, r.team, r.members, r.points) for r in ranks] == [
        (1, "旗行者先锋", 2, 45),
        (2, "红马甲一队", 1, 30),  # its second member's points were reversed
    ]
    assert [r.team for r in points.team_ranking(city.county_b, date(2025, 6, 1), date(2025, 6, 30))] == [
        "锦阳先锋"
    ]


def test_ranking_query_count_does_not_grow(city, django_assert_num_queries):
    admin = factories.role("admin", city.city)
    for i in range(30):
        _earn(admin, factories.person(f"队员{i}"), city.compound_a, i + 1, team=f"队{i % 4}")
    with django_assert_num_queries(2):
        assert len(points.member_ranking(city.city, date(2025, 1, 1), date(2025, 12, 31), limit=50)) == 30
    with django_assert_num_queries(2):
        assert len(points.team_ranking(city.city, date(2025, 1, 1), date(2025, 12, 31))) == 4

"""Party members report to their community (双报到) and volunteers join teams (跑腿办, 邻里帮,
圆梦队, 解忧团); the figures count both for any region subtree and period."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.resources import figures, teams
from doorstep.resources.models import TeamMember, VolunteerTeam
from doorstep.territory.models import Organization, PartyMembership
from tests import factories

pytestmark = pytest.mark.django_db
K = VolunteerTeam.Kind


@pytest.fixture
def staff(city):
    return factories.role("community_staff", city.community_a)


def test_staff_found_teams_in_their_area_only(city, staff):
    team = teams.team_create(staff, name="宜阳跑腿办", kind=K.ERRANDS, region=city.community_a)
    assert team.region == city.community_a
    with pytest.raises(ValidationError) as exc:
        teams.team_create(staff, name="宜阳跑腿办", kind=K.ERRANDS, region=city.community_a)
    assert exc.value.message_dict["name"] == ["该区域已有同名队伍。"]
    with pytest.raises(ValidationError) as exc:
        teams.team_create(factories.role("admin", city.city), name="", kind="x", region=city.subdistrict_a)
    assert set(exc.value.message_dict) == {"name", "kind", "region"}
    with pytest.raises(PermissionDenied):
        teams.team_create(
            factories.role("community_staff", city.community_b),
            name="越界队",
            kind=K.WISHES,
            region=city.community_a,
        )
    assert VolunteerTeam.objects.count() == 1


def test_join_once_leave_and_join_again(city, staff):
    team = teams.team_create(staff, name="邻里帮", kind=K.NEIGHBOURS, region=city.community_a)
    user = factories.user("member1")
    person = factories.person("周党员", user=user, home_region=city.compound_a)
    m = teams.team_join(user, team)
    with pytest.raises(ValidationError) as exc:
        teams.team_join(user, team)
    assert exc.value.messages == ["已经是该队成员。"]
    teams.team_leave(user, m, on=date(2025, 6, 1))
    teams.team_join(user, team)
    assert TeamMember.objects.filter(person=person).count() == 2
    outsider = factories.role("community_staff", city.community_b)
    other = factories.person("吴居民", home_region=city.compound_a)
    with pytest.raises(PermissionDenied):
        teams.team_join(outsider, team, person=other)
    teams.team_join(staff, team, person=other)


def test_convener_must_be_a_member(city, staff):
    team = teams.team_create(staff, name="解忧团", kind=K.WORRIES, region=city.community_a)
    person = factories.person("郑召集")
    with pytest.raises(ValidationError):
        teams.set_convener(staff, team, person)
    teams.team_join(staff, team, person=person)
    assert teams.set_convener(staff, team, person).convener == person


def test_member_reports_to_their_community(city):
    user = factories.user("member2")
    person = factories.person("王党员", user=user, home_region=city.compound_a)
    with pytest.raises(ValidationError):
        teams.report_to_community(user, city.community_a)  # not a party member
    branch = factories.organization("宜阳社区党委", Organization.Kind.PARTY_COMMITTEE, city.community_a)
    PartyMembership.objects.create(person=person, organization=branch)
    m = teams.report_to_community(user, city.community_a, on=date(2025, 6, 3))
    assert (m.reports_to, m.reported_on) == (city.community_a, date(2025, 6, 3))
    with pytest.raises(ValidationError):
        teams.report_to_community(user, city.compound_a)


def test_teams_visible_scoped_in_one_query(city, staff, django_assert_num_queries):
    for i, kind in enumerate(K.values):
        team = teams.team_create(staff, name=f"队{i}", kind=kind, region=city.community_a)
        for j in range(i):
            teams.team_join(staff, team, person=factories.person(f"队员{i}{j}"))
    list(teams.teams_visible(staff)[:0])
    with django_assert_num_queries(1):
        rows = list(teams.teams_visible(staff))
    assert len(rows) == 5
    assert sum(t.member_count for t in rows) == 0 + 1 + 2 + 3 + 4
    assert list(teams.teams_visible(factories.role("community_staff", city.community_b))) == []


@pytest.fixture
def roll(city):
    admin = factories.role("admin", city.city)
    branch_a = factories.organization("宜阳党委", Organization.Kind.PARTY_COMMITTEE, city.community_a)
    rows = [
        # name, reports to, reported on, status
        ("党员甲", city.community_a, date(2025, 1, 5), "in_service"),
        ("党员乙", city.community_a, date(2025, 6, 10), "in_service"),
        ("党员丙", city.community_b, date(2025, 6, 11), "in_service"),
        ("党员丁", city.community_a, date(2025, 7, 2), "in_service"),  # after June
        ("党员戊", city.community_a, date(2025, 2, 1), "retired"),  # not in service
    ]
    for name, community, on, status in rows:
        PartyMembership.objects.create(
            person=factories.person(name),
            organization=branch_a,
            reports_to=community,
            reported_on=on,
            status=status,
        )
    errands = teams.team_create(
        admin, name="跑腿办", kind=K.ERRANDS, region=city.community_a, founded_on=date(2025, 1, 1)
    )
    wishes = teams.team_create(
        admin, name="圆梦队", kind=K.WISHES, region=city.compound_a, founded_on=date(2025, 6, 20)
    )
    teams.team_create(
        admin, name="锦阳邻里帮", kind=K.NEIGHBOURS, region=city.community_b, founded_on=date(2024, 1, 1)
    )
    old = teams.team_create(
        admin, name="旧队", kind=K.OTHER, region=city.community_a, founded_on=date(2024, 1, 1)
    )
    VolunteerTeam.objects.filter(pk=old.pk).update(dissolved_on=date(2025, 1, 1))
    a, b = factories.person("志愿甲"), factories.person("志愿乙")
    teams.team_join(admin, errands, person=a, on=date(2025, 1, 2))
    teams.team_join(admin, wishes, person=a, on=date(2025, 6, 20))  # the same person in two teams
    m = teams.team_join(admin, errands, person=b, on=date(2025, 2, 1))
    teams.team_leave(admin, m, on=date(2025, 5, 1))  # left before June


@pytest.mark.parametrize(
    ("region", "start", "end", "reported", "new", "teams_by_kind", "members"),
    [
        ("county_a", date(2025, 6, 1), date(2025, 6, 30), 2, 1, {"errands": 1, "wishes": 1}, 1),
        ("city", date(2025, 6, 1), date(2025, 6, 30), 3, 2, {"errands": 1, "wishes": 1, "neighbours": 1}, 1),
        ("county_a", date(2025, 1, 1), date(2025, 12, 31), 3, 3, {"errands": 1, "wishes": 1}, 2),
        ("county_a", date(2024, 1, 1), date(2024, 12, 31), 0, 0, {"other": 1}, 0),
        ("county_b", date(2025, 6, 1), date(2025, 6, 30), 1, 1, {"neighbours": 1}, 0),
    ],
)
def test_member_figures(
    city, roll, region, start, end, reported, new, teams_by_kind, members, django_assert_num_queries
):
    with django_assert_num_queries(4):
        result = figures.member_figures(getattr(city, region), start, end)
    assert (result.members_reported, result.newly_reported) == (reported, new)
    assert result.teams_by_kind == teams_by_kind and result.teams == sum(teams_by_kind.values())
    assert result.team_members == members


# --- pages ---------------------------------------------------------------------------------------


def test_member_page_join_leave_and_report(client, city, staff):
    from django.urls import reverse

    team = teams.team_create(staff, name="宜阳圆梦队", kind=K.WISHES, region=city.community_a)
    other = teams.team_create(
        factories.role("admin", city.city), name="锦阳解忧团", kind=K.WORRIES, region=city.community_b
    )
    user = factories.user("member3")
    person = factories.person("钱党员", user=user, home_region=city.compound_a)
    branch = factories.organization("宜阳社区党委", Organization.Kind.PARTY_COMMITTEE, city.community_a)
    PartyMembership.objects.create(person=person, organization=branch)
    client.force_login(user)
    page = client.get(reverse("resources:my_teams")).content.decode()
    assert "宜阳圆梦队" in page and "锦阳解忧团" not in page and "到宜阳社区报到" in page
    client.post(reverse("resources:my_teams_action", args=["join"]), {"team": team.pk})
    client.post(reverse("resources:my_teams_action", args=["join"]), {"team": other.pk})  # not theirs
    assert list(TeamMember.objects.values_list("team__name", flat=True)) == ["宜阳圆梦队"]
    client.post(reverse("resources:my_teams_action", args=["report"]), {"community": city.community_a.pk})
    assert PartyMembership.objects.get().reports_to == city.community_a
    member = TeamMember.objects.get()
    client.post(reverse("resources:my_teams_action", args=["leave"]), {"member": member.pk})
    assert TeamMember.objects.get().left_on is not None


def test_staff_teams_page_founds_and_lists_in_scope(client, city, staff):
    from django.urls import reverse

    teams.team_create(
        factories.role("admin", city.city), name="锦阳邻里帮", kind=K.NEIGHBOURS, region=city.community_b
    )
    client.force_login(staff)
    url = reverse("resources:staff_teams")
    bad = client.post(url, {"name": "", "kind": "errands", "region": city.community_a.pk})
    assert bad.status_code == 400 and "请填写队伍名称。" in bad.content.decode()
    outside = client.post(url, {"name": "越界", "kind": "errands", "region": city.community_b.pk})
    assert outside.status_code == 400
    client.post(url, {"name": "宜阳跑腿办", "kind": "errands", "region": city.community_a.pk})
    page = client.get(url).content.decode()
    assert "宜阳跑腿办" in page and "跑腿办" in page and "锦阳邻里帮" not in page
    assert VolunteerTeam.objects.count() == 2
    client.force_login(factories.user("resident9"))
    assert client.get(url).status_code == 403


def test_ledger_credits_team_members_and_ranks_their_team(client, city, staff):
    from django.urls import reverse

    from doorstep.resources import points

    team = teams.team_create(staff, name="宜阳邻里帮", kind=K.NEIGHBOURS, region=city.community_a)
    member = teams.team_join(staff, team, person=factories.person("孙志愿"))
    other_team = teams.team_create(
        factories.role("admin", city.city), name="锦阳圆梦队", kind=K.WISHES, region=city.community_b
    )
    outsider = teams.team_join(
        factories.role("admin", city.city), other_team, person=factories.person("李外人")
    )
    client.force_login(staff)
    url = reverse("resources:staff_points")
    page = client.get(url).content.decode()
    assert f'value="t{member.pk}"' in page and f'value="t{outsider.pk}"' not in page
    ok = client.post(
        url,
        {"action": "earn", "member": f"t{member.pk}", "points": "8", "hours": "3", "reason": "帮老人买菜"},
    )
    assert ok.status_code == 302
    refused = client.post(
        url, {"action": "earn", "member": f"t{outsider.pk}", "points": "8", "reason": "越界"}
    )
    assert refused.status_code == 404
    ranks = points.team_ranking(city.community_a, date(2000, 1, 1), date(2100, 1, 1))
    assert [(r.team, r.members, r.points) for r in ranks] == [("宜阳邻里帮", 1, 8)]

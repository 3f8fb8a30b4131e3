"""The vote pages: the owner votes on the phone, staff run the vote, anyone reads the announced
result — and nobody reaches a vote of a community that is not theirs."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from doorstep.council import services
from doorstep.council.models import Ballot, Vote, VoteEvent, VoteUnit
from doorstep.territory.models import Role
from tests import factories
from tests.council.factories import many_owners, vote_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return vote_world()


@pytest.fixture
def running(world):
    owners = many_owners(world)
    vote = services.create_vote(
        compound=world.city.compound_a,
        building=world.building,
        stairwell_unit=1,
        title="更换单元门禁",
        matter="1",
        by=world.staff,
    )
    vote = services.open_vote(vote, by=world.staff)
    keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
    return vote, {f"3栋-{k}": u for k, u in owners.items()}, keys


def body(response) -> str:
    return response.content.decode()


def test_an_owner_votes_and_sees_their_ballot(client, running):
    vote, owners, keys = running
    me = owners["3栋-1-101"]
    client.force_login(me)
    listing = body(client.get(reverse("council:my_votes")))
    assert "更换单元门禁" in listing and "表决中" in listing
    page = body(client.get(reverse("council:my_vote", args=[vote.pk])))
    assert "（一）制定和修改业主大会议事规则" in page and "3栋-1-101 · 100.00 m²" in page
    assert "投出我的选票" in page and 'value="abstain"' in page
    response = client.post(
        reverse("council:my_vote_cast", args=[vote.pk]), {"owner": keys["3栋-1-101"], "choice": "no"}
    )
    assert response.status_code == 302
    page = body(client.get(response["Location"]))
    assert "您的选票已记录" in page and "我的选票：反对" in page and "修改我的选票" in page
    client.post(
        reverse("council:my_vote_cast", args=[vote.pk]), {"owner": keys["3栋-1-101"], "choice": "yes"}
    )
    assert Ballot.objects.get(vote=vote).choice == "yes"


def test_an_owner_cannot_vote_for_someone_else(client, running):
    vote, owners, keys = running
    client.force_login(owners["3栋-1-101"])
    response = client.post(
        reverse("council:my_vote_cast", args=[vote.pk]), {"owner": keys["3栋-1-102"], "choice": "yes"}
    )
    assert response.status_code == 404
    stranger = factories.user()
    client.force_login(stranger)
    assert client.get(reverse("council:my_vote", args=[vote.pk])).status_code == 404
    assert "更换单元门禁" not in body(client.get(reverse("council:my_votes")))
    assert not Ballot.objects.exists()


def test_staff_run_a_vote_from_draft_to_announcement(client, world):
    owners = many_owners(world)
    client.force_login(world.staff)
    assert "业主表决" in body(client.get(reverse("council:staff_list")))
    form = client.get(reverse("council:staff_create"))
    assert world.city.compound_b.name not in body(form)  # only compounds in scope
    response = client.post(
        reverse("council:staff_create"),
        {
            "compound": world.city.compound_a.pk,
            "building": world.building.pk,
            "stairwell_unit": 1,
            "title": "3栋1单元加装电梯",
            "matter": "7",
            "template": "elevator",
            "occupied": "101，102",
            "changeable_ballots": "on",
        },
    )
    vote = Vote.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "council:staff_vote", args=[vote.pk]
    )
    assert sorted(vote.consent_required_of.values_list("room", flat=True)) == ["101", "102"]
    client.post(reverse("council:staff_transition", args=[vote.pk, "open"]))
    vote.refresh_from_db()
    assert vote.status == "open"
    page = body(client.get(reverse("council:staff_vote", args=[vote.pk])))
    assert "目前参与情况" in page and "录入纸质或委托表决票" in page
    keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
    # Five owners on paper, one by proxy: all agree.
    for i, label in enumerate(sorted(keys)):
        data = {"owner": keys[label], "choice": "yes", "origin": "paper", "sheet_ref": f"DT-{i:03d}"}
        if i == 5:
            data = {**data, "origin": "proxy", "sheet_ref": "", "proxy_ref": "WT-1", "proxy_name": "赵敏"}
        client.post(reverse("council:staff_ballot", args=[vote.pk]), data)
    assert Ballot.objects.filter(vote=vote).count() == 6
    missing_sheet = client.post(
        reverse("council:staff_ballot", args=[vote.pk]),
        {"owner": keys["3栋-1-101"], "choice": "no", "origin": "paper"},
    )
    assert "纸质表决票须填写" in body(client.get(missing_sheet["Location"]))
    client.post(reverse("council:staff_notice", args=[vote.pk]), {"text": "3月1日张贴于3栋1单元门口"})
    client.post(reverse("council:staff_transition", args=[vote.pk, "close"]))
    client.post(reverse("council:staff_transition", args=[vote.pk, "announce"]))
    vote.refresh_from_db()
    assert vote.status == "announced" and vote.passed is True
    public = body(client.get(reverse("council:result", args=[vote.pk])))
    assert "通过" in public and "100.00%" in public and "第二百八十条" in public
    assert "3月1日张贴于3栋1单元门口" in public
    for login in owners.values():  # no owner names on the public page
        assert login.person.name not in public
    assert "DT-000" not in public
    staff_page = body(client.get(reverse("council:staff_vote", args=[vote.pk])))
    # Owners' names are kept masked, as everywhere in doorstep; the unit says who it is.
    assert (
        "业******" in staff_page
        and "业主1-101" not in staff_page
        and "DT-000" in staff_page
        and "结果已公告" in staff_page
    )


def test_the_create_form_checks_the_occupied_rooms(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("council:staff_create"),
        {
            "compound": world.city.compound_a.pk,
            "building": world.building.pk,
            "stairwell_unit": 1,
            "title": "加装电梯",
            "matter": "7",
            "occupied": "101, 909",
        },
    )
    assert response.status_code == 200 and "本单元没有这些房间：909" in body(response)
    assert not Vote.objects.exists()


def test_results_are_public_only_once_announced(client, running, world):
    vote, _owners, _keys = running
    assert client.get(reverse("council:result", args=[vote.pk])).status_code == 404
    services.close_vote(vote, by=world.staff)
    assert client.get(reverse("council:result", args=[vote.pk])).status_code == 404
    services.announce_vote(vote, by=world.staff)
    response = client.get(reverse("council:result", args=[vote.pk]))
    assert response.status_code == 200 and "未通过" in body(response)
    assert "更换单元门禁" in body(client.get(reverse("council:results")))


def test_the_staff_desk_takes_the_same_queries_whatever_the_size(
    client, world, django_assert_max_num_queries
):
    """A stairwell unit of 6 owners and one of 36, every owner voted: the same number of queries."""
    for i in range(30):
        world.units[f"2-9{i:02d}"] = factories.dwelling(world.building, room=f"9{i:02d}", stairwell_unit=2)
    counts = []
    for stairwell, size in ((1, 6), (2, 36)):
        owners = many_owners(world, stairwell_unit=stairwell)
        vote = services.create_vote(
            compound=world.city.compound_a,
            building=world.building,
            stairwell_unit=stairwell,
            title="选聘物业",
            matter="4",
            by=world.staff,
        )
        vote = services.open_vote(vote, by=world.staff)
        keys = dict(VoteUnit.objects.filter(vote=vote).values_list("label", "owner_key"))
        for label, login in owners.items():
            services.cast_ballot(vote, owner_key=keys[f"3栋-{label}"], choice="yes", by=login)
        client.force_login(world.staff)
        with django_assert_max_num_queries(16) as captured:
            response = client.get(reverse("council:staff_vote", args=[vote.pk]))
        assert response.status_code == 200
        assert body(response).count("业主在线投票") == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- an outsider of another community neither sees nor acts ----------------------------------

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


def other_vote(world):
    """An open vote in 新城国际小区 (community B) with one owner and one ballot."""
    city = world.city
    staff_b = factories.role(Role.Kind.COMMUNITY_STAFF, city.community_b)
    building = factories.building(city.compound_b, "8栋")
    dwelling = factories.dwelling(building, "101")
    from tests.council.factories import owner

    login = owner("锦阳业主", dwelling)
    vote = services.create_vote(compound=city.compound_b, title="新城国际改选业委会", matter="3", by=staff_b)
    vote = services.open_vote(vote, by=staff_b)
    key = VoteUnit.objects.get(vote=vote).owner_key
    services.cast_ballot(vote, owner_key=key, choice="yes", by=login)
    return vote, key


def snapshot(vote):
    return (
        model_to_dict(Vote.objects.get(pk=vote.pk)),
        list(Ballot.objects.filter(vote=vote).values()),
        VoteEvent.objects.filter(vote=vote).count(),
    )


@pytest.mark.parametrize("kind", list(ROLE_AT))
def test_an_outsider_of_another_community_can_neither_see_nor_act(client, world, kind):
    vote, key = other_vote(world)
    user = factories.role(kind, getattr(world.city, ROLE_AT[kind]))
    client.force_login(user)
    before = snapshot(vote)
    for name in ("council:staff_vote", "council:staff_turnout", "council:my_vote"):
        assert client.get(reverse(name, args=[vote.pk])).status_code == 404, name
    for action in ("open", "close", "announce"):
        assert client.post(reverse("council:staff_transition", args=[vote.pk, action])).status_code == 404
    paper = {"owner": key, "choice": "no", "origin": "paper", "sheet_ref": "X-1"}
    assert client.post(reverse("council:staff_ballot", args=[vote.pk]), paper).status_code == 404
    assert client.post(reverse("council:staff_notice", args=[vote.pk]), {"text": "x"}).status_code == 404
    assert (
        client.post(
            reverse("council:my_vote_cast", args=[vote.pk]), {"owner": key, "choice": "no"}
        ).status_code
        == 404
    )
    assert client.get(reverse("council:result", args=[vote.pk])).status_code == 404  # not announced
    for name in ("council:staff_list", "council:my_votes"):
        assert "新城国际改选业委会" not in body(client.get(reverse(name)))
    response = client.post(
        reverse("council:staff_create"), {"compound": world.city.compound_b.pk, "title": "x", "matter": "1"}
    )
    assert response.status_code in (200, 404)
    assert snapshot(vote) == before
    assert Vote.objects.count() == 1


@pytest.mark.parametrize("kind", ["community_staff", "subdistrict_staff", "committee_member", "admin"])
def test_the_managing_roles_of_the_own_community_open_the_desk(client, world, kind):
    many_owners(world)
    vote = services.create_vote(compound=world.city.compound_a, title="选聘物业", matter="4", by=world.staff)
    client.force_login(factories.role(kind, getattr(world.city, ROLE_AT[kind])))
    assert client.get(reverse("council:staff_vote", args=[vote.pk])).status_code == 200
    client.post(reverse("council:staff_transition", args=[vote.pk, "open"]))
    assert Vote.objects.get(pk=vote.pk).status == "open"


@pytest.mark.parametrize("kind", ["grid_worker", "department_liaison", "property_staff", "leader"])
def test_other_roles_of_the_own_community_do_not_run_votes(client, world, kind):
    vote = services.create_vote(compound=world.city.compound_a, title="选聘物业", matter="4", by=world.staff)
    client.force_login(factories.role(kind, getattr(world.city, ROLE_AT[kind])))
    assert client.get(reverse("council:staff_vote", args=[vote.pk])).status_code == 404
    assert client.get(reverse("council:staff_create")).status_code == 404
